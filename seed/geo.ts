/**
 * Pure geometry helpers for the seed: GeoJSON (RFC 7946) positions are `[lon, lat]` in degrees,
 * CGCS2000 (EPSG:4490), which is within centimetres of WGS 84. Nothing here does I/O.
 *
 * Planar predicates (point in polygon, segment intersection) work directly on degrees, which is
 * exact enough for the small areas of one city; anything measured in metres uses the CGCS2000
 * ellipsoid (or a sphere where the function name says haversine).
 */

export type Position = [lon: number, lat: number];
/** A closed linear ring: first and last positions are equal, at least 4 positions. */
export type Ring = Position[];
export interface Point { type: 'Point'; coordinates: Position }
export interface MultiPoint { type: 'MultiPoint'; coordinates: Position[] }
export interface LineString { type: 'LineString'; coordinates: Position[] }
export interface MultiLineString { type: 'MultiLineString'; coordinates: Position[][] }
export interface Polygon { type: 'Polygon'; coordinates: Ring[] }
export interface MultiPolygon { type: 'MultiPolygon'; coordinates: Ring[][] }
export type PolygonalGeometry = Polygon | MultiPolygon;
export type Geometry = Point | MultiPoint | LineString | MultiLineString | Polygon | MultiPolygon;
/** `[minLon, minLat, maxLon, maxLat]` */
export type BBox = [minLon: number, minLat: number, maxLon: number, maxLat: number];
/** Anything that yields uniform floats in [0, 1): a bare function or an object such as `Rng`. */
export type RandomLike = (() => number) | { next(): number };

/** CGCS2000 ellipsoid (identical to GRS 80 up to 1e-4 mm in the semi-minor axis). */
export const CGCS2000 = { a: 6378137, f: 1 / 298.257222101 } as const;
/** Mean Earth radius (IUGG), used by the spherical formulas. */
export const EARTH_MEAN_RADIUS_M = 6371008.8;

const DEG = Math.PI / 180;

// ---------------------------------------------------------------------------------------------
// Basic accessors
// ---------------------------------------------------------------------------------------------

function polygonsOf(geometry: PolygonalGeometry): Ring[][] {
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  throw new TypeError(`expected a Polygon or MultiPolygon, got ${(geometry as { type?: unknown }).type}`);
}

function positionsOf(geometry: Geometry): Position[] {
  switch (geometry.type) {
    case 'Point':
      return [geometry.coordinates];
    case 'MultiPoint':
    case 'LineString':
      return geometry.coordinates;
    case 'MultiLineString':
    case 'Polygon':
      return geometry.coordinates.flat();
    case 'MultiPolygon':
      return geometry.coordinates.flat(2);
    default:
      throw new TypeError(`unsupported geometry type ${(geometry as { type?: unknown }).type}`);
  }
}

function samePosition(a: Position, b: Position): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

function assertPosition(p: Position, what: string): void {
  if (!Array.isArray(p) || p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
    throw new TypeError(`${what} must be a [lon, lat] pair of finite numbers, got ${JSON.stringify(p)}`);
  }
}

/** Bounding box of any supported geometry. */
export function bbox(geometry: Geometry): BBox {
  const positions = positionsOf(geometry);
  if (positions.length === 0) throw new RangeError('bbox: geometry has no positions');
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (const [lon, lat] of positions) {
    if (lon < minLon) minLon = lon;
    if (lat < minLat) minLat = lat;
    if (lon > maxLon) maxLon = lon;
    if (lat > maxLat) maxLat = lat;
  }
  return [minLon, minLat, maxLon, maxLat];
}

// ---------------------------------------------------------------------------------------------
// Planar predicates (degrees)
// ---------------------------------------------------------------------------------------------

/**
 * Sign of the turn a→b→c: 1 counter-clockwise, -1 clockwise, 0 collinear. Turns smaller than
 * ~1e-10 rad count as collinear, which absorbs floating-point noise for coordinates with up to
 * ~7 decimals while still separating every real turn between such coordinates.
 */
export function orientation(a: Position, b: Position, c: Position): -1 | 0 | 1 {
  const ux = b[0] - a[0];
  const uy = b[1] - a[1];
  const vx = c[0] - a[0];
  const vy = c[1] - a[1];
  const det = ux * vy - uy * vx;
  const scale = Math.hypot(ux, uy) * Math.hypot(vx, vy);
  if (Math.abs(det) <= 1e-10 * scale) return 0;
  return det > 0 ? 1 : -1;
}

