/**
 * Grids (网格) of the demo city: generated, because no open source publishes Shenzhen's grid
 * polygons (docs/data-plate.md, "Grids"). For a district, each community gets a cell (the points
 * nearer its centre than any other community centre of the district, inside the district) and the
 * cell is split into GRIDS_PER_COMMUNITY grids around seeds placed near the centre (the points of
 * the cell nearer that seed than the community's other seeds). These are Voronoi cells: PostGIS
 * draws the same polygons (spatial/grids.ts), and a point's grid is the nearest centre's nearest
 * seed, which is what `gridOf` computes here, so the seed plan and the polygons agree by construction.
 * Grid code: the community's 12-digit code + a 2-digit grid number (the house code's grid segment).
 * Pure; planar distances on lon/lat, as PostGIS's Voronoi of EPSG:4490 coordinates.
 */
import { pointInPolygon, type MultiPolygon, type Position } from './geo';

export const GRIDS_PER_COMMUNITY = 4;
/** Districts whose grids the demo city generates (at least 福田, as the plan's pilot). */
export const GRID_DISTRICTS = ['440304'] as const;

export interface GridCommunity {
  communityCode: string;
  center: Position;
}

export interface GridSeed {
  gridCode: string;
  communityCode: string;
  /** 1..GRIDS_PER_COMMUNITY */
  number: number;
  seed: Position;
}

export interface DistrictGrids {
  districtCode: string;
  districtGeometry: MultiPolygon;
  communities: GridCommunity[];
  grids: GridSeed[];
  gridOf(point: Position): string | null;
}

/** Area centroid of a polygon's exterior ring (as PostGIS ST_Centroid computes it for a simple polygon). */
export function ringCentroid(ring: readonly Position[]): Position {
  let a = 0;
  let cx = 0;
  let cy = 0;
  const [x0, y0] = ring[0];
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1, y1] = [ring[i][0] - x0, ring[i][1] - y0];
    const [x2, y2] = [ring[i + 1][0] - x0, ring[i + 1][1] - y0];
    const cross = x1 * y2 - x2 * y1;
    a += cross;
    cx += (x1 + x2) * cross;
    cy += (y1 + y2) * cross;
  }
  if (a === 0) return ring[0];
  return [x0 + cx / (3 * a), y0 + cy / (3 * a)];
}

const dist2 = (a: Position, b: Position) => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2;

function nearest<T>(point: Position, items: readonly T[], at: (t: T) => Position): T {
  let best = items[0];
  let bestD = Infinity;
  for (const item of items) {
    const d = dist2(point, at(item));
    if (d < bestD) [best, bestD] = [item, d];
  }
  return best;
}

/**
 * The grids of one district. Seeds sit at a third of the distance to the nearest other centre, in
 * four directions, so each lies inside its community's cell.
 */
export function districtGrids(districtCode: string, districtGeometry: MultiPolygon, communities: readonly GridCommunity[]): DistrictGrids {
  // Two communities at the same synthetic centre would share one Voronoi cell: the later one is moved
  // by ~10 m (here and in the polygons alike, which are drawn from these centres).
  const seen = new Set<string>();
  const sorted = [...communities]
    .sort((a, b) => a.communityCode.localeCompare(b.communityCode))
    .map((c) => {
      let center: Position = c.center;
      while (seen.has(center.join(','))) center = [center[0] + 0.0001, center[1] + 0.00007];
      seen.add(center.join(','));
      return { communityCode: c.communityCode, center };
    });
  const grids: GridSeed[] = [];
  const byCommunity = new Map<string, GridSeed[]>();
  for (const c of sorted) {
    let nn = Infinity;
    for (const o of sorted) if (o !== c) nn = Math.min(nn, Math.sqrt(dist2(c.center, o.center)));
    const r = Number.isFinite(nn) ? Math.max(nn / 3, 1e-5) : 0.005;
    const offsets: Position[] = [[r, r], [-r, r], [-r, -r], [r, -r]];
    const own = offsets.slice(0, GRIDS_PER_COMMUNITY).map((o, i) => {
      const number = i + 1;
      const seed: Position = [Math.round((c.center[0] + o[0]) * 1e9) / 1e9, Math.round((c.center[1] + o[1]) * 1e9) / 1e9];
      return { gridCode: `${c.communityCode}${String(number).padStart(2, '0')}`, communityCode: c.communityCode, number, seed };
    });
    grids.push(...own);
    byCommunity.set(c.communityCode, own);
  }
  return {
    districtCode,
    districtGeometry,
    communities: sorted,
    grids,
    gridOf(point) {
      if (sorted.length === 0 || !pointInPolygon(point, districtGeometry)) return null;
      const community = nearest(point, sorted, (c) => c.center);
      return nearest(point, byCommunity.get(community.communityCode)!, (g) => g.seed).gridCode;
    },
  };
}
