/**
 * What indicators read of PostGIS (domain/indicators.ts, store 'spatial'): per feature kind and
 * region codes, the number of features, their footprint area (m², on the spheroid) and height
 * statistics. One statement for every kind.
 */
import type { SqlStore } from '../store/postgres';

export interface FeatureRegionRow {
  d: string | null;
  s: string | null;
  c: string | null;
  g: string | null;
  kind: string;
  n: number;
  area: number;
  hn: number;
  hsum: number;
  hmin: number | null;
  hmax: number | null;
}

export async function featureRegionRows(sql: SqlStore, kinds: readonly string[]): Promise<FeatureRegionRow[]> {
  if (kinds.length === 0) return [];
  const rows = await sql.query<FeatureRegionRow>(
    `SELECT district_code AS d, street_code AS s, community_code AS c, grid_code AS g, kind,
            count(*)::int AS n, coalesce(sum(ST_Area(geom::geography)) FILTER (WHERE GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON')), 0) AS area,
            count(height_m)::int AS hn, coalesce(sum(height_m), 0) AS hsum, min(height_m) AS hmin, max(height_m) AS hmax
       FROM spatial_feature WHERE kind = ANY($1::text[])
      GROUP BY 1, 2, 3, 4, 5`,
    [[...kinds]],
  );
  return rows.map((r) => ({ ...r, area: Number(r.area), hsum: Number(r.hsum), hmin: r.hmin === null ? null : Number(r.hmin), hmax: r.hmax === null ? null : Number(r.hmax) }));
}
