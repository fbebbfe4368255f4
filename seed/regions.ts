import { readFileSync } from 'node:fs';
import { fromRoot } from '../core/paths';
import type { MultiPolygon, Position } from './geo';

/** One region of seed/data/shenzhen-regions.json (built by seed/regions/build-regions.ts). */
export interface RegionRow {
  code: string;
  name: string;
  level: 'CITY' | 'DISTRICT' | 'STREET' | 'COMMUNITY';
  parentCode: string | null;
  representativePoint?: Position;
  geometry?: MultiPolygon;
}

export interface RegionTable {
  city: RegionRow;
  districts: RegionRow[];
  streets: RegionRow[];
  communities: RegionRow[];
  byCode: Map<string, RegionRow>;
}

let cached: RegionTable | undefined;

/** Shenzhen's city, 11 district-level areas, streets and communities, in code order. */
export function loadRegions(): RegionTable {
  if (cached) return cached;
  const file = JSON.parse(readFileSync(fromRoot('seed', 'data', 'shenzhen-regions.json'), 'utf8')) as { regions: RegionRow[] };
  const rows = [...file.regions].sort((a, b) => a.code.localeCompare(b.code));
  const byCode = new Map(rows.map((r) => [r.code, r]));
  const city = rows.find((r) => r.level === 'CITY');
  if (!city) throw new Error('shenzhen-regions.json has no CITY row');
  cached = {
    city,
    districts: rows.filter((r) => r.level === 'DISTRICT'),
    streets: rows.filter((r) => r.level === 'STREET'),
    communities: rows.filter((r) => r.level === 'COMMUNITY'),
    byCode,
  };
  return cached;
}

/** The district-level area a street or community belongs to (大鹏新区 and 深汕 included). */
export function districtOf(table: RegionTable, code: string): RegionRow {
  let row = table.byCode.get(code);
  while (row && row.level !== 'DISTRICT') row = row.parentCode ? table.byCode.get(row.parentCode) : undefined;
  if (!row) throw new Error(`region ${code} has no district-level ancestor`);
  return row;
}

/**
 * The division of issue (赋码行政区划) for objects in a district-level area: its own GB/T 2260
 * code, or for the two areas without one the code of the county that contains them
 * (docs/city-code.md): 大鹏新区 → 440307, 深汕特别合作区 → 441521.
 */
export function divisionOfIssue(districtCode: string): string {
  if (districtCode === '440399') return '440307';
  if (districtCode === '440398') return '441521';
  return districtCode;
}

/** City code class of each region level (docs/city-code.md); regions are issued under 440300. */
export const REGION_CLASS = { CITY: '100100', DISTRICT: '100200', STREET: '100300', COMMUNITY: '100400', GRID: '100500' } as const;

/** The stored properties of a region's node (the demo plan and the city-scale generator alike). */
export function regionProps(table: RegionTable, r: RegionRow): Record<string, string | null> {
  const district = r.level === 'CITY' ? null : r.level === 'DISTRICT' ? r : districtOf(table, r.code);
  return {
    objectKind: r.level,
    level: r.level,
    regionCode: r.code,
    name: r.name,
    districtCode: district?.code ?? null,
    streetCode: r.level === 'STREET' ? r.code : r.level === 'COMMUNITY' ? r.parentCode : null,
    communityCode: r.level === 'COMMUNITY' ? r.code : null,
  };
}
