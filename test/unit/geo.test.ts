import fc from 'fast-check';
import {
  areaSquareMetres,
  bbox,
  destination,
  gcj02ToWgs84,
  geodesicDistanceMetres,
  geometryProblems,
  haversineMetres,
  interiorPoint,
  isSimpleRing,
  metresPerDegree,
  pointInPolygon,
  randomPointIn,
  ringSignedArea,
  splitRingByLine,
  squareFootprint,
  wgs84ToGcj02,
  type MultiPolygon,
  type Polygon,
  type Position,
  type Ring,
} from '../../seed/geo';
import { createRng, mulberry32 } from '../../seed/rng';
import { enterpriseName, individualBusinessName, personName, streetAddress, SURNAMES } from '../../seed/names';

const square = (x0: number, y0: number, size: number): Ring => [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]];
const reversed = (ring: Ring): Ring => ring.slice().reverse();
/** 10×10 square with a 4×4 hole in the middle. */
const donut: Polygon = { type: 'Polygon', coordinates: [square(0, 0, 10), reversed(square(3, 3, 4))] };

describe('seed/rng', () => {
  /** Tommy Ettinger's reference implementation, verbatim in behaviour. */
  function referenceMulberry32(seed: number): () => number {
    let a = seed;
    return () => {
      let t = (a += 0x6d2b79f5);
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('mulberry32 matches the reference implementation', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef, 2 ** 31 - 1]) {
      const ours = mulberry32(seed);
      const reference = referenceMulberry32(seed);
      for (let i = 0; i < 1000; i++) expect(ours()).toBe(reference());
    }
  });

  it('is deterministic per seed, different across seeds, and string seeds work', () => {
    const draw = (seed: number | string): number[] => {
      const rng = createRng(seed);
      return Array.from({ length: 20 }, () => rng.next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw('shenzhen')).toEqual(draw('shenzhen'));
    expect(draw('shenzhen')).not.toEqual(draw('shenzhen2'));
  });

  it('int is inclusive at both ends and roughly uniform', () => {
    const rng = createRng(1);
    const counts = new Map<number, number>();
    for (let i = 0; i < 60000; i++) {
      const v = rng.int(-2, 3);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    for (const n of counts.values()) expect(Math.abs(n - 10000)).toBeLessThan(400);
    expect(rng.int(5, 5)).toBe(5);
    expect(() => rng.int(3, 2)).toThrow(/min \(3\) must not exceed max \(2\)/);
    expect(() => rng.int(0.5, 2)).toThrow(/safe integers/);
  });

  it('int stays within bounds for any seed and range (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), (seed, min, span) => {
        const rng = createRng(seed);
        for (let i = 0; i < 20; i++) {
          const v = rng.int(min, min + span);
          if (!Number.isInteger(v) || v < min || v > min + span) return false;
        }
        return true;
      }),
    );
  });

  it('weighted follows the weights and rejects bad input', () => {
    const rng = createRng(2);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 40000; i++) counts[rng.weighted<'a' | 'b' | 'c'>([['a', 1], ['b', 3], ['c', 0]])]++;
    expect(counts.c).toBe(0);
    expect(counts.a / 40000).toBeCloseTo(0.25, 1);
    expect(Math.abs(counts.b / 40000 - 0.75)).toBeLessThan(0.01);
    expect(() => rng.weighted([])).toThrow(/empty/);
    expect(() => rng.weighted([['a', -1]])).toThrow(/>= 0/);
    expect(() => rng.weighted([['a', 0]])).toThrow(/positive/);
  });

  it('pick, chance, shuffle and fork', () => {
    const rng = createRng(3);
    const items = ['x', 'y', 'z'];
    const picked = new Set(Array.from({ length: 100 }, () => rng.pick(items)));
    expect([...picked].sort()).toEqual(items);
    expect(() => rng.pick([])).toThrow(/empty/);
    expect(Array.from({ length: 100 }, () => rng.chance(0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 100 }, () => rng.chance(1)).every(Boolean)).toBe(true);
    expect(() => rng.chance(1.5)).toThrow(/\[0, 1\]/);
    const shuffled = rng.shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(shuffled.slice().sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // A fork depends only on the parent's seed and the label, not on how much the parent drew.
    const a = createRng(9);
    const b = createRng(9);
    b.next();
    b.next();
    expect(a.fork('people').next()).toBe(b.fork('people').next());
    expect(a.fork('people').next()).not.toBe(a.fork('companies').next());
  });
});

