import type { KindName } from '../domain/model';
import { makeCitizenId } from '../domain/identifiers/citizenId';
import { DEVICE_CATEGORIES, DeviceCategory, makeDeviceCode, makeParkingCode } from '../domain/identifiers/deviceCode';
import { makeBuildingCode, makeHouseCode } from '../domain/identifiers/houseCode';
import { citizenCodeForCounter } from '../domain/identifiers/citizenCode';
import { Polygon, Position, pointInPolygon, squareFootprint } from './geo';
import { districtGrids, GRID_DISTRICTS, ringCentroid, type DistrictGrids } from './grids';
import { personName, streetAddress } from './names';
import { enterpriseIdentity } from './enterprises';
import { districtOf, divisionOfIssue, REGION_CLASS, RegionRow, RegionTable, regionProps } from './regions';
import { createRng, Rng } from './rng';
import { SEED_TODAY, SeedScale } from './scales';

/**
 * The demo city as plain data, generated from a seed: the same seed and scale always give the
 * same city, code for code. Nothing here touches a database (seed/write.ts does).
 */
export type SeedLabel = KindName | 'Region';
export type SeedRelation =
  | 'WITHIN'
  | 'LOCATED_IN'
  | 'PART_OF'
  | 'INSTALLED_ON'
  | 'RESIDES_IN'
  | 'REGISTERED_AT'
  | 'EMPLOYED_BY'
  | 'LEGAL_REPRESENTATIVE_OF'
  | 'OWNS'
  | 'WORKS_AT'
  | 'OPERATES'
  | 'SERVES';

export interface SeedNode {
  code: string;
  labels: SeedLabel[];
  props: Record<string, string | number | boolean | null>;
  /** A citizen ID in clear: the writer stores only its HMAC and an encrypted copy. */
  citizenId?: string;
}

export interface SeedEdge {
  from: string;
  type: SeedRelation;
  to: string;
}

export interface SeedExternalId {
  scheme: 'USCC' | 'BUILDING_CODE' | 'HOUSE_CODE' | 'DEVICE_CODE' | 'PARKING_CODE' | 'CITIZEN_CODE';
  value: string;
  code: string;
}

export interface SeedFeature {
  cityCode: string;
  kind: string;
  geometry: { type: string; coordinates: unknown };
  heightM?: number | null;
  districtCode: string | null;
  streetCode: string | null;
  communityCode: string | null;
}

export interface CodeBlock {
  division: string;
  classCode: string;
  count: number;
}

export interface CityPlan {
  /** Generated grids (seed/grids.ts) of the districts that have them. */
  grids: DistrictGrids[];
  nodes: SeedNode[];
  edges: SeedEdge[];
  externalIds: SeedExternalId[];
  features: SeedFeature[];
  /** Codes used per (division, class): counters 0..count-1, to be reserved in the registry. */
  codeBlocks: CodeBlock[];
}

/** Computes the city code of the counter-th code of (division, class). */
export type CodeFunction = (division: string, classCode: string, counter: number) => string;

/** Hands out codes in order per (division, class) and remembers how many were used. */
class CodeAllocator {
  private readonly next = new Map<string, number>();
  constructor(private readonly codeOf: CodeFunction) {}

  take(division: string, classCode: string): string {
    const key = `${division}/${classCode}`;
    const counter = this.next.get(key) ?? 0;
    this.next.set(key, counter + 1);
    return this.codeOf(division, classCode, counter);
  }

  blocks(): CodeBlock[] {
    return [...this.next.entries()].map(([key, count]) => {
      const [division, classCode] = key.split('/');
      return { division, classCode, count };
    });
  }
}

interface Place {
  district: RegionRow;
  street: RegionRow;
  community: RegionRow;
  center: Position;
}

interface BuildingInfo {
  code: string;
  buildingCode: string;
  place: Place;
  usage: string;
  point: Position;
  floors: number;
}

const USAGES: readonly (readonly [string, number])[] = [
  ['住宅', 60],
  ['商业', 12],
  ['办公', 12],
  ['工业', 10],
  ['公共服务', 6],
];

