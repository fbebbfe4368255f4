/**
 * The city model (城市模型): the one declaration of what the platform knows about the city.
 *
 * Entity kinds with their attributes (type, domain, level, PII kind, default mask, authoritative
 * source), relations (stored type and direction, cardinality, field names both ways, the row
 * domain of their targets), object kinds, identifier schemes, and the output fields that carry no
 * classified value (structural) or that carry an attribute's value on behalf of an entity.
 *
 * Everything else is derived from this file: the GraphQL entity types and relation fields
 * (resolvers/entityTypes.ts), the policy catalogue's field keys (domain/catalogue.ts, written
 * into policies/<newest>/catalogue.json by `npm run generate`), the planner's tables
 * (query/plan.ts), the Cypher patterns (graph/patterns.ts), the federation entities
 * (api/subgraph.ts), the seed's labels and relation types, the ingestible attributes
 * (ingest/datasets.ts), the SDL and the generated client. docs/architecture.md says which
 * files one addition touches. Pure data: no I/O.
 */
import type { Level } from '../core/subject';
import type { EntityKind as CodeKind } from './citycode';
import type { IdentifierScheme } from './identifiers';

// ---------------------------------------------------------------------------------------------
// Vocabulary: data domains (数据域), masks, PII kinds
// ---------------------------------------------------------------------------------------------

/** Data domains (数据域), with the labels officials read. */
export const DOMAINS = {
  POPULATION: { label: '人口', description: '自然人基本信息、居住、户籍、就业关系' },
  LEGAL_ENTITY: { label: '法人', description: '企业、个体工商户、机关和社会组织的登记信息' },
  SPATIAL: { label: '空间', description: '区域、建筑物、构件、几何和地址 (空间底板)' },
  HOUSING: { label: '住房', description: '房屋编码、房屋权属和租赁' },
  IOT: { label: '物联', description: '物联感知设备、视频设备及其编码' },
  ECONOMY: { label: '经济', description: '注册资本、税收、产值等经济指标' },
  SAFETY: { label: '安全', description: '安全生产、危险源、消防和应急资源' },
  HEALTH: { label: '卫健', description: '公共卫生、医疗和健康服务数据' },
  TRANSPORT: { label: '交通', description: '道路、公共交通、停车和车辆数据' },
  PUBLIC_SERVICE: { label: '公共服务', description: '学校、医院、公园、养老机构等公共服务设施及其服务范围' },
  PUBLIC_MANAGEMENT: { label: '公共管理', description: '行政许可、监督检查、网格事件等公共管理事项' },
  INTERNET: { label: '互联网开放', description: '互联网开放数据: 兴趣点等, 附来源和许可协议' },
} as const satisfies Record<string, { label: string; description: string }>;
export type Domain = keyof typeof DOMAINS;
export const DOMAIN_CODES = Object.keys(DOMAINS) as Domain[];

export function isDomain(value: unknown): value is Domain {
  return typeof value === 'string' && Object.hasOwn(DOMAINS, value);
}

/**
 * The twin data plate (孪生数据底板): the ten kinds of fused data the plan asks for (不少于十类).
 * Every dataset (datasets/*.json) says which kind it belongs to; docs/data-plate.md lists them.
 */
export const DATA_PLATE = {
  SPATIAL_REFERENCE: { label: '时空基准', layer: 'BASE', description: '测量控制点、行政区划和网格等空间参照' },
  SPACE_2D_3D: { label: '全空间二三维', layer: 'BASE', description: '建筑物轮廓、高度和 BIM 构件' },
  POPULATION: { label: '人口', layer: 'BASE', description: '实有人口、户籍和居住' },
  LEGAL_ENTITY: { label: '法人', layer: 'BASE', description: '商事主体和其他组织' },
  CITY_ENTITY: { label: '城市实体', layer: 'BASE', description: '房屋、车位、管线等城市部件' },
  ECONOMY: { label: '经济运行', layer: 'THEMATIC', description: '纳税、就业、营业收入等' },
  PUBLIC_MANAGEMENT: { label: '公共管理', layer: 'THEMATIC', description: '许可、检查、网格事件' },
  PUBLIC_SERVICE: { label: '公共服务', layer: 'THEMATIC', description: '学校、医院、公园、养老机构及服务范围' },
  IOT: { label: '物联感知', layer: 'THEMATIC', description: '物联设备及其读数' },
  INTERNET: { label: '互联网开放', layer: 'THEMATIC', description: '兴趣点等互联网开放数据' },
} as const satisfies Record<string, { label: string; layer: 'BASE' | 'THEMATIC'; description: string }>;
export type PlateKind = keyof typeof DATA_PLATE;

/** The plate kind of a dataset that does not name one: by its domain. */
export const PLATE_OF_DOMAIN: Readonly<Record<string, PlateKind>> = {
  POPULATION: 'POPULATION',
  LEGAL_ENTITY: 'LEGAL_ENTITY',
  SPATIAL: 'SPACE_2D_3D',
  HOUSING: 'CITY_ENTITY',
  IOT: 'IOT',
  ECONOMY: 'ECONOMY',
  SAFETY: 'PUBLIC_MANAGEMENT',
  HEALTH: 'PUBLIC_SERVICE',
  TRANSPORT: 'CITY_ENTITY',
  PUBLIC_SERVICE: 'PUBLIC_SERVICE',
  PUBLIC_MANAGEMENT: 'PUBLIC_MANAGEMENT',
  INTERNET: 'INTERNET',
};
export const PLATE_KINDS = Object.keys(DATA_PLATE) as PlateKind[];

/** Masks (脱敏), after Apache Ranger's kinds; policy/masks.ts applies them. */
export const MASK_KINDS = ['SHOW_LAST_4', 'SHOW_FIRST_N', 'ID_NUMBER', 'PHONE', 'NAME', 'HASH', 'NULL', 'DATE_TO_YEAR'] as const;
export type MaskKind = (typeof MASK_KINDS)[number];

export function isMaskKind(value: unknown): value is MaskKind {
  return typeof value === 'string' && (MASK_KINDS as readonly string[]).includes(value);
}

/** A mask with its parameter: `n` is the number of leading characters SHOW_FIRST_N keeps. */
export interface MaskSpec {
  kind: MaskKind;
  n?: number;
}

/** Kinds of personal information (个人信息), as PIPL and GB/T 35273 name them. */
export type PiiKind = 'NAME' | 'CITIZEN_ID' | 'PHONE' | 'BIRTH_DATE' | 'SEX' | 'RESIDENCE' | 'EMPLOYMENT' | 'PROPERTY';

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

