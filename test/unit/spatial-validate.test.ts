import { CityCodeError } from '../../core/errors';
import {
  assertBbox,
  assertCursor,
  assertKinds,
  assertRadius,
  bboxAreaKm2,
  DEFAULT_PAGE,
  MAX_BBOX_AREA_KM2,
  MAX_PAGE,
  MAX_RADIUS_M,
  pageSize,
} from '../../spatial/limits';
import { districtOfStreet, regionScopeOf } from '../../domain/regions';
import {
  assertGeometry,
  assertLonLat,
  assertSearchExtent,
  geometryBbox,
  MAX_POSITIONS,
  validateGeometry,
} from '../../spatial/validate';

/** The reason of a failed validation (fails the test when the input is accepted). */
function reason(input: unknown, allowed?: Parameters<typeof validateGeometry>[1]): string {
  const result = validateGeometry(input, allowed);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.reason;
}

/** Runs `fn`, expects BAD_USER_INPUT, returns its extensions. */
function badInputOf(fn: () => unknown): Record<string, unknown> & { message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CityCodeError);
    const e = err as CityCodeError;
    expect(e.extensions.code).toBe('BAD_USER_INPUT');
    expect(typeof e.extensions.hint).toBe('string');
    return { ...e.extensions, message: e.message };
  }
  throw new Error('expected BAD_USER_INPUT, nothing was thrown');
}

const SQUARE = [
  [114.0, 22.5],
  [114.01, 22.5],
  [114.01, 22.51],
  [114.0, 22.51],
  [114.0, 22.5],
];

describe('validateGeometry: accepted input', () => {
  it.each([
    { type: 'Point', coordinates: [114.059, 22.5453] },
    { type: 'Point', coordinates: [114.059, 22.5453, 84] },
    { type: 'Point', coordinates: [-180, -90] },
    { type: 'Point', coordinates: [180, 90] },
    { type: 'MultiPoint', coordinates: [[114, 22.5], [114.1, 22.6]] },
    { type: 'LineString', coordinates: [[114, 22.5], [114.1, 22.6]] },
    { type: 'MultiLineString', coordinates: [[[114, 22.5], [114.1, 22.6]], [[114.2, 22.5], [114.3, 22.6], [114.4, 22.5]]] },
    { type: 'Polygon', coordinates: [SQUARE] },
    { type: 'MultiPolygon', coordinates: [[SQUARE], [SQUARE.map(([x, y]) => [x + 0.1, y])]] },
  ])('%j', (geometry) => {
    expect(validateGeometry(geometry)).toEqual({ ok: true, geometry });
  });

  it('returns a clean copy: foreign members dropped, coordinates not shared', () => {
    const input = { type: 'Polygon', coordinates: [SQUARE], bbox: [114, 22.5, 114.01, 22.51], properties: { a: 1 } };
    const result = validateGeometry(input);
    expect(result).toEqual({ ok: true, geometry: { type: 'Polygon', coordinates: [SQUARE] } });
    if (result.ok) {
      expect(result.geometry.coordinates).not.toBe(input.coordinates);
      (result.geometry.coordinates as number[][][])[0][0][0] = 0;
      expect(input.coordinates[0][0][0]).toBe(114.0);
    }
  });

  it('accepts the JSON text of a geometry', () => {
    expect(validateGeometry('{"type":"Point","coordinates":[114,22.5]}')).toEqual({
      ok: true,
      geometry: { type: 'Point', coordinates: [114, 22.5] },
    });
  });

  it('accepts exactly MAX_POSITIONS positions and rejects one more', () => {
    const line = (n: number) => ({ type: 'LineString', coordinates: Array.from({ length: n }, (_, i) => [114 + i * 1e-5, 22.5]) });
    expect(MAX_POSITIONS).toBe(10_000);
    expect(validateGeometry(line(10_000)).ok).toBe(true);
    expect(reason(line(10_001))).toBe('geometry has more than 10000 positions');
    // counted over all parts, ring closings included
    const ring = Array.from({ length: 2500 }, (_, i) => [114 + Math.cos(i) * 0.01, 22.5 + Math.sin(i) * 0.01]);
    const polygon = { type: 'MultiPolygon', coordinates: [1, 2, 3, 4, 5].map(() => [[...ring, ring[0]]]) };
    expect(reason(polygon)).toBe('geometry has more than 10000 positions');
  });
});