function onSegment(p: Position, a: Position, b: Position): boolean {
  return (
    Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]) &&
    orientation(a, b, p) === 0
  );
}

/** True if closed segments ab and cd share at least one point (crossing, touching or overlapping). */
export function segmentsIntersect(a: Position, b: Position, c: Position, d: Position): boolean {
  if (
    Math.max(a[0], b[0]) < Math.min(c[0], d[0]) || Math.max(c[0], d[0]) < Math.min(a[0], b[0]) ||
    Math.max(a[1], b[1]) < Math.min(c[1], d[1]) || Math.max(c[1], d[1]) < Math.min(a[1], b[1])
  ) {
    return false;
  }
  const o1 = orientation(a, b, c);
  const o2 = orientation(a, b, d);
  const o3 = orientation(c, d, a);
  const o4 = orientation(c, d, b);
  if (o1 !== o2 && o3 !== o4 && o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0) return true;
  return onSegment(c, a, b) || onSegment(d, a, b) || onSegment(a, c, d) || onSegment(b, c, d);
}

/** Consecutive duplicate positions removed; the result is closed again if the input was. */
function distinctVertices(ring: Ring): Position[] {
  const out: Position[] = [];
  for (const p of ring) {
    if (out.length === 0 || !samePosition(out[out.length - 1] as Position, p)) out.push(p);
  }
  // Drop the closing position (and any duplicates of the first vertex at the end).
  while (out.length > 1 && samePosition(out[0] as Position, out[out.length - 1] as Position)) out.pop();
  return out;
}

/** True if the ring is closed (first position equals last) and has at least 4 positions. */
export function isClosedRing(ring: Ring): boolean {
  return ring.length >= 4 && samePosition(ring[0] as Position, ring[ring.length - 1] as Position);
}

/**
 * True if the ring is a closed, simple ring: at least three distinct vertices, non-zero area,
 * no edge touches or crosses a non-adjacent edge, and adjacent edges meet only at their shared
 * vertex (no spikes). Consecutive duplicate positions are tolerated (PostGIS accepts them).
 */
export function isSimpleRing(ring: Ring): boolean {
  if (!Array.isArray(ring) || !isClosedRing(ring)) return false;
  for (const p of ring) {
    if (!Array.isArray(p) || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) return false;
  }
  const v = distinctVertices(ring);
  const n = v.length;
  if (n < 3) return false;
  if (ringSignedArea([...v, v[0] as Position]) === 0) return false;
  // Edge i runs from v[i] to v[(i + 1) % n]. Pre-compute edge boxes for a cheap rejection test.
  const minX = new Float64Array(n);
  const maxX = new Float64Array(n);
  const minY = new Float64Array(n);
  const maxY = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = v[i] as Position;
    const b = v[(i + 1) % n] as Position;
    minX[i] = Math.min(a[0], b[0]);
    maxX[i] = Math.max(a[0], b[0]);
    minY[i] = Math.min(a[1], b[1]);
    maxY[i] = Math.max(a[1], b[1]);
  }
  for (let i = 0; i < n; i++) {
    const a = v[i] as Position;
    const b = v[(i + 1) % n] as Position;
    for (let j = i + 1; j < n; j++) {
      if (maxX[i] < minX[j] || maxX[j] < minX[i] || maxY[i] < minY[j] || maxY[j] < minY[i]) continue;
      const c = v[j] as Position;
      const d = v[(j + 1) % n] as Position;
      if (j === i + 1) {
        // Adjacent edges a→b, b→d share b; they must not fold back over each other.
        if (orientation(a, b, d) === 0 && (onSegment(d, a, b) || onSegment(a, b, d))) return false;
      } else if (i === 0 && j === n - 1) {
        // Edge c→a (closing) and a→b share a.
        if (orientation(c, a, b) === 0 && (onSegment(c, a, b) || onSegment(b, c, a))) return false;
      } else if (segmentsIntersect(a, b, c, d)) {
        return false;
      }
    }
  }
  return true;
}