/** The GraphQL type of an attribute's value. */
export type ValueType = 'ID' | 'String' | 'Int' | 'Float' | 'GeoJSON' | 'EntityKind';

/** Where an attribute's value comes from. */
export type Source =
  /** A stored property of the entity's node (`property` defaults to the field's name). */
  | { from: 'property'; property?: string }
  /** A part of the city code itself. */
  | { from: 'code'; part: 'code' | 'kind' | 'classCode' | 'classLabel' | 'division' }
  /** An encrypted property, decrypted only for callers who may read it (domain/pii.ts). */
  | { from: 'encrypted'; property: string }
  /** The entity's feature in PostGIS (spatial/features.ts). */
  | { from: 'feature'; part: 'geometry' | 'heightM' };

/** Domain, level and default mask: what the policy decides a field by (分类分级). */
export interface Classification {
  domain: Domain;
  level: Level;
  /** What a grant one level short of `level` sees (docs/permissions.md, rule 3). */
  mask?: MaskSpec;
}

/** What datasets may feed into an attribute (ingest/): its own value, or an identifier of the entity. */
export type Feed = { as: 'property' } | { as: 'identifier'; scheme: IdentifierScheme };

export interface AttributeDecl extends Classification {
  type: ValueType;
  /** Non-null in GraphQL (only for values every entity has). */
  required?: boolean;
  /** Chinese label of the catalogue (数据目录). */
  label: string;
  /** GraphQL description; defaults to the label. */
  description?: string;
  pii?: PiiKind;
  source?: Source;
  feed?: Feed;
  /**
   * More names datasets may feed this attribute under, each an identifier of its own scheme
   * (a parking dataset's `CityObject.parkingCode` lands in `deviceCode`); classified as this attribute.
   */
  feedAliases?: Record<string, { scheme: IdentifierScheme; label: string; authoritative?: string }>;
  /** The dataset that is the authoritative source (权威来源, 一数一源) of the attribute. */
  authoritative?: string;
  /** Other words people search the catalogue (数据资源目录) with: 手机号 for 联系电话. */
  synonyms?: readonly string[];
}

/** How a relation field walks its edge from the entity it is on. */
export type Shape = 'one' | 'many' | 'ancestors';

export interface RelationFieldDecl extends Classification {
  /** The entity kind the field is on. */
  on: KindName;
  name: string;
  /** `out` follows the stored edge from its start (the relation's `from`), `in` walks it backwards. */
  direction: 'out' | 'in';
  shape: Shape;
  /** Target kind; defaults to the relation's other end, 'Entity' for either of several kinds. */
  to?: KindName | 'Entity';
  /** Variable length, e.g. [1, 6] for everything below a region. Default [1, 1]. */
  hops?: readonly [number, number];
  /** Stored types this field walks instead of the relation's (devices on an object or its components). */
  stored?: readonly string[];
  /** A path walked before the edge, in the same direction (a building's residents, through its rooms). */
  through?: { stored: readonly string[]; hops: readonly [number, number]; kind: KindName };
  /** Only targets of this object kind (CityObject.objectKind). */
  targetObjectKind?: string;
  /** Offers `kinds:` (filter by the targets' objectKind; only for CityObject targets). */
  kindsFilter?: boolean;
  label: string;
  description?: string;
  pii?: PiiKind;
  /** The field walking the same edge the other way (`Kind.field`): it must be classified alike. */
  inverse?: string;
  /** Datasets may feed the relation: the value is an identifier of the target (stored as `stored`). */
  feed?: { scheme: IdentifierScheme; stored: string };
  authoritative?: string;
  synonyms?: readonly string[];
}

export interface RelationDecl {
  label: string;
  /** Stored relationship types (Neo4j), from `from` to `to`. */
  stored: readonly string[];
  from: readonly KindName[];
  to: readonly KindName[];
  fields: readonly RelationFieldDecl[];
}

export interface KindDecl {
  /** Chinese label (catalogue). */
  label: string;
  /** GraphQL description of the type. */
  description: string;
  /** What the city code says of it (人 / 企 / 物). */
  codeKind: CodeKind;
  /** The domain of its rows: row scope of a listing of this kind. */
  rowDomain: Domain;
  /** The query field that reads one entity of this kind by city code. */
  byCode: { field: string; description: string };
  /** The attribute that says what sort of entity of the kind it is; a dataset's `objectKind` sets it on new entities. */
  typeAttribute?: string;
  attributes: Readonly<Record<string, AttributeDecl>>;
}

// ---------------------------------------------------------------------------------------------
// The entity interface: fields every kind has (each kind classifies them)
// ---------------------------------------------------------------------------------------------

/** Fields of the `Entity` interface, their type and source; each kind gives their classification. */
export const ENTITY_INTERFACE = {
  label: '拥有城市码的实体 (人、企、物)',
  fields: {
    code: { type: 'ID', required: true, source: { from: 'code', part: 'code' }, description: '城市码 (22 位)' },
    kind: { type: 'EntityKind', required: true, source: { from: 'code', part: 'kind' }, description: '实体类别' },
    name: { type: 'String', description: '名称 / 姓名' },
    classCode: { type: 'String', required: true, source: { from: 'code', part: 'classCode' }, description: '分类代码 (6 位)' },
    classLabel: { type: 'String', required: true, source: { from: 'code', part: 'classLabel' }, description: '分类名称' },
    issuedBy: { type: 'String', required: true, source: { from: 'code', part: 'division' }, description: '赋码行政区划代码 (6 位), 只表示谁赋的码, 不表示位置' },
    districtCode: { type: 'String', description: '所在区 (区级行政区划代码)' },
    streetCode: { type: 'String', description: '所在街道 (9 位)' },
    communityCode: { type: 'String', description: '所在社区 (12 位)' },
    gridCode: { type: 'String', description: '所在网格 (14 位: 社区 12 位 + 网格 2 位; 网格化管理的最小单元)' },
  },
} as const satisfies { label: string; fields: Record<string, Pick<AttributeDecl, 'type' | 'required' | 'source' | 'description'>> };
export type InterfaceField = keyof typeof ENTITY_INTERFACE.fields;

type Classified = Classification & { label: string; pii?: PiiKind; feed?: Feed; authoritative?: string; description?: string; synonyms?: readonly string[] };