describe('validateGeometry: rejected input and its exact reason', () => {
  it.each<[string, unknown, string]>([
    ['a number', 42, 'geometry must be a GeoJSON geometry object, got the number 42'],
    ['null', null, 'geometry must be a GeoJSON geometry object, got null'],
    ['an array', [114, 22], 'geometry must be a GeoJSON geometry object, got an array'],
    ['text that is not JSON', '{type: Point', 'geometry is not valid JSON'],
    ['no type', { coordinates: [1, 2] }, 'geometry has no "type" member'],
    ['a Feature', { type: 'Feature', geometry: {} }, 'expected a GeoJSON geometry, got a Feature; send its geometry member'],
    [
      'a GeometryCollection',
      { type: 'GeometryCollection', geometries: [] },
      'GeometryCollection is not supported; send one of Point, MultiPoint, LineString, MultiLineString, Polygon or MultiPolygon',
    ],
    [
      'an unknown type',
      { type: 'Circle', coordinates: [114, 22] },
      'unknown geometry type "Circle"; expected one of Point, MultiPoint, LineString, MultiLineString, Polygon or MultiPolygon',
    ],
    ['a lower-case type', { type: 'point', coordinates: [114, 22] }, 'unknown geometry type "point"; expected one of Point, MultiPoint, LineString, MultiLineString, Polygon or MultiPolygon'],
    ['no coordinates', { type: 'Point' }, 'Point has no "coordinates" member'],
    ['a Point nested too deep', { type: 'Point', coordinates: [[114, 22]] }, 'Point coordinates must nest 1 level of arrays, [lon, lat]; got 2 levels'],
    [
      'a Polygon without its ring array',
      { type: 'Polygon', coordinates: SQUARE },
      'Polygon coordinates must nest 3 levels of arrays, [[[lon, lat], ...], ...]; got 2 levels',
    ],
    [
      'a MultiPolygon given as a Polygon',
      { type: 'MultiPolygon', coordinates: [SQUARE] },
      'MultiPolygon coordinates must nest 4 levels of arrays, [[[[lon, lat], ...], ...], ...]; got 3 levels',
    ],
    ['a scalar as coordinates', { type: 'LineString', coordinates: 5 }, 'LineString coordinates must nest 2 levels of arrays, [[lon, lat], ...]; got 0 levels'],
    ['one number', { type: 'Point', coordinates: [114] }, 'coordinates must have 2 or 3 numbers [longitude, latitude(, height)], got 1'],
    ['four numbers', { type: 'Point', coordinates: [114, 22, 1, 2] }, 'coordinates must have 2 or 3 numbers [longitude, latitude(, height)], got 4'],
    ['a string number', { type: 'Point', coordinates: [114, '22'] }, 'coordinates[1] must be a finite number, got the string "22"'],
    ['NaN', { type: 'Point', coordinates: [114, NaN] }, 'coordinates[1] must be a finite number, got the number NaN'],
    ['Infinity height', { type: 'Point', coordinates: [114, 22, Infinity] }, 'coordinates[2] must be a finite number, got the number Infinity'],
    ['longitude 190', { type: 'Point', coordinates: [190, 22] }, 'coordinates: longitude 190 is outside [-180, 180]'],
    ['longitude -180.5', { type: 'Point', coordinates: [-180.5, 22] }, 'coordinates: longitude -180.5 is outside [-180, 180]'],
    ['latitude 95', { type: 'Point', coordinates: [-170, 95] }, 'coordinates: latitude 95 is outside [-90, 90]'],
    [
      'swapped [lat, lon]',
      { type: 'Point', coordinates: [22.5453, 114.059] },
      'coordinates: latitude 114.059 is outside [-90, 90] (GeoJSON positions are [longitude, latitude]: swapped?)',
    ],
    [
      'a bad vertex deep in a MultiPolygon',
      { type: 'MultiPolygon', coordinates: [[SQUARE], [[SQUARE[0], SQUARE[1], [114, 91], SQUARE[3], SQUARE[0]]]] },
      'coordinates[1][0][2]: latitude 91 is outside [-90, 90]',
    ],
    ['a one-position LineString', { type: 'LineString', coordinates: [[114, 22]] }, 'coordinates has 1 position; a LineString needs at least 2'],
    ['an empty MultiPoint', { type: 'MultiPoint', coordinates: [] }, 'coordinates has 0 positions; a MultiPoint needs at least 1'],
    ['a Polygon without rings', { type: 'Polygon', coordinates: [] }, 'coordinates has 0 linear rings; a Polygon needs at least 1'],
    ['an empty MultiPolygon', { type: 'MultiPolygon', coordinates: [] }, 'coordinates has 0 Polygons; a MultiPolygon needs at least 1'],
    [
      'an empty ring',
      { type: 'Polygon', coordinates: [[]] },
      'coordinates[0]: a linear ring needs at least 4 positions (the last repeats the first), got 0',
    ],
    [
      'a 3-position ring',
      { type: 'Polygon', coordinates: [[[114, 22], [114.1, 22], [114, 22]]] },
      'coordinates[0]: a linear ring needs at least 4 positions (the last repeats the first), got 3',
    ],
    [
      'an open ring',
      { type: 'Polygon', coordinates: [SQUARE.slice(0, 4)] },
      'coordinates[0]: linear ring is not closed; its last position [114, 22.51] must equal its first [114, 22.5]',
    ],
    [
      'an open hole',
      { type: 'Polygon', coordinates: [SQUARE, [[114.002, 22.502], [114.004, 22.502], [114.004, 22.504], [114.002, 22.504]]] },
      'coordinates[1]: linear ring is not closed; its last position [114.002, 22.504] must equal its first [114.002, 22.502]',
    ],
    [
      'a ring closed in 2-D but not in height',
      { type: 'Polygon', coordinates: [[[114, 22, 5], [114.1, 22, 5], [114.1, 22.1, 5], [114, 22]]] },
      'coordinates[0]: linear ring is not closed; its last position [114, 22] must equal its first [114, 22, 5]',
    ],
    [
      'a short part of a MultiLineString',
      { type: 'MultiLineString', coordinates: [[[114, 22], [114.1, 22]], [[114, 22]]] },
      'coordinates[1] has 1 position; a LineString needs at least 2',
    ],
    [
      'a number among positions',
      { type: 'LineString', coordinates: [[114, 22], [114, 22.1], 5] },
      'coordinates[2] must be a position [longitude, latitude], got the number 5',
    ],
  ])('%s', (_name, input, expected) => {
    expect(reason(input)).toBe(expected);
  });

  it('rejects types that the caller does not allow', () => {
    expect(reason({ type: 'Point', coordinates: [114, 22] }, { allowed: ['Polygon', 'MultiPolygon'] })).toBe(
      'Point is not accepted here; expected Polygon or MultiPolygon',
    );
    expect(reason({ type: 'LineString', coordinates: [[114, 22], [115, 22]] }, { allowed: ['Point'] })).toBe(
      'LineString is not accepted here; expected Point',
    );
  });
});

