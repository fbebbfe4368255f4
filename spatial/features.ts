import { badInput } from '../core/errors';
import type { SqlStore } from '../store/postgres';
import { regionScopeOf } from '../domain/regions';
import { geometryHint, validateGeometry } from './validate';

/** GeoJSON geometry as returned to clients (RFC 7946 object). */
export type GeoJsonGeometry = { type: string; coordinates?: unknown; geometries?: unknown[] };

export interface SpatialFeature {
  cityCode: string;
  kind: string;
  geometry: GeoJsonGeometry;
  heightM: number | null;
  baseM?: number | null;
  districtCode?: string | null;
  streetCode?: string | null;
  communityCode?: string | null;
}

/** Geometry of many city codes in one round trip. */
export async function featuresByCodes(sql: SqlStore, codes: readonly string[]): Promise<SpatialFeature[]> {
  if (codes.length === 0) return [];
  return sql.query<SpatialFeature>(
    `SELECT city_code AS "cityCode", kind, ST_AsGeoJSON(geom, 7, 0)::json AS geometry, height_m AS "heightM",
            base_m AS "baseM", district_code AS "districtCode", street_code AS "streetCode",
            community_code AS "communityCode"
       FROM spatial_feature
      WHERE city_code = ANY($1::text[])`,
    [codes],
  );
}

/** One feature to write: GeoJSON geometry in CGCS2000 degrees (EPSG:4490). */
export interface FeatureInput {
  cityCode: string;
  kind: string;
  geometry: GeoJsonGeometry;
  /** Height above the base, metres. */
  heightM?: number | null;
  /** Elevation of the base, metres. */
  baseM?: number | null;
  source?: string | null;
  /** District-level area (6 digits); derived from the street when absent. */
  districtCode?: string | null;
  /** Street (9 digits); derived from the community when absent. */
  streetCode?: string | null;
  /** Community (12 digits). */
  communityCode?: string | null;
}

export interface UpsertSummary {
  inserted: number;
  updated: number;
  /** Rows whose stored values were already the same (not rewritten, updated_at kept). */
  unchanged: number;
}

interface FeatureRow {
  city_code: string;
  kind: string;
  geometry: GeoJsonGeometry;
  height_m: number | null;
  base_m: number | null;
  source: string | null;
  district_code: string | null;
  street_code: string | null;
  community_code: string | null;
}

function optionalNumber(value: unknown, name: string, subject: string, min?: number): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || (min !== undefined && value < min)) {
    const reason = `${subject}: ${name} must be a finite number${min !== undefined ? ` ≥ ${min}` : ''}, got ${JSON.stringify(value)}`;
    throw badInput(reason, `Give ${name} in metres, or null when unknown.`, { argument: name, reason });
  }
  return value;
}

function toRow(f: FeatureInput, index: number): FeatureRow {
  const subject = `feature ${index}${typeof f?.cityCode === 'string' ? ` (${f.cityCode})` : ''}`;
  if (f === null || typeof f !== 'object') {
    throw badInput(`${subject} is not an object`, 'Give each feature as {cityCode, kind, geometry, ...}.', { argument: 'features' });
  }
  for (const key of ['cityCode', 'kind'] as const) {
    if (typeof f[key] !== 'string' || f[key].trim() === '') {
      const reason = `${subject}: ${key} must be a non-empty string`;
      throw badInput(reason, 'Give each feature a city code and an object kind such as BUILDING.', { argument: key, reason });
    }
  }
  const checked = validateGeometry(f.geometry);
  if (!checked.ok) {
    const reason = `${subject}: ${checked.reason}`;
    throw badInput(`Invalid geometry of ${reason}`, geometryHint(), { argument: 'geometry', reason, cityCode: f.cityCode });
  }
  const scope = regionScopeOf(f, subject);
  return {
    city_code: f.cityCode,
    kind: f.kind,
    geometry: checked.geometry,
    height_m: optionalNumber(f.heightM, 'heightM', subject, 0),
    base_m: optionalNumber(f.baseM, 'baseM', subject),
    source: f.source ?? null,
    district_code: scope.districtCode,
    street_code: scope.streetCode,
    community_code: scope.communityCode,
  };
}