/** The interface fields of one kind, classified: the shape from ENTITY_INTERFACE, the rest from `c`. */
function entityFields(c: Record<InterfaceField, Classified>): Record<InterfaceField, AttributeDecl> {
  const out = {} as Record<InterfaceField, AttributeDecl>;
  for (const [field, shape] of Object.entries(ENTITY_INTERFACE.fields) as [InterfaceField, AttributeDecl][]) {
    out[field] = { ...shape, ...c[field], description: c[field].description ?? shape.description };
  }
  return out;
}

const L1 = (domain: Domain, label: string): Classified => ({ domain, level: 'L1', label });
const L2 = (domain: Domain, label: string): Classified => ({ domain, level: 'L2', label });

/** The parts of the code and its issuer: public (公开) for every kind. */
function codeParts(domain: Domain) {
  return {
    code: L1(domain, '城市码'),
    kind: L1(domain, '实体类别'),
    classCode: L1(domain, '分类代码'),
    classLabel: L1(domain, '分类名称'),
    issuedBy: L1(domain, '赋码行政区划代码'),
  };
}

// ---------------------------------------------------------------------------------------------
// Entity kinds (人、企、物 and public-service facilities)
// ---------------------------------------------------------------------------------------------

export const KINDS = {
  Person: {
    label: '自然人 (人)',
    description: '自然人 (人)',
    codeKind: 'PERSON',
    rowDomain: 'POPULATION',
    byCode: { field: 'person', description: '按城市码查询自然人' },
    attributes: {
      ...entityFields({
        ...codeParts('POPULATION'),
        name: { domain: 'POPULATION', level: 'L2', mask: { kind: 'NAME' }, label: '姓名', pii: 'NAME', feed: { as: 'property' }, authoritative: 'gaj-population', synonyms: ['名字', '人员姓名'] },
        districtCode: L2('POPULATION', '居住地所在区'),
        streetCode: L2('POPULATION', '居住地所在街道'),
        communityCode: L2('POPULATION', '居住地所在社区'),
        gridCode: L2('POPULATION', '居住地所在网格'),
      }),
      citizenCode: {
        type: 'String',
        domain: 'POPULATION',
        level: 'L2',
        label: '市民码',
        description: '市民码 (18 位, 不含身份证号、出生日期和性别; docs/city-code.md)',
        feed: { as: 'identifier', scheme: 'CITIZEN_CODE' },
        authoritative: 'zsj-citizen-code',
        synonyms: ['深圳市民码', '电子市民卡'],
      },
      sex: { type: 'String', domain: 'POPULATION', level: 'L3', label: '性别', description: '性别 (M 男 / F 女)', pii: 'SEX', feed: { as: 'property' }, authoritative: 'gaj-population' },
      birthDate: {
        type: 'String',
        domain: 'POPULATION',
        level: 'L3',
        mask: { kind: 'DATE_TO_YEAR' },
        label: '出生日期',
        description: '出生日期 (YYYY-MM-DD)',
        pii: 'BIRTH_DATE',
        feed: { as: 'property' },
        authoritative: 'gaj-population',
      },
      phone: {
        type: 'String',
        domain: 'POPULATION',
        level: 'L3',
        mask: { kind: 'PHONE' },
        label: '联系电话',
        pii: 'PHONE',
        feed: { as: 'property' },
        authoritative: 'gaj-population',
        synonyms: ['手机号', '手机号码', '电话号码', '联系方式'],
      },
      idNumber: {
        type: 'String',
        domain: 'POPULATION',
        level: 'L4',
        mask: { kind: 'ID_NUMBER' },
        label: '公民身份号码 (明文, 解密)',
        description: '公民身份号码 (仅授权可见明文, 否则按策略脱敏)',
        pii: 'CITIZEN_ID',
        source: { from: 'encrypted', property: 'idCipher' },
        feed: { as: 'identifier', scheme: 'CITIZEN_ID' },
        authoritative: 'gaj-population',
        synonyms: ['身份证号', '身份证号码', '证件号码'],
      },
    },
  },
  Enterprise: {
    label: '法人和其他组织 (企)',
    description: '法人和其他组织 (企): 企业、个体工商户、机关、社会组织',
    codeKind: 'ENTERPRISE',
    rowDomain: 'LEGAL_ENTITY',
    byCode: { field: 'enterprise', description: '按城市码查询法人和其他组织' },
    attributes: {
      ...entityFields({
        ...codeParts('LEGAL_ENTITY'),
        name: { ...L1('LEGAL_ENTITY', '名称'), feed: { as: 'property' }, authoritative: 'scjgj-enterprise' },
        districtCode: L1('LEGAL_ENTITY', '所在区'),
        streetCode: L1('LEGAL_ENTITY', '所在街道'),
        communityCode: L1('LEGAL_ENTITY', '所在社区'),
        gridCode: L1('LEGAL_ENTITY', '所在网格'),
      }),
      uscc: {
        type: 'String',
        ...L1('LEGAL_ENTITY', '统一社会信用代码'),
        feed: { as: 'identifier', scheme: 'USCC' },
        authoritative: 'scjgj-enterprise',
        synonyms: ['信用代码', '社会信用代码', '营业执照号'],
      },
      industry: { type: 'String', ...L1('LEGAL_ENTITY', '行业'), feed: { as: 'property' } },
      establishedOn: { type: 'String', ...L1('LEGAL_ENTITY', '成立日期'), description: '成立日期 (YYYY-MM-DD)', feed: { as: 'property' }, authoritative: 'scjgj-enterprise' },
      status: { type: 'String', ...L1('LEGAL_ENTITY', '登记状态'), description: '登记状态 (存续 / 注销 …)', feed: { as: 'property' }, authoritative: 'scjgj-enterprise' },
      registeredCapitalWan: { type: 'Int', ...L2('ECONOMY', '注册资本 (万元)'), feed: { as: 'property' }, authoritative: 'scjgj-enterprise' },
      address: { type: 'String', ...L1('LEGAL_ENTITY', '注册地址'), feed: { as: 'property' }, authoritative: 'scjgj-enterprise' },
      taxCreditRating: {
        type: 'String',
        ...L2('ECONOMY', '纳税信用等级'),
        description: '纳税信用等级 (A / B / M / C / D)',
        feed: { as: 'property' },
        authoritative: 'swu-enterprise-tax',
      },
      taxBand: {
        type: 'String',
        domain: 'ECONOMY',
        level: 'L3',
        label: '纳税规模档次',
        description: '年度纳税额档次 (T1 <10 万, T2 10–100 万, T3 100–1000 万, T4 ≥1000 万元)',
        feed: { as: 'property' },
        authoritative: 'swu-enterprise-tax',
      },
      annualRevenueWan: { type: 'Int', domain: 'ECONOMY', level: 'L3', label: '年营业收入 (万元)', feed: { as: 'property' }, authoritative: 'swu-enterprise-tax', synonyms: ['营收', '产值'] },
      employeeCount: { type: 'Int', ...L2('ECONOMY', '参保从业人数'), feed: { as: 'property' }, authoritative: 'rsj-employment', synonyms: ['就业人数', '员工数'] },
    },
  },
  CityObject: {
    label: '城市实体 (物)',
    description: '城市实体 (物): 区域、建筑物、房屋、构件、零件、设备、车位、管线',
    codeKind: 'OBJECT',
    rowDomain: 'SPATIAL',
    byCode: { field: 'cityObject', description: '按城市码查询城市实体 (物)' },
    typeAttribute: 'objectKind',
    attributes: {
      ...entityFields({
        ...codeParts('SPATIAL'),
        name: { ...L1('SPATIAL', '名称'), feed: { as: 'property' }, authoritative: 'ghzy-building' },
        districtCode: L1('SPATIAL', '所在区'),
        streetCode: L1('SPATIAL', '所在街道'),
        communityCode: L1('SPATIAL', '所在社区'),
        gridCode: L1('SPATIAL', '所在网格'),
      }),
      objectKind: {
        type: 'String',
        required: true,
        ...L1('SPATIAL', '对象类别'),
        description: '对象类别: CITY DISTRICT STREET COMMUNITY BUILDING ROOM COMPONENT PART DEVICE PARKING_SPACE PIPE …',
      },
      regionCode: { type: 'String', ...L1('SPATIAL', '区域代码'), description: '区域代码 (区域对象: 6/9/12 位行政区划代码)' },
      address: { type: 'String', ...L1('SPATIAL', '地址'), feed: { as: 'property' }, authoritative: 'ghzy-building' },
      buildingCode: {
        type: 'String',
        ...L1('SPATIAL', '楼栋编码'),
        description: '深圳楼栋编码 (19 位)',
        feed: { as: 'identifier', scheme: 'BUILDING_CODE' },
        authoritative: 'ghzy-building',
      },
      houseCode: {
        type: 'String',
        domain: 'HOUSING',
        level: 'L2',
        mask: { kind: 'SHOW_FIRST_N', n: 19 },
        label: '房屋编码 (前 19 位为楼栋编码)',
        description: '深圳房屋编码 (25 位)',
        feed: { as: 'identifier', scheme: 'HOUSE_CODE' },
        authoritative: 'zjj-room',
      },
      deviceCode: {
        type: 'String',
        ...L2('IOT', '设备编码 / 车位编码'),
        feed: { as: 'identifier', scheme: 'DEVICE_CODE' },
        feedAliases: { parkingCode: { scheme: 'PARKING_CODE', label: '车位编码', authoritative: 'jtj-parking' } },
        authoritative: 'swj-device',
      },
      floors: { type: 'Int', ...L1('SPATIAL', '地上层数'), feed: { as: 'property' }, authoritative: 'ghzy-building' },
      ifcClass: { type: 'String', ...L1('SPATIAL', 'IFC 类型'), description: 'BIM 导入对象的 IFC 实体类型 (IfcBuildingStorey、IfcSpace、IfcWall、IfcPlate …; ingest/bim.ts)' },
      ifcGuid: { type: 'String', ...L1('SPATIAL', 'IFC GlobalId'), description: 'BIM 导入对象在其 IFC 模型中的 GlobalId (22 位), 亦在多码融合中 (IFC_GUID)' },
      usage: { type: 'String', ...L1('SPATIAL', '用途'), feed: { as: 'property' }, authoritative: 'ghzy-building' },
      geometry: { type: 'GeoJSON', ...L1('SPATIAL', '几何'), description: '几何 (GeoJSON, EPSG:4490)', source: { from: 'feature', part: 'geometry' } },
      heightM: { type: 'Float', ...L1('SPATIAL', '高度'), description: '高度 (米)', source: { from: 'feature', part: 'heightM' } },
    },
  },
  PublicFacility: {
    label: '公共服务设施',
    description: '公共服务设施: 学校、医院、公园、养老机构',
    codeKind: 'OBJECT',
    rowDomain: 'PUBLIC_SERVICE',
    byCode: { field: 'publicFacility', description: '按城市码查询公共服务设施' },
    typeAttribute: 'facilityType',
    attributes: {
      ...entityFields({
        ...codeParts('PUBLIC_SERVICE'),
        name: { ...L1('PUBLIC_SERVICE', '设施名称'), feed: { as: 'property' } },
        districtCode: L1('PUBLIC_SERVICE', '所在区'),
        streetCode: L1('PUBLIC_SERVICE', '所在街道'),
        communityCode: L1('PUBLIC_SERVICE', '所在社区'),
        gridCode: L1('PUBLIC_SERVICE', '所在网格'),
      }),
      facilityType: {
        type: 'String',
        required: true,
        ...L1('PUBLIC_SERVICE', '设施类别'),
        description: '设施类别: SCHOOL 学校 / HOSPITAL 医院 / PARK 公园 / ELDERLY_CARE 养老机构',
      },
      capacity: { type: 'Int', ...L1('PUBLIC_SERVICE', '服务能力'), description: '服务能力 (学位、床位或日均游客容量)', feed: { as: 'property' } },
      address: { type: 'String', ...L1('PUBLIC_SERVICE', '地址'), feed: { as: 'property' } },
      servicePhone: { type: 'String', ...L1('PUBLIC_SERVICE', '服务电话'), feed: { as: 'property' } },
      serviceRadiusM: { type: 'Int', ...L1('PUBLIC_SERVICE', '服务半径 (米)'), description: '服务半径 (米): 服务范围为设施位置周围该半径内的社区', feed: { as: 'property' } },
      geometry: { type: 'GeoJSON', ...L1('PUBLIC_SERVICE', '位置'), description: '位置 (GeoJSON, EPSG:4490)', source: { from: 'feature', part: 'geometry' } },
    },
  },
  ManagementEvent: {
    label: '公共管理事项',
    description: '公共管理事项: 行政许可、监督检查、网格事件',
    codeKind: 'OBJECT',
    rowDomain: 'PUBLIC_MANAGEMENT',
    byCode: { field: 'managementEvent', description: '按城市码查询公共管理事项' },
    typeAttribute: 'eventType',
    attributes: {
      ...entityFields({
        ...codeParts('PUBLIC_MANAGEMENT'),
        name: { ...L1('PUBLIC_MANAGEMENT', '事项名称'), feed: { as: 'property' } },
        districtCode: L1('PUBLIC_MANAGEMENT', '所在区'),
        streetCode: L1('PUBLIC_MANAGEMENT', '所在街道'),
        communityCode: L1('PUBLIC_MANAGEMENT', '所在社区'),
        gridCode: L1('PUBLIC_MANAGEMENT', '所在网格'),
      }),
      eventType: {
        type: 'String',
        required: true,
        ...L1('PUBLIC_MANAGEMENT', '事项类别'),
        description: '事项类别: PERMIT 行政许可 / INSPECTION 监督检查 / GRID_EVENT 网格事件',
      },
      caseNo: { type: 'String', ...L1('PUBLIC_MANAGEMENT', '事项编号'), description: '主管部门的事项编号 (许可证号、检查单号、事件单号)', feed: { as: 'property' } },
      occurredOn: { type: 'String', ...L1('PUBLIC_MANAGEMENT', '发生或决定日期'), description: '发生或决定日期 (YYYY-MM-DD)', feed: { as: 'property' } },
      status: { type: 'String', ...L2('PUBLIC_MANAGEMENT', '办理状态'), description: '办理状态 (受理 / 办结 / 整改中 …)', feed: { as: 'property' } },
      result: { type: 'String', ...L2('PUBLIC_MANAGEMENT', '结果'), description: '许可结论、检查结果或事件处置结果', feed: { as: 'property' } },
      geometry: { type: 'GeoJSON', ...L1('PUBLIC_MANAGEMENT', '位置'), description: '位置 (GeoJSON, EPSG:4490)', source: { from: 'feature', part: 'geometry' } },
    },
  },
  PointOfInterest: {
    label: '兴趣点 (互联网开放)',
    description: '兴趣点: 来自互联网开放数据, 附来源和许可协议, 匹配到建筑物',
    codeKind: 'OBJECT',
    rowDomain: 'INTERNET',
    byCode: { field: 'pointOfInterest', description: '按城市码查询兴趣点' },
    attributes: {
      ...entityFields({
        ...codeParts('INTERNET'),
        name: { ...L1('INTERNET', '兴趣点名称'), feed: { as: 'property' } },
        districtCode: L1('INTERNET', '所在区'),
        streetCode: L1('INTERNET', '所在街道'),
        communityCode: L1('INTERNET', '所在社区'),
        gridCode: L1('INTERNET', '所在网格'),
      }),
      category: { type: 'String', ...L1('INTERNET', '类别'), description: '类别 (餐饮、购物、交通设施 …)', feed: { as: 'property' } },
      source: { type: 'String', ...L1('INTERNET', '数据来源'), description: '数据来源 (如 OpenStreetMap)', feed: { as: 'property' } },
      licence: { type: 'String', ...L1('INTERNET', '许可协议'), description: '许可协议 (如 ODbL-1.0), 使用时须遵守', feed: { as: 'property' } },
      address: { type: 'String', ...L1('INTERNET', '地址'), feed: { as: 'property' } },
      geometry: { type: 'GeoJSON', ...L1('INTERNET', '位置'), description: '位置 (GeoJSON, EPSG:4490)', source: { from: 'feature', part: 'geometry' } },
    },
  },
} as const satisfies Record<string, KindDecl>;

