import { badInput, CityCodeError } from '../core/errors';
import type { GeoJsonGeometry } from './features';
import { assertBbox, assertCursor, assertKinds, assertRadius, pageSize } from './limits';
import type { RowScope as PolicyRowScope } from '../policy/model';
import type { SqlStore } from '../store/postgres';
import { assertGeometry, assertLonLat, assertSearchExtent, Geometry, GeometryOptions } from './validate';

/**
 * Spatial searches over spatial_feature (EPSG:4490), all SQL parameterised. Each search returns
 * one page of city codes in city-code order (keyset: `after` is the last code of the previous
 * page) with the exact total of the same predicate, kinds filter and row scope, in ONE round
 * trip: a CTE `matched` holds every match once; the total counts it and the page takes the
 * first `first` codes after the cursor from it (docs/spatial.md, "Searches").
 */

/**
 * A caller's row scope. null/undefined: the whole city. An object: the features whose
 * district_code is in `districtCodes` OR whose street_code is in `streetCodes` OR whose grid_code
 * is in `gridCodes`; a list that is absent or empty adds nothing, so `{}` and `{ districtCodes: [] }`
 * see nothing.
 */
export interface RowScope {
  districtCodes?: readonly string[] | null;
  streetCodes?: readonly string[] | null;
  gridCodes?: readonly string[] | null;
}

/** A policy row scope (policy/scope.ts) in this module's terms: undefined = the whole city. */
export function spatialScopeOf(scope: PolicyRowScope | undefined): RowScope | undefined {
  if (!scope || scope.kind === 'NONE') return { districtCodes: [], streetCodes: [] };
  if (scope.kind === 'ALL') return undefined;
  return { districtCodes: scope.districtCodes, streetCodes: scope.streetCodes, gridCodes: scope.gridCodes ?? [] };
}

export interface SpatialSearchOptions {
  /** Feature kinds (objectKind: BUILDING, DEVICE, PARKING_SPACE, ...); absent = every kind, [] = none. */
  kinds?: readonly string[] | null;
  /** Feature kinds never returned (the features of entities that are not city objects, e.g. PublicFacility). */
  excludeKinds?: readonly string[] | null;
  /** Row scope pushed into the WHERE clause; absent = whole city. */
  scope?: RowScope | null;
  /** Where IoT devices (kind DEVICE) are visible, on top of `scope`; absent = wherever `scope` is. */
  deviceScope?: RowScope | null;
  /** Page size, 0..MAX_PAGE (0 = count only). */
  first: number;
  /** Last city code of the previous page. */
  after?: string | null;
}

/**
 * How an area (polygon or region) matches features: `intersects` (default) = any part of the
 * feature touches the area; `coveredBy` = the whole feature lies in the area (its boundary
 * included).
 */
export type AreaMatch = 'intersects' | 'coveredBy';

export interface AreaSearchOptions extends SpatialSearchOptions {
  match?: AreaMatch;
}

export interface SpatialPage {
  codes: string[];
  totalCount: number;
  hasNextPage: boolean;
}

export interface LonLat {
  lon: number;
  lat: number;
}

/** Collects positional parameters: `p.add(value)` returns its placeholder. */
class Params {
  readonly values: unknown[] = [];

  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

interface CheckedOptions {
  kinds?: string[];
  excludeKinds?: string[];
  scope?: { districtCodes: string[]; streetCodes: string[]; gridCodes: string[] };
  deviceScope?: { districtCodes: string[]; streetCodes: string[]; gridCodes: string[] };
  first: number;
  after?: string;
  match: AreaMatch;
}

function stringList(value: unknown, argument: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw badInput(`${argument} must be a list of region codes`, 'Row scopes come from the policy engine: a list of codes.', { argument });
  }
  return value as string[];
}

