import { badInput } from '../core/errors';

/**
 * Limits of the spatial searches. They bound the work one request can ask of PostGIS (the exact
 * total of a search is counted over every match, so the searched area is what has to be capped)
 * and are documented in docs/spatial.md. Every check throws BAD_USER_INPUT whose message is the
 * reason and whose extensions carry `argument`, `reason` and, where one applies, `limit`.
 */

/** Largest radius of `withinRadius`, in metres. */
export const MAX_RADIUS_M = 5000;
/** Largest page (`first`) of every search. */
export const MAX_PAGE = 500;
/** Page size when the caller gives none. */
export const DEFAULT_PAGE = 50;
/**
 * Largest area of a bounding box (and of the extent of a search polygon), in km². Shenzhen has
 * 1,997 km² of land; its largest district-level areas have extents up to about 900 km² (宝安), so 2,500 km²
 * lets a caller search any district or a third of the city at once, but not the whole city's
 * extent (about 4,650 km² without 深汕, which is a search to run by region or by pages of boxes).
 */
export const MAX_BBOX_AREA_KM2 = 2500;
/** Longest keyset cursor (`after`, a city code) accepted. */
export const MAX_CURSOR_LENGTH = 64;
/** Most feature kinds one search may filter on. */
export const MAX_KINDS = 50;

/** `[minLon, minLat, maxLon, maxLat]` in degrees (CGCS2000). */
export type BBox = [minLon: number, minLat: number, maxLon: number, maxLat: number];

/** Authalic radius of the GRS 80 / CGCS2000 ellipsoid, km: a sphere of the same surface area. */
const AUTHALIC_RADIUS_KM = 6371.0072;
const DEG = Math.PI / 180;