export type KindName = keyof typeof KINDS;
export const KIND_NAMES = Object.keys(KINDS) as KindName[];

// ---------------------------------------------------------------------------------------------
// Relations
// ---------------------------------------------------------------------------------------------

/** The stored types of the spatial hierarchy 地表 → 市域 → 城区 → 街道 → 社区 → 建筑物 → 构件 → 零件, and what is installed on it. */
const HIERARCHY = ['WITHIN', 'LOCATED_IN', 'PART_OF', 'INSTALLED_ON'] as const;

export const RELATIONS = {
  RESIDES_IN: {
    label: '居住',
    stored: ['RESIDES_IN'],
    from: ['Person'],
    to: ['CityObject'],
    fields: [
      {
        on: 'Person',
        name: 'residence',
        direction: 'out',
        shape: 'one',
        domain: 'POPULATION',
        level: 'L3',
        label: '居住的房屋',
        description: '居住的房屋 (套间)',
        pii: 'RESIDENCE',
        inverse: 'CityObject.residents',
        feed: { scheme: 'HOUSE_CODE', stored: 'RESIDES_IN' },
        authoritative: 'gaj-population',
        synonyms: ['住址', '居住地', '现住址'],
      },
      {
        on: 'CityObject',
        name: 'residents',
        direction: 'in',
        shape: 'many',
        through: { stored: ['PART_OF'], hops: [0, 1], kind: 'CityObject' },
        domain: 'POPULATION',
        level: 'L3',
        label: '居住人口',
        description: '居住人口 (房屋; 建筑物则含其全部房屋)',
        pii: 'RESIDENCE',
        inverse: 'Person.residence',
      },
    ],
  },
  REGISTERED_AT: {
    label: '登记地',
    stored: ['REGISTERED_AT'],
    from: ['Person', 'Enterprise'],
    to: ['CityObject'],
    fields: [
      { on: 'Person', name: 'registeredAt', direction: 'out', shape: 'one', domain: 'POPULATION', level: 'L3', label: '户籍登记地', description: '户籍登记地 (社区)', pii: 'RESIDENCE' },
      {
        on: 'Enterprise',
        name: 'registeredAt',
        direction: 'out',
        shape: 'one',
        domain: 'LEGAL_ENTITY',
        level: 'L1',
        label: '注册地 (建筑物)',
        inverse: 'CityObject.registeredEnterprises',
        feed: { scheme: 'BUILDING_CODE', stored: 'REGISTERED_AT' },
      },
      {
        on: 'CityObject',
        name: 'registeredEnterprises',
        direction: 'in',
        shape: 'many',
        to: 'Enterprise',
        domain: 'LEGAL_ENTITY',
        level: 'L1',
        label: '注册在此的企业',
        inverse: 'Enterprise.registeredAt',
      },
    ],
  },
  EMPLOYED_BY: {
    label: '任职',
    stored: ['EMPLOYED_BY'],
    from: ['Person'],
    to: ['Enterprise'],
    fields: [
      { on: 'Person', name: 'employers', direction: 'out', shape: 'many', domain: 'POPULATION', level: 'L3', label: '任职单位', pii: 'EMPLOYMENT', inverse: 'Enterprise.employees' },
      { on: 'Enterprise', name: 'employees', direction: 'in', shape: 'many', domain: 'POPULATION', level: 'L3', label: '从业人员', pii: 'EMPLOYMENT', inverse: 'Person.employers' },
    ],
  },
  LEGAL_REPRESENTATIVE_OF: {
    label: '法定代表人',
    stored: ['LEGAL_REPRESENTATIVE_OF'],
    from: ['Person'],
    to: ['Enterprise'],
    fields: [
      {
        on: 'Person',
        name: 'representedEnterprises',
        direction: 'out',
        shape: 'many',
        domain: 'LEGAL_ENTITY',
        level: 'L2',
        label: '担任法定代表人的企业',
        inverse: 'Enterprise.legalRepresentative',
      },
      { on: 'Enterprise', name: 'legalRepresentative', direction: 'in', shape: 'one', domain: 'LEGAL_ENTITY', level: 'L2', label: '法定代表人', inverse: 'Person.representedEnterprises' },
    ],
  },
  OWNS: {
    label: '权属',
    stored: ['OWNS'],
    from: ['Person', 'Enterprise'],
    to: ['CityObject'],
    fields: [
      { on: 'Person', name: 'owns', direction: 'out', shape: 'many', kindsFilter: true, domain: 'HOUSING', level: 'L3', label: '拥有的房屋、车位', pii: 'PROPERTY', inverse: 'CityObject.owners' },
      { on: 'Enterprise', name: 'owns', direction: 'out', shape: 'many', kindsFilter: true, domain: 'HOUSING', level: 'L3', label: '拥有的房屋、车位', inverse: 'CityObject.owners' },
      { on: 'CityObject', name: 'owners', direction: 'in', shape: 'many', to: 'Entity', domain: 'HOUSING', level: 'L3', label: '权利人', description: '权利人 (人或企)', pii: 'PROPERTY' },
    ],
  },
  HIERARCHY: {
    label: '空间层级',
    stored: HIERARCHY,
    from: ['CityObject'],
    to: ['CityObject'],
    fields: [
      {
        on: 'CityObject',
        name: 'parent',
        direction: 'out',
        shape: 'one',
        domain: 'SPATIAL',
        level: 'L1',
        label: '上级对象',
        description: '上级对象 (所在社区、建筑物、构件……)',
        inverse: 'CityObject.children',
        feed: { scheme: 'BUILDING_CODE', stored: 'PART_OF' },
      },
      {
        on: 'CityObject',
        name: 'children',
        direction: 'in',
        shape: 'many',
        kindsFilter: true,
        domain: 'SPATIAL',
        level: 'L1',
        label: '直接下级',
        description: '直接下级 (可按类别筛选)',
        inverse: 'CityObject.parent',
      },
      {
        on: 'CityObject',
        name: 'ancestors',
        direction: 'out',
        shape: 'ancestors',
        hops: [1, 8],
        domain: 'SPATIAL',
        level: 'L1',
        label: '全部上级',
        description: '全部上级, 由近及远, 直到市域',
        inverse: 'CityObject.contents',
      },
      {
        on: 'CityObject',
        name: 'contents',
        direction: 'in',
        shape: 'many',
        hops: [1, 6],
        kindsFilter: true,
        domain: 'SPATIAL',
        level: 'L1',
        label: '其中的一切',
        description: '其中的一切 (任意深度): 社区里的建筑物、房屋、构件、设备……',
        inverse: 'CityObject.ancestors',
      },
      {
        on: 'CityObject',
        name: 'devices',
        direction: 'in',
        shape: 'many',
        stored: ['INSTALLED_ON', 'PART_OF'],
        hops: [1, 3],
        targetObjectKind: 'DEVICE',
        domain: 'IOT',
        level: 'L2',
        label: '安装在此的物联设备',
      },
    ],
  },
  WORKS_AT: {
    label: '工作地点',
    stored: ['WORKS_AT'],
    from: ['Person'],
    to: ['CityObject'],
    fields: [
      { on: 'Person', name: 'workplace', direction: 'out', shape: 'one', domain: 'POPULATION', level: 'L3', label: '工作地点', description: '工作地点 (建筑物)', pii: 'EMPLOYMENT', inverse: 'CityObject.workers' },
      { on: 'CityObject', name: 'workers', direction: 'in', shape: 'many', domain: 'POPULATION', level: 'L3', label: '在此工作的人员', pii: 'EMPLOYMENT', inverse: 'Person.workplace' },
    ],
  },
  OPERATES: {
    label: '经营场所',
    stored: ['OPERATES'],
    from: ['Enterprise'],
    to: ['CityObject'],
    fields: [
      { on: 'Enterprise', name: 'premises', direction: 'out', shape: 'many', domain: 'LEGAL_ENTITY', level: 'L2', label: '经营场所', description: '实际经营场所 (建筑物)', inverse: 'CityObject.operators' },
      { on: 'CityObject', name: 'operators', direction: 'in', shape: 'many', domain: 'LEGAL_ENTITY', level: 'L2', label: '在此经营的企业', inverse: 'Enterprise.premises' },
    ],
  },
  SERVES: {
    label: '服务范围',
    stored: ['SERVES'],
    from: ['PublicFacility'],
    to: ['CityObject'],
    fields: [
      { on: 'PublicFacility', name: 'serves', direction: 'out', shape: 'many', domain: 'PUBLIC_SERVICE', level: 'L1', label: '服务的社区', inverse: 'CityObject.servedBy' },
      { on: 'CityObject', name: 'servedBy', direction: 'in', shape: 'many', domain: 'PUBLIC_SERVICE', level: 'L1', label: '服务本社区的公共服务设施', inverse: 'PublicFacility.serves' },
    ],
  },
  SITED_IN: {
    label: '设施所在地',
    stored: ['LOCATED_IN'],
    from: ['PublicFacility'],
    to: ['CityObject'],
    fields: [
      { on: 'PublicFacility', name: 'site', direction: 'out', shape: 'one', domain: 'PUBLIC_SERVICE', level: 'L1', label: '所在建筑物或社区', inverse: 'CityObject.facilities' },
      { on: 'CityObject', name: 'facilities', direction: 'in', shape: 'many', domain: 'PUBLIC_SERVICE', level: 'L1', label: '位于此处的公共服务设施', inverse: 'PublicFacility.site' },
    ],
  },
  CONCERNS: {
    label: '事项对象',
    stored: ['CONCERNS'],
    from: ['ManagementEvent'],
    to: ['Enterprise', 'CityObject'],
    fields: [
      {
        on: 'ManagementEvent',
        name: 'enterprise',
        direction: 'out',
        shape: 'one',
        to: 'Enterprise',
        domain: 'PUBLIC_MANAGEMENT',
        level: 'L1',
        label: '事项涉及的企业',
        feed: { scheme: 'USCC', stored: 'CONCERNS' },
      },
      {
        on: 'ManagementEvent',
        name: 'place',
        direction: 'out',
        shape: 'one',
        to: 'CityObject',
        domain: 'PUBLIC_MANAGEMENT',
        level: 'L1',
        label: '事项涉及的建筑物',
        feed: { scheme: 'BUILDING_CODE', stored: 'CONCERNS' },
      },
    ],
  },
  MATCHED_TO: {
    label: '匹配的建筑物',
    stored: ['MATCHED_TO'],
    from: ['PointOfInterest'],
    to: ['CityObject'],
    fields: [
      {
        on: 'PointOfInterest',
        name: 'building',
        direction: 'out',
        shape: 'one',
        domain: 'INTERNET',
        level: 'L1',
        label: '所在建筑物 (空间匹配)',
        description: '兴趣点所在的建筑物: 由位置与建筑物轮廓空间匹配 (spatial/poiMatching)',
      },
    ],
  },
} as const satisfies Record<string, RelationDecl>;