function checkOptions(opts: AreaSearchOptions): CheckedOptions {
  const o = (opts ?? {}) as Partial<AreaSearchOptions>;
  const match = o.match ?? 'intersects';
  if (match !== 'intersects' && match !== 'coveredBy') {
    throw badInput(`match must be intersects or coveredBy, got ${String(match)}`, 'Use intersects (default) or coveredBy.', {
      argument: 'match',
    });
  }
  return {
    kinds: assertKinds(o.kinds),
    excludeKinds: o.excludeKinds ? stringList(o.excludeKinds, 'excludeKinds') : undefined,
    scope:
      o.scope === undefined || o.scope === null
        ? undefined
        : {
            districtCodes: stringList(o.scope.districtCodes, 'scope.districtCodes'),
            streetCodes: stringList(o.scope.streetCodes, 'scope.streetCodes'),
            gridCodes: stringList(o.scope.gridCodes, 'scope.gridCodes'),
          },
    deviceScope:
      o.deviceScope === undefined || o.deviceScope === null
        ? undefined
        : {
            districtCodes: stringList(o.deviceScope.districtCodes, 'deviceScope.districtCodes'),
            streetCodes: stringList(o.deviceScope.streetCodes, 'deviceScope.streetCodes'),
            gridCodes: stringList(o.deviceScope.gridCodes, 'deviceScope.gridCodes'),
          },
    first: pageSize(o.first),
    after: assertCursor(o.after),
    match,
  };
}

/** Kinds and row-scope conditions on alias `f`, as SQL with placeholders. */
function filterClauses(p: Params, o: CheckedOptions): string[] {
  const where: string[] = [];
  if (o.kinds) where.push(o.kinds.length ? `f.kind = ANY(${p.add(o.kinds, '::text[]')})` : 'FALSE');
  if (o.excludeKinds?.length) where.push(`f.kind <> ALL(${p.add(o.excludeKinds, '::text[]')})`);
  if (o.scope) {
    const parts: string[] = [];
    if (o.scope.districtCodes.length) parts.push(`f.district_code = ANY(${p.add(o.scope.districtCodes, '::text[]')})`);
    if (o.scope.streetCodes.length) parts.push(`f.street_code = ANY(${p.add(o.scope.streetCodes, '::text[]')})`);
    if (o.scope.gridCodes.length) parts.push(`f.grid_code = ANY(${p.add(o.scope.gridCodes, '::text[]')})`);
    where.push(parts.length === 0 ? 'FALSE' : parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);
  }
  if (o.deviceScope) {
    const parts = [`f.kind <> 'DEVICE'`];
    if (o.deviceScope.districtCodes.length) parts.push(`f.district_code = ANY(${p.add(o.deviceScope.districtCodes, '::text[]')})`);
    if (o.deviceScope.streetCodes.length) parts.push(`f.street_code = ANY(${p.add(o.deviceScope.streetCodes, '::text[]')})`);
    if (o.deviceScope.gridCodes.length) parts.push(`f.grid_code = ANY(${p.add(o.deviceScope.gridCodes, '::text[]')})`);
    where.push(parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);
  }
  return where;
}

interface SearchSql {
  /** CTEs placed before `matched` (each `name AS (...)`). */
  ctes?: string[];
  /** FROM list of `matched`; must name spatial_feature as `f`. */
  from?: string;
  /** Spatial predicate(s) of `matched`. */
  where: string[];
  /** Extra output columns (`expr AS "name"`). */
  extra?: string[];
}

type SearchRow = { totalCount: number; codes: string[] } & Record<string, unknown>;

/**
 * Runs one search: every match once in `matched` (referenced twice, so PostgreSQL materialises
 * it), its exact count, and the page after the cursor, in one statement.
 */
async function runSearch(sql: SqlStore, p: Params, o: CheckedOptions, q: SearchSql): Promise<{ page: SpatialPage; row: SearchRow }> {
  const where = [...q.where, ...filterClauses(p, o)];
  const after = o.after === undefined ? '' : `WHERE city_code > ${p.add(o.after, '::text')}`;
  const limit = p.add(o.first + 1, '::int');
  const text = `
    WITH ${[...(q.ctes ?? []), ''].join(',\n')}
    matched AS (
      SELECT f.city_code FROM ${q.from ?? 'spatial_feature f'}
       WHERE ${where.join('\n         AND ')}
    )
    SELECT (SELECT count(*) FROM matched)::int AS "totalCount",
           ARRAY(SELECT city_code FROM matched ${after} ORDER BY city_code LIMIT ${limit}) AS codes
           ${(q.extra ?? []).map((e) => `, ${e}`).join('')}`;
  // A search may see a replica's slightly older state: it goes to the read pool (docs/scaling.md).
  const [row] = await sql.readQuery<SearchRow>(text, p.values);
  const codes = row.codes.slice(0, o.first);
  return { page: { codes, totalCount: row.totalCount, hasNextPage: row.codes.length > o.first }, row };
}