/** Planar signed area of a closed ring in square degrees: positive = counter-clockwise. */
export function ringSignedArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i] as Position;
    const b = ring[i + 1] as Position;
    sum += (a[0] - b[0]) * (a[1] + b[1]);
  }
  return sum / 2;
}

/** Where a point lies relative to a closed ring. */
export function pointInRing(point: Position, ring: Ring): 'inside' | 'outside' | 'boundary' {
  const [x, y] = point;
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i] as Position;
    const b = ring[j] as Position;
    if (y < a[1] && y < b[1]) continue; // neither on nor crossing this edge
    if (y > a[1] && y > b[1]) continue;
    if (onSegment(point, a, b)) return 'boundary';
    if ((a[1] > y) !== (b[1] > y)) {
      const xCross = a[0] + ((y - a[1]) / (b[1] - a[1])) * (b[0] - a[0]);
      if (x < xCross) inside = !inside;
    }
  }
  return inside ? 'inside' : 'outside';
}

/**
 * True if the point lies in the polygon or multipolygon: inside an exterior ring and not inside
 * any of that polygon's holes. Points on a boundary (exterior or hole) count as inside, so a
 * point on a border shared by two districts is "in" both.
 */
export function pointInPolygon(point: Position, geometry: PolygonalGeometry): boolean {
  assertPosition(point, 'pointInPolygon: point');
  for (const rings of polygonsOf(geometry)) {
    const [shell, ...holes] = rings;
    if (!shell) continue;
    const inShell = pointInRing(point, shell);
    if (inShell === 'outside') continue;
    if (inShell === 'boundary') return true;
    let inHole = false;
    for (const hole of holes) {
      const where = pointInRing(point, hole);
      if (where === 'boundary') return true;
      if (where === 'inside') {
        inHole = true;
        break;
      }
    }
    if (!inHole) return true;
  }
  return false;
}

function ringsIntersect(r1: Ring, r2: Ring): boolean {
  const [aMinX, aMinY, aMaxX, aMaxY] = bbox({ type: 'LineString', coordinates: r1 });
  const [bMinX, bMinY, bMaxX, bMaxY] = bbox({ type: 'LineString', coordinates: r2 });
  if (aMaxX < bMinX || bMaxX < aMinX || aMaxY < bMinY || bMaxY < aMinY) return false;
  for (let i = 0; i + 1 < r1.length; i++) {
    const a = r1[i] as Position;
    const b = r1[i + 1] as Position;
    if (Math.max(a[0], b[0]) < bMinX || Math.min(a[0], b[0]) > bMaxX) continue;
    if (Math.max(a[1], b[1]) < bMinY || Math.min(a[1], b[1]) > bMaxY) continue;
    for (let j = 0; j + 1 < r2.length; j++) {
      if (segmentsIntersect(a, b, r2[j] as Position, r2[j + 1] as Position)) return true;
    }
  }
  return false;
}

export interface GeometryCheckOptions {
  /** Also require RFC 7946 winding: exterior rings counter-clockwise, holes clockwise. */
  rfc7946Winding?: boolean;
}

/**
 * Validity problems of a Polygon or MultiPolygon, as readable messages; empty means valid.
 * Checks: rings closed and simple; holes strictly inside their shell, not touching it or each
 * other; parts of a multipolygon with disjoint boundaries and interiors. (Stricter than OGC in
 * one respect: rings may not touch even at a single point.)
 */