/** Places of birth for synthetic ID numbers: Shenzhen's districts and common home regions. */
const BIRTH_DIVISIONS: readonly (readonly [string, number])[] = [
  ['440303', 4], ['440304', 5], ['440305', 5], ['440306', 6], ['440307', 6], ['440309', 4],
  ['441402', 4], ['445202', 4], ['440513', 3], ['441302', 3], ['430102', 4], ['430602', 3],
  ['360102', 3], ['420102', 3], ['450102', 3], ['510104', 3], ['350102', 2], ['410102', 2],
  ['110105', 1], ['310104', 1], ['500103', 2], ['520102', 2], ['460106', 1], ['441521', 1],
];

const COMPONENT_KINDS = [
  { name: '电梯', parts: ['曳引机', '轿厢门', '限速器'] },
  { name: '消防栓', parts: ['阀门', '水带'] },
  { name: '配电房', parts: ['变压器', '低压柜'] },
  { name: '外墙', parts: ['幕墙玻璃'] },
  { name: '屋顶', parts: ['防水层'] },
] as const;

const DEVICE_KINDS = Object.keys(DEVICE_CATEGORIES) as DeviceCategory[];

/** Kinds of public-service facility: city code class, label, capacity range (学位、床位、日均游客). */
const FACILITY_TYPES = [
  { key: 'SCHOOL', classCode: '600100', label: '学校', capacity: [600, 3_000], serviceRadiusM: 1_000 },
  { key: 'HOSPITAL', classCode: '600200', label: '社康中心', capacity: [20, 800], serviceRadiusM: 1_500 },
  { key: 'PARK', classCode: '600300', label: '公园', capacity: [500, 20_000], serviceRadiusM: 2_000 },
  { key: 'ELDERLY_CARE', classCode: '600400', label: '长者服务中心', capacity: [30, 400], serviceRadiusM: 800 },
] as const;

/** Real buildings placed first, so their codes are the first of their district and stable. */
export const LANDMARK_BUILDINGS = [
  {
    key: 'CIVIC_CENTER',
    community: '440304008001',
    name: '深圳市民中心',
    address: '深圳市福田区莲花街道福中三路市民中心',
    usage: '公共服务',
    floors: 28,
    heightM: 84,
    footprint: {
      type: 'Polygon' as const,
      coordinates: [
        [
          [114.0568, 22.5443],
          [114.0612, 22.5443],
          [114.0612, 22.5462],
          [114.0568, 22.5462],
          [114.0568, 22.5443],
        ] as Position[],
      ],
    },
  },
] as const;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** A point near `center` (within radiusM) that lies inside the district polygon. */
function pointNear(rng: Rng, center: Position, radiusM: number, district: RegionRow): Position {
  const degLat = radiusM / 111_320;
  const degLon = radiusM / (111_320 * Math.cos((center[1] * Math.PI) / 180));
  for (let attempt = 0; attempt < 50; attempt++) {
    const p: Position = [
      Number((center[0] + rng.float(-degLon, degLon)).toFixed(6)),
      Number((center[1] + rng.float(-degLat, degLat)).toFixed(6)),
    ];
    if (!district.geometry || pointInPolygon(p, district.geometry)) return p;
  }
  return center;
}

/** A square footprint around `point` whose corners all lie inside the district, or null. */
function footprintInside(rng: Rng, point: Position, sizeM: number, district: RegionRow): Polygon | null {
  for (let size = sizeM; size >= 6; size = Math.floor(size / 2)) {
    const footprint = squareFootprint(point, size, rng.int(0, 89));
    const ring = footprint.coordinates[0].map(([lon, lat]) => [Number(lon.toFixed(7)), Number(lat.toFixed(7))] as Position);
    ring[ring.length - 1] = ring[0];
    if (!district.geometry || ring.every((p) => pointInPolygon(p, district.geometry!))) {
      return { type: 'Polygon', coordinates: [ring] };
    }
  }
  return null;
}

