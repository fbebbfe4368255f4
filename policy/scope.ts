import { districtOfStreet } from '../domain/regions';
import type { GrantScope, RowRegion, RowScope } from './model';

/**
 * Region-scope algebra of the policy engine (pure). A row scope is ALL, NONE or REGIONS: the rows
 * whose district_code is in `districtCodes` OR whose street_code is in `streetCodes` OR whose
 * grid_code is in `gridCodes` (absent when empty) — exactly the predicate spatial/queries.ts and
 * graph/scope.ts push into SQL and Cypher, so what the engine reasons about is what the query
 * returns. Rows without region codes are inside ALL only. A grid code is its community's 12 digits
 * + 2, so its first 9 are its street.
 *
 * District-level areas are the eleven of docs/regions.md: nine GB/T 2260 districts plus the
 * project codes 440399 大鹏新区 and 440398 深汕特别合作区. A street belongs to the area
 * `districtOfStreet` names (大鹏's streets keep their 龙岗 440307 prefix).
 */
export const CITY_CODE = '440300';

export const DISTRICT_AREAS: ReadonlyMap<string, string> = new Map([
  ['440303', '罗湖区'],
  ['440304', '福田区'],
  ['440305', '南山区'],
  ['440306', '宝安区'],
  ['440307', '龙岗区'],
  ['440308', '盐田区'],
  ['440309', '龙华区'],
  ['440310', '坪山区'],
  ['440311', '光明区'],
  ['440398', '深汕特别合作区'],
  ['440399', '大鹏新区'],
]);

export const ALL: RowScope = Object.freeze({ kind: 'ALL' }) as RowScope;
export const NONE: RowScope = Object.freeze({ kind: 'NONE' }) as RowScope;

export function isDistrictArea(code: string): boolean {
  return DISTRICT_AREAS.has(code);
}

/** A 9-digit street code whose district-level area is one of Shenzhen's. */
export function isShenzhenStreetCode(code: string): boolean {
  return /^\d{9}$/.test(code) && isDistrictArea(districtOfStreet(code));
}

export { districtOfStreet };

/** The street of a 14-digit grid code. */
export const streetOfGrid = (grid: string): string => grid.slice(0, 9);

/** A 14-digit grid code in a Shenzhen street. */
export function isShenzhenGridCode(code: string): boolean {
  return /^\d{14}$/.test(code) && isShenzhenStreetCode(streetOfGrid(code));
}

const gridWithin = (grid: string, districts: ReadonlySet<string>, streets: ReadonlySet<string>): boolean =>
  streets.has(streetOfGrid(grid)) || districts.has(districtOfStreet(streetOfGrid(grid)));

/** Canonical REGIONS scope: sorted, unique, streets inside listed districts and grids inside listed streets or districts dropped; empty → NONE. */
export function regions(districtCodes: Iterable<string>, streetCodes: Iterable<string>, gridCodes: Iterable<string> = []): RowScope {
  const districts = [...new Set(districtCodes)].sort();
  const inDistricts = new Set(districts);
  const streets = [...new Set(streetCodes)].filter((s) => !inDistricts.has(districtOfStreet(s))).sort();
  const inStreets = new Set(streets);
  const grids = [...new Set(gridCodes)].filter((g) => !gridWithin(g, inDistricts, inStreets)).sort();
  if (districts.length === 0 && streets.length === 0 && grids.length === 0) return NONE;
  return grids.length ? { kind: 'REGIONS', districtCodes: districts, streetCodes: streets, gridCodes: grids } : { kind: 'REGIONS', districtCodes: districts, streetCodes: streets };
}

export function fromGrantScope(scope: GrantScope): RowScope {
  switch (scope.kind) {
    case 'CITY':
      return ALL;
    case 'DISTRICTS':
      return regions(scope.codes, []);
    case 'STREETS':
      return regions([], scope.codes);
    case 'GRIDS':
      return regions([], [], scope.codes);
  }
}

/**
 * The narrowing a subject's `districtScope` claim asks for: 440300 or an empty list = none (ALL);
 * 6-digit district-level areas and 9-digit streets narrow; any other code matches nothing, so a
 * claim of only unusable codes narrows to NONE (fail closed).
 */
export function fromDistrictScope(codes: readonly string[]): RowScope {
  if (codes.length === 0 || codes.includes(CITY_CODE)) return ALL;
  const districts = codes.filter((c) => isDistrictArea(c));
  const streets = codes.filter((c) => isShenzhenStreetCode(c));
  return regions(districts, streets);
}