export function geometryProblems(geometry: PolygonalGeometry, options: GeometryCheckOptions = {}): string[] {
  const problems: string[] = [];
  let polygons: Ring[][];
  try {
    polygons = polygonsOf(geometry);
  } catch (error) {
    return [(error as Error).message];
  }
  if (polygons.length === 0) problems.push('geometry has no polygons');
  polygons.forEach((rings, p) => {
    if (rings.length === 0) {
      problems.push(`polygon ${p} has no rings`);
      return;
    }
    rings.forEach((ring, r) => {
      const label = `polygon ${p} ring ${r}`;
      if (!isClosedRing(ring)) problems.push(`${label} is not closed or has fewer than 4 positions`);
      else if (!isSimpleRing(ring)) problems.push(`${label} is not simple (self-intersects, spikes or has no area)`);
      else if (options.rfc7946Winding) {
        const area = ringSignedArea(ring);
        if (r === 0 && area < 0) problems.push(`${label} (exterior) must be counter-clockwise`);
        if (r > 0 && area > 0) problems.push(`${label} (hole) must be clockwise`);
      }
    });
    const [shell, ...holes] = rings;
    if (!shell || !isClosedRing(shell)) return;
    holes.forEach((hole, h) => {
      if (!isClosedRing(hole)) return;
      if (ringsIntersect(shell, hole)) problems.push(`polygon ${p} hole ${h + 1} touches or crosses the exterior ring`);
      else if (pointInRing(hole[0] as Position, shell) !== 'inside') problems.push(`polygon ${p} hole ${h + 1} lies outside the exterior ring`);
      holes.forEach((other, k) => {
        if (k <= h || !isClosedRing(other)) return;
        if (ringsIntersect(hole, other)) problems.push(`polygon ${p} holes ${h + 1} and ${k + 1} touch or cross`);
        else if (pointInRing(hole[0] as Position, other) === 'inside' || pointInRing(other[0] as Position, hole) === 'inside') {
          problems.push(`polygon ${p} holes ${h + 1} and ${k + 1} are nested`);
        }
      });
    });
  });
  for (let p = 0; p < polygons.length; p++) {
    for (let q = p + 1; q < polygons.length; q++) {
      const a = polygons[p]?.[0];
      const b = polygons[q]?.[0];
      if (!a || !b || !isClosedRing(a) || !isClosedRing(b)) continue;
      if (ringsIntersect(a, b)) {
        problems.push(`polygons ${p} and ${q} touch or overlap`);
      } else if (
        pointInPolygon(a[0] as Position, { type: 'Polygon', coordinates: polygons[q] as Ring[] }) ||
        pointInPolygon(b[0] as Position, { type: 'Polygon', coordinates: polygons[p] as Ring[] })
      ) {
        problems.push(`polygons ${p} and ${q} overlap (one lies inside the other)`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Measurement (metres)
// ---------------------------------------------------------------------------------------------

/** Metres per degree of longitude and latitude at a latitude, on the CGCS2000 ellipsoid. */
export function metresPerDegree(latDeg: number): { lon: number; lat: number } {
  const { a, f } = CGCS2000;
  const e2 = f * (2 - f);
  const s = Math.sin(latDeg * DEG);
  const w = 1 - e2 * s * s;
  const meridional = (a * (1 - e2)) / (w * Math.sqrt(w));
  const primeVertical = a / Math.sqrt(w);
  return { lon: primeVertical * Math.cos(latDeg * DEG) * DEG, lat: meridional * DEG };
}

/** Great-circle distance on a sphere of the mean Earth radius (~0.5 % error at most). */
export function haversineMetres(a: Position, b: Position): number {
  const dLat = (b[1] - a[1]) * DEG;
  const dLon = (b[0] - a[0]) * DEG;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * DEG) * Math.cos(b[1] * DEG) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_MEAN_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Geodesic distance on the CGCS2000 ellipsoid (Vincenty's inverse formula; sub-millimetre). */
export function geodesicDistanceMetres(p1: Position, p2: Position): number {
  const { a, f } = CGCS2000;
  const b = a * (1 - f);
  const L = (p2[0] - p1[0]) * DEG;
  const U1 = Math.atan((1 - f) * Math.tan(p1[1] * DEG));
  const U2 = Math.atan((1 - f) * Math.tan(p2[1] * DEG));
  const sinU1 = Math.sin(U1);
  const cosU1 = Math.cos(U1);
  const sinU2 = Math.sin(U2);
  const cosU2 = Math.cos(U2);
  let lambda = L;
  let sinSigma = 0;
  let cosSigma = 1;
  let sigma = 0;
  let cos2Alpha = 1;
  let cos2SigmaM = 0;
  for (let iter = 0; iter < 200; iter++) {
    const sinLambda = Math.sin(lambda);
    const cosLambda = Math.cos(lambda);
    sinSigma = Math.hypot(cosU2 * sinLambda, cosU1 * sinU2 - sinU1 * cosU2 * cosLambda);
    if (sinSigma === 0) return 0;
    cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
    sigma = Math.atan2(sinSigma, cosSigma);
    const sinAlpha = (cosU1 * cosU2 * sinLambda) / sinSigma;
    cos2Alpha = 1 - sinAlpha * sinAlpha;
    cos2SigmaM = cos2Alpha === 0 ? 0 : cosSigma - (2 * sinU1 * sinU2) / cos2Alpha;
    const C = (f / 16) * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
    const previous = lambda;
    lambda = L + (1 - C) * f * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM ** 2)));
    if (Math.abs(lambda - previous) < 1e-15) break;
  }
  const u2 = (cos2Alpha * (a * a - b * b)) / (b * b);
  const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const B = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  const deltaSigma =
    B * sinSigma * (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM ** 2) -
      (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma ** 2) * (-3 + 4 * cos2SigmaM ** 2)));
  return b * A * (sigma - deltaSigma);
}

/** Area of a ring in m² on a sphere (spherical excess; signed, positive = counter-clockwise). */
function ringSphericalArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i] as Position;
    const b = ring[i + 1] as Position;
    sum += (b[0] - a[0]) * DEG * (2 + Math.sin(a[1] * DEG) + Math.sin(b[1] * DEG));
  }
  return (sum * EARTH_MEAN_RADIUS_M * EARTH_MEAN_RADIUS_M) / 2;
}