describe('pointInPolygon', () => {
  it('handles holes, boundaries and multipolygons', () => {
    expect(pointInPolygon([1, 1], donut)).toBe(true);
    expect(pointInPolygon([5, 5], donut)).toBe(false); // in the hole
    expect(pointInPolygon([3, 5], donut)).toBe(true); // on the hole's edge
    expect(pointInPolygon([0, 5], donut)).toBe(true); // on the exterior edge
    expect(pointInPolygon([10, 10], donut)).toBe(true); // a corner
    expect(pointInPolygon([11, 5], donut)).toBe(false);
    expect(pointInPolygon([-0.000001, 5], donut)).toBe(false);
    const multi: MultiPolygon = { type: 'MultiPolygon', coordinates: [[square(0, 0, 1)], [square(5, 5, 1)]] };
    expect(pointInPolygon([5.5, 5.5], multi)).toBe(true);
    expect(pointInPolygon([3, 3], multi)).toBe(false);
  });

  it('works for concave shapes and either winding', () => {
    const u: Polygon = { type: 'Polygon', coordinates: [[[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]] };
    expect(pointInPolygon([1.5, 2], u)).toBe(false);
    expect(pointInPolygon([0.5, 2], u)).toBe(true);
    expect(pointInPolygon([2.5, 2.9], { type: 'Polygon', coordinates: [reversed(u.coordinates[0] as Ring)] })).toBe(true);
  });

  it('rejects bad points', () => {
    expect(() => pointInPolygon([Number.NaN, 1], donut)).toThrow(/finite/);
  });
});

describe('bbox', () => {
  it('covers all positions of any geometry', () => {
    expect(bbox(donut)).toEqual([0, 0, 10, 10]);
    expect(bbox({ type: 'Point', coordinates: [114, 22.5] })).toEqual([114, 22.5, 114, 22.5]);
    expect(bbox({ type: 'MultiPolygon', coordinates: [[square(-1, 2, 1)], [square(5, -3, 2)]] })).toEqual([-1, -3, 7, 3]);
    expect(bbox({ type: 'LineString', coordinates: [[1, 1], [-2, 4]] })).toEqual([-2, 1, 1, 4]);
  });
});

describe('isSimpleRing', () => {
  it('accepts simple rings', () => {
    expect(isSimpleRing(square(0, 0, 1))).toBe(true);
    expect(isSimpleRing([[0, 0], [1, 0], [0, 1], [0, 0]])).toBe(true);
    expect(isSimpleRing([[0, 0], [1, 0], [1, 0], [1, 1], [0, 1], [0, 0]])).toBe(true); // duplicate point tolerated
    expect(isSimpleRing([[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]])).toBe(true);
  });

  it('rejects crossings, touches, spikes, open and degenerate rings', () => {
    expect(isSimpleRing([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]])).toBe(false); // bow tie
    expect(isSimpleRing([[0, 0], [2, 0], [2, 2], [1, 0], [0, 2], [0, 0]])).toBe(false); // touches an edge at (1,0)
    expect(isSimpleRing([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 1], [0, 0]])).toBe(false); // figure eight at a vertex
    expect(isSimpleRing([[0, 0], [2, 0], [3, 0], [2, 0], [2, 2], [0, 2], [0, 0]])).toBe(false); // spike
    expect(isSimpleRing([[0, 0], [1, 0], [1, 1], [0, 1]])).toBe(false); // not closed
    expect(isSimpleRing([[0, 0], [1, 0], [0, 0]])).toBe(false); // too short
    expect(isSimpleRing([[0, 0], [1, 0], [2, 0], [0, 0]])).toBe(false); // no area
  });
});

describe('geometryProblems', () => {
  it('reports nothing for valid geometry and names each problem otherwise', () => {
    expect(geometryProblems(donut, { rfc7946Winding: true })).toEqual([]);
    expect(geometryProblems({ type: 'Polygon', coordinates: [square(0, 0, 1), reversed(square(5, 5, 1))] })).toEqual([
      'polygon 0 hole 1 lies outside the exterior ring',
    ]);
    expect(geometryProblems({ type: 'MultiPolygon', coordinates: [[square(0, 0, 2)], [square(1, 1, 2)]] })).toEqual([
      'polygons 0 and 1 touch or overlap',
    ]);
    expect(geometryProblems({ type: 'Polygon', coordinates: [reversed(square(0, 0, 1))] }, { rfc7946Winding: true })).toEqual([
      'polygon 0 ring 0 (exterior) must be counter-clockwise',
    ]);
    expect(geometryProblems({ type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] })).toEqual([
      'polygon 0 ring 0 is not simple (self-intersects, spikes or has no area)',
    ]);
  });
});

