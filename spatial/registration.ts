/**
 * Spatial registration (空间配准) of ingested records: a point is registered to the building whose
 * footprint covers it, or else to the nearest building within REGISTRATION_RADIUS_M; the
 * building's district/street/community codes come with it. One statement per batch.
 */
import type { SqlStore } from './pool';

export const REGISTRATION_RADIUS_M = 50;

export interface Registration {
  code: string;
  districtCode: string | null;
  streetCode: string | null;
  communityCode: string | null;
  /** True when the footprint covers the point (point-in-polygon), false for the nearest building. */
  inside: boolean;
}

/** One registration (or null) per point, in input order. */
export async function registerPoints(sql: SqlStore, points: readonly { lon: number; lat: number }[]): Promise<(Registration | null)[]> {
  if (points.length === 0) return [];
  const rows = await sql.query<{ i: string; code: string | null; district_code: string | null; street_code: string | null; community_code: string | null; inside: boolean | null }>(
    `SELECT t.i, f.city_code AS code, f.district_code, f.street_code, f.community_code, f.inside
       FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS t(lon, lat, i)
       LEFT JOIN LATERAL (
         SELECT s.city_code, s.district_code, s.street_code, s.community_code,
                ST_Covers(s.geom, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4490)) AS inside
           FROM spatial_feature s
          WHERE s.kind = 'BUILDING'
            AND ST_DWithin(s.geom::geography, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4490)::geography, $3)
          ORDER BY inside DESC, s.geom::geography <-> ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4490)::geography, s.city_code
          LIMIT 1
       ) f ON true
      ORDER BY t.i`,
    [points.map((p) => p.lon), points.map((p) => p.lat), REGISTRATION_RADIUS_M],
  );
  return rows.map((r) =>
    r.code ? { code: r.code, districtCode: r.district_code, streetCode: r.street_code, communityCode: r.community_code, inside: r.inside === true } : null,
  );
}
