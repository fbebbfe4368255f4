/**
 * Spatial registration (空间配准) of ingested records, one statement per batch. A point is
 * registered to the building whose footprint covers it (point-in-polygon), or else to the
 * nearest building within REGISTRATION_RADIUS_M; failing that, to its district by
 * point-in-polygon and there to the nearest community (communities are points in the reference
 * data). The district/street/community codes come with it.
 */
import type { SqlStore } from '../store/postgres';

export const REGISTRATION_RADIUS_M = 50;

export interface Registration {
  /** City code of the building or community the point is registered to. */
  code: string;
  level: 'BUILDING' | 'COMMUNITY';
  districtCode: string | null;
  streetCode: string | null;
  communityCode: string | null;
  /** The grid (网格) the point lies in: its building's, or the grid polygon covering it; null where no grids are drawn. */
  gridCode: string | null;
  /** True when a footprint or the district polygon covers the point; false for the nearest building. */
  inside: boolean;
}

/** One registration (or null: outside every district) per point, in input order. */
export async function registerPoints(sql: SqlStore, points: readonly { lon: number; lat: number }[]): Promise<(Registration | null)[]> {
  if (points.length === 0) return [];
  const rows = await sql.query<{
    b_code: string | null; b_district: string | null; b_street: string | null; b_community: string | null; b_inside: boolean | null;
    c_code: string | null; c_district: string | null; c_street: string | null; c_community: string | null; b_grid: string | null; g_grid: string | null;
  }>(
    `WITH pts AS (
       SELECT t.i, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4490) AS pt
         FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS t(lon, lat, i)
     )
     SELECT p.i, b.city_code AS b_code, b.district_code AS b_district, b.street_code AS b_street, b.community_code AS b_community, b.inside AS b_inside,
            c.city_code AS c_code, c.district_code AS c_district, c.street_code AS c_street, c.community_code AS c_community,
            b.grid_code AS b_grid, g.grid_code AS g_grid
       FROM pts p
       LEFT JOIN LATERAL (
         SELECT s.city_code, s.district_code, s.street_code, s.community_code, s.grid_code, ST_Covers(s.geom, p.pt) AS inside
           FROM spatial_feature s
          WHERE s.kind = 'BUILDING' AND ST_DWithin(s.geom::geography, p.pt::geography, $3)
          ORDER BY inside DESC, s.geom::geography <-> p.pt::geography, s.city_code
          LIMIT 1
       ) b ON true
       LEFT JOIN LATERAL (
         SELECT c.city_code, c.district_code, c.street_code, c.community_code
           FROM spatial_feature d
           JOIN spatial_feature c ON c.kind = 'COMMUNITY' AND c.district_code = d.district_code
          WHERE b.city_code IS NULL AND d.kind = 'DISTRICT' AND ST_Covers(d.geom, p.pt)
          ORDER BY c.geom <-> p.pt, c.city_code
          LIMIT 1
       ) c ON true
       LEFT JOIN LATERAL (
         SELECT g.grid_code FROM grid_boundary g
          WHERE ST_Covers(g.geom, p.pt)
          ORDER BY g.grid_code LIMIT 1
       ) g ON true
      ORDER BY p.i`,
    [points.map((p) => p.lon), points.map((p) => p.lat), REGISTRATION_RADIUS_M],
  );
  return rows.map((r) => {
    if (r.b_code) return { code: r.b_code, level: 'BUILDING', districtCode: r.b_district, streetCode: r.b_street, communityCode: r.b_community, gridCode: r.b_grid ?? r.g_grid, inside: r.b_inside === true };
    if (r.c_code) return { code: r.c_code, level: 'COMMUNITY', districtCode: r.c_district, streetCode: r.c_street, communityCode: r.c_community, gridCode: r.g_grid, inside: true };
    return null;
  });
}