describe('assertGeometry', () => {
  it('returns the clean geometry', () => {
    expect(assertGeometry({ type: 'Point', coordinates: [114, 22.5], crs: 'x' })).toEqual({ type: 'Point', coordinates: [114, 22.5] });
  });

  it('throws BAD_USER_INPUT with the reason, the argument and a hint naming the accepted types', () => {
    const ext = badInputOf(() =>
      assertGeometry({ type: 'Polygon', coordinates: [SQUARE.slice(0, 4)] }, { allowed: ['Polygon', 'MultiPolygon'], argument: 'polygon' }),
    );
    expect(ext.message).toBe(
      'Invalid polygon: coordinates[0]: linear ring is not closed; its last position [114, 22.51] must equal its first [114, 22.5]',
    );
    expect(ext.argument).toBe('polygon');
    expect(ext.reason).toBe('coordinates[0]: linear ring is not closed; its last position [114, 22.51] must equal its first [114, 22.5]');
    expect(ext.hint).toContain('Accepted here: Polygon or MultiPolygon.');
    expect(ext.hint).toContain('[longitude, latitude]');
  });
});

describe('assertLonLat', () => {
  it('accepts {lon, lat}', () => {
    expect(assertLonLat({ lon: 114.059, lat: 22.5453 })).toEqual({ lon: 114.059, lat: 22.5453 });
  });

  it.each<[unknown, string]>([
    [[114, 22], 'point must be {lon, lat}, got an array'],
    [{ lon: 114 }, 'point.lat must be a finite number, got nothing'],
    [{ lon: '114', lat: 22 }, 'point.lon must be a finite number, got the string "114"'],
    [{ lon: 200, lat: 22 }, 'point: longitude 200 is outside [-180, 180]'],
    [{ lon: 22.5, lat: 114 }, 'point: latitude 114 is outside [-90, 90] (GeoJSON positions are [longitude, latitude]: swapped?)'],
  ])('%j → %s', (input, expected) => {
    expect(badInputOf(() => assertLonLat(input)).reason).toBe(expected);
  });
});

