/**
 * Grid polygons (网格): drawn by PostGIS from the generated grid seeds (seed/grids.ts) as nested
 * Voronoi cells: each community's cell (points nearer its centre than any other community centre
 * of the district, clipped to the district), split among the community's grid seeds. One statement,
 * all or nothing; re-running replaces the district's grids.
 */
import type { SqlStore } from '../store/postgres';

export interface GridPolygonInput {
  districtCode: string;
  /** GeoJSON MultiPolygon of the district (EPSG:4490). */
  districtGeometry: unknown;
  communities: { communityCode: string; streetCode: string; lon: number; lat: number }[];
  grids: { cityCode: string; gridCode: string; communityCode: string; lon: number; lat: number }[];
}

const WRITE_GRIDS = `
  WITH d AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4490) AS g),
  c AS (SELECT x.community, x.street, ST_SetSRID(ST_MakePoint(x.lon, x.lat), 4490) AS pt
          FROM jsonb_to_recordset($2::jsonb) AS x(community text, street text, lon float8, lat float8)),
  s AS (SELECT x.city_code, x.grid, x.community, ST_SetSRID(ST_MakePoint(x.lon, x.lat), 4490) AS pt
          FROM jsonb_to_recordset($3::jsonb) AS x(city_code text, grid text, community text, lon float8, lat float8)),
  cells AS (SELECT (ST_Dump(ST_VoronoiPolygons(ST_Collect(c.pt), 0, ST_Expand((SELECT g FROM d), 0.2)))).geom AS cell FROM c),
  community_cell AS (
    SELECT c.community, c.street, ST_Intersection(cells.cell, d.g) AS geom
      FROM c JOIN cells ON ST_Covers(cells.cell, c.pt) CROSS JOIN d),
  grid_cells AS (
    SELECT s.community, (ST_Dump(ST_VoronoiPolygons(ST_Collect(s.pt), 0, ST_Expand((SELECT g FROM d), 0.2)))).geom AS cell
      FROM s GROUP BY s.community),
  polygons AS (
    SELECT s.city_code, s.grid, cc.community, cc.street,
           ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Intersection(gc.cell, cc.geom)), 3)) AS geom
      FROM s
      JOIN grid_cells gc ON gc.community = s.community AND ST_Covers(gc.cell, s.pt)
      JOIN community_cell cc ON cc.community = s.community),
  cleared AS (DELETE FROM grid_boundary WHERE district_code = $4 AND grid_code NOT IN (SELECT grid FROM polygons))
  INSERT INTO grid_boundary AS b (grid_code, city_code, district_code, street_code, community_code, geom, source)
  SELECT p.grid, p.city_code, $4, p.street, p.community, p.geom, 'generated-grid' FROM polygons p WHERE NOT ST_IsEmpty(p.geom)
  ON CONFLICT (grid_code) DO UPDATE
     SET city_code = EXCLUDED.city_code, geom = EXCLUDED.geom, street_code = EXCLUDED.street_code,
         community_code = EXCLUDED.community_code, updated_at = now()
   WHERE (b.geom, b.city_code) IS DISTINCT FROM (EXCLUDED.geom, EXCLUDED.city_code)`;

/** Writes (or rewrites) the grid boundaries of one district; returns how many grids have one. */
export async function writeGridPolygons(sql: SqlStore, input: GridPolygonInput): Promise<number> {
  await sql.query(WRITE_GRIDS, [
    JSON.stringify(input.districtGeometry),
    JSON.stringify(input.communities.map((c) => ({ community: c.communityCode, street: c.streetCode, lon: c.lon, lat: c.lat }))),
    JSON.stringify(input.grids.map((g) => ({ city_code: g.cityCode, grid: g.gridCode, community: g.communityCode, lon: g.lon, lat: g.lat }))),
    input.districtCode,
  ]);
  const rows = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM grid_boundary WHERE district_code = $1`, [input.districtCode]);
  return rows[0].n;
}

/** Sets grid_code on every other feature of the district from the grid polygon covering its centroid (seed/plan.ts computes the same). */
export async function assignFeaturesToGrids(sql: SqlStore, districtCode: string): Promise<number> {
  const rows = await sql.query<{ n: number }>(
    `WITH upd AS (
       UPDATE spatial_feature f SET grid_code = g.grid_code
         FROM grid_boundary g
        WHERE g.district_code = $1 AND f.district_code = $1
          AND ST_Covers(g.geom, ST_Centroid(f.geom)) AND f.grid_code IS DISTINCT FROM g.grid_code
       RETURNING 1)
     SELECT count(*)::int AS n FROM upd`,
    [districtCode],
  );
  return rows[0].n;
}

/** The grid covering each point (null outside every grid polygon). */
export async function gridsOfPoints(sql: SqlStore, points: readonly { lon: number; lat: number }[]): Promise<(string | null)[]> {
  if (points.length === 0) return [];
  const rows = await sql.query<{ grid: string | null }>(
    `SELECT (SELECT g.grid_code FROM grid_boundary g
              WHERE ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4490))
              ORDER BY g.grid_code LIMIT 1) AS grid
       FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS t(lon, lat, i) ORDER BY t.i`,
    [points.map((p) => p.lon), points.map((p) => p.lat)],
  );
  return rows.map((r) => r.grid);
}