/**
 * The rows are sent as one jsonb array and expanded by jsonb_to_recordset, so any number of
 * features is one statement: all are written or, on any error, none. Z values are dropped
 * (ST_Force2D: the column is 2-D; heights live in height_m / base_m). A row whose values are
 * unchanged is not rewritten, so updated_at says when a feature last really changed.
 */
const UPSERT = `
  INSERT INTO spatial_feature AS f
         (city_code, kind, geom, height_m, base_m, source, district_code, street_code, community_code)
  SELECT r.city_code, r.kind, ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(r.geometry)), 4490), r.height_m, r.base_m,
         r.source, r.district_code, r.street_code, r.community_code
    FROM jsonb_to_recordset($1::jsonb) AS r(city_code text, kind text, geometry jsonb, height_m double precision,
         base_m double precision, source text, district_code text, street_code text, community_code text)
  ON CONFLICT (city_code) DO UPDATE
     SET kind = EXCLUDED.kind, geom = EXCLUDED.geom, height_m = EXCLUDED.height_m, base_m = EXCLUDED.base_m,
         source = EXCLUDED.source, district_code = EXCLUDED.district_code, street_code = EXCLUDED.street_code,
         community_code = EXCLUDED.community_code, updated_at = now()
   WHERE (f.geom, f.kind, f.height_m, f.base_m, f.source, f.district_code, f.street_code, f.community_code)
         IS DISTINCT FROM (EXCLUDED.geom, EXCLUDED.kind, EXCLUDED.height_m, EXCLUDED.base_m, EXCLUDED.source,
                           EXCLUDED.district_code, EXCLUDED.street_code, EXCLUDED.community_code)
  RETURNING (xmax = 0) AS inserted`;

/** Finds the rows PostGIS considers invalid (self-intersections, ...) to name them in the error. */
const INVALID_ROWS = `
  SELECT r.city_code AS "cityCode", ST_IsValidReason(ST_GeomFromGeoJSON(r.geometry)) AS reason
    FROM jsonb_to_recordset($1::jsonb) AS r(city_code text, geometry jsonb)
   WHERE NOT ST_IsValid(ST_GeomFromGeoJSON(r.geometry))
   LIMIT 5`;

/**
 * Inserts or replaces the geometry and attributes of many city codes in ONE statement
 * (all or nothing). Each input is validated first (GeoJSON shape, numbers, scope codes); a
 * geometry PostGIS finds invalid (e.g. a self-intersecting polygon) fails the whole batch with
 * BAD_USER_INPUT naming the codes. A city code given twice: the last one wins. Every attribute
 * is replaced, so an absent optional field is stored as null.
 */
export async function upsertFeatures(sql: SqlStore, features: readonly FeatureInput[]): Promise<UpsertSummary> {
  if (!Array.isArray(features)) {
    throw badInput('features must be a list', 'Give a list of {cityCode, kind, geometry, ...}.', { argument: 'features' });
  }
  const rows = new Map<string, FeatureRow>();
  features.forEach((f, i) => {
    const row = toRow(f, i);
    rows.delete(row.city_code); // keep the last occurrence, in its position
    rows.set(row.city_code, row);
  });
  if (rows.size === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const payload = JSON.stringify([...rows.values()]);
  let written: { inserted: boolean }[];
  try {
    written = await sql.query<{ inserted: boolean }>(UPSERT, [payload]);
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    if (e.code === '23514' && e.constraint === 'spatial_feature_geom_valid') {
      const invalid = await sql.query<{ cityCode: string; reason: string }>(INVALID_ROWS, [payload]);
      const list = invalid.map((r) => `${r.cityCode}: ${r.reason}`).join('; ');
      throw badInput(
        `Invalid geometry (nothing was written): ${list || 'PostGIS rejected a geometry'}`,
        'Polygons must be simple: rings must not cross themselves or each other, holes must lie inside their shell.',
        { argument: 'geometry', reason: list, cityCodes: invalid.map((r) => r.cityCode) },
      );
    }
    throw err;
  }
  const inserted = written.filter((r) => r.inserted).length;
  return { inserted, updated: written.length - inserted, unchanged: rows.size - written.length };
}

/** Inserts or replaces the geometry of one city code (GeoJSON in, EPSG:4490). */
export async function upsertFeature(sql: SqlStore, f: FeatureInput): Promise<void> {
  await upsertFeatures(sql, [f]);
}