/** Area in m² of a Polygon or MultiPolygon (exteriors minus holes, on the mean sphere). */
export function areaSquareMetres(geometry: PolygonalGeometry): number {
  let total = 0;
  for (const [shell, ...holes] of polygonsOf(geometry)) {
    if (!shell) continue;
    total += Math.abs(ringSphericalArea(shell));
    for (const hole of holes) total -= Math.abs(ringSphericalArea(hole));
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------------------------

/**
 * The point reached from `start` after `distanceMetres` along the geodesic with initial bearing
 * `bearingDeg` (clockwise from north), on the CGCS2000 ellipsoid (Vincenty's direct formula).
 */
export function destination(start: Position, bearingDeg: number, distanceMetres: number): Position {
  assertPosition(start, 'destination: start');
  if (!Number.isFinite(bearingDeg) || !Number.isFinite(distanceMetres)) {
    throw new RangeError(`destination: bearing and distance must be finite, got ${bearingDeg} and ${distanceMetres}`);
  }
  if (distanceMetres === 0) return [start[0], start[1]];
  const { a, f } = CGCS2000;
  const b = a * (1 - f);
  const alpha1 = bearingDeg * DEG;
  const sinAlpha1 = Math.sin(alpha1);
  const cosAlpha1 = Math.cos(alpha1);
  const tanU1 = (1 - f) * Math.tan(start[1] * DEG);
  const cosU1 = 1 / Math.sqrt(1 + tanU1 * tanU1);
  const sinU1 = tanU1 * cosU1;
  const sigma1 = Math.atan2(tanU1, cosAlpha1);
  const sinAlpha = cosU1 * sinAlpha1;
  const cos2Alpha = 1 - sinAlpha * sinAlpha;
  const u2 = (cos2Alpha * (a * a - b * b)) / (b * b);
  const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const B = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  let sigma = distanceMetres / (b * A);
  let cos2SigmaM = 0;
  let sinSigma = 0;
  let cosSigma = 1;
  for (let iter = 0; iter < 200; iter++) {
    cos2SigmaM = Math.cos(2 * sigma1 + sigma);
    sinSigma = Math.sin(sigma);
    cosSigma = Math.cos(sigma);
    const deltaSigma =
      B * sinSigma * (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM ** 2) -
        (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma ** 2) * (-3 + 4 * cos2SigmaM ** 2)));
    const previous = sigma;
    sigma = distanceMetres / (b * A) + deltaSigma;
    if (Math.abs(sigma - previous) < 1e-15) break;
  }
  sinSigma = Math.sin(sigma);
  cosSigma = Math.cos(sigma);
  cos2SigmaM = Math.cos(2 * sigma1 + sigma);
  const x = sinU1 * sinSigma - cosU1 * cosSigma * cosAlpha1;
  const lat = Math.atan2(sinU1 * cosSigma + cosU1 * sinSigma * cosAlpha1, (1 - f) * Math.sqrt(sinAlpha * sinAlpha + x * x));
  const lambda = Math.atan2(sinSigma * sinAlpha1, cosU1 * cosSigma - sinU1 * sinSigma * cosAlpha1);
  const C = (f / 16) * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
  const L = lambda - (1 - C) * f * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM ** 2)));
  return [start[0] + L / DEG, lat / DEG];
}