describe('limits', () => {
  it('has the documented values', () => {
    expect({ MAX_RADIUS_M, MAX_PAGE, DEFAULT_PAGE, MAX_BBOX_AREA_KM2 }).toEqual({
      MAX_RADIUS_M: 5000,
      MAX_PAGE: 500,
      DEFAULT_PAGE: 50,
      MAX_BBOX_AREA_KM2: 2500,
    });
  });

  it('assertRadius accepts (0, 5000] metres', () => {
    expect(assertRadius(0.5)).toBe(0.5);
    expect(assertRadius(5000)).toBe(5000);
  });

  it.each<[unknown, string]>([
    [0, 'radiusM must be greater than 0, got 0'],
    [-5, 'radiusM must be greater than 0, got -5'],
    [5000.1, 'radiusM 5000.1 m exceeds the maximum of 5000 m'],
    [NaN, 'radiusM must be a finite number of metres, got NaN'],
    ['100', 'radiusM must be a finite number of metres, got the string "100"'],
    [undefined, 'radiusM must be a finite number of metres, got nothing'],
  ])('assertRadius(%j) → %s', (input, expected) => {
    const ext = badInputOf(() => assertRadius(input));
    expect(ext.reason).toBe(expected);
    expect(ext.message).toBe(expected);
    expect(ext.argument).toBe('radiusM');
  });

  it('assertRadius names the limit it broke', () => {
    expect(badInputOf(() => assertRadius(6000)).limit).toBe(5000);
  });

  it('bboxAreaKm2 is within 0.3 % of the ellipsoidal area of a 0.1° box at Shenzhen', () => {
    // 0.1° × 0.1° at 22.5°N on GRS 80: 10.2895 km of parallel × 11.0737 km of meridian ≈ 113.94 km²
    // (PostGIS, ST_Area of the segmentised box as geography: 113.944 km²)
    const area = bboxAreaKm2([114.0, 22.45, 114.1, 22.55]);
    expect(Math.abs(area - 113.944) / 113.944).toBeLessThan(0.003);
  });

  it('assertBbox accepts a box of a district and returns it', () => {
    expect(assertBbox([113.747, 22.516, 113.976, 22.863])).toEqual([113.747, 22.516, 113.976, 22.863]); // 宝安, ~907 km²
  });

  it.each<[unknown, string]>([
    [[114, 22, 115], 'bbox must be [minLon, minLat, maxLon, maxLat] (4 numbers), got 3 values'],
    ['114,22,115,23', 'bbox must be [minLon, minLat, maxLon, maxLat] (4 numbers), got the string "114,22,115,23"'],
    [[114, null, 114.1, 22.6], 'bbox[1] (minLat) must be a finite number, got null'],
    [[114, 22.5, Infinity, 22.6], 'bbox[2] (maxLon) must be a finite number, got Infinity'],
    [[-181, 22.5, 114.1, 22.6], 'bbox minLon -181 is outside [-180, 180]'],
    [[114, 22.5, 114.1, 90.5], 'bbox maxLat 90.5 is outside [-90, 90]'],
    [[114.1, 22.5, 114.0, 22.6], 'bbox minLon 114.1 must be less than maxLon 114'],
    [[114.0, 22.5, 114.0, 22.6], 'bbox minLon 114 must be less than maxLon 114'],
    [[114.0, 22.6, 114.1, 22.5], 'bbox minLat 22.6 must be less than maxLat 22.5'],
    [[113.747, 22.399, 114.624, 22.863], 'bbox covers 4644 km², more than the maximum of 2500 km²'], // Shenzhen without 深汕
  ])('assertBbox(%j) → %s', (input, expected) => {
    expect(badInputOf(() => assertBbox(input)).reason).toBe(expected);
  });

  it('pageSize: default, bounds and count-only', () => {
    expect(pageSize(undefined)).toBe(DEFAULT_PAGE);
    expect(pageSize(null)).toBe(DEFAULT_PAGE);
    expect(pageSize(0)).toBe(0);
    expect(pageSize(500)).toBe(500);
    expect(badInputOf(() => pageSize(501)).reason).toBe('first must be an integer from 0 to 500, got 501');
    expect(badInputOf(() => pageSize(2.5)).reason).toBe('first must be an integer from 0 to 500, got 2.5');
    expect(badInputOf(() => pageSize(-1)).reason).toBe('first must be an integer from 0 to 500, got -1');
  });

  it('assertCursor and assertKinds', () => {
    expect(assertCursor(undefined)).toBeUndefined();
    expect(assertCursor('4403042001000000000016')).toBe('4403042001000000000016');
    expect(badInputOf(() => assertCursor('')).reason).toBe('after must be the last city code of the previous page, got the string ""');
    expect(badInputOf(() => assertCursor('x'.repeat(65))).argument).toBe('after');
    expect(assertKinds(null)).toBeUndefined();
    expect(assertKinds(['BUILDING', 'DEVICE'])).toEqual(['BUILDING', 'DEVICE']);
    expect(assertKinds([])).toEqual([]);
    expect(badInputOf(() => assertKinds('BUILDING')).reason).toBe('kinds must be a list of object kinds, got the string "BUILDING"');
    expect(badInputOf(() => assertKinds(['BUILDING', ' '])).reason).toBe('kinds[1] must be a non-empty object kind, got the string " "');
    expect(badInputOf(() => assertKinds(Array.from({ length: 51 }, () => 'X'))).reason).toBe(
      'kinds has 51 entries, more than the maximum of 50',
    );
  });

  it('geometryBbox and assertSearchExtent cap the extent of a search polygon like a bbox', () => {
    expect(geometryBbox({ type: 'Polygon', coordinates: [SQUARE as [number, number][]] })).toEqual([114.0, 22.5, 114.01, 22.51]);
    expect(() => assertSearchExtent({ type: 'Polygon', coordinates: [SQUARE as [number, number][]] })).not.toThrow();
    const big = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [113.7, 22.4],
          [114.7, 22.4],
          [114.7, 22.9],
          [113.7, 22.4],
        ] as [number, number][],
      ],
    };
    const ext = badInputOf(() => assertSearchExtent(big));
    expect(ext.reason).toBe('polygon extent covers 5705 km², more than the maximum of 2500 km²');
    expect(ext.argument).toBe('polygon');
  });
});

