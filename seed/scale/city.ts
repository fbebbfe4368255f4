/**
 * A synthetic Shenzhen at any fraction of its real size (issue 17), row by row: every entity and
 * relation is computed from its index alone, so the generator streams (nothing the size of the
 * city is held in memory), writes parts in any order and resumes at any part with the same output.
 *
 * The shape is the demo city's (seed/plan.ts): the same kinds, labels, properties, relations,
 * identifiers (citizen ID, USCC, building, house and device codes) and geometry. What differs, and
 * why (docs/city-scale.md): places are assigned round-robin so that a building's serial in its
 * community is computable; counters start at COUNTER_BASE (never meeting the demo city's); the
 * rarer kinds of the demo (components, parking spaces, facilities) are not generated at scale.
 */
import { cityCodeForCounter } from '../../domain/citycode';
import { DEVICE_CATEGORIES, DeviceCategory, makeDeviceCode } from '../../domain/identifiers/deviceCode';
import { makeBuildingCode, makeHouseCode } from '../../domain/identifiers/houseCode';
import { Polygon, Position, pointInPolygon, squareFootprint } from '../geo';
import { streetAddress } from '../names';
import { enterpriseIdentity } from '../enterprises';
import { districtOf, divisionOfIssue, REGION_CLASS, RegionRow, RegionTable, regionProps } from '../regions';
import { createRng } from '../rng';
import type { CityCounts } from './counts';
import { PERSON_COUNTER_BASE, scalePerson, ScalePerson } from './persons';

/** Counters of every scale-run kind start here (persons included: PERSON_COUNTER_BASE). */
export const COUNTER_BASE = PERSON_COUNTER_BASE;

/** Import ids (neo4j-admin `--id-type=integer`): one block per kind, index within it. */
export const ID_BASE = {
  region: 0,
  building: 100_000_000,
  room: 200_000_000,
  device: 300_000_000,
  person: 400_000_000,
  enterprise: 500_000_000,
} as const;

export type ScaleKind = keyof typeof ID_BASE;

/** Buildings lie within this distance of their community's centre. */
const BUILDING_SPREAD_M = 1_500;
const USAGES = ['住宅', '住宅', '住宅', '住宅', '住宅', '住宅', '商业', '办公', '工业', '公共服务'] as const;
const DEVICE_KINDS = Object.keys(DEVICE_CATEGORIES) as DeviceCategory[];
/** Adults: born before this day index (scalePerson's day 0 is 1946-01-01; 18 years before 2026). */
const ADULT_DAY_LIMIT = Math.floor((Date.UTC(2008, 0, 1) - Date.UTC(1946, 0, 1)) / 86_400_000);

