/**
 * Indicators (指标): definitions as data. An indicator is a declarative aggregation over one of the
 * stores — the graph (entities of a kind, filtered by their stored attributes), PostGIS (features of
 * a kind: count, footprint area, height) or the IoT readings (a metric of a device category over a
 * window) — computed for every region of a level (city, district, street, community, grid) and a
 * period, kept as history, and released through the gate under its own catalogue key
 * `Indicator.<id>` (its domain and level), for the region the value describes.
 *
 *   value = agg(numerator) [/ agg(denominator)] × scale
 *
 * Pure: the definitions and their validation. indicators/compute.ts computes them; INDICATORS
 * below are the shipped ones, by scene (住房、停车、应急、网格治理、公共服务、经济).
 */
import type { Level } from '../core/subject';
import { KINDS, type Domain, type KindName } from './model';

export type Aggregation = 'count' | 'sum' | 'avg' | 'min' | 'max';
export type FilterOp = 'eq' | 'ne' | 'gte' | 'lt' | 'startsWith';

export interface Filter {
  attribute: string;
  op: FilterOp;
  value: string | number;
}

export type Base =
  | { store: 'graph'; kind: KindName; filters?: readonly Filter[]; attribute?: string }
  | { store: 'spatial'; featureKind: string; measure: 'count' | 'areaM2' | 'heightM' }
  | { store: 'readings'; category?: string; metric: string; windowHours: number };

export interface Term {
  base: Base;
  agg: Aggregation;
}

export interface IndicatorDefinition {
  id: string;
  name: string;
  scene: Scene;
  /** The department that owns the definition (指标责任部门). */
  owner: string;
  unit: string;
  cadence: 'DAILY' | 'MONTHLY';
  domain: Domain;
  level: Level;
  numerator: Term;
  denominator?: Term;
  scale?: number;
  description?: string;
}

export const SCENES = {
  HOUSING: '住房',
  PARKING: '停车',
  EMERGENCY: '应急',
  GRID_GOVERNANCE: '网格治理',
  PUBLIC_SERVICE: '公共服务',
  ECONOMY: '经济',
} as const;
export type Scene = keyof typeof SCENES;