describe('distances and areas', () => {
  it('geodesic distance matches known CGCS2000/GRS 80 values', () => {
    // One degree of latitude from the equator and one degree of longitude along it.
    expect(geodesicDistanceMetres([0, 0], [0, 1])).toBeCloseTo(110574.389, 2);
    expect(geodesicDistanceMetres([0, 0], [1, 0])).toBeCloseTo(111319.491, 2);
    expect(geodesicDistanceMetres([114, 22.5], [114, 22.5])).toBe(0);
  });

  it('haversine uses the mean radius', () => {
    expect(haversineMetres([0, 0], [0, 1])).toBeCloseTo((6371008.8 * Math.PI) / 180, 3);
  });

  it('metresPerDegree agrees with the geodesic over short distances at Shenzhen', () => {
    const lat = 22.55;
    const perDegree = metresPerDegree(lat);
    const d = 0.001;
    expect(perDegree.lat * d).toBeCloseTo(geodesicDistanceMetres([114, lat - d / 2], [114, lat + d / 2]), 4);
    expect(perDegree.lon * d).toBeCloseTo(geodesicDistanceMetres([114, lat], [114 + d, lat]), 3);
  });

  it('areaSquareMetres subtracts holes', () => {
    const big = squareFootprint([114, 22.5], 100).coordinates[0] as Ring;
    const small = squareFootprint([114, 22.5], 20).coordinates[0] as Ring;
    expect(areaSquareMetres({ type: 'Polygon', coordinates: [big] })).toBeCloseTo(10000, -2);
    expect(areaSquareMetres({ type: 'Polygon', coordinates: [big, reversed(small)] }) / 9600).toBeCloseTo(1, 2);
  });
});

describe('squareFootprint', () => {
  const center: Position = [114.0579, 22.5431];
  const sides = (polygon: Polygon, distance: (a: Position, b: Position) => number): number[] => {
    const ring = polygon.coordinates[0] as Ring;
    return ring.slice(0, 4).map((p, i) => distance(p, ring[i + 1] as Position));
  };

  it('returns a closed counter-clockwise square whose sides are 100 m (haversine ±0.5 %, geodesic ±1 mm)', () => {
    const footprint = squareFootprint(center, 100);
    const ring = footprint.coordinates[0] as Ring;
    expect(footprint.type).toBe('Polygon');
    expect(ring).toHaveLength(5);
    expect(ring[4]).toEqual(ring[0]);
    expect(ringSignedArea(ring)).toBeGreaterThan(0);
    expect(isSimpleRing(ring)).toBe(true);
    for (const side of sides(footprint, haversineMetres)) expect(Math.abs(side - 100)).toBeLessThan(0.5);
    for (const side of sides(footprint, geodesicDistanceMetres)) expect(Math.abs(side - 100)).toBeLessThan(0.001);
    expect(geodesicDistanceMetres(ring[0] as Position, ring[2] as Position)).toBeCloseTo(100 * Math.SQRT2, 2);
    expect(pointInPolygon(center, footprint)).toBe(true);
  });

  it('rotates clockwise: at 45° the south-west corner moves due west of the centre', () => {
    const ring = squareFootprint(center, 100, 45).coordinates[0] as Ring;
    const sw = ring[0] as Position;
    expect(sw[1]).toBeCloseTo(center[1], 7); // a geodesic heading due west curves south by ~1e-8°
    expect(geodesicDistanceMetres(center, sw)).toBeCloseTo(50 * Math.SQRT2, 2);
    expect(sw[0]).toBeLessThan(center[0]);
  });

  it('keeps sides exact to 0.1 mm for any centre in Shenzhen, size and rotation (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 113.75, max: 114.6, noNaN: true }),
        fc.double({ min: 22.45, max: 22.85, noNaN: true }),
        fc.double({ min: 1, max: 500, noNaN: true }),
        fc.double({ min: -360, max: 360, noNaN: true }),
        (lon, lat, size, rotation) => {
          const footprint = squareFootprint([lon, lat], size, rotation);
          const ok = sides(footprint, geodesicDistanceMetres).every((side) => Math.abs(side - size) < 1e-4);
          return ok && isSimpleRing(footprint.coordinates[0] as Ring) && pointInPolygon([lon, lat], footprint);
        },
      ),
    );
  });

  it('rejects nonsense sizes', () => {
    expect(() => squareFootprint(center, 0)).toThrow(/positive/);
    expect(() => squareFootprint(center, Number.NaN)).toThrow(/positive/);
  });
});