const GEOM_INPUT = (placeholder: string) => `ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(${placeholder}::text)), 4490)`;

function areaPredicate(match: AreaMatch, area: string): string {
  return match === 'coveredBy' ? `ST_CoveredBy(f.geom, ${area})` : `ST_Intersects(f.geom, ${area})`;
}

const VALIDITY_HINTS: [RegExp, string][] = [
  [/^Ring Self-intersection/, 'A ring touches itself at a point: split it into two rings or remove the repeated vertex.'],
  [/^Self-intersection/, 'Edges cross each other (e.g. a "bow-tie" ring): reorder the positions or split the shape into a MultiPolygon.'],
  [/^Too few points/, 'A ring or line has too few distinct positions: drop repeated positions or add vertices.'],
  [/^Hole lies outside shell/, 'Every hole (inner ring) must lie inside the outer ring of its polygon.'],
  [/^Nested shells/, 'The polygons of a MultiPolygon must not lie inside one another.'],
  [/^Interior is disconnected/, 'Holes must not cut the polygon into pieces: make them separate polygons.'],
];

/** Hint for a reason from ST_IsValidReason. */
export function validityHint(problem: string): string {
  return (
    VALIDITY_HINTS.find(([re]) => re.test(problem))?.[1] ??
    'Send a valid simple geometry: rings must not cross themselves or each other, holes must lie inside their shell.'
  );
}

function invalidGeometry(argument: string, problem: string): CityCodeError {
  return badInput(`Invalid ${argument}: ${problem}`, validityHint(problem), { argument, reason: problem });
}

/**
 * What PostGIS finds wrong with a geometry (ST_IsValidReason, e.g.
 * "Self-intersection[114.05 22.54]"), or null when it is valid. Takes a GeoJSON object or its
 * text; input PostGIS cannot even parse gives its parser's message. Callers turn a problem into
 * BAD_USER_INPUT (see assertValidGeometry).
 */
export async function geometryProblem(sql: SqlStore, geojson: GeoJsonGeometry | Geometry | string): Promise<string | null> {
  const text = typeof geojson === 'string' ? geojson : JSON.stringify(geojson);
  try {
    const [row] = await sql.query<{ problem: string | null }>(
      `SELECT NULLIF(ST_IsValidReason(${GEOM_INPUT('$1')}), 'Valid Geometry') AS problem`,
      [text],
    );
    return row.problem;
  } catch (err) {
    const e = err as { code?: unknown; message?: string };
    // A PostgreSQL error (SQLSTATE) while parsing the input is a verdict on the input.
    if (!(err instanceof CityCodeError) && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
      return `GeoJSON rejected by PostGIS: ${e.message ?? e.code}`;
    }
    throw err;
  }
}

/**
 * Validates a geometry completely: the pure GeoJSON checks of spatial/validate.ts, then PostGIS
 * validity (self-intersections, ...). Throws BAD_USER_INPUT with the reason and a hint.
 */
export async function assertValidGeometry(
  sql: SqlStore,
  input: unknown,
  options: GeometryOptions & { argument?: string } = {},
): Promise<Geometry> {
  const geometry = assertGeometry(input, options);
  const problem = await geometryProblem(sql, geometry);
  if (problem) throw invalidGeometry(options.argument ?? 'geometry', problem);
  return geometry;
}

/**
 * Features that intersect (default) or lie within a Polygon / MultiPolygon. The polygon is
 * validated (GeoJSON shape, extent at most MAX_BBOX_AREA_KM2, PostGIS validity); the validity
 * check runs in the same statement as the search, which does not scan when the polygon is
 * invalid, and an invalid polygon is BAD_USER_INPUT (e.g. "Self-intersection[114.05 22.54]").
 */