export type RelationName = keyof typeof RELATIONS;

// ---------------------------------------------------------------------------------------------
// Measures: values of an entity that are not properties of its node (time series)
// ---------------------------------------------------------------------------------------------

/**
 * Measured values released under a catalogue key of their own (policy/release.ts decides them for
 * the row of the entity they belong to): IoT readings of a device, and their aggregates over the
 * devices of a building or region. Indicator values are classified per indicator (domain/indicators.ts).
 */
export const MEASURES = {
  'CityObject.readings': { domain: 'IOT', level: 'L2', label: '物联设备读数 (最新值和历史序列)', authoritative: 'swj-device-readings' },
  'CityObject.readingStats': { domain: 'IOT', level: 'L2', label: '物联读数统计 (按建筑物、社区、区汇总)', authoritative: 'swj-device-readings' },
} as const satisfies Record<string, Classification & { label: string; authoritative?: string }>;
export type MeasureKey = keyof typeof MEASURES;

// ---------------------------------------------------------------------------------------------
// Object kinds (CityObject.objectKind) whose rows belong to another domain
// ---------------------------------------------------------------------------------------------

/**
 * City objects of these kinds are data of another domain than their type's: an IoT device is a
 * CityObject (spatial rows), but what devices exist where is IoT data (物联), classified by the
 * relation field that lists them. Such a row is visible only where that field is readable.
 */
