import { badInput } from '../core/errors';
import { assertBbox, BBox, MAX_BBOX_AREA_KM2 } from './limits';

/**
 * Pure validation of GeoJSON geometry input (RFC 7946), before anything reaches PostGIS.
 * Checks what can be checked without a geometry engine: the type, the nesting of the
 * coordinates, that every position is 2 or 3 finite numbers with longitude in [-180, 180] and
 * latitude in [-90, 90], LineStrings of at least 2 positions, closed rings of at least 4
 * positions, and at most MAX_POSITIONS positions. Topology (self-intersections, holes outside
 * their shell) needs GEOS: `geometryProblem` in spatial/queries.ts asks PostGIS.
 *
 * RFC 7946 notes followed: positions are [longitude, latitude(, height)]; more than three
 * numbers are rejected; ring winding order is not checked (parsers "SHOULD NOT reject" either
 * winding); a GeometryCollection, a Feature and an empty geometry are rejected here.
 */

export const GEOMETRY_TYPES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'] as const;
export type GeometryType = (typeof GEOMETRY_TYPES)[number];

/** Most positions one geometry may have. */
export const MAX_POSITIONS = 10_000;

export type Position = [lon: number, lat: number] | [lon: number, lat: number, height: number];
export interface PointGeometry { type: 'Point'; coordinates: Position }
export interface MultiPointGeometry { type: 'MultiPoint'; coordinates: Position[] }
export interface LineStringGeometry { type: 'LineString'; coordinates: Position[] }
export interface MultiLineStringGeometry { type: 'MultiLineString'; coordinates: Position[][] }
export interface PolygonGeometry { type: 'Polygon'; coordinates: Position[][] }
export interface MultiPolygonGeometry { type: 'MultiPolygon'; coordinates: Position[][][] }
export type Geometry =
  | PointGeometry
  | MultiPointGeometry
  | LineStringGeometry
  | MultiLineStringGeometry
  | PolygonGeometry
  | MultiPolygonGeometry;

export type GeometryValidation = { ok: true; geometry: Geometry } | { ok: false; reason: string };

export interface GeometryOptions {
  /** Geometry types accepted; all six when absent. */
  allowed?: readonly GeometryType[];
}

/** Levels of arrays in `coordinates`, and what one looks like, per type. */
const NESTING: Record<GeometryType, { depth: number; example: string }> = {
  Point: { depth: 1, example: '[lon, lat]' },
  MultiPoint: { depth: 2, example: '[[lon, lat], ...]' },
  LineString: { depth: 2, example: '[[lon, lat], ...]' },
  MultiLineString: { depth: 3, example: '[[[lon, lat], ...], ...]' },
  Polygon: { depth: 3, example: '[[[lon, lat], ...], ...]' },
  MultiPolygon: { depth: 4, example: '[[[[lon, lat], ...], ...], ...]' },
};