export async function withinPolygon(sql: SqlStore, polygon: unknown, opts: AreaSearchOptions): Promise<SpatialPage> {
  const geometry = assertGeometry(polygon, { allowed: ['Polygon', 'MultiPolygon'], argument: 'polygon' });
  assertSearchExtent(geometry, 'polygon');
  const o = checkOptions(opts);
  const p = new Params();
  const area = GEOM_INPUT(p.add(JSON.stringify(geometry)));
  const { page, row } = await runSearch(sql, p, o, {
    ctes: [`validity AS (SELECT NULLIF(ST_IsValidReason(${area}), 'Valid Geometry') AS problem)`],
    where: ['(SELECT problem FROM validity) IS NULL', areaPredicate(o.match, area)],
    extra: ['(SELECT problem FROM validity) AS problem'],
  });
  if (typeof row.problem === 'string') throw invalidGeometry('polygon', row.problem);
  return page;
}

/**
 * Features within `radiusM` metres (0 < radiusM ≤ MAX_RADIUS_M) of a point, measured on the
 * CGCS2000 ellipsoid from the point to the nearest part of each feature: ST_DWithin on
 * geography, which the GiST index spatial_feature_geog_gist serves.
 */
export async function withinRadius(sql: SqlStore, center: LonLat, radiusM: number, opts: SpatialSearchOptions): Promise<SpatialPage> {
  const { lon, lat } = assertLonLat(center, 'center');
  const radius = assertRadius(radiusM);
  const o = checkOptions(opts);
  const p = new Params();
  const point = `ST_SetSRID(ST_MakePoint(${p.add(lon, '::float8')}, ${p.add(lat, '::float8')}), 4490)::geography`;
  const { page } = await runSearch(sql, p, o, {
    where: [`ST_DWithin(f.geom::geography, ${point}, ${p.add(radius, '::float8')})`],
  });
  return page;
}

/**
 * Features in a region: the area is the Polygon / MultiPolygon stored for the region's city code
 * (not its code prefix). Default match `intersects` (a feature on the border belongs to both
 * sides; boundaries are approximate, so nothing near a border is lost), or `coveredBy`. The
 * region's own feature is not in the result. NOT_FOUND when the code has no geometry,
 * BAD_USER_INPUT when its geometry is not an area (e.g. a community stored as a point).
 */
export async function inRegion(sql: SqlStore, regionCode: string, opts: AreaSearchOptions): Promise<SpatialPage> {
  if (typeof regionCode !== 'string' || regionCode.trim() === '' || regionCode.length > 64) {
    throw badInput('region must be a city code', "Give the region's city code (a district, street or community object).", {
      argument: 'region',
    });
  }
  const o = checkOptions(opts);
  const p = new Params();
  const code = p.add(regionCode, '::text');
  const { page, row } = await runSearch(sql, p, o, {
    // A region is a feature with an area (a district) or a grid (网格), whose boundary is kept apart.
    ctes: [
      `region AS (SELECT geom, GeometryType(geom) AS gtype FROM spatial_feature WHERE city_code = ${code}
                  UNION ALL SELECT geom, GeometryType(geom) FROM grid_boundary WHERE city_code = ${code} LIMIT 1)`,
    ],
    from: 'region r JOIN spatial_feature f ON ' + areaPredicate(o.match, 'r.geom'),
    where: [`r.gtype IN ('POLYGON', 'MULTIPOLYGON')`, `f.city_code <> ${code}`],
    extra: ['(SELECT gtype FROM region) AS "regionType"'],
  });
  const regionType = row.regionType as string | null;
  if (regionType === null) {
    throw new CityCodeError('NOT_FOUND', `Region ${regionCode} has no geometry`, "Check the region's city code; only regions with a stored boundary can be searched.", {
      argument: 'region',
      regionCode,
    });
  }
  if (regionType !== 'POLYGON' && regionType !== 'MULTIPOLYGON') {
    const reason = `region ${regionCode} has no boundary: its geometry is a ${regionType}`;
    throw badInput(`Invalid region: ${reason}`, 'Search around its point with a radius instead, or use a region that has a boundary polygon.', {
      argument: 'region',
      reason,
    });
  }
  return page;
}

