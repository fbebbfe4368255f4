import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { IDENTIFIER_SCHEMES, type IdentifierScheme } from '../../domain/identifiers';
import { IDENTIFIER_ATTRIBUTES } from '../../domain/model';
import type { EntityValue } from '../../query/entities';
import { Entity } from './entityTypes';

/** The identifier schemes of the city model (多码融合), as a GraphQL enum. */
export const IdentifierSchemeEnum = Object.freeze(Object.fromEntries(Object.keys(IDENTIFIER_ATTRIBUTES).map((s) => [s, s]))) as {
  readonly [S in IdentifierScheme]: S;
};
export type IdentifierSchemeEnum = IdentifierScheme;
registerEnumType(IdentifierSchemeEnum, {
  name: 'IdentifierScheme',
  description: '外部编码体系 (多码融合): 公民身份号码、统一社会信用代码、楼栋编码、房屋编码、设备编码、车位编码、城市码',
  valuesConfig: Object.fromEntries(Object.keys(IDENTIFIER_ATTRIBUTES).map((s) => [s, { description: `${IDENTIFIER_SCHEMES[s as IdentifierScheme].label} (${IDENTIFIER_SCHEMES[s as IdentifierScheme].name})` }])),
});

@ObjectType({ description: '外部编码解析结果: 该编码对应的城市码及实体' })
export class CodeResolution {
  @Field(() => IdentifierSchemeEnum)
  scheme!: IdentifierSchemeEnum;

  @Field(() => String, { nullable: true, description: '对应的城市码; 未登记时为空' })
  cityCode!: string | null;

  @Field(() => Entity, { nullable: true })
  entity!: EntityValue | null;

  @Field(() => Boolean, { description: '编码是否完全符合其国家标准 (早期试点统一社会信用代码可能不符合)' })
  conforming!: boolean;

  @Field(() => [String], { description: '校验提示, 如 15 位旧身份证号已升位' })
  warnings!: string[];
}