describe('destination', () => {
  it('inverts the geodesic distance and bearing', () => {
    const start: Position = [114.0579, 22.5431];
    for (const [bearing, distance] of [[0, 1000], [90, 250], [200, 12345], [315, 3]] as const) {
      const end = destination(start, bearing, distance);
      expect(geodesicDistanceMetres(start, end)).toBeCloseTo(distance, 5);
    }
    const north = destination(start, 0, 1000);
    expect(north[0]).toBeCloseTo(start[0], 12);
    expect(north[1] - start[1]).toBeCloseTo(1000 / metresPerDegree(start[1] + (north[1] - start[1]) / 2).lat, 9);
  });
});

describe('randomPointIn', () => {
  it('is deterministic for a seed and only returns points inside (never in a hole)', () => {
    const draw = (seed: number): Position[] => {
      const rng = createRng(seed);
      return Array.from({ length: 2000 }, () => randomPointIn(donut, rng));
    };
    const points = draw(11);
    expect(draw(11)).toEqual(points);
    expect(draw(12)).not.toEqual(points);
    for (const p of points) {
      expect(pointInPolygon(p, donut)).toBe(true);
      expect(p[0] > 3 && p[0] < 7 && p[1] > 3 && p[1] < 7).toBe(false);
    }
    // Uniform: the fraction in the left half of the donut is about one half.
    const left = points.filter((p) => p[0] < 5).length / points.length;
    expect(Math.abs(left - 0.5)).toBeLessThan(0.05);
  });

  it('accepts a bare function as random source and gives up on degenerate geometry', () => {
    const next = mulberry32(5);
    expect(pointInPolygon(randomPointIn(donut, next), donut)).toBe(true);
    // A needle along the diagonal of its bounding box: almost no sample can hit it.
    const sliver: Polygon = { type: 'Polygon', coordinates: [[[0, 0], [10, 10], [10, 10.000001], [0, 0]]] };
    expect(() => randomPointIn(sliver, next, 100)).toThrow(/after 100 attempts/);
  });
});