/**
 * Features in a street (9-digit code) or community (12-digit code) by the area codes recorded
 * on each feature (spatial_feature.street_code / community_code): streets and communities have
 * no boundary polygons in the reference data (docs/regions.md), so their membership is the
 * registered one. `exceptCode` (the region's own city code) is left out of the result.
 */
export async function inAdministrativeArea(
  sql: SqlStore,
  area: { level: 'STREET' | 'COMMUNITY'; regionCode: string; exceptCode: string },
  opts: SpatialSearchOptions,
): Promise<SpatialPage> {
  const pattern = area.level === 'STREET' ? /^\d{9}$/ : /^\d{12}$/;
  if (!pattern.test(area.regionCode)) {
    throw badInput(`${area.regionCode} is not a ${area.level.toLowerCase()} code`, 'Streets have 9-digit codes, communities 12-digit codes.', {
      argument: 'region',
    });
  }
  const o = checkOptions(opts);
  const p = new Params();
  const column = area.level === 'STREET' ? 'f.street_code' : 'f.community_code';
  const { page } = await runSearch(sql, p, o, {
    where: [`${column} = ${p.add(area.regionCode, '::text')}`, `f.city_code <> ${p.add(area.exceptCode, '::text')}`],
  });
  return page;
}

/**
 * Features intersecting `[minLon, minLat, maxLon, maxLat]` (edges along meridians and parallels,
 * as on a map), at most MAX_BBOX_AREA_KM2.
 */
export async function intersectingBbox(
  sql: SqlStore,
  bbox: readonly [number, number, number, number],
  opts: SpatialSearchOptions,
): Promise<SpatialPage> {
  const [minLon, minLat, maxLon, maxLat] = assertBbox(bbox);
  const o = checkOptions(opts);
  const p = new Params();
  const env = `ST_MakeEnvelope(${[minLon, minLat, maxLon, maxLat].map((v) => p.add(v, '::float8')).join(', ')}, 4490)`;
  const { page } = await runSearch(sql, p, o, { where: [`ST_Intersects(f.geom, ${env})`] });
  return page;
}

/**
 * Shortest distance in metres between the geometries of two city codes on the CGCS2000
 * ellipsoid (geography; 0 when they touch), or null when either code has no geometry.
 */
export async function distanceMetres(sql: SqlStore, codeA: string, codeB: string): Promise<number | null> {
  const rows = await sql.query<{ d: number }>(
    `SELECT ST_Distance(a.geom::geography, b.geom::geography) AS d
       FROM spatial_feature a, spatial_feature b
      WHERE a.city_code = $1 AND b.city_code = $2`,
    [codeA, codeB],
  );
  return rows.length ? rows[0].d : null;
}

/**
 * Area in square metres of a city code's geometry on the CGCS2000 ellipsoid (geography; 0 for
 * points and lines), or null when the code has no geometry.
 */
export async function areaSquareMetres(sql: SqlStore, code: string): Promise<number | null> {
  const rows = await sql.query<{ a: number }>('SELECT ST_Area(geom::geography) AS a FROM spatial_feature WHERE city_code = $1', [
    code,
  ]);
  return rows.length ? rows[0].a : null;
}

/** Geodesic distance in metres between two points on the CGCS2000 ellipsoid. */
export async function distanceBetween(sql: SqlStore, a: LonLat, b: LonLat): Promise<number> {
  const pa = assertLonLat(a, 'a');
  const pb = assertLonLat(b, 'b');
  const [row] = await sql.query<{ d: number }>(
    `SELECT ST_Distance(ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 4490)::geography,
                        ST_SetSRID(ST_MakePoint($3::float8, $4::float8), 4490)::geography) AS d`,
    [pa.lon, pa.lat, pb.lon, pb.lat],
  );
  return row.d;
}