export const OBJECT_KIND_ROWS = {
  DEVICE: { label: '物联设备', classifiedBy: 'CityObject.devices' },
} as const satisfies Record<string, { label: string; classifiedBy: string }>;
export type RowObjectKind = keyof typeof OBJECT_KIND_ROWS;

// ---------------------------------------------------------------------------------------------
// Identifier schemes (多码融合): which attribute holds each scheme's values
// ---------------------------------------------------------------------------------------------

/**
 * The attribute a look-up by each scheme filters on (resolveCode): whoever may not read it in
 * clear may not probe it either. Citizen IDs are looked up by their keyed hash only.
 */
export const IDENTIFIER_ATTRIBUTES = {
  CITIZEN_ID: 'Person.idNumber',
  USCC: 'Enterprise.uscc',
  BUILDING_CODE: 'CityObject.buildingCode',
  HOUSE_CODE: 'CityObject.houseCode',
  DEVICE_CODE: 'CityObject.deviceCode',
  PARKING_CODE: 'CityObject.deviceCode',
  CITIZEN_CODE: 'Person.citizenCode',
  IFC_GUID: 'CityObject.ifcGuid',
  CITY_CODE: 'Entity.code',
} as const satisfies Record<IdentifierScheme, string>;

// ---------------------------------------------------------------------------------------------
// Output fields outside the entity kinds
// ---------------------------------------------------------------------------------------------