describe('region scope codes', () => {
  it('derives the street from the community and the district-level area from the street', () => {
    expect(regionScopeOf({ communityCode: '440304001001' })).toEqual({
      districtCode: '440304',
      streetCode: '440304001',
      communityCode: '440304001001',
    });
    expect(regionScopeOf({ districtCode: '440305' })).toEqual({ districtCode: '440305', streetCode: null, communityCode: null });
    expect(regionScopeOf({})).toEqual({ districtCode: null, streetCode: null, communityCode: null });
  });

  it('puts 葵涌/大鹏/南澳 in 大鹏新区 and the four 海丰 towns in 深汕特别合作区', () => {
    expect(['440307009', '440307010', '440307011'].map(districtOfStreet)).toEqual(['440399', '440399', '440399']);
    expect(['441521102', '441521103', '441521104', '441521105'].map(districtOfStreet)).toEqual(['440398', '440398', '440398', '440398']);
    expect(districtOfStreet('440307003')).toBe('440307'); // 平湖 stays in 龙岗
    expect(regionScopeOf({ communityCode: '440307009001' }).districtCode).toBe('440399');
  });

  it.each<[Record<string, unknown>, string]>([
    [{ districtCode: '4403' }, 'feature: districtCode must be 6 digits, got "4403"'],
    [{ streetCode: 440304001 }, 'feature: streetCode must be 9 digits, got 440304001'],
    [{ communityCode: '44030400100X' }, 'feature: communityCode must be 12 digits, got "44030400100X"'],
    [{ streetCode: '440304002', communityCode: '440304001001' }, 'feature: community 440304001001 is not in street 440304002'],
    [{ districtCode: '440307', streetCode: '440307009' }, 'feature: street 440307009 belongs to district-level area 440399, not 440307'],
  ])('%j → %s', (input, expected) => {
    expect(badInputOf(() => regionScopeOf(input)).reason).toBe(expected);
  });
});