function reject(argument: string, reason: string, hint: string, extra: Record<string, unknown> = {}): never {
  throw badInput(reason, hint, { argument, reason, ...extra });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string "${value.length > 24 ? `${value.slice(0, 24)}…` : value}"`;
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}

/** Checks a radius in metres: a finite number, > 0, at most MAX_RADIUS_M. */
export function assertRadius(radiusM: unknown, argument = 'radiusM'): number {
  const hint = `Give the radius in metres, greater than 0 and at most ${MAX_RADIUS_M}; for larger areas search by region or by bounding box.`;
  if (typeof radiusM !== 'number' || !Number.isFinite(radiusM)) {
    reject(argument, `${argument} must be a finite number of metres, got ${describe(radiusM)}`, hint);
  }
  if (radiusM <= 0) reject(argument, `${argument} must be greater than 0, got ${radiusM}`, hint);
  if (radiusM > MAX_RADIUS_M) {
    reject(argument, `${argument} ${radiusM} m exceeds the maximum of ${MAX_RADIUS_M} m`, hint, { limit: MAX_RADIUS_M });
  }
  return radiusM;
}

/**
 * Area of a longitude/latitude box in km², on the authalic sphere (within 0.3 % of the
 * ellipsoidal area at Shenzhen's latitude, plenty for a limit).
 */
export function bboxAreaKm2([minLon, minLat, maxLon, maxLat]: BBox): number {
  const r = AUTHALIC_RADIUS_KM;
  return r * r * Math.abs(maxLon - minLon) * DEG * Math.abs(Math.sin(maxLat * DEG) - Math.sin(minLat * DEG));
}

const BBOX_NAMES = ['minLon', 'minLat', 'maxLon', 'maxLat'] as const;

/**
 * Checks `[minLon, minLat, maxLon, maxLat]`: four finite numbers, longitudes in [-180, 180],
 * latitudes in [-90, 90], min < max on both axes (a box across the antimeridian is not
 * accepted), area at most `maxAreaKm2` (MAX_BBOX_AREA_KM2).
 */
export function assertBbox(bbox: unknown, argument = 'bbox', maxAreaKm2 = MAX_BBOX_AREA_KM2): BBox {
  const hint =
    `Give ${argument} as [minLon, minLat, maxLon, maxLat] in degrees (CGCS2000 / WGS 84), min below max, ` +
    `covering at most ${maxAreaKm2} km².`;
  if (!Array.isArray(bbox) || bbox.length !== 4) {
    const got = Array.isArray(bbox) ? `${bbox.length} values` : describe(bbox);
    reject(argument, `${argument} must be [minLon, minLat, maxLon, maxLat] (4 numbers), got ${got}`, hint);
  }
  bbox.forEach((v: unknown, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      reject(argument, `${argument}[${i}] (${BBOX_NAMES[i]}) must be a finite number, got ${describe(v)}`, hint);
    }
  });
  const [minLon, minLat, maxLon, maxLat] = bbox as BBox;
  for (const [name, v] of [['minLon', minLon], ['maxLon', maxLon]] as const) {
    if (v < -180 || v > 180) reject(argument, `${argument} ${name} ${v} is outside [-180, 180]`, hint);
  }
  for (const [name, v] of [['minLat', minLat], ['maxLat', maxLat]] as const) {
    if (v < -90 || v > 90) reject(argument, `${argument} ${name} ${v} is outside [-90, 90]`, hint);
  }
  if (minLon >= maxLon) reject(argument, `${argument} minLon ${minLon} must be less than maxLon ${maxLon}`, hint);
  if (minLat >= maxLat) reject(argument, `${argument} minLat ${minLat} must be less than maxLat ${maxLat}`, hint);
  const area = bboxAreaKm2([minLon, minLat, maxLon, maxLat]);
  if (area > maxAreaKm2) {
    reject(argument, `${argument} covers ${Math.round(area)} km², more than the maximum of ${maxAreaKm2} km²`, hint, {
      limit: maxAreaKm2,
    });
  }
  return [minLon, minLat, maxLon, maxLat];
}

/** Page size: DEFAULT_PAGE when absent, otherwise an integer in [0, MAX_PAGE] (0 = count only). */
export function pageSize(first: unknown, argument = 'first'): number {
  if (first === undefined || first === null) return DEFAULT_PAGE;
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0 || first > MAX_PAGE) {
    reject(argument, `${argument} must be an integer from 0 to ${MAX_PAGE}, got ${describe(first)}`,
      `Ask for at most ${MAX_PAGE} results per page and follow the cursor (after) for more.`, { limit: MAX_PAGE });
  }
  return first;
}

/** Keyset cursor: absent, or the non-empty last city code of the previous page. */
export function assertCursor(after: unknown, argument = 'after'): string | undefined {
  if (after === undefined || after === null) return undefined;
  if (typeof after !== 'string' || after.length === 0 || after.length > MAX_CURSOR_LENGTH) {
    reject(argument, `${argument} must be the last city code of the previous page, got ${describe(after)}`,
      'Pass the last code of the previous page as the cursor, or leave it out for the first page.');
  }
  return after;
}

/** Feature kinds filter: absent (every kind) or a list of at most MAX_KINDS non-empty strings. */
export function assertKinds(kinds: unknown, argument = 'kinds'): string[] | undefined {
  if (kinds === undefined || kinds === null) return undefined;
  const hint = `Give up to ${MAX_KINDS} object kinds such as BUILDING, DEVICE or PARKING_SPACE, or leave ${argument} out for every kind.`;
  if (!Array.isArray(kinds)) reject(argument, `${argument} must be a list of object kinds, got ${describe(kinds)}`, hint);
  if (kinds.length > MAX_KINDS) {
    reject(argument, `${argument} has ${kinds.length} entries, more than the maximum of ${MAX_KINDS}`, hint, { limit: MAX_KINDS });
  }
  kinds.forEach((k: unknown, i) => {
    if (typeof k !== 'string' || k.trim() === '') {
      reject(argument, `${argument}[${i}] must be a non-empty object kind, got ${describe(k)}`, hint);
    }
  });
  return kinds as string[];
}