export function union(scopes: Iterable<RowScope>): RowScope {
  const districts: string[] = [];
  const streets: string[] = [];
  const grids: string[] = [];
  for (const s of scopes) {
    if (s.kind === 'ALL') return ALL;
    if (s.kind === 'REGIONS') {
      districts.push(...s.districtCodes);
      streets.push(...s.streetCodes);
      grids.push(...(s.gridCodes ?? []));
    }
  }
  return regions(districts, streets, grids);
}

export function intersect(a: RowScope, b: RowScope): RowScope {
  if (a.kind === 'NONE' || b.kind === 'NONE') return NONE;
  if (a.kind === 'ALL') return b;
  if (b.kind === 'ALL') return a;
  const bDistricts = new Set(b.districtCodes);
  const aDistricts = new Set(a.districtCodes);
  const bStreets = new Set(b.streetCodes);
  const districts = a.districtCodes.filter((d) => bDistricts.has(d));
  const streets = [
    ...a.streetCodes.filter((s) => bStreets.has(s) || bDistricts.has(districtOfStreet(s))),
    ...b.streetCodes.filter((s) => aDistricts.has(districtOfStreet(s))),
  ];
  const aStreets = new Set(a.streetCodes);
  const bGrids = new Set(b.gridCodes ?? []);
  const grids = [
    ...(a.gridCodes ?? []).filter((g) => bGrids.has(g) || gridWithin(g, bDistricts, bStreets)),
    ...(b.gridCodes ?? []).filter((g) => gridWithin(g, aDistricts, aStreets)),
  ];
  return regions(districts, streets, grids);
}

/** True when every row in `inner` is also in `outer`. */
export function covers(outer: RowScope, inner: RowScope): boolean {
  if (inner.kind === 'NONE' || outer.kind === 'ALL') return true;
  if (outer.kind === 'NONE' || inner.kind === 'ALL') return false;
  const districts = new Set(outer.districtCodes);
  const streets = new Set(outer.streetCodes);
  const grids = new Set(outer.gridCodes ?? []);
  return (
    inner.districtCodes.every((d) => districts.has(d)) &&
    inner.streetCodes.every((s) => streets.has(s) || districts.has(districtOfStreet(s))) &&
    (inner.gridCodes ?? []).every((g) => grids.has(g) || gridWithin(g, districts, streets))
  );
}

/** True when a row lies in the scope (same predicate as the SQL: district OR street OR grid matches). */
export function containsRow(scope: RowScope, row: RowRegion): boolean {
  if (scope.kind === 'ALL') return true;
  if (scope.kind === 'NONE') return false;
  return (
    (row.districtCode !== null && scope.districtCodes.includes(row.districtCode)) ||
    (row.streetCode !== null && scope.streetCodes.includes(row.streetCode)) ||
    (typeof row.gridCode === 'string' && (scope.gridCodes ?? []).includes(row.gridCode))
  );
}

export function describeScope(scope: RowScope): string {
  if (scope.kind === 'ALL') return 'the whole city';
  if (scope.kind === 'NONE') return 'no region';
  const parts = [
    ...scope.districtCodes.map((d) => `${DISTRICT_AREAS.get(d) ?? d} ${d}`),
    ...scope.streetCodes.map((s) => `street ${s}`),
    ...(scope.gridCodes ?? []).map((g) => `grid ${g}`),
  ];
  return parts.join(', ');
}

/**
 * The row scopes a caller's Cypher reads are built for (graph/scope.ts turns them into
 * predicates): one per entity kind (by kind name, its Neo4j label), and one per object kind
 * whose rows another field classifies (DEVICE: IoT data), on top of its kind's scope.
 */
export interface GraphScope {
  readonly kinds: Readonly<Record<string, RowScope>>;
  readonly objectKinds: Readonly<Record<string, RowScope>>;
}

/**
 * Whether a row of `kind` with these stored properties is visible under `scope`: exactly the
 * predicate graph/scope.ts `visible` pushes into Cypher, for rows read outside a scoped query
 * (the change feed loads an event's entity once and releases it to each subscriber).
 */
export function graphScopeAdmits(scope: GraphScope, kind: string, props: Readonly<Record<string, unknown>>): boolean {
  const row: RowRegion = {
    districtCode: typeof props.districtCode === 'string' ? props.districtCode : null,
    streetCode: typeof props.streetCode === 'string' ? props.streetCode : null,
    gridCode: typeof props.gridCode === 'string' ? props.gridCode : null,
  };
  const kindScope = scope.kinds[kind];
  if (!kindScope || !containsRow(kindScope, row)) return false;
  if (kind !== 'CityObject') return true;
  const objectKind = typeof props.objectKind === 'string' ? props.objectKind : '';
  const objectScope = scope.objectKinds[objectKind];
  return !objectScope || containsRow(objectScope, row);
}