/**
 * A square building footprint: `sizeMetres` on each side, centred on `center`, rotated
 * clockwise by `rotationDeg` (0 = sides aligned north–south / east–west, as seen on a north-up
 * map). Each corner is placed on the CGCS2000 ellipsoid at its exact geodesic distance and
 * bearing from the centre, so metres are converted to degrees properly at any latitude; sides
 * come out within micrometres of `sizeMetres` for building-sized squares.
 * Returns a closed, counter-clockwise GeoJSON Polygon (5 positions).
 */
export function squareFootprint(center: Position, sizeMetres: number, rotationDeg = 0): Polygon {
  assertPosition(center, 'squareFootprint: center');
  if (!Number.isFinite(sizeMetres) || sizeMetres <= 0) {
    throw new RangeError(`squareFootprint: sizeMetres must be a positive number, got ${sizeMetres}`);
  }
  if (!Number.isFinite(rotationDeg)) throw new RangeError(`squareFootprint: rotationDeg must be finite, got ${rotationDeg}`);
  const halfDiagonal = (sizeMetres / 2) * Math.SQRT2;
  // Corners SW, SE, NE, NW (counter-clockwise) at bearings 225°, 135°, 45°, 315°, turned clockwise.
  const ring: Ring = [225, 135, 45, 315].map((bearing) => destination(center, bearing + rotationDeg, halfDiagonal));
  const [firstLon, firstLat] = ring[0] as Position;
  ring.push([firstLon, firstLat]);
  return { type: 'Polygon', coordinates: [ring] };
}

function nextRandom(rng: RandomLike): number {
  const value = typeof rng === 'function' ? rng() : rng.next();
  if (!(value >= 0 && value < 1)) throw new RangeError(`random source returned ${value}, expected [0, 1)`);
  return value;
}

/**
 * A uniformly distributed point inside a Polygon or MultiPolygon, by rejection sampling within
 * the bounding box (uniform in degrees, which at city scale is uniform in area to within 0.1 %).
 * Deterministic for a deterministic `rng`. Throws if no point is found within `maxAttempts`
 * (a sign of a degenerate or extremely thin geometry).
 */
export function randomPointIn(geometry: PolygonalGeometry, rng: RandomLike, maxAttempts = 10_000): Position {
  const [minLon, minLat, maxLon, maxLat] = bbox(geometry);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const point: Position = [minLon + nextRandom(rng) * (maxLon - minLon), minLat + nextRandom(rng) * (maxLat - minLat)];
    if (pointInPolygon(point, geometry)) return point;
  }
  throw new RangeError(`randomPointIn: no point found inside the geometry after ${maxAttempts} attempts; is it degenerate?`);
}

function distanceToSegmentScaled(p: Position, a: Position, b: Position, kx: number): number {
  const ax = (a[0] - p[0]) * kx;
  const ay = a[1] - p[1];
  const bx = (b[0] - p[0]) * kx;
  const by = b[1] - p[1];
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  return Math.hypot(ax + t * dx, ay + t * dy);
}

/**
 * A deterministic point well inside a Polygon or MultiPolygon (in its largest part): scans
 * `lines` parallels of latitude, takes the midpoint of every inside interval and keeps the one
 * farthest from any edge. Unlike a centroid it always lies inside, also for concave shapes and
 * shapes with holes.
 */