/**
 * How a field of a non-entity output type is released (policy/release.ts):
 *  - 'structural': carries no classified value (counts, cursors, metadata, links to entities whose
 *    own fields are decided);
 *  - 'attribute': the value of an entity's attribute, which the object names (ProvenanceType.value
 *    is the value of `attribute` of entity `code`): decided as that attribute, for that entity's row;
 *  - 'attributes': a JSON map of attribute → value of one entity, each entry decided as its attribute;
 *  - 'metadata': a description of data of some domain and level (the catalogue's): shown to callers
 *    who may read data of that domain at that level somewhere.
 * A schema field that is neither classified by a kind nor listed here is refused at start-up.
 */
export type OutputRelease = 'structural' | 'attribute' | 'attributes' | 'metadata';

const structural = (...fields: string[]): Record<string, OutputRelease> => Object.fromEntries(fields.map((f) => [f, 'structural' as const]));

export const OUTPUT_FIELDS: Readonly<Record<string, Readonly<Record<string, OutputRelease>>>> = {
  /** Connections and edges of every kind (and of Entity) are derived; these are their fields. */
  '*Connection': structural('totalCount', 'nodes', 'edges', 'pageInfo'),
  '*Edge': structural('cursor', 'node'),
  PageInfo: structural('hasNextPage', 'endCursor'),
  Ancestor: structural('depth', 'object'),
  Query: { '*': 'structural' },
  Mutation: { '*': 'structural' },
  Subscription: { '*': 'structural' },
  _Service: structural('sdl'),
  CodeResolution: structural('scheme', 'cityCode', 'entity', 'conforming', 'warnings'),
  ChangePageType: structural('nodes', 'endCursor', 'hasNextPage'),
  ChangeType: structural('code', 'changedAt', 'entity'),
  UsageFieldType: structural('key', 'label'),
  UsageEntryType: structural(
    'id', 'at', 'username', 'department', 'departmentName', 'purpose', 'purposeLabel', 'operation', 'decision', 'grant', 'policyVersion', 'subgraph',
    'entityCodes', 'fields', 'reason',
  ),
  UsagePageType: structural('nodes', 'endCursor', 'hasNextPage'),
  MyDataUsageType: structural('id', 'at', 'department', 'departmentName', 'purpose', 'purposeLabel', 'decision', 'grant', 'subgraph', 'fields'),
  MyDataUsagePageType: structural('nodes', 'endCursor', 'hasNextPage'),
  ExportJobType: structural(
    'id', 'state', 'format', 'sourceKind', 'source', 'purpose', 'requester', 'department', 'policyVersion', 'rows', 'bytes', 'sha256', 'grants', 'error',
    'createdAt', 'finishedAt', 'fileUrl', 'manifestUrl',
  ),
  ReturnFlowType: structural(
    'id', 'district', 'department', 'domain', 'cron', 'timezone', 'purpose', 'target', 'enabled', 'snapshotDone', 'cursor', 'nextRunAt', 'attempt',
    'lastRunAt', 'lastStatus', 'lastError', 'createdBy', 'createdAt', 'deliveries',
  ),
  ReturnFlowDeliveryType: structural(
    'id', 'status', 'attempt', 'trigger', 'snapshot', 'startedAt', 'finishedAt', 'fromCursor', 'toCursor', 'rows', 'bytes', 'sha256', 'location', 'error',
  ),
  ChangeEventType: structural('cursor', 'id', 'at', 'code', 'kind', 'domain', 'dataset', 'source', 'fields', 'entity'),
  ProvenanceType: {
    ...structural('code', 'attribute', 'dataset', 'datasetName', 'department', 'departmentName', 'at', 'authoritative', 'resolvedBy'),
    value: 'attribute',
    record: 'attribute',
  },
  ConflictPageType: structural('totalCount', 'nodes', 'endCursor'),
  ConflictType: {
    ...structural('id', 'entity', 'entityType', 'attribute', 'datasetA', 'recordA', 'atA', 'datasetB', 'recordB', 'atB', 'winnerDataset', 'rule', 'status', 'resolvedBy', 'resolution', 'createdAt'),
    valueA: 'attribute',
    valueB: 'attribute',
  },
  ReviewCaseType: { ...structural('id', 'dataset', 'line', 'candidate', 'score', 'status'), recordKey: 'attribute', values: 'attributes' },
  SourceRecordType: { ...structural('id', 'line', 'status', 'method', 'score', 'at', 'entityCode', 'registeredTo'), recordKey: 'attribute' },
  DatasetType: structural(
    'id', 'name', 'department', 'departmentName', 'topic', 'domain', 'level', 'declaredLevel', 'inheritedLevel', 'approvedLevel',
    'cadenceDays', 'entity', 'authoritative', 'fields', 'derivedFrom', 'registeredAt', 'description',
  ),
  DatasetFieldType: structural('name', 'type', 'attribute', 'label'),
  DerivationType: structural('dataset', 'job'),
  DatasetRegistrationType: structural('id', 'level', 'inheritedLevel'),
  DatasetQualityType: structural(
    'dataset', 'department', 'records', 'completeness', 'matchRate', 'reviewOpen', 'conflicts', 'openConflicts', 'located', 'registered',
    'registrationRate', 'lastIngest', 'ageDays', 'cadenceDays', 'fresh',
  ),
  DepartmentQualityType: structural('department', 'departmentName', 'datasets', 'records', 'completeness', 'matchRate', 'conflicts', 'registrationRate', 'freshDatasets'),
  IngestResultType: structural('dataset', 'read', 'matched', 'new', 'review', 'unchanged', 'conflicts', 'rejected', 'rejections'),
  FieldAccessType: structural('key', 'field', 'effect', 'byRow', 'requiredLevel', 'policy', 'reason', 'betterWithPurposes'),
  RegionStatsType: structural('region', 'persons', 'enterprises', 'cityObjects', 'publicFacilities'),
  // The readings of a measure field are released whole by that field (CityObject.readings / readingStats).
  Reading: structural('device', 'deviceCode', 'metric', 'unit', 'at', 'value'),
  ReadingBucket: structural('start', 'n', 'avg', 'min', 'max'),
  ReadingAlert: { ...structural('device', 'deviceCode', 'metric', 'unit', 'at', 'crossed', 'threshold'), value: 'attribute' },
  // Every other field of Indicator (one per definition) carries a value released as its own
  // catalogue key (domain/modelIndex.ts outputRelease).
  Indicator: structural('region', 'level', 'regionCode', 'period'),
  IndicatorDefinition: structural('id', 'key', 'name', 'scene', 'owner', 'unit', 'cadence', 'domain', 'level', 'formula', 'datasets'),
  IndicatorPoint: { ...structural('period'), value: 'attribute' },
  LineageType: structural('root', 'entries', 'authoritativeSources', 'partial', 'depth'),
  LineageEntryType: structural('node', 'hops', 'direction', 'via', 'relation', 'job'),
  LineageNodeType: structural('id', 'kind', 'name', 'label', 'department', 'departmentName', 'level', 'placeholder'),
  PolicyVersionType: structural('version', 'checksum', 'effectiveFrom', 'grants'),
  GrantChangeResultType: structural('version', 'changeId', 'grantId', 'action', 'department'),
  AuditVerificationType: structural('ok', 'checkedRows', 'checkpointsVerified', 'firstBrokenId', 'reason', 'message'),
  CataloguePageType: structural('totalCount', 'nodes', 'endCursor', 'hasNextPage'),
  CatalogueEntryType: {
    ...structural(
      'key', 'kind', 'name', 'entityKind', 'department', 'departmentName', 'topic', 'domain', 'domainLabel', 'level', 'pii',
      'authoritativeDataset', 'authoritativeDepartment', 'cadenceDays', 'lastIngest', 'fresh', 'quality', 'rowCount', 'synonyms',
    ),
    description: 'metadata',
  },
  AccessRequestType: structural(
    'id', 'requesterDepartment', 'requester', 'domain', 'fields', 'datasets', 'scopeKind', 'scopeCodes', 'purpose', 'justification', 'expiresAt',
    'maxLevel', 'ownerDepartment', 'needsCommittee', 'state', 'grantId', 'createdAt', 'events',
  ),
  AccessRequestEventType: structural('at', 'actor', 'actorDepartment', 'actingAs', 'from', 'to', 'reason', 'policyVersion'),
  AccessRequestPageType: structural('nodes', 'endCursor', 'hasNextPage', 'count'),
  CatalogueQualityType: structural('completeness', 'matchRate', 'registrationRate', 'conflicts', 'openConflicts', 'reviewOpen'),
};

/** The field on every entity kind that answers where an attribute's value came from (resolvers/bindings.ts). */
export const PROVENANCE_FIELD = {
  name: 'provenance',
  label: '属性值来源 (数据集、部门、记录、时间); 按所查属性本身的授权判定, 见 docs/permissions.md §3',
  description: '属性值的来源: 数据集、部门、记录、时间 (与该属性同样受授权约束: 属性不可读则报 FORBIDDEN_FIELD, 脱敏则值同样脱敏)',
} as const;
