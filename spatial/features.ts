import type { SqlStore } from './pool';

/** GeoJSON geometry as returned to clients (RFC 7946 object). */
export type GeoJsonGeometry = { type: string; coordinates?: unknown; geometries?: unknown[] };

export interface SpatialFeature {
  cityCode: string;
  kind: string;
  geometry: GeoJsonGeometry;
  heightM: number | null;
}

/** Geometry of many city codes in one round trip. */
export async function featuresByCodes(sql: SqlStore, codes: readonly string[]): Promise<SpatialFeature[]> {
  if (codes.length === 0) return [];
  return sql.query<SpatialFeature>(
    `SELECT city_code AS "cityCode", kind, ST_AsGeoJSON(geom, 7, 0)::json AS geometry, height_m AS "heightM"
       FROM spatial_feature
      WHERE city_code = ANY($1::text[])`,
    [codes],
  );
}

/** Inserts or replaces the geometry of one city code (GeoJSON in, EPSG:4490). */
export async function upsertFeature(
  sql: SqlStore,
  f: { cityCode: string; kind: string; geometry: GeoJsonGeometry; heightM?: number | null; source?: string },
): Promise<void> {
  await sql.query(
    `INSERT INTO spatial_feature (city_code, kind, geom, height_m, source)
     VALUES ($1, $2, ST_SetSRID(ST_GeomFromGeoJSON($3), 4490), $4, $5)
     ON CONFLICT (city_code) DO UPDATE
       SET kind = EXCLUDED.kind, geom = EXCLUDED.geom, height_m = EXCLUDED.height_m,
           source = EXCLUDED.source, updated_at = now()
     WHERE spatial_feature.geom IS DISTINCT FROM EXCLUDED.geom
        OR spatial_feature.kind IS DISTINCT FROM EXCLUDED.kind
        OR spatial_feature.height_m IS DISTINCT FROM EXCLUDED.height_m`,
    [f.cityCode, f.kind, JSON.stringify(f.geometry), f.heightM ?? null, f.source ?? null],
  );
}