export function interiorPoint(geometry: PolygonalGeometry, lines = 97): Position {
  const parts = polygonsOf(geometry).filter((rings) => rings.length > 0 && isClosedRing(rings[0] as Ring));
  if (parts.length === 0) throw new RangeError('interiorPoint: geometry has no closed exterior ring');
  let largest = parts[0] as Ring[];
  let largestArea = -1;
  for (const rings of parts) {
    const area = areaSquareMetres({ type: 'Polygon', coordinates: rings });
    if (area > largestArea) {
      largest = rings;
      largestArea = area;
    }
  }
  const [, minLat, , maxLat] = bbox({ type: 'Polygon', coordinates: largest });
  const kx = Math.cos(((minLat + maxLat) / 2) * DEG);
  let best: Position | undefined;
  let bestDistance = -1;
  for (let k = 1; k <= lines; k++) {
    const y = minLat + ((maxLat - minLat) * k) / (lines + 1);
    const xs: number[] = [];
    for (const ring of largest) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const a = ring[i] as Position;
        const b = ring[i + 1] as Position;
        if ((a[1] > y) !== (b[1] > y)) xs.push(a[0] + ((y - a[1]) / (b[1] - a[1])) * (b[0] - a[0]));
      }
    }
    xs.sort((p, q) => p - q);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const candidate: Position = [((xs[i] as number) + (xs[i + 1] as number)) / 2, y];
      let distance = Infinity;
      for (const ring of largest) {
        for (let j = 0; j + 1 < ring.length && distance > bestDistance; j++) {
          distance = Math.min(distance, distanceToSegmentScaled(candidate, ring[j] as Position, ring[j + 1] as Position, kx));
        }
      }
      if (distance > bestDistance) {
        bestDistance = distance;
        best = candidate;
      }
    }
  }
  if (!best) throw new RangeError('interiorPoint: geometry has no interior');
  return best;
}

/**
 * Splits a simple closed ring with a polyline that starts and ends outside the ring and crosses
 * its boundary exactly twice (entering once, leaving once; not through a vertex). Returns the two
 * closed rings on either side; both contain the cut as a shared edge chain, so they tile the
 * original ring exactly. Throws, saying what is wrong, for any other configuration.
 */
export function splitRingByLine(ring: Ring, line: Position[]): [Ring, Ring] {
  if (!isSimpleRing(ring)) throw new RangeError('splitRingByLine: ring must be closed and simple');
  if (line.length < 2) throw new RangeError('splitRingByLine: line needs at least 2 positions');
  line.forEach((p, i) => assertPosition(p, `splitRingByLine: line[${i}]`));
  const v = distinctVertices(ring);
  const n = v.length;
  const closed: Ring = [...v, v[0] as Position];
  for (const end of [line[0] as Position, line[line.length - 1] as Position]) {
    if (pointInRing(end, closed) !== 'outside') {
      throw new RangeError(`splitRingByLine: line must start and end outside the ring; ${JSON.stringify(end)} is not outside`);
    }
  }
  interface Hit { k: number; t: number; s: number; point: Position }
  const hits: Hit[] = [];
  for (let k = 0; k + 1 < line.length; k++) {
    const p = line[k] as Position;
    const q = line[k + 1] as Position;
    for (let i = 0; i < n; i++) {
      const a = v[i] as Position;
      const b = v[(i + 1) % n] as Position;
      if (!segmentsIntersect(p, q, a, b)) continue;
      const rx = q[0] - p[0];
      const ry = q[1] - p[1];
      const sx = b[0] - a[0];
      const sy = b[1] - a[1];
      const denom = rx * sy - ry * sx;
      if (orientation(p, q, a) === 0 || orientation(p, q, b) === 0 || denom === 0) {
        throw new RangeError(`splitRingByLine: line segment ${k} touches a ring vertex or runs along edge ${i}; move the line slightly`);
      }
      const t = ((a[0] - p[0]) * sy - (a[1] - p[1]) * sx) / denom;
      const u = ((a[0] - p[0]) * ry - (a[1] - p[1]) * rx) / denom;
      hits.push({ k, t, s: i + u, point: [p[0] + t * rx, p[1] + t * ry] });
    }
  }
  if (hits.length !== 2) {
    throw new RangeError(`splitRingByLine: the line must cross the ring exactly twice, it crosses ${hits.length} times`);
  }
  hits.sort((h1, h2) => h1.k - h2.k || h1.t - h2.t);
  const [enter, leave] = hits as [Hit, Hit];
  const inner = line.slice(enter.k + 1, leave.k + 1);
  const walk = (from: number, to: number): Position[] => {
    // Ring vertices strictly after perimeter position `from` up to and including floor(`to`).
    const start = Math.floor(from);
    const end = Math.floor(to);
    let steps = (((end - start) % n) + n) % n;
    if (steps === 0 && to < from) steps = n;
    const out: Position[] = [];
    for (let m = 1; m <= steps; m++) out.push(v[(start + m) % n] as Position);
    return out;
  };
  const first: Ring = [enter.point, ...inner, leave.point, ...walk(leave.s, enter.s), enter.point];
  const second: Ring = [leave.point, ...inner.slice().reverse(), enter.point, ...walk(enter.s, leave.s), leave.point];
  for (const piece of [first, second]) {
    if (!isSimpleRing(piece)) throw new RangeError('splitRingByLine: a resulting ring is not simple; does the line cross itself?');
  }
  return [first, second];
}