/** A 32-bit mix of an index and a salt (splitmix-style): the "random" choices of a row. */
export function mix(i: number, salt: number): number {
  let h = Math.imul((i ^ salt) >>> 0, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Place {
  district: RegionRow;
  street: RegionRow;
  community: RegionRow;
  center: Position;
  /** Index of the community's region node (its import id). */
  regionIndex: number;
}

export interface ScopeProps {
  districtCode: string;
  streetCode: string;
  communityCode: string;
}

export interface RegionRowOut {
  index: number;
  code: string;
  counter: number;
  props: Record<string, string | null>;
  parentIndex: number | null;
  row: RegionRow;
}

export interface BuildingRow {
  code: string;
  buildingCode: string;
  name: string;
  usage: string;
  floors: number;
  address: string;
  scope: ScopeProps;
  footprint: Polygon;
  place: Place;
}

function scopeOf(place: Place): ScopeProps {
  return { districtCode: place.district.code, streetCode: place.street.code, communityCode: place.community.code };
}

function pointNear(seed: string, center: Position, radiusM: number): Position {
  const rng = createRng(seed);
  const r = radiusM * Math.sqrt(rng.next());
  const a = rng.float(0, 2 * Math.PI);
  const lat = center[1] + (r * Math.sin(a)) / 111_320;
  const lon = center[0] + (r * Math.cos(a)) / (111_320 * Math.cos((center[1] * Math.PI) / 180));
  return [Number(lon.toFixed(6)), Number(lat.toFixed(6))];
}

export class ScaleCity {
  readonly regions: RegionRowOut[];
  readonly places: Place[];

  constructor(
    readonly counts: CityCounts,
    regionTable: RegionTable,
    readonly serialKey: readonly number[],
  ) {
    const all = [regionTable.city, ...regionTable.districts, ...regionTable.streets, ...regionTable.communities];
    const indexOf = new Map(all.map((r, i) => [r.code, i]));
    const counters = new Map<string, number>();
    this.regions = all.map((r, index) => {
      // Counters from 0 per level, in the demo seed's order: the same region codes as the demo city.
      const counter = counters.get(r.level) ?? 0;
      counters.set(r.level, counter + 1);
      return {
        index,
        counter,
        code: cityCodeForCounter({ division: '440300', classCode: REGION_CLASS[r.level], counter }, serialKey),
        parentIndex: r.parentCode ? indexOf.get(r.parentCode)! : null,
        row: r,
        props: regionProps(regionTable, r),
      };
    });
    this.places = regionTable.communities.map((community) => {
      const street = regionTable.byCode.get(community.parentCode!)!;
      const district = districtOf(regionTable, community.code);
      const anchor = district.representativePoint ?? [114.05, 22.55];
      let center = anchor;
      for (let attempt = 0; attempt < 50 && district.geometry; attempt++) {
        const p = pointNear(`place:${community.code}:${attempt}`, anchor, 15_000);
        if (pointInPolygon(p, district.geometry)) {
          center = p;
          break;
        }
      }
      return { district, street, community, center, regionIndex: indexOf.get(community.code)! };
    });
  }

  private code(division: string, classCode: string, index: number): string {
    return cityCodeForCounter({ division, classCode, counter: COUNTER_BASE + index }, this.serialKey);
  }

  // ---- buildings (楼栋): round-robin over communities, so serial = index / communities + 1 ----

  placeOfBuilding(b: number): Place {
    return this.places[b % this.places.length];
  }

  building(b: number): BuildingRow {
    const place = this.placeOfBuilding(b);
    const serial = Math.floor(b / this.places.length) + 1;
    const h = mix(b, 0x5eed_0001);
    const usage = USAGES[h % USAGES.length];
    const floors = usage === '住宅' ? 6 + (h % 35) : usage === '工业' ? 1 + (h % 6) : 3 + (h % 58);
    const point = pointNear(`building:${b}`, place.center, BUILDING_SPREAD_M);
    const buildingCode = makeBuildingCode(place.community.code, 1 + (serial % 20), serial);
    const footprint = squareFootprint(point, 15 + (h % 36), (h >>> 8) % 90);
    const ring = footprint.coordinates[0].map(([lon, lat]) => [Number(lon.toFixed(7)), Number(lat.toFixed(7))] as Position);
    ring[ring.length - 1] = ring[0];
    return {
      code: this.code(divisionOfIssue(place.district.code), '200100', b),
      buildingCode,
      name: `${place.community.name.replace(/(社区)?(居民委员会|村民委员会)$/, '')}${serial}栋`,
      usage,
      floors,
      address: streetAddress(createRng(`address:${b}`), { district: place.district.name, street: place.street.name }),
      scope: scopeOf(place),
      footprint: { type: 'Polygon', coordinates: [ring] },
      place,
    };
  }

  buildingCodeOf(b: number): string {
    return this.code(divisionOfIssue(this.placeOfBuilding(b).district.code), '200100', b);
  }

  // ---- rooms (房屋): room r is in building r mod B, its k-th room (k = r div B) ----

  buildingOfRoom(r: number): number {
    return r % this.counts.buildings;
  }

  room(r: number, buildingCode: string): { code: string; name: string; houseCode: string; scope: ScopeProps } {
    const b = this.buildingOfRoom(r);
    const k = Math.floor(r / this.counts.buildings);
    const roomNo = (1 + Math.floor(k / 4)) * 100 + (k % 4) + 1;
    const place = this.placeOfBuilding(b);
    return {
      code: this.code(divisionOfIssue(place.district.code), '200200', r),
      name: `${roomNo}室`,
      houseCode: makeHouseCode(buildingCode, roomNo),
      scope: scopeOf(place),
    };
  }

  /** The house code of room r without computing the room (the building code is derived again). */
  buildingCodeForRoom(r: number): string {
    const b = this.buildingOfRoom(r);
    const place = this.placeOfBuilding(b);
    const serial = Math.floor(b / this.places.length) + 1;
    return makeBuildingCode(place.community.code, 1 + (serial % 20), serial);
  }

  // ---- devices (物联感知设备) ----

  buildingOfDevice(d: number): number {
    return mix(d, 0x5eed_0002) % this.counts.buildings;
  }

  device(d: number): { code: string; name: string; deviceCode: string; scope: ScopeProps; point: Position } {
    const b = this.buildingOfDevice(d);
    const place = this.placeOfBuilding(b);
    const division = divisionOfIssue(place.district.code);
    const category = DEVICE_KINDS[mix(d, 0x5eed_0003) % DEVICE_KINDS.length];
    const anchor = pointNear(`building:${b}`, place.center, BUILDING_SPREAD_M);
    return {
      code: this.code(division, category === '02' ? '300200' : '300100', d),
      name: `${DEVICE_CATEGORIES[category].label}设备`,
      deviceCode: makeDeviceCode(division, category, COUNTER_BASE + d),
      scope: scopeOf(place),
      point: pointNear(`device:${d}`, anchor, 30),
    };
  }

  // ---- persons (人) ----

  /** The room person p lives in, or null (5% have no residence here). */
  roomOfPerson(p: number): number | null {
    if (this.counts.rooms === 0 || mix(p, 0x5eed_0004) % 100 >= 95) return null;
    return mix(p, 0x5eed_0005) % this.counts.rooms;
  }

  placeOfPerson(p: number): Place {
    const room = this.roomOfPerson(p);
    return room === null ? this.places[mix(p, 0x5eed_0006) % this.places.length] : this.placeOfBuilding(this.buildingOfRoom(room));
  }

  person(p: number): ScalePerson & { scope: ScopeProps } {
    return { ...scalePerson(p, this.serialKey), scope: scopeOf(this.placeOfPerson(p)) };
  }

  isAdult(p: number): boolean {
    return p % 29_200 < ADULT_DAY_LIMIT;
  }

  /** 户籍: 90% registered in their community (everyone without a residence here). */
  registeredCommunity(p: number): number | null {
    if (this.roomOfPerson(p) !== null && mix(p, 0x5eed_0007) % 100 >= 90) return null;
    return this.placeOfPerson(p).regionIndex;
  }

  /** 60% of adults work for an enterprise. */
  employerOf(p: number): number | null {
    if (this.counts.enterprises === 0 || !this.isAdult(p) || mix(p, 0x5eed_0008) % 100 >= 60) return null;
    return mix(p, 0x5eed_0009) % this.counts.enterprises;
  }

  // ---- enterprises (企) ----

  buildingOfEnterprise(e: number): number {
    return mix(e, 0x5eed_000a) % this.counts.buildings;
  }

  legalRepresentativeOf(e: number): number {
    for (let salt = 0; ; salt++) {
      const p = mix(e, 0x5eed_0100 + salt) % this.counts.persons;
      if (this.isAdult(p) || salt > 20) return p;
    }
  }

  enterprise(e: number): { code: string; props: Record<string, string | number> } {
    const b = this.buildingOfEnterprise(e);
    const place = this.placeOfBuilding(b);
    const rng = createRng(`enterprise:${e}`);
    const h = mix(e, 0x5eed_000b) % 100;
    const type = h < 62 ? 'company' : h < 96 ? 'individual' : 'organisation';
    const { name, industry, uscc, classCode } = enterpriseIdentity(rng, type, { name: place.district.name, division: divisionOfIssue(place.district.code) }, e);
    const founded = `${rng.int(1985, 2025)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
    return {
      code: this.code('440300', classCode, e),
      props: {
        name,
        uscc,
        industry,
        establishedOn: founded,
        status: rng.chance(0.93) ? '存续' : '注销',
        registeredCapitalWan: type === 'individual' ? rng.int(1, 50) : rng.int(10, 50_000),
        address: streetAddress(rng, { district: place.district.name, street: place.street.name }, { withUnit: true }),
        ...scopeOf(place),
      },
    };
  }
}