export const REGION_LEVELS = ['CITY', 'DISTRICT', 'STREET', 'COMMUNITY', 'GRID'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** The catalogue key of an indicator's values: `Indicator.<id in camelCase>` (housing_rooms → Indicator.housingRooms). */
export const indicatorKey = (id: string): string => `Indicator.${id.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())}`;

const ID_RE = /^[a-z][a-z0-9_]{2,62}$/;

/** Problems of a definition (empty: valid): unknown kinds, attributes, aggregations without an attribute. */
export function indicatorProblems(d: IndicatorDefinition): string[] {
  const out: string[] = [];
  if (!ID_RE.test(d.id)) out.push(`id ${d.id} must be 3-63 lower-case letters, digits and _`);
  const term = (t: Term, what: string) => {
    const b = t.base;
    if (b.store === 'graph') {
      const kind = KINDS[b.kind];
      if (!kind) return out.push(`${what}: kind ${b.kind} is not a kind of the city model`);
      const attrs = kind.attributes as Record<string, unknown>;
      for (const f of b.filters ?? []) if (!attrs[f.attribute]) out.push(`${what}: filter on ${b.kind}.${f.attribute}, which the model does not declare`);
      if (t.agg !== 'count' && !b.attribute) out.push(`${what}: ${t.agg} needs an attribute`);
      if (b.attribute && !attrs[b.attribute]) out.push(`${what}: ${b.kind}.${b.attribute} is not an attribute`);
    } else if (b.store === 'readings') {
      if (!(b.windowHours > 0 && b.windowHours <= 24 * 31)) out.push(`${what}: windowHours must be in 1..744`);
    }
    return 0;
  };
  term(d.numerator, 'numerator');
  if (d.denominator) term(d.denominator, 'denominator');
  return out;
}

// ---------------------------------------------------------------------------------------------
// The shipped definitions
// ---------------------------------------------------------------------------------------------

const count = (kind: KindName, ...filters: Filter[]): Term => ({ base: { store: 'graph', kind, ...(filters.length ? { filters } : {}) }, agg: 'count' });
const sum = (kind: KindName, attribute: string, ...filters: Filter[]): Term => ({ base: { store: 'graph', kind, attribute, ...(filters.length ? { filters } : {}) }, agg: 'sum' });
const avg = (kind: KindName, attribute: string, ...filters: Filter[]): Term => ({ base: { store: 'graph', kind, attribute, ...(filters.length ? { filters } : {}) }, agg: 'avg' });
const eq = (attribute: string, value: string | number): Filter => ({ attribute, op: 'eq', value });
const objects = (objectKind: string, ...more: Filter[]) => count('CityObject', eq('objectKind', objectKind), ...more);
const facilities = (type: string) => count('PublicFacility', eq('facilityType', type));
const capacity = (type: string) => sum('PublicFacility', 'capacity', eq('facilityType', type));
const events = (type: string, ...more: Filter[]) => count('ManagementEvent', eq('eventType', type), ...more);
const readings = (metric: string, agg: Aggregation, category?: string, windowHours = 24): Term => ({ base: { store: 'readings', metric, windowHours, ...(category ? { category } : {}) }, agg });
const persons = count('Person');

type Row = Omit<IndicatorDefinition, 'cadence'> & { cadence?: IndicatorDefinition['cadence'] };
const def = (r: Row): IndicatorDefinition => ({ cadence: 'DAILY', ...r });

const USAGES = [['residential', '住宅'], ['commercial', '商业'], ['office', '办公'], ['industrial', '工业'], ['public', '公共服务']] as const;
const INDUSTRIES = [
  ['tech', '科技'], ['electronics', '电子'], ['it', '信息技术'], ['internet', '网络科技'], ['smart', '智能科技'], ['trade', '贸易'], ['industry', '实业'],
  ['supply_chain', '供应链管理'], ['logistics', '物流'], ['ecommerce', '电子商务'], ['construction', '建筑工程'], ['decoration', '装饰工程'],
  ['property_mgmt', '物业管理'], ['real_estate', '房地产开发'], ['investment', '投资咨询'], ['consulting', '企业管理咨询'], ['hr', '人力资源'],
  ['media', '文化传媒'], ['catering', '餐饮管理'], ['biotech', '生物科技'], ['medical_devices', '医疗器械'], ['new_energy', '新能源科技'],
] as const;
const FACILITIES = [['school', 'SCHOOL', '学校', '学位'], ['hospital', 'HOSPITAL', '医疗机构', '床位'], ['park', 'PARK', '公园', '日均游客容量'], ['elderly', 'ELDERLY_CARE', '养老机构', '养老床位']] as const;
const DEVICE_CATEGORIES = [
  ['env', '01', '环境感知'], ['camera', '02', '视频监控'], ['meter', '03', '计量仪表'], ['traffic', '04', '交通感知'], ['fire', '05', '消防安全'],
  ['structure', '06', '结构健康监测'], ['municipal', '07', '市政设施控制'], ['parking', '08', '停车感知'],
] as const;
const TAX_RATINGS = ['A', 'B', 'M', 'C', 'D'] as const;
const TAX_BANDS = [['t1', 'T1', '10 万元以下'], ['t2', 'T2', '10–100 万元'], ['t3', 'T3', '100–1000 万元'], ['t4', 'T4', '1000 万元以上']] as const;

function housing(): IndicatorDefinition[] {
  const o = { scene: 'HOUSING' as const, owner: 'SZ-ZJJ', domain: 'HOUSING' as const, level: 'L1' as const };
  return [
    def({ ...o, id: 'housing_rooms', name: '房屋套数', unit: '套', numerator: objects('ROOM') }),
    def({ ...o, id: 'housing_buildings', name: '建筑物栋数', unit: '栋', domain: 'SPATIAL', owner: 'SZ-GHZY', numerator: objects('BUILDING') }),
    ...USAGES.map(([k, label]) => def({ ...o, id: `housing_buildings_${k}`, name: `${label}建筑栋数`, unit: '栋', domain: 'SPATIAL', owner: 'SZ-GHZY', numerator: objects('BUILDING', eq('usage', label)) })),
    ...USAGES.map(([k, label]) =>
      def({ ...o, id: `housing_share_${k}`, name: `${label}建筑占比`, unit: '%', domain: 'SPATIAL', owner: 'SZ-GHZY', numerator: objects('BUILDING', eq('usage', label)), denominator: objects('BUILDING'), scale: 100 }),
    ),
    def({ ...o, id: 'housing_high_rise', name: '高层建筑栋数 (10 层及以上)', unit: '栋', domain: 'SPATIAL', owner: 'SZ-GHZY', numerator: count('CityObject', eq('objectKind', 'BUILDING'), { attribute: 'floors', op: 'gte', value: 10 }) }),
    def({ ...o, id: 'housing_avg_floors', name: '建筑平均层数', unit: '层', domain: 'SPATIAL', owner: 'SZ-GHZY', numerator: avg('CityObject', 'floors', eq('objectKind', 'BUILDING')) }),
    def({ ...o, id: 'housing_footprint_area', name: '建筑基底总面积', unit: '平方米', domain: 'SPATIAL', owner: 'SZ-GHZY', numerator: { base: { store: 'spatial', featureKind: 'BUILDING', measure: 'areaM2' }, agg: 'sum' } }),
    def({ ...o, id: 'housing_avg_height', name: '建筑平均高度', unit: '米', domain: 'SPATIAL', owner: 'SZ-GHZY', numerator: { base: { store: 'spatial', featureKind: 'BUILDING', measure: 'heightM' }, agg: 'avg' } }),
    def({ ...o, id: 'housing_max_height', name: '最高建筑高度', unit: '米', domain: 'SPATIAL', owner: 'SZ-GHZY', numerator: { base: { store: 'spatial', featureKind: 'BUILDING', measure: 'heightM' }, agg: 'max' } }),
    def({ ...o, id: 'housing_residents', name: '实有人口', unit: '人', domain: 'POPULATION', level: 'L2', owner: 'SZ-GAJ', numerator: persons }),
    def({ ...o, id: 'housing_persons_per_room', name: '套均居住人口', unit: '人/套', domain: 'POPULATION', level: 'L2', owner: 'SZ-GAJ', numerator: persons, denominator: objects('ROOM') }),
    def({ ...o, id: 'housing_rooms_per_building', name: '栋均房屋套数', unit: '套/栋', numerator: objects('ROOM'), denominator: objects('BUILDING') }),
    def({ ...o, id: 'housing_area_per_person', name: '人均建筑基底面积', unit: '平方米/人', domain: 'SPATIAL', level: 'L2', owner: 'SZ-GHZY', numerator: { base: { store: 'spatial', featureKind: 'BUILDING', measure: 'areaM2' }, agg: 'sum' }, denominator: persons }),
  ];
}

function parking(): IndicatorDefinition[] {
  const o = { scene: 'PARKING' as const, owner: 'SZ-JTJ', domain: 'TRANSPORT' as const, level: 'L1' as const };
  return [
    def({ ...o, id: 'parking_spaces', name: '停车泊位数', unit: '个', numerator: objects('PARKING_SPACE') }),
    def({ ...o, id: 'parking_spaces_per_1000', name: '每千人停车泊位数', unit: '个/千人', level: 'L2', numerator: objects('PARKING_SPACE'), denominator: persons, scale: 1000 }),
    def({ ...o, id: 'parking_spaces_per_building', name: '栋均停车泊位数', unit: '个/栋', numerator: objects('PARKING_SPACE'), denominator: objects('BUILDING') }),
    def({ ...o, id: 'parking_sensors', name: '停车感知设备数', unit: '台', domain: 'IOT', level: 'L2', numerator: objects('DEVICE', { attribute: 'name', op: 'startsWith', value: '停车感知' }) }),
    def({ ...o, id: 'parking_occupancy_avg', name: '泊位平均占用率 (24 小时)', unit: '%', domain: 'IOT', level: 'L2', numerator: readings('occupancy', 'avg', '08'), scale: 100 }),
    def({ ...o, id: 'parking_occupancy_peak', name: '泊位峰值占用率 (24 小时)', unit: '%', domain: 'IOT', level: 'L2', numerator: readings('occupancy', 'max', '08'), scale: 100 }),
    def({ ...o, id: 'parking_occupancy_week', name: '泊位平均占用率 (7 天)', unit: '%', domain: 'IOT', level: 'L2', numerator: readings('occupancy', 'avg', '08', 168), scale: 100 }),
    def({ ...o, id: 'parking_traffic_flow', name: '交通感知车流量 (24 小时)', unit: '辆', domain: 'IOT', level: 'L2', numerator: readings('vehicles', 'sum', '04') }),
    def({ ...o, id: 'parking_spaces_enterprise_owned', name: '企业可用泊位 (每百家企业)', unit: '个/百家', level: 'L2', numerator: objects('PARKING_SPACE'), denominator: count('Enterprise'), scale: 100 }),
  ];
}

function emergency(): IndicatorDefinition[] {
  const o = { scene: 'EMERGENCY' as const, owner: 'SZ-YJGLJ', domain: 'SAFETY' as const, level: 'L2' as const };
  return [
    ...DEVICE_CATEGORIES.map(([k, , label]) =>
      def({ ...o, id: `emergency_devices_${k}`, name: `${label}设备数`, unit: '台', domain: 'IOT', numerator: objects('DEVICE', { attribute: 'name', op: 'startsWith', value: label }) }),
    ),
    def({ ...o, id: 'emergency_devices', name: '物联感知设备总数', unit: '台', domain: 'IOT', numerator: objects('DEVICE') }),
    def({ ...o, id: 'emergency_devices_per_building', name: '栋均物联设备数', unit: '台/栋', domain: 'IOT', numerator: objects('DEVICE'), denominator: objects('BUILDING') }),
    def({ ...o, id: 'emergency_smoke_max', name: '烟雾浓度最大值 (24 小时)', unit: 'ppm', domain: 'IOT', numerator: readings('smoke', 'max', '05') }),
    def({ ...o, id: 'emergency_water_level_max', name: '最高水位 (24 小时)', unit: '米', domain: 'IOT', numerator: readings('water_level', 'max', '01') }),
    def({ ...o, id: 'emergency_rainfall', name: '累计降雨量 (24 小时)', unit: '毫米', domain: 'IOT', numerator: readings('rainfall', 'sum', '01') }),
    def({ ...o, id: 'emergency_pm25_avg', name: 'PM2.5 平均浓度 (24 小时)', unit: 'μg/m³', domain: 'IOT', numerator: readings('pm25', 'avg', '01') }),
    def({ ...o, id: 'emergency_tilt_max', name: '结构倾斜最大值 (24 小时)', unit: '度', domain: 'IOT', numerator: readings('tilt', 'max', '06') }),
    def({ ...o, id: 'emergency_hospitals', name: '医疗机构数', unit: '家', domain: 'PUBLIC_SERVICE', level: 'L1', owner: 'SZ-WJW', numerator: facilities('HOSPITAL') }),
    def({ ...o, id: 'emergency_beds_per_1000', name: '每千人医疗床位数', unit: '张/千人', domain: 'PUBLIC_SERVICE', owner: 'SZ-WJW', numerator: capacity('HOSPITAL'), denominator: persons, scale: 1000 }),
    def({ ...o, id: 'emergency_shelter_parks', name: '可作应急避难场所的公园数', unit: '个', domain: 'PUBLIC_SERVICE', level: 'L1', numerator: facilities('PARK') }),
    def({ ...o, id: 'emergency_shelter_capacity_per_person', name: '人均应急避难容量', unit: '人次/人', domain: 'PUBLIC_SERVICE', numerator: capacity('PARK'), denominator: persons }),
    def({ ...o, id: 'emergency_inspections_failed', name: '检查发现问题数', unit: '件', domain: 'PUBLIC_MANAGEMENT', numerator: events('INSPECTION', eq('result', '不合格')) }),
  ];
}

function gridGovernance(): IndicatorDefinition[] {
  const o = { scene: 'GRID_GOVERNANCE' as const, owner: 'FT-GOV', domain: 'PUBLIC_MANAGEMENT' as const, level: 'L2' as const };
  return [
    def({ ...o, id: 'grid_grids', name: '网格数', unit: '个', domain: 'SPATIAL', level: 'L1', numerator: objects('GRID') }),
    def({ ...o, id: 'grid_persons_per_grid', name: '格均实有人口', unit: '人/格', domain: 'POPULATION', numerator: persons, denominator: objects('GRID') }),
    def({ ...o, id: 'grid_buildings_per_grid', name: '格均建筑栋数', unit: '栋/格', domain: 'SPATIAL', level: 'L1', numerator: objects('BUILDING'), denominator: objects('GRID') }),
    def({ ...o, id: 'grid_events', name: '网格事件数', unit: '件', numerator: events('GRID_EVENT') }),
    def({ ...o, id: 'grid_events_closed', name: '网格事件办结数', unit: '件', numerator: events('GRID_EVENT', eq('status', '办结')) }),
    def({ ...o, id: 'grid_events_closure_rate', name: '网格事件办结率', unit: '%', numerator: events('GRID_EVENT', eq('status', '办结')), denominator: events('GRID_EVENT'), scale: 100 }),
    def({ ...o, id: 'grid_events_per_1000', name: '每千人网格事件数', unit: '件/千人', numerator: events('GRID_EVENT'), denominator: persons, scale: 1000 }),
    def({ ...o, id: 'grid_permits', name: '行政许可数', unit: '件', level: 'L1', numerator: events('PERMIT') }),
    def({ ...o, id: 'grid_permits_granted', name: '准予许可数', unit: '件', numerator: events('PERMIT', eq('result', '准予许可')) }),
    def({ ...o, id: 'grid_inspections', name: '监督检查次数', unit: '次', numerator: events('INSPECTION') }),
    def({ ...o, id: 'grid_inspection_pass_rate', name: '检查合格率', unit: '%', numerator: events('INSPECTION', eq('result', '合格')), denominator: events('INSPECTION'), scale: 100 }),
    def({ ...o, id: 'grid_rectifying', name: '整改中事项数', unit: '件', numerator: count('ManagementEvent', eq('status', '整改中')) }),
    def({ ...o, id: 'grid_inspections_per_100_enterprises', name: '每百家企业检查次数', unit: '次/百家', numerator: events('INSPECTION'), denominator: count('Enterprise'), scale: 100 }),
    def({ ...o, id: 'grid_pois', name: '互联网兴趣点数', unit: '个', domain: 'INTERNET', level: 'L1', owner: 'SZ-ZSJ', numerator: count('PointOfInterest') }),
  ];
}

function publicService(): IndicatorDefinition[] {
  const o = { scene: 'PUBLIC_SERVICE' as const, owner: 'SZ-ZSJ', domain: 'PUBLIC_SERVICE' as const, level: 'L1' as const };
  return FACILITIES.flatMap(([k, type, label, cap]) => [
    def({ ...o, id: `service_${k}_count`, name: `${label}数`, unit: '个', numerator: facilities(type) }),
    def({ ...o, id: `service_${k}_capacity`, name: `${label}${cap}总数`, unit: cap, numerator: capacity(type) }),
    def({ ...o, id: `service_${k}_avg_capacity`, name: `${label}平均${cap}`, unit: cap, numerator: { ...capacity(type), agg: 'avg' } }),
    def({ ...o, id: `service_${k}_per_10000`, name: `每万人${label}数`, unit: '个/万人', level: 'L2', numerator: facilities(type), denominator: persons, scale: 10_000 }),
    def({ ...o, id: `service_${k}_capacity_per_1000`, name: `每千人${cap}`, unit: `${cap}/千人`, level: 'L2', numerator: capacity(type), denominator: persons, scale: 1000 }),
  ]);
}

function economy(): IndicatorDefinition[] {
  const o = { scene: 'ECONOMY' as const, owner: 'SZ-TJJ', domain: 'ECONOMY' as const, level: 'L2' as const };
  const active = eq('status', '存续');
  return [
    def({ ...o, id: 'economy_enterprises', name: '商事主体数', unit: '户', domain: 'LEGAL_ENTITY', level: 'L1', owner: 'SZ-SCJGJ', numerator: count('Enterprise') }),
    def({ ...o, id: 'economy_active_enterprises', name: '存续商事主体数', unit: '户', domain: 'LEGAL_ENTITY', level: 'L1', owner: 'SZ-SCJGJ', numerator: count('Enterprise', active) }),
    def({ ...o, id: 'economy_active_share', name: '商事主体存续率', unit: '%', domain: 'LEGAL_ENTITY', level: 'L1', owner: 'SZ-SCJGJ', numerator: count('Enterprise', active), denominator: count('Enterprise'), scale: 100 }),
    def({ ...o, id: 'economy_enterprises_per_1000', name: '每千人商事主体数', unit: '户/千人', domain: 'LEGAL_ENTITY', owner: 'SZ-SCJGJ', numerator: count('Enterprise'), denominator: persons, scale: 1000 }),
    def({ ...o, id: 'economy_registered_capital', name: '注册资本合计', unit: '万元', numerator: sum('Enterprise', 'registeredCapitalWan') }),
    def({ ...o, id: 'economy_avg_registered_capital', name: '户均注册资本', unit: '万元', numerator: avg('Enterprise', 'registeredCapitalWan') }),
    def({ ...o, id: 'economy_revenue', name: '营业收入合计 (产出)', unit: '万元', owner: 'SZ-SWU', numerator: sum('Enterprise', 'annualRevenueWan') }),
    def({ ...o, id: 'economy_revenue_per_enterprise', name: '户均营业收入', unit: '万元', owner: 'SZ-SWU', numerator: avg('Enterprise', 'annualRevenueWan') }),
    def({ ...o, id: 'economy_revenue_per_capita', name: '人均产出 (营业收入/实有人口)', unit: '万元/人', owner: 'SZ-TJJ', numerator: sum('Enterprise', 'annualRevenueWan'), denominator: persons }),
    def({ ...o, id: 'economy_employees', name: '参保从业人数', unit: '人', owner: 'SZ-RSJ', numerator: sum('Enterprise', 'employeeCount') }),
    def({ ...o, id: 'economy_employees_per_enterprise', name: '户均参保从业人数', unit: '人/户', owner: 'SZ-RSJ', numerator: avg('Enterprise', 'employeeCount') }),
    def({ ...o, id: 'economy_revenue_per_employee', name: '人均营业收入 (劳动生产率)', unit: '万元/人', numerator: sum('Enterprise', 'annualRevenueWan'), denominator: sum('Enterprise', 'employeeCount') }),
    ...TAX_RATINGS.map((r) => def({ ...o, id: `economy_tax_rating_${r.toLowerCase()}`, name: `纳税信用 ${r} 级企业数`, unit: '户', owner: 'SZ-SWU', numerator: count('Enterprise', eq('taxCreditRating', r)) })),
    ...TAX_RATINGS.map((r) =>
      def({ ...o, id: `economy_tax_rating_${r.toLowerCase()}_share`, name: `纳税信用 ${r} 级占比`, unit: '%', owner: 'SZ-SWU', numerator: count('Enterprise', eq('taxCreditRating', r)), denominator: count('Enterprise'), scale: 100 }),
    ),
    ...TAX_BANDS.map(([k, band, label]) => def({ ...o, id: `economy_tax_band_${k}`, name: `年纳税额${label}企业数`, unit: '户', level: 'L3', owner: 'SZ-SWU', numerator: count('Enterprise', eq('taxBand', band)) })),
    ...INDUSTRIES.map(([k, label]) =>
      def({ ...o, id: `economy_industry_${k}`, name: `${label}行业商事主体数`, unit: '户', domain: 'LEGAL_ENTITY', level: 'L1', owner: 'SZ-SCJGJ', numerator: count('Enterprise', eq('industry', label)) }),
    ),
    ...INDUSTRIES.slice(0, 8).map(([k, label]) =>
      def({ ...o, id: `economy_industry_${k}_revenue`, name: `${label}行业营业收入`, unit: '万元', owner: 'SZ-SWU', numerator: sum('Enterprise', 'annualRevenueWan', eq('industry', label)) }),
    ),
  ];
}

/** The shipped indicator definitions (指标体系), at least a hundred, across the plan's scenes. */
export const INDICATORS: readonly IndicatorDefinition[] = Object.freeze([...housing(), ...parking(), ...emergency(), ...gridGovernance(), ...publicService(), ...economy()]);

// ---------------------------------------------------------------------------------------------
// Evaluation (pure): accumulators per base and region, and the value of a definition from them
// ---------------------------------------------------------------------------------------------

/** What a base has accumulated for one region: rows matching, and the statistics of its attribute's values. */
export interface Accumulator {
  /** Rows (entities, features, readings) that match the base's filters. */
  n: number;
  /** Of those, rows with a numeric value of the aggregated attribute / measure. */
  vn: number;
  sum: number;
  min: number;
  max: number;
}

export const emptyAccumulator = (): Accumulator => ({ n: 0, vn: 0, sum: 0, min: Infinity, max: -Infinity });

/**
 * Adds `n` rows to an accumulator: `total` is the sum of their values (null: rows without a value),
 * `min` / `max` the smallest and largest of them (null: not known, e.g. for a sum of areas).
 */
export function accumulate(a: Accumulator, n: number, total: number | null, min: number | null, max: number | null): void {
  a.n += n;
  if (total === null || !Number.isFinite(total)) return;
  a.vn += n;
  a.sum += total;
  if (min !== null && min < a.min) a.min = min;
  if (max !== null && max > a.max) a.max = max;
}

/** Identifies what a term reads, so that terms reading the same rows share one accumulator. */
export function baseKey(b: Base): string {
  switch (b.store) {
    case 'graph':
      return `graph|${b.kind}|${JSON.stringify(b.filters ?? [])}|${b.attribute ?? ''}`;
    case 'spatial':
      return `spatial|${b.featureKind}|${b.measure}`;
    case 'readings':
      return `readings|${b.category ?? '*'}|${b.metric}|${b.windowHours}`;
  }
}

export function filterMatches(f: Filter, value: unknown): boolean {
  switch (f.op) {
    case 'eq':
      return value === f.value;
    case 'ne':
      return value !== f.value;
    case 'gte':
      return typeof value === 'number' && value >= Number(f.value);
    case 'lt':
      return typeof value === 'number' && value < Number(f.value);
    case 'startsWith':
      return typeof value === 'string' && value.startsWith(String(f.value));
  }
}

/** The value of a term from its accumulator: a count, a sum (0 over no rows) or an avg / min / max (null over no values). */
export function termValue(t: Term, a: Accumulator | undefined): number | null {
  const acc = a ?? emptyAccumulator();
  switch (t.agg) {
    case 'count':
      return acc.n;
    case 'sum':
      return acc.vn > 0 ? acc.sum : 0;
    case 'avg':
      return acc.vn > 0 ? acc.sum / acc.vn : null;
    case 'min':
      return acc.vn > 0 ? acc.min : null;
    case 'max':
      return acc.vn > 0 ? acc.max : null;
  }
}

/** value = numerator [/ denominator] × scale; null when a part is null or the denominator is 0. */
export function indicatorValue(d: IndicatorDefinition, numerator: number | null, denominator: number | null): number | null {
  if (numerator === null) return null;
  const scale = d.scale ?? 1;
  if (!d.denominator) return numerator * scale;
  if (denominator === null || denominator === 0) return null;
  return (numerator / denominator) * scale;
}

/** The period a value of the definition belongs to at `at` (YYYY-MM-DD): the day, or the month's first day. */
export function periodOf(d: Pick<IndicatorDefinition, 'cadence'>, at: Date): string {
  const day = new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10); // 北京时间
  return d.cadence === 'MONTHLY' ? `${day.slice(0, 8)}01` : day;
}