/** The ring in the requested winding (`ccw` true = counter-clockwise), always closed. */
export function orientRing(ring: Ring, ccw: boolean): Ring {
  const closed = isClosedRing(ring) ? ring.slice() : [...ring, ring[0] as Position];
  return (ringSignedArea(closed) > 0) === ccw ? closed : closed.reverse();
}

/** Rewinds a geometry to RFC 7946: exterior rings counter-clockwise, holes clockwise. */
export function rewindRfc7946(geometry: PolygonalGeometry): MultiPolygon {
  return {
    type: 'MultiPolygon',
    coordinates: polygonsOf(geometry).map((rings) => rings.map((ring, r) => orientRing(ring, r === 0))),
  };
}

// ---------------------------------------------------------------------------------------------
// GCJ-02 ("Mars coordinates") ↔ WGS 84
// ---------------------------------------------------------------------------------------------

const GCJ_A = 6378245.0;
const GCJ_EE = 0.006693421622965943;

function gcjOffset(lon: number, lat: number): Position {
  const x = lon - 105.0;
  const y = lat - 35.0;
  const pi = Math.PI;
  let dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dLat += ((20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0) / 3.0;
  dLat += ((20.0 * Math.sin(y * pi) + 40.0 * Math.sin((y / 3.0) * pi)) * 2.0) / 3.0;
  dLat += ((160.0 * Math.sin((y / 12.0) * pi) + 320 * Math.sin((y * pi) / 30.0)) * 2.0) / 3.0;
  let dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dLon += ((20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0) / 3.0;
  dLon += ((20.0 * Math.sin(x * pi) + 40.0 * Math.sin((x / 3.0) * pi)) * 2.0) / 3.0;
  dLon += ((150.0 * Math.sin((x / 12.0) * pi) + 300.0 * Math.sin((x / 30.0) * pi)) * 2.0) / 3.0;
  const radLat = lat * DEG;
  const magic = 1 - GCJ_EE * Math.sin(radLat) ** 2;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((GCJ_A * (1 - GCJ_EE)) / (magic * sqrtMagic)) * pi);
  dLon = (dLon * 180.0) / ((GCJ_A / sqrtMagic) * Math.cos(radLat) * pi);
  return [dLon, dLat];
}

/** The GCJ-02 shift applies only inside this rough box around China; outside it is the identity. */
function outsideChina(lon: number, lat: number): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

/** WGS 84 → GCJ-02, the obfuscated datum used by AMap (高德) and other Chinese web maps. */
export function wgs84ToGcj02(position: Position): Position {
  assertPosition(position, 'wgs84ToGcj02: position');
  if (outsideChina(position[0], position[1])) return [position[0], position[1]];
  const [dLon, dLat] = gcjOffset(position[0], position[1]);
  return [position[0] + dLon, position[1] + dLat];
}

/** GCJ-02 → WGS 84 by fixed-point iteration; converges to ~1e-9° (sub-millimetre). */
export function gcj02ToWgs84(position: Position): Position {
  assertPosition(position, 'gcj02ToWgs84: position');
  if (outsideChina(position[0], position[1])) return [position[0], position[1]];
  let lon = position[0];
  let lat = position[1];
  for (let i = 0; i < 30; i++) {
    const [gLon, gLat] = wgs84ToGcj02([lon, lat]);
    const eLon = gLon - position[0];
    const eLat = gLat - position[1];
    lon -= eLon;
    lat -= eLat;
    if (Math.abs(eLon) < 1e-10 && Math.abs(eLat) < 1e-10) break;
  }
  return [lon, lat];
}

/** Rounds a position to `decimals` decimal places (6 ≈ 0.1 m). */
export function roundPosition(position: Position, decimals = 6): Position {
  const k = 10 ** decimals;
  return [Math.round(position[0] * k) / k, Math.round(position[1] * k) / k];
}