describe('interiorPoint', () => {
  it('lies inside concave shapes and outside holes', () => {
    const u: Polygon = { type: 'Polygon', coordinates: [[[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]] };
    expect(pointInPolygon(interiorPoint(u), u)).toBe(true);
    const p = interiorPoint(donut);
    expect(pointInPolygon(p, donut)).toBe(true);
    expect(p[0] > 3 && p[0] < 7 && p[1] > 3 && p[1] < 7).toBe(false);
  });

  it('picks the largest part of a multipolygon', () => {
    const p = interiorPoint({ type: 'MultiPolygon', coordinates: [[square(0, 0, 1)], [square(5, 5, 3)]] });
    expect(p[0]).toBeGreaterThan(5);
    expect(p[1]).toBeGreaterThan(5);
  });
});

describe('splitRingByLine', () => {
  it('splits a square into two halves that share the cut', () => {
    const [a, b] = splitRingByLine(square(0, 0, 2), [[1, -1], [1, 3]]);
    expect(isSimpleRing(a)).toBe(true);
    expect(isSimpleRing(b)).toBe(true);
    expect(Math.abs(ringSignedArea(a))).toBeCloseTo(2, 12);
    expect(Math.abs(ringSignedArea(b))).toBeCloseTo(2, 12);
    expect(pointInPolygon([0.5, 1], { type: 'Polygon', coordinates: [a] })).not.toBe(pointInPolygon([0.5, 1], { type: 'Polygon', coordinates: [b] }));
    expect(a).toEqual(expect.arrayContaining([[1, 0], [1, 2]]));
    expect(b).toEqual(expect.arrayContaining([[1, 0], [1, 2]]));
  });

  it('follows a bent cut line and conserves area', () => {
    const ring = square(0, 0, 4);
    const [a, b] = splitRingByLine(ring, [[-1, 1], [2, 1.5], [2.5, 3], [2.7, 5]]);
    expect(Math.abs(ringSignedArea(a)) + Math.abs(ringSignedArea(b))).toBeCloseTo(16, 10);
  });

  it('refuses lines that cross more than twice or end inside', () => {
    expect(() => splitRingByLine(square(0, 0, 2), [[-1, 0.5], [3, 0.5], [3, 1.5], [-1, 1.5]])).toThrow(/exactly twice, it crosses 4/);
    expect(() => splitRingByLine(square(0, 0, 2), [[-1, 1], [1, 1]])).toThrow(/outside/);
    expect(() => splitRingByLine(square(0, 0, 2), [[0, -1], [0, 3]])).toThrow(/vertex or runs along/);
  });
});

describe('GCJ-02 conversion', () => {
  it('round-trips to well under a millimetre and shifts Shenzhen by a few hundred metres', () => {
    const wgs: Position = [114.0579, 22.5431];
    const gcj = wgs84ToGcj02(wgs);
    const back = gcj02ToWgs84(gcj);
    expect(geodesicDistanceMetres(wgs, back)).toBeLessThan(0.001);
    const shift = geodesicDistanceMetres(wgs, gcj);
    expect(shift).toBeGreaterThan(300);
    expect(shift).toBeLessThan(700);
  });

  it('is the identity outside China', () => {
    expect(wgs84ToGcj02([2.35, 48.85])).toEqual([2.35, 48.85]);
    expect(gcj02ToWgs84([-74, 40.7])).toEqual([-74, 40.7]);
  });
});

describe('seed/names', () => {
  it('generates the same names for the same seed', () => {
    const batch = (seed: number): string[] => {
      const rng = createRng(seed);
      return Array.from({ length: 50 }, () =>
        [personName(rng).fullName, enterpriseName(rng).name, individualBusinessName(rng, '南山区').name, streetAddress(rng, { district: '南山区', street: '粤海街道' }, { withUnit: true })].join('|'),
      );
    };
    expect(batch(1)).toEqual(batch(1));
    expect(batch(1)).not.toEqual(batch(2));
  });

  it('produces plausible person names weighted by surname frequency', () => {
    const rng = createRng('people');
    const names = Array.from({ length: 20000 }, () => personName(rng));
    const surnames = new Set(SURNAMES.map(([s]) => s));
    for (const n of names.slice(0, 500)) {
      expect(surnames.has(n.surname)).toBe(true);
      expect(n.fullName).toBe(n.surname + n.givenName);
      expect(n.givenName.length).toBeGreaterThanOrEqual(1);
      expect(n.givenName.length).toBeLessThanOrEqual(2);
      expect(n.fullName).toMatch(/^[\u4e00-\u9fff]{2,4}$/);
    }
    const share = (s: string): number => names.filter((n) => n.surname === s).length / names.length;
    const total = SURNAMES.reduce((sum, [, w]) => sum + w, 0);
    expect(Math.abs(share('王') - 71 / total)).toBeLessThan(0.01);
    expect(share('王')).toBeGreaterThan(share('赵') * 2);
    const single = names.filter((n) => n.givenName.length === 1).length / names.length;
    expect(single).toBeGreaterThan(0.12);
    expect(single).toBeLessThan(0.25);
    expect(personName(rng, { gender: 'FEMALE' }).gender).toBe('FEMALE');
  });

  it('produces enterprise, shop and address strings in the expected shapes', () => {
    const rng = createRng('enterprises');
    for (let i = 0; i < 300; i++) {
      const e = enterpriseName(rng);
      expect(e.name).toMatch(/^深圳市[\u4e00-\u9fff]{2}[\u4e00-\u9fff]+(有限公司|股份有限公司|合伙企业（有限合伙）)$/);
      expect(e.name).toContain(e.tradeName + e.industry.label);
      const shop = individualBusinessName(rng, '龙岗区');
      expect(shop.name.startsWith('深圳市龙岗区')).toBe(true);
      expect(shop.name.endsWith(shop.trade.label)).toBe(true);
      const address = streetAddress(rng, { district: '大鹏新区', street: '南澳街道' });
      expect(address).toMatch(/^深圳市大鹏新区南澳街道[\u4e00-\u9fff]+(路|大道|街)\d{1,4}号$/);
    }
    expect(streetAddress(rng, { district: '福田区', street: '华强北街道' }, { withUnit: true })).toMatch(/号.+(栋|座)\d{3,4}室$/);
  });
});