class Invalid extends Error {}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string "${value.length > 24 ? `${value.slice(0, 24)}…` : value}"`;
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}

function list(types: readonly string[]): string {
  return types.length <= 1 ? types.join('') : `${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}`;
}

function fail(reason: string): never {
  throw new Invalid(reason);
}

/**
 * Checks one position; returns a copy. `path` names it in the reason, e.g. `coordinates[0][3]`.
 */
function position(value: unknown, path: string): Position {
  if (!Array.isArray(value)) fail(`${path} must be a position [longitude, latitude], got ${describe(value)}`);
  if (value.length < 2 || value.length > 3) {
    fail(`${path} must have 2 or 3 numbers [longitude, latitude(, height)], got ${value.length}`);
  }
  value.forEach((n: unknown, i) => {
    if (typeof n !== 'number' || !Number.isFinite(n)) fail(`${path}[${i}] must be a finite number, got ${describe(n)}`);
  });
  const [lon, lat] = value as number[];
  if (lon < -180 || lon > 180) fail(`${path}: longitude ${lon} is outside [-180, 180]`);
  if (lat < -90 || lat > 90) {
    const swapped = Math.abs(lon) <= 90 && Math.abs(lat) <= 180 ? ' (GeoJSON positions are [longitude, latitude]: swapped?)' : '';
    fail(`${path}: latitude ${lat} is outside [-90, 90]${swapped}`);
  }
  return [...value] as Position;
}

/** Walks the first elements down to a number; reports a nesting that differs from the type's. */
function checkNesting(type: GeometryType, coordinates: unknown): void {
  const { depth, example } = NESTING[type];
  let level = 0;
  let node: unknown = coordinates;
  while (Array.isArray(node)) {
    if (node.length === 0) return; // emptiness is reported with its path by the walk
    level += 1;
    node = node[0];
  }
  if (level !== depth) {
    fail(`${type} coordinates must nest ${depth} level${depth > 1 ? 's' : ''} of arrays, ${example}; got ${level} level${level === 1 ? '' : 's'}`);
  }
}

class Walker {
  private count = 0;

  pos(value: unknown, path: string): Position {
    this.count += 1;
    if (this.count > MAX_POSITIONS) fail(`geometry has more than ${MAX_POSITIONS} positions`);
    return position(value, path);
  }

  /** An array of at least `min` members; `noun` is [singular, plural] of what it holds. */
  array(value: unknown, path: string, noun: [string, string], min: number, subject: string): unknown[] {
    if (!Array.isArray(value)) fail(`${path} must be an array of ${noun[1]}, got ${describe(value)}`);
    if (value.length < min) {
      fail(`${path} has ${value.length} ${value.length === 1 ? noun[0] : noun[1]}; a ${subject} needs at least ${min}`);
    }
    return value;
  }

  positions(value: unknown, path: string, min: number, subject: string): Position[] {
    return this.array(value, path, ['position', 'positions'], min, subject).map((p, i) => this.pos(p, `${path}[${i}]`));
  }

  lineString(value: unknown, path: string): Position[] {
    return this.positions(value, path, 2, 'LineString');
  }

  ring(value: unknown, path: string): Position[] {
    if (Array.isArray(value) && value.length < 4) {
      fail(`${path}: a linear ring needs at least 4 positions (the last repeats the first), got ${value.length}`);
    }
    const ring = this.positions(value, path, 4, 'linear ring');
    const first = ring[0];
    const last = ring[ring.length - 1];
    if (first.length !== last.length || first.some((v, i) => v !== last[i])) {
      fail(`${path}: linear ring is not closed; its last position [${last.join(', ')}] must equal its first [${first.join(', ')}]`);
    }
    return ring;
  }

  polygon(value: unknown, path: string): Position[][] {
    return this.array(value, path, ['linear ring', 'linear rings'], 1, 'Polygon').map((r, i) => this.ring(r, `${path}[${i}]`));
  }
}

function walk(type: GeometryType, coordinates: unknown): Geometry {
  const w = new Walker();
  const path = 'coordinates';
  switch (type) {
    case 'Point':
      return { type, coordinates: w.pos(coordinates, path) };
    case 'MultiPoint':
      return { type, coordinates: w.positions(coordinates, path, 1, 'MultiPoint') };
    case 'LineString':
      return { type, coordinates: w.lineString(coordinates, path) };
    case 'MultiLineString':
      return { type, coordinates: w.array(coordinates, path, ['LineString', 'LineStrings'], 1, type).map((l, i) => w.lineString(l, `${path}[${i}]`)) };
    case 'Polygon':
      return { type, coordinates: w.polygon(coordinates, path) };
    case 'MultiPolygon':
      return { type, coordinates: w.array(coordinates, path, ['Polygon', 'Polygons'], 1, type).map((p, i) => w.polygon(p, `${path}[${i}]`)) };
  }
}

/**
 * Validates GeoJSON geometry input (an object, or its JSON text). On success `geometry` is a
 * clean copy holding only `type` and `coordinates` (foreign members such as `bbox` dropped).
 */
export function validateGeometry(input: unknown, options: GeometryOptions = {}): GeometryValidation {
  try {
    let value = input;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        fail('geometry is not valid JSON');
      }
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      fail(`geometry must be a GeoJSON geometry object, got ${describe(value)}`);
    }
    const { type, coordinates } = value as { type?: unknown; coordinates?: unknown };
    if (typeof type !== 'string') fail('geometry has no "type" member');
    if (type === 'Feature' || type === 'FeatureCollection') {
      fail(`expected a GeoJSON geometry, got a ${type}; send its geometry member`);
    }
    if (type === 'GeometryCollection') fail(`GeometryCollection is not supported; send one of ${list(GEOMETRY_TYPES)}`);
    if (!(GEOMETRY_TYPES as readonly string[]).includes(type)) {
      fail(`unknown geometry type "${type}"; expected one of ${list(GEOMETRY_TYPES)}`);
    }
    const geometryType = type as GeometryType;
    if (options.allowed && !options.allowed.includes(geometryType)) {
      fail(`${type} is not accepted here; expected ${list(options.allowed)}`);
    }
    if (coordinates === undefined) fail(`${type} has no "coordinates" member`);
    checkNesting(geometryType, coordinates);
    return { ok: true, geometry: walk(geometryType, coordinates) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: err.message };
    throw err;
  }
}

/** The hint that goes with a reason from validateGeometry. */
export function geometryHint(allowed?: readonly GeometryType[]): string {
  const types = allowed && allowed.length > 0 ? ` Accepted here: ${list(allowed)}.` : '';
  return (
    'Send an RFC 7946 GeoJSON geometry in CGCS2000 / WGS 84 degrees: positions are [longitude, latitude] or ' +
    '[longitude, latitude, height], polygon rings are closed (the last position repeats the first) with at least ' +
    `4 positions, at most ${MAX_POSITIONS} positions in all.${types}`
  );
}

/**
 * Validates and returns a geometry, or throws BAD_USER_INPUT with the reason (message and
 * `extensions.reason`), a hint and the argument's name.
 */
export function assertGeometry(input: unknown, options: GeometryOptions & { argument?: string } = {}): Geometry {
  const argument = options.argument ?? 'geometry';
  const result = validateGeometry(input, options);
  if (!result.ok) {
    throw badInput(`Invalid ${argument}: ${result.reason}`, geometryHint(options.allowed), { argument, reason: result.reason });
  }
  return result.geometry;
}

/** Checks `{lon, lat}` (degrees); returns it as a position. */
export function assertLonLat(input: unknown, argument = 'point'): { lon: number; lat: number } {
  const hint = `Give ${argument} as {lon, lat} in degrees (CGCS2000 / WGS 84): lon in [-180, 180], lat in [-90, 90].`;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    const reason = `${argument} must be {lon, lat}, got ${describe(input)}`;
    throw badInput(`Invalid ${argument}: ${reason}`, hint, { argument, reason });
  }
  const { lon, lat } = input as { lon?: unknown; lat?: unknown };
  try {
    const [x, y] = position([lon, lat], argument);
    return { lon: x, lat: y };
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    const reason = err.message.replace(`${argument}[0]`, `${argument}.lon`).replace(`${argument}[1]`, `${argument}.lat`);
    throw badInput(`Invalid ${argument}: ${reason}`, hint, { argument, reason });
  }
}

/** Bounding box `[minLon, minLat, maxLon, maxLat]` of a validated geometry. */
export function geometryBbox(geometry: Geometry): BBox {
  const flat: Position[] =
    geometry.type === 'Point'
      ? [geometry.coordinates]
      : geometry.type === 'MultiPoint' || geometry.type === 'LineString'
        ? geometry.coordinates
        : geometry.type === 'MultiPolygon'
          ? geometry.coordinates.flat(2)
          : geometry.coordinates.flat();
  const box: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of flat) {
    box[0] = Math.min(box[0], lon);
    box[1] = Math.min(box[1], lat);
    box[2] = Math.max(box[2], lon);
    box[3] = Math.max(box[3], lat);
  }
  return box;
}

/**
 * Checks that a search geometry's extent stays within MAX_BBOX_AREA_KM2, like a bounding box.
 * A degenerate extent (a point or a straight line) has no area and passes.
 */
export function assertSearchExtent(geometry: Geometry, argument = 'polygon'): void {
  const [minLon, minLat, maxLon, maxLat] = geometryBbox(geometry);
  if (minLon === maxLon || minLat === maxLat) return;
  try {
    assertBbox([minLon, minLat, maxLon, maxLat], `${argument} extent`, MAX_BBOX_AREA_KM2);
  } catch (err) {
    const ext = (err as { extensions?: Record<string, unknown> }).extensions;
    if (ext) ext.argument = argument;
    throw err;
  }
}