function birthDate(rng: Rng): string {
  const age = rng.weighted<[number, number]>([
    [[0, 17], 16],
    [[18, 29], 24],
    [[30, 44], 32],
    [[45, 59], 18],
    [[60, 90], 10],
  ]);
  const years = rng.int(age[0], age[1]);
  const year = Number(SEED_TODAY.slice(0, 4)) - 1 - years;
  const month = rng.int(1, 12);
  const day = rng.int(1, new Date(Date.UTC(year, month, 0)).getUTCDate());
  return `${year}${pad(month, 2)}${pad(day, 2)}`;
}

function phone(rng: Rng): string {
  const prefix = rng.pick(['135', '136', '137', '138', '139', '150', '152', '158', '159', '186', '188', '189', '177', '199']);
  return prefix + pad(rng.int(0, 99_999_999), 8);
}

function isoDate(yyyymmdd: string): string {
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

export function planCity(regions: RegionTable, scale: SeedScale, seed: number, codeOf: CodeFunction): CityPlan {
  const codes = new CodeAllocator(codeOf);
  const nodes: SeedNode[] = [];
  const edges: SeedEdge[] = [];
  const externalIds: SeedExternalId[] = [];
  const features: SeedFeature[] = [];
  const root = createRng(seed);
  const regionCode = new Map<string, string>();

  // Regions: 市域 → 城区 → 街道 → 社区, all issued by the city platform (440300).
  for (const r of [regions.city, ...regions.districts, ...regions.streets, ...regions.communities]) {
    const code = codes.take('440300', REGION_CLASS[r.level]);
    regionCode.set(r.code, code);
    nodes.push({ code, labels: ['CityObject', 'Region'], props: regionProps(regions, r) });
    if (r.parentCode) edges.push({ from: code, type: 'WITHIN', to: regionCode.get(r.parentCode)! });
    if (r.level === 'DISTRICT' && r.geometry) {
      features.push({ cityCode: code, kind: 'DISTRICT', geometry: r.geometry, districtCode: r.code, streetCode: null, communityCode: null });
    }
  }

  // Each community gets a synthetic centre inside its district; its objects cluster around it.
  const placeRng = root.fork('places');
  const places: Place[] = regions.communities.map((community) => {
    const street = regions.byCode.get(community.parentCode!)!;
    const district = districtOf(regions, community.code);
    const anchor = district.representativePoint ?? [114.05, 22.55];
    const center = district.geometry ? pointNear(placeRng, anchor, 15_000, district) : anchor;
    return { district, street, community, center };
  });
  for (const place of places) {
    features.push({
      cityCode: regionCode.get(place.community.code)!,
      kind: 'COMMUNITY',
      geometry: { type: 'Point', coordinates: place.center },
      districtCode: place.district.code,
      streetCode: place.street.code,
      communityCode: place.community.code,
    });
  }
  const placeFeature = (code: string, kind: string, geometry: SeedFeature['geometry'], place: Place, heightM?: number) =>
    features.push({
      cityCode: code,
      kind,
      geometry,
      heightM: heightM ?? null,
      districtCode: place.district.code,
      streetCode: place.street.code,
      communityCode: place.community.code,
    });
  const scopeProps = (place: Place) => ({
    districtCode: place.district.code,
    streetCode: place.street.code,
    communityCode: place.community.code,
  });

  // Buildings (建筑物) with footprints, building codes, and rooms for the residential ones.
  const bRng = root.fork('buildings');
  const buildings: BuildingInfo[] = [];
  const buildingSerial = new Map<string, number>();
  const placeOf = new Map(places.map((p) => [p.community.code, p]));
  for (const landmark of LANDMARK_BUILDINGS) {
    const place = placeOf.get(landmark.community);
    if (!place) throw new Error(`landmark community ${landmark.community} is missing from the regions file`);
    const serial = (buildingSerial.get(place.community.code) ?? 0) + 1;
    buildingSerial.set(place.community.code, serial);
    const buildingCode = makeBuildingCode(place.community.code, 1, serial);
    const code = codes.take(divisionOfIssue(place.district.code), '200100');
    const point = landmark.footprint.coordinates[0][0];
    nodes.push({
      code,
      labels: ['CityObject'],
      props: {
        objectKind: 'BUILDING',
        name: landmark.name,
        usage: landmark.usage,
        floors: landmark.floors,
        buildingCode,
        address: landmark.address,
        ...scopeProps(place),
      },
    });
    edges.push({ from: code, type: 'LOCATED_IN', to: regionCode.get(place.community.code)! });
    externalIds.push({ scheme: 'BUILDING_CODE', value: buildingCode, code });
    placeFeature(code, 'BUILDING', landmark.footprint, place, landmark.heightM);
    buildings.push({ code, buildingCode, place, usage: landmark.usage, point, floors: landmark.floors });
  }
  for (let i = buildings.length; i < scale.buildings; i++) {
    // Every community gets a building before any gets a second one.
    const place = i < places.length ? places[i] : bRng.pick(places);
    const usage = bRng.weighted(USAGES);
    const floors = usage === '住宅' ? bRng.int(6, 40) : usage === '工业' ? bRng.int(1, 6) : bRng.int(3, 60);
    const point = pointNear(bRng, place.center, 600, place.district);
    const footprint = footprintInside(bRng, point, bRng.int(15, 50), place.district);
    const serial = (buildingSerial.get(place.community.code) ?? 0) + 1;
    buildingSerial.set(place.community.code, serial);
    const buildingCode = makeBuildingCode(place.community.code, 1 + (serial % 20), serial);
    const code = codes.take(divisionOfIssue(place.district.code), '200100');
    const name = `${place.community.name.replace(/(社区)?(居民委员会|村民委员会)$/, '')}${serial}栋`;
    nodes.push({
      code,
      labels: ['CityObject'],
      props: {
        objectKind: 'BUILDING',
        name,
        usage,
        floors,
        buildingCode,
        address: streetAddress(bRng, { district: place.district.name, street: place.street.name }),
        ...scopeProps(place),
      },
    });
    edges.push({ from: code, type: 'LOCATED_IN', to: regionCode.get(place.community.code)! });
    externalIds.push({ scheme: 'BUILDING_CODE', value: buildingCode, code });
    placeFeature(code, 'BUILDING', footprint ?? { type: 'Point', coordinates: point }, place, floors * 3);
    buildings.push({ code, buildingCode, place, usage, point, floors });
  }

  const rooms: { code: string; building: BuildingInfo }[] = [];
  const rRng = root.fork('rooms');
  for (const b of buildings.filter((x) => x.usage === '住宅')) {
    const count = rRng.int(4, 10);
    for (let k = 1; k <= count; k++) {
      const floor = 1 + Math.floor(((k - 1) * b.floors) / count);
      const roomNo = floor * 100 + ((k - 1) % 4) + 1;
      const houseCode = makeHouseCode(b.buildingCode, roomNo);
      const code = codes.take(divisionOfIssue(b.place.district.code), '200200');
      nodes.push({
        code,
        labels: ['CityObject'],
        props: { objectKind: 'ROOM', name: `${roomNo}室`, houseCode, floors: null, ...scopeProps(b.place) },
      });
      edges.push({ from: code, type: 'PART_OF', to: b.code });
      externalIds.push({ scheme: 'HOUSE_CODE', value: houseCode, code });
      rooms.push({ code, building: b });
    }
  }

  // Components (构件) and parts (零件) of the buildings modelled in detail.
  const cRng = root.fork('components');
  const detailed = buildings.filter((b) => b.usage !== '住宅').slice(0, scale.detailedBuildings);
  const componentsOf = new Map<string, string[]>();
  for (const b of detailed) {
    const division = divisionOfIssue(b.place.district.code);
    const list: string[] = [];
    for (const kind of COMPONENT_KINDS) {
      const copies = kind.name === '电梯' || kind.name === '消防栓' ? cRng.int(1, 3) : 1;
      for (let n = 1; n <= copies; n++) {
        const code = codes.take(division, '200300');
        nodes.push({ code, labels: ['CityObject'], props: { objectKind: 'COMPONENT', name: `${kind.name}${n}`, ...scopeProps(b.place) } });
        edges.push({ from: code, type: 'PART_OF', to: b.code });
        list.push(code);
        for (const partName of kind.parts) {
          const partCode = codes.take(division, '200400');
          nodes.push({ code: partCode, labels: ['CityObject'], props: { objectKind: 'PART', name: partName, ...scopeProps(b.place) } });
          edges.push({ from: partCode, type: 'PART_OF', to: code });
        }
      }
    }
    componentsOf.set(b.code, list);
  }

  // IoT devices (物联感知设备), installed on buildings or on their components.
  const dRng = root.fork('devices');
  for (let i = 0; i < scale.devices; i++) {
    const b = dRng.pick(buildings);
    const division = divisionOfIssue(b.place.district.code);
    const category = dRng.pick(DEVICE_KINDS);
    const deviceCode = makeDeviceCode(division, category, i + 1);
    const code = codes.take(division, category === '02' ? '300200' : '300100');
    const components = componentsOf.get(b.code);
    const target = components && dRng.chance(0.5) ? dRng.pick(components) : b.code;
    nodes.push({
      code,
      labels: ['CityObject'],
      props: { objectKind: 'DEVICE', name: `${DEVICE_CATEGORIES[category].label}设备`, deviceCode, ...scopeProps(b.place) },
    });
    edges.push({ from: code, type: 'INSTALLED_ON', to: target });
    externalIds.push({ scheme: 'DEVICE_CODE', value: deviceCode, code });
    placeFeature(code, 'DEVICE', { type: 'Point', coordinates: pointNear(dRng, b.point, 30, b.place.district) }, b.place);
  }

  // Parking spaces (停车泊位) in communities.
  const pRng = root.fork('parking');
  const parking: string[] = [];
  for (let i = 0; i < scale.parkingSpaces; i++) {
    const place = pRng.pick(places);
    const division = divisionOfIssue(place.district.code);
    const parkingCode = makeParkingCode(division, 1 + (i % 999), 1 + Math.floor(i / 999));
    const code = codes.take(division, '400200');
    nodes.push({
      code,
      labels: ['CityObject'],
      props: { objectKind: 'PARKING_SPACE', name: `泊位${pad(i + 1, 5)}`, deviceCode: parkingCode, ...scopeProps(place) },
    });
    edges.push({ from: code, type: 'LOCATED_IN', to: regionCode.get(place.community.code)! });
    externalIds.push({ scheme: 'PARKING_CODE', value: parkingCode, code });
    placeFeature(code, 'PARKING_SPACE', { type: 'Point', coordinates: pointNear(pRng, place.center, 400, place.district) }, place);
    parking.push(code);
  }

  // Persons (人): synthetic, checksum-valid ID numbers; residence, 户籍, ownership.
  const hRng = root.fork('persons');
  const persons: { code: string; adult: boolean; place: Place }[] = [];
  const usedIds = new Set<string>();
  for (let i = 0; i < scale.persons; i++) {
    const name = personName(hRng);
    const birth = birthDate(hRng);
    let citizenId = '';
    for (let attempt = 0; citizenId === '' || usedIds.has(citizenId); attempt++) {
      const seq = hRng.int(0, 499) * 2 + (name.gender === 'MALE' ? 1 : 0);
      citizenId = makeCitizenId(hRng.weighted(BIRTH_DIVISIONS), birth, seq, { today: SEED_TODAY });
      if (attempt > 20) throw new Error('cannot find a free synthetic ID number');
    }
    usedIds.add(citizenId);
    const room = rooms.length && hRng.chance(0.95) ? hRng.pick(rooms) : null;
    const place = room ? room.building.place : hRng.pick(places);
    const code = codes.take('440300', '010000');
    nodes.push({
      code,
      labels: ['Person'],
      citizenId,
      props: {
        name: name.fullName,
        sex: name.gender === 'MALE' ? 'M' : 'F',
        birthDate: isoDate(birth),
        phone: phone(hRng),
        citizenCode: citizenCodeForCounter(i, CITIZEN_CODE_DEMO_KEY),
        ...scopeProps(place),
      },
    });
    externalIds.push({ scheme: 'CITIZEN_CODE', value: citizenCodeForCounter(i, CITIZEN_CODE_DEMO_KEY), code });
    if (room) {
      edges.push({ from: code, type: 'RESIDES_IN', to: room.code });
      if (hRng.chance(0.3)) edges.push({ from: code, type: 'OWNS', to: room.code });
    }
    // 户籍: most residents are registered in Shenzhen; whoever has no residence here always is.
    if (hRng.chance(0.9) || !room) edges.push({ from: code, type: 'REGISTERED_AT', to: regionCode.get(place.community.code)! });
    persons.push({ code, adult: Number(birth.slice(0, 4)) <= Number(SEED_TODAY.slice(0, 4)) - 18, place });
  }
  const adults = persons.filter((p) => p.adult);

  // Enterprises (企): companies, individual businesses, organisations, with valid USCCs.
  const eRng = root.fork('enterprises');
  const workplaces = buildings.filter((b) => b.usage !== '住宅');
  const enterprises: string[] = [];
  const registeredBuilding: string[] = [];
  for (let i = 0; i < scale.enterprises; i++) {
    const type = eRng.weighted<'company' | 'individual' | 'organisation'>([
      ['company', 62],
      ['individual', 34],
      ['organisation', 4],
    ]);
    const b = eRng.pick(workplaces.length ? workplaces : buildings);
    const district = b.place.district;
    const { name, industry, uscc, classCode } = enterpriseIdentity(eRng, type, { name: district.name, division: divisionOfIssue(district.code) }, i);
    const code = codes.take('440300', classCode);
    const founded = `${eRng.int(1985, 2025)}${pad(eRng.int(1, 12), 2)}${pad(eRng.int(1, 28), 2)}`;
    nodes.push({
      code,
      labels: ['Enterprise'],
      props: {
        name,
        uscc,
        industry,
        establishedOn: isoDate(founded),
        status: eRng.chance(0.93) ? '存续' : '注销',
        registeredCapitalWan: type === 'individual' ? eRng.int(1, 50) : eRng.int(10, 50_000),
        address: streetAddress(eRng, { district: district.name, street: b.place.street.name }, { withUnit: true }),
        ...economyOf(code, type),
        ...scopeProps(b.place),
      },
    });
    edges.push({ from: code, type: 'REGISTERED_AT', to: b.code });
    registeredBuilding.push(b.code);
    if (adults.length) edges.push({ from: eRng.pick(adults).code, type: 'LEGAL_REPRESENTATIVE_OF', to: code });
    externalIds.push({ scheme: 'USCC', value: uscc, code });
    if (parking.length && eRng.chance(0.1)) edges.push({ from: code, type: 'OWNS', to: eRng.pick(parking) });
    enterprises.push(code);
  }

  // Employment: most working-age adults work for one enterprise.
  const wRng = root.fork('employment');
  const employed: { person: string; employer: string }[] = [];
  if (enterprises.length) {
    for (const p of adults) {
      if (!wRng.chance(0.6)) continue;
      const employer = wRng.pick(enterprises);
      edges.push({ from: p.code, type: 'EMPLOYED_BY', to: employer });
      employed.push({ person: p.code, employer });
    }
  }

  // Premises (经营场所): an enterprise operates in its registered building, some also elsewhere;
  // its employees work at one of its premises (工作地点).
  const oRng = root.fork('premises');
  const premises = new Map<string, string[]>();
  enterprises.forEach((code, i) => {
    const list = [registeredBuilding[i]];
    if (workplaces.length && oRng.chance(0.2)) {
      const other = oRng.pick(workplaces).code;
      if (other !== list[0]) list.push(other);
    }
    premises.set(code, list);
    for (const b of list) edges.push({ from: code, type: 'OPERATES', to: b });
  });
  for (const e of employed) {
    if (oRng.chance(0.8)) edges.push({ from: e.person, type: 'WORKS_AT', to: oRng.pick(premises.get(e.employer)!) });
  }

  // Public-service facilities (公共服务设施): schools, hospitals, parks and elderly-care homes, each
  // in a public-service building of its community (a park in the community itself), serving its
  // community and up to two more of the same street.
  const fRng = root.fork('facilities');
  const publicBuildings = new Map<string, BuildingInfo[]>();
  for (const b of buildings.filter((x) => x.usage === '公共服务')) {
    publicBuildings.set(b.place.community.code, [...(publicBuildings.get(b.place.community.code) ?? []), b]);
  }
  const communitiesOfStreet = new Map<string, Place[]>();
  for (const p of places) communitiesOfStreet.set(p.street.code, [...(communitiesOfStreet.get(p.street.code) ?? []), p]);
  for (let i = 0; i < scale.facilities; i++) {
    const type = FACILITY_TYPES[i % FACILITY_TYPES.length];
    const place = i < places.length ? places[(i * 7) % places.length] : fRng.pick(places);
    const inBuilding = type.key !== 'PARK' ? publicBuildings.get(place.community.code) : undefined;
    const building = inBuilding?.length ? fRng.pick(inBuilding) : null;
    const code = codes.take(divisionOfIssue(place.district.code), type.classCode);
    const communityName = place.community.name.replace(/(社区)?(居民委员会|村民委员会)$/, '');
    nodes.push({
      code,
      labels: ['PublicFacility'],
      props: {
        name: `${communityName}${type.label}${i >= FACILITY_TYPES.length ? Math.floor(i / FACILITY_TYPES.length) + 1 : ''}`,
        facilityType: type.key,
        capacity: fRng.int(type.capacity[0], type.capacity[1]),
        address: streetAddress(fRng, { district: place.district.name, street: place.street.name }),
        servicePhone: `0755-${pad(fRng.int(20_000_000, 89_999_999), 8)}`,
        serviceRadiusM: type.serviceRadiusM,
        ...scopeProps(place),
      },
    });
    edges.push({ from: code, type: 'LOCATED_IN', to: building ? building.code : regionCode.get(place.community.code)! });
    const served = new Set([place.community.code]);
    const neighbours = communitiesOfStreet.get(place.street.code) ?? [];
    for (let k = fRng.int(0, 2); k > 0 && neighbours.length > 1; k--) served.add(fRng.pick(neighbours).community.code);
    for (const c of served) edges.push({ from: code, type: 'SERVES', to: regionCode.get(c)! });
    const point = building ? building.point : pointNear(fRng, place.center, 300, place.district);
    placeFeature(code, 'PublicFacility', { type: 'Point', coordinates: point }, place);
  }

  const grids = planGrids(regions, places, regionCode, codes, nodes, edges, features, buildings);
  return { nodes, edges, externalIds, features, codeBlocks: codes.blocks(), grids };
}

/** The demo key of the 市民码 serials (the registry's own key issues them in production). */
const CITIZEN_CODE_DEMO_KEY: readonly number[] = Object.freeze([0x534d3230, 0x32364445, 0x4d4f4b45, 0x59303031]);

/** A stable hash of a city code (FNV-1a), for values that must not draw from the plan's random streams. */
function codeHash(code: string, salt: string): number {
  let h = 0x811c9dc5;
  for (const ch of salt + code) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

const TAX_RATINGS: readonly (readonly [string, number])[] = [['A', 30], ['B', 45], ['M', 10], ['C', 10], ['D', 5]];

/**
 * 经济运行: what 税务局 and 人社局 report of an enterprise (纳税信用等级, revenue, tax band,
 * insured employees), derived from its code so the plan's random streams stay as they were.
 */
function economyOf(code: string, type: string): Record<string, string | number> {
  const h = codeHash(code, 'economy');
  let pick = h % 100;
  let rating = 'B';
  for (const [r, w] of TAX_RATINGS) {
    if (pick < w) {
      rating = r;
      break;
    }
    pick -= w;
  }
  const individual = type === 'individual';
  const revenue = individual ? 5 + (h % 300) : 50 + ((h >>> 8) % 200_000);
  const taxWan = revenue * 0.06;
  const taxBand = taxWan < 10 ? 'T1' : taxWan < 100 ? 'T2' : taxWan < 1000 ? 'T3' : 'T4';
  const employees = individual ? 1 + (h % 5) : 3 + ((h >>> 12) % 800);
  return { taxCreditRating: rating, annualRevenueWan: revenue, taxBand, employeeCount: employees };
}

/**
 * Grids (网格) of GRID_DISTRICTS (seed/grids.ts): grid objects under their communities, and the
 * grid code of every object, person and enterprise there, from where it lies (its own point, its
 * building's, its room's).
 */
function planGrids(
  regions: RegionTable,
  places: readonly Place[],
  regionCode: ReadonlyMap<string, string>,
  codes: CodeAllocator,
  nodes: SeedNode[],
  edges: readonly SeedEdge[],
  features: readonly SeedFeature[],
  buildings: readonly BuildingInfo[],
): DistrictGrids[] {
  const out: DistrictGrids[] = [];
  const byCode = new Map(nodes.map((n) => [n.code, n]));
  const gridOfCode = new Map<string, string>();
  for (const districtCode of GRID_DISTRICTS) {
    const district = regions.districts.find((d) => d.code === districtCode);
    if (!district?.geometry) continue;
    const grids = districtGrids(
      districtCode,
      district.geometry,
      places.filter((p) => p.district.code === districtCode).map((p) => ({ communityCode: p.community.code, center: p.center })),
    );
    out.push(grids);
    const placeOf = new Map(places.map((p) => [p.community.code, p]));
    for (const g of grids.grids) {
      const place = placeOf.get(g.communityCode)!;
      const code = codes.take('440300', REGION_CLASS.GRID);
      const communityName = place.community.name.replace(/(社区)?(居民委员会|村民委员会)$/, '');
      nodes.push({
        code,
        labels: ['CityObject', 'Region'],
        props: {
          objectKind: 'GRID',
          level: 'GRID',
          name: `${communityName}第${g.number}网格`,
          regionCode: g.gridCode,
          districtCode,
          streetCode: place.street.code,
          communityCode: g.communityCode,
          gridCode: g.gridCode,
        },
      });
      (edges as SeedEdge[]).push({ from: code, type: 'WITHIN', to: regionCode.get(g.communityCode)! });
      gridOfCode.set(code, g.gridCode);
    }
    // A feature lies in the grid of its representative point: a point itself, a footprint's centroid
    // (spatial/grids.ts assignFeaturesToGrids uses the same, ST_Centroid).
    for (const f of features) {
      if (f.districtCode !== districtCode || gridOfCode.has(f.cityCode)) continue;
      if (f.geometry.type === 'Point') setGrid(f.cityCode, grids.gridOf(f.geometry.coordinates as Position));
      else if (f.geometry.type === 'Polygon') setGrid(f.cityCode, grids.gridOf(ringCentroid((f.geometry.coordinates as Position[][])[0])));
    }
    for (const b of buildings) if (b.place.district.code === districtCode && !gridOfCode.has(b.code)) setGrid(b.code, grids.gridOf(b.point));
  }
  function setGrid(code: string, gridCode: string | null): void {
    const node = byCode.get(code);
    if (!node || !gridCode) return;
    node.props.gridCode = gridCode;
    gridOfCode.set(code, gridCode);
  }
  // Through edges, nearest first: rooms and components of a building, devices on them, residents
  // of a room, enterprises registered in a building, facilities sited in one.
  const via: readonly [string, 'from' | 'to'][] = [['PART_OF', 'to'], ['PART_OF', 'to'], ['INSTALLED_ON', 'to'], ['RESIDES_IN', 'to'], ['REGISTERED_AT', 'to'], ['LOCATED_IN', 'to']];
  for (const [type] of via) {
    for (const e of edges) {
      if (e.type !== type || gridOfCode.has(e.from)) continue;
      const target = byCode.get(e.to);
      const grid = gridOfCode.get(e.to);
      if (!grid || !target || (type === 'REGISTERED_AT' && target.props.objectKind !== 'BUILDING')) continue;
      setGrid(e.from, grid);
    }
  }
  return out;
}
