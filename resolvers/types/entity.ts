import { Field, ID, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { parseCityCode } from '../../domain/citycode';
import type { EntityRecord } from '../../graph/entities';

export enum EntityKind {
  PERSON = 'PERSON',
  ENTERPRISE = 'ENTERPRISE',
  OBJECT = 'OBJECT',
}
registerEnumType(EntityKind, { name: 'EntityKind', description: '实体类别: 人 / 企 / 物' });

/** Anything that has a city code (城市码). */
@InterfaceType({
  description: '拥有城市码的实体 (人、企、物)',
  resolveType: (value: { __typename?: string }) => value.__typename,
})
export abstract class Entity {
  @Field(() => ID, { description: '城市码 (22 位)' })
  code!: string;

  @Field(() => EntityKind, { description: '实体类别' })
  kind!: EntityKind;

  @Field(() => String, { nullable: true, description: '名称 / 姓名' })
  name?: string | null;

  /** The parts of the code, parsed when a client first asks for one of them. */
  private parts?: ReturnType<typeof parseCityCode>;

  private part<K extends 'classCode' | 'classLabel' | 'division'>(key: K): string {
    this.parts ??= parseCityCode(this.code);
    return this.parts.ok ? this.parts.value[key] : '';
  }

  @Field(() => String, { description: '分类代码 (6 位)' })
  get classCode(): string {
    return this.part('classCode');
  }

  @Field(() => String, { description: '分类名称' })
  get classLabel(): string {
    return this.part('classLabel');
  }

  @Field(() => String, { description: '赋码行政区划代码 (6 位), 只表示谁赋的码, 不表示位置' })
  get issuedBy(): string {
    return this.part('division');
  }

  @Field(() => String, { nullable: true, description: '所在区 (区级行政区划代码)' })
  districtCode?: string | null;

  @Field(() => String, { nullable: true, description: '所在街道 (9 位)' })
  streetCode?: string | null;

  @Field(() => String, { nullable: true, description: '所在社区 (12 位)' })
  communityCode?: string | null;

  /**
   * The node's properties as fetched (never a GraphQL field): `provenance(attribute:)` reads the
   * `_prov_<attribute>` property and the value from here (resolvers/provenance.ts).
   */
  stored?: Readonly<Record<string, unknown>>;
}

@ObjectType({ implements: Entity, description: '自然人 (人)' })
export class Person extends Entity {
  readonly __typename = 'Person';

  @Field(() => String, { nullable: true, description: '性别 (M 男 / F 女)' })
  sex?: string | null;

  @Field(() => String, { nullable: true, description: '出生日期 (YYYY-MM-DD)' })
  birthDate?: string | null;

  @Field(() => String, { nullable: true, description: '联系电话' })
  phone?: string | null;

  /** The encrypted ID number (never a GraphQL field itself; `idNumber` decrypts it when allowed). */
  idCipher?: string | null;
}

@ObjectType({ implements: Entity, description: '法人和其他组织 (企): 企业、个体工商户、机关、社会组织' })
export class Enterprise extends Entity {
  readonly __typename = 'Enterprise';

  @Field(() => String, { nullable: true, description: '统一社会信用代码' })
  uscc?: string | null;

  @Field(() => String, { nullable: true, description: '行业' })
  industry?: string | null;

  @Field(() => String, { nullable: true, description: '成立日期 (YYYY-MM-DD)' })
  establishedOn?: string | null;

  @Field(() => String, { nullable: true, description: '登记状态 (存续 / 注销 …)' })
  status?: string | null;

  @Field(() => Int, { nullable: true, description: '注册资本 (万元)' })
  registeredCapitalWan?: number | null;

  @Field(() => String, { nullable: true, description: '注册地址' })
  address?: string | null;
}

@ObjectType({ implements: Entity, description: '城市实体 (物): 区域、建筑物、房屋、构件、零件、设备、车位、管线' })
export class CityObject extends Entity {
  readonly __typename = 'CityObject';

  @Field(() => String, { description: '对象类别: CITY DISTRICT STREET COMMUNITY BUILDING ROOM COMPONENT PART DEVICE PARKING_SPACE PIPE …' })
  objectKind!: string;

  @Field(() => String, { nullable: true, description: '区域代码 (区域对象: 6/9/12 位行政区划代码)' })
  regionCode?: string | null;

  @Field(() => String, { nullable: true, description: '地址' })
  address?: string | null;

  @Field(() => String, { nullable: true, description: '深圳楼栋编码 (19 位)' })
  buildingCode?: string | null;

  @Field(() => String, { nullable: true, description: '深圳房屋编码 (25 位)' })
  houseCode?: string | null;

  @Field(() => String, { nullable: true, description: '设备编码 / 车位编码' })
  deviceCode?: string | null;

  @Field(() => Int, { nullable: true, description: '地上层数' })
  floors?: number | null;

  @Field(() => String, { nullable: true, description: '用途' })
  usage?: string | null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function int(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
}

function fillCommon(target: Entity, record: EntityRecord, kind: EntityKind): void {
  target.code = record.code;
  target.kind = kind;
  target.name = str(record.props.name);
  target.districtCode = str(record.props.districtCode);
  target.streetCode = str(record.props.streetCode);
  target.communityCode = str(record.props.communityCode);
  target.stored = record.props;
}

/**
 * The stored properties each field of Person, Enterprise and CityObject reads from its node (the
 * fields derived from the code, and the relation fields, read none). A plan that knows the
 * selected fields fetches only these (resolvers/lookahead.ts); a field missing here makes the plan
 * fetch every property, so a new field is never short of data.
 */
export const PROPERTIES_OF_FIELD: Readonly<Record<string, readonly string[]>> = Object.freeze({
  __typename: [],
  code: [],
  kind: [],
  classCode: [],
  classLabel: [],
  issuedBy: [],
  name: ['name'],
  districtCode: ['districtCode'],
  streetCode: ['streetCode'],
  communityCode: ['communityCode'],
  sex: ['sex'],
  birthDate: ['birthDate'],
  phone: ['phone'],
  idNumber: ['idCipher'],
  uscc: ['uscc'],
  industry: ['industry'],
  establishedOn: ['establishedOn'],
  status: ['status'],
  registeredCapitalWan: ['registeredCapitalWan'],
  address: ['address'],
  objectKind: ['objectKind'],
  regionCode: ['regionCode'],
  buildingCode: ['buildingCode'],
  houseCode: ['houseCode'],
  deviceCode: ['deviceCode'],
  floors: ['floors'],
  usage: ['usage'],
});

/** Maps a stored node to its GraphQL type; properties not listed here never reach a client. */
export function toEntity(record: EntityRecord): Entity | null {
  const p = record.props;
  if (record.labels.includes('Person')) {
    const person = new Person();
    fillCommon(person, record, EntityKind.PERSON);
    person.sex = str(p.sex);
    person.birthDate = str(p.birthDate);
    person.phone = str(p.phone);
    person.idCipher = str(p.idCipher);
    return person;
  }
  if (record.labels.includes('Enterprise')) {
    const e = new Enterprise();
    fillCommon(e, record, EntityKind.ENTERPRISE);
    e.uscc = str(p.uscc);
    e.industry = str(p.industry);
    e.establishedOn = str(p.establishedOn);
    e.status = str(p.status);
    e.registeredCapitalWan = int(p.registeredCapitalWan);
    e.address = str(p.address);
    return e;
  }
  if (record.labels.includes('CityObject')) {
    const o = new CityObject();
    fillCommon(o, record, EntityKind.OBJECT);
    o.objectKind = str(p.objectKind) ?? 'UNKNOWN';
    o.regionCode = str(p.regionCode);
    o.address = str(p.address);
    o.buildingCode = str(p.buildingCode);
    o.houseCode = str(p.houseCode);
    o.deviceCode = str(p.deviceCode);
    o.floors = int(p.floors);
    o.usage = str(p.usage);
    return o;
  }
  return null;
}
