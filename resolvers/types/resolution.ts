import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Entity } from './entity';

export enum IdentifierSchemeEnum {
  CITIZEN_ID = 'CITIZEN_ID',
  USCC = 'USCC',
  BUILDING_CODE = 'BUILDING_CODE',
  HOUSE_CODE = 'HOUSE_CODE',
  DEVICE_CODE = 'DEVICE_CODE',
  PARKING_CODE = 'PARKING_CODE',
  CITY_CODE = 'CITY_CODE',
}
registerEnumType(IdentifierSchemeEnum, {
  name: 'IdentifierScheme',
  description: '外部编码体系 (多码融合): 公民身份号码、统一社会信用代码、楼栋编码、房屋编码、设备编码、车位编码、城市码',
  valuesConfig: {
    CITIZEN_ID: { description: '公民身份号码 (GB 11643-1999)' },
    USCC: { description: '统一社会信用代码 (GB 32100-2015)' },
    BUILDING_CODE: { description: '深圳楼栋编码 (19 位)' },
    HOUSE_CODE: { description: '深圳房屋编码 (25 位)' },
    DEVICE_CODE: { description: '物联设备编码' },
    PARKING_CODE: { description: '停车泊位编码' },
    CITY_CODE: { description: '城市码' },
  },
});

@ObjectType({ description: '外部编码解析结果: 该编码对应的城市码及实体' })
export class CodeResolution {
  @Field(() => IdentifierSchemeEnum)
  scheme!: IdentifierSchemeEnum;

  @Field(() => String, { nullable: true, description: '对应的城市码; 未登记时为空' })
  cityCode!: string | null;

  @Field(() => Entity, { nullable: true })
  entity!: Entity | null;

  @Field(() => Boolean, { description: '编码是否完全符合其国家标准 (早期试点统一社会信用代码可能不符合)' })
  conforming!: boolean;

  @Field(() => [String], { description: '校验提示, 如 15 位旧身份证号已升位' })
  warnings!: string[];
}
