import { loadConfig } from '../../core/config';
import { CityCodeError } from '../../core/errors';
import { FeatureInput, featuresByCodes, upsertFeature, upsertFeatures } from '../../spatial/features';
import type { SqlStore as SqlStoreType } from '../../store/postgres';
import { SqlStore } from '../../store/postgres';
import {
  AreaSearchOptions,
  areaSquareMetres,
  assertValidGeometry,
  distanceBetween,
  distanceMetres,
  geometryProblem,
  inRegion,
  intersectingBbox,
  RowScope,
  SpatialPage,
  withinPolygon,
  withinRadius,
} from '../../spatial/queries';

/**
 * The spatial query layer against the real PostGIS. Fixture rows carry city codes that start
 * with this run's prefix ('9999' + 4 random digits) and lie in a cell picked per run far from
 * Shenzhen (lat 22.5°, lon 100-112°), so that the seed's data and other test runs do not match
 * the searches; afterAll deletes exactly the rows with the prefix.
 */

// ---------------------------------------------------------------------------------------------
// Independent geodesy on the WGS 84 ellipsoid (Vincenty 1975), to check PostGIS against
// ---------------------------------------------------------------------------------------------

const WGS84 = { a: 6378137, f: 1 / 298.257223563 };
const RAD = Math.PI / 180;

/** Geodesic distance in metres (Vincenty's inverse formula; converges for non-antipodal points). */
function vincentyInverse(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const { a, f } = WGS84;
  const b = a * (1 - f);
  const L = (lon2 - lon1) * RAD;
  const U1 = Math.atan((1 - f) * Math.tan(lat1 * RAD));
  const U2 = Math.atan((1 - f) * Math.tan(lat2 * RAD));
  const [sinU1, cosU1, sinU2, cosU2] = [Math.sin(U1), Math.cos(U1), Math.sin(U2), Math.cos(U2)];
  let lambda = L;
  let previous: number;
  let iterations = 0;
  let sinSigma: number, cosSigma: number, sigma: number, cos2Alpha: number, cos2SigmaM: number;
  do {
    const [sinL, cosL] = [Math.sin(lambda), Math.cos(lambda)];
    sinSigma = Math.sqrt((cosU2 * sinL) ** 2 + (cosU1 * sinU2 - sinU1 * cosU2 * cosL) ** 2);
    if (sinSigma === 0) return 0;
    cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
    sigma = Math.atan2(sinSigma, cosSigma);
    const sinAlpha = (cosU1 * cosU2 * sinL) / sinSigma;
    cos2Alpha = 1 - sinAlpha ** 2;
    cos2SigmaM = cos2Alpha !== 0 ? cosSigma - (2 * sinU1 * sinU2) / cos2Alpha : 0;
    const C = (f / 16) * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
    previous = lambda;
    lambda = L + (1 - C) * f * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM ** 2)));
  } while (Math.abs(lambda - previous) > 1e-13 && ++iterations < 200);
  const u2 = (cos2Alpha * (a * a - b * b)) / (b * b);
  const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const B = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  const deltaSigma =
    B *
    sinSigma *
    (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM ** 2) - (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma ** 2) * (-3 + 4 * cos2SigmaM ** 2)));
  return b * A * (sigma - deltaSigma);
}

/** The point `s` metres from (lon1, lat1) along azimuth `azimuthDeg` (Vincenty's direct formula). */
function vincentyDirect(lon1: number, lat1: number, azimuthDeg: number, s: number): [number, number] {
  const { a, f } = WGS84;
  const b = a * (1 - f);
  const alpha1 = azimuthDeg * RAD;
  const [sinAlpha1, cosAlpha1] = [Math.sin(alpha1), Math.cos(alpha1)];
  const tanU1 = (1 - f) * Math.tan(lat1 * RAD);
  const cosU1 = 1 / Math.sqrt(1 + tanU1 * tanU1);
  const sinU1 = tanU1 * cosU1;
  const sigma1 = Math.atan2(tanU1, cosAlpha1);
  const sinAlpha = cosU1 * sinAlpha1;
  const cos2Alpha = 1 - sinAlpha ** 2;
  const u2 = (cos2Alpha * (a * a - b * b)) / (b * b);
  const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const B = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  let sigma = s / (b * A);
  let previous: number;
  let cos2SigmaM: number, sinSigma: number, cosSigma: number;
  do {
    cos2SigmaM = Math.cos(2 * sigma1 + sigma);
    sinSigma = Math.sin(sigma);
    cosSigma = Math.cos(sigma);
    const deltaSigma =
      B *
      sinSigma *
      (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM ** 2) - (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma ** 2) * (-3 + 4 * cos2SigmaM ** 2)));
    previous = sigma;
    sigma = s / (b * A) + deltaSigma;
  } while (Math.abs(sigma - previous) > 1e-13);
  cos2SigmaM = Math.cos(2 * sigma1 + sigma);
  sinSigma = Math.sin(sigma);
  cosSigma = Math.cos(sigma);
  const x = sinU1 * sinSigma - cosU1 * cosSigma * cosAlpha1;
  const lat2 = Math.atan2(sinU1 * cosSigma + cosU1 * sinSigma * cosAlpha1, (1 - f) * Math.sqrt(sinAlpha ** 2 + x * x));
  const lambda = Math.atan2(sinSigma * sinAlpha1, cosU1 * cosSigma - sinU1 * sinSigma * cosAlpha1);
  const C = (f / 16) * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
  const L = lambda - (1 - C) * f * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM ** 2)));
  return [lon1 + L / RAD, lat2 / RAD];
}

/** Exact ellipsoidal area of a box bounded by two meridians and two parallels, m². */
function graticuleArea([minLon, minLat, maxLon, maxLat]: number[]): number {
  const { a, f } = WGS84;
  const e2 = f * (2 - f);
  const e = Math.sqrt(e2);
  const q = (lat: number) => {
    const s = Math.sin(lat * RAD);
    return (1 - e2) * (s / (1 - e2 * s * s) - (1 / (2 * e)) * Math.log((1 - e * s) / (1 + e * s)));
  };
  return ((a * a) / 2) * (maxLon - minLon) * RAD * (q(maxLat) - q(minLat));
}

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

const PREFIX = `9999${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
const code = (n: number) => `${PREFIX}${String(n).padStart(14, '0')}`;
const REGION = code(90_000_000_000_001);
const POINT_REGION = code(90_000_000_000_002);
/** This run's cell: lat 22.5°, one of 48 longitudes between 100° and 112°. */
const LON0 = 100.125 + Math.floor(Math.random() * 48) * 0.25;
const LAT0 = 22.5;
const BULK_LAT0 = 23.5;

/** Deterministic PRNG (mulberry32) so that every run has the same fixture shapes. */
function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (v: number) => Math.round(v * 1e7) / 1e7;

function square(lon: number, lat: number, half: number): number[][] {
  return [
    [lon - half, lat - half],
    [lon + half, lat - half],
    [lon + half, lat + half],
    [lon - half, lat + half],
    [lon - half, lat - half],
  ].map(([x, y]) => [round(x), round(y)]);
}

const KINDS = ['BUILDING', 'DEVICE', 'PARKING_SPACE', 'PIPE'] as const;
const DISTRICTS = ['999901', '999902', '999903'];

function fixtureFeatures(): FeatureInput[] {
  const next = rng(20260101);
  const features: FeatureInput[] = [];
  for (let i = 1; i <= 240; i++) {
    const kind = KINDS[i % 4];
    const lon = LON0 + (next() - 0.5) * 0.04;
    const lat = LAT0 + (next() - 0.5) * 0.04;
    const geometry =
      kind === 'BUILDING'
        ? { type: 'Polygon', coordinates: [square(lon, lat, 0.00015 + next() * 0.00025)] }
        : kind === 'PARKING_SPACE'
          ? { type: 'Polygon', coordinates: [square(lon, lat, 0.00005)] }
          : kind === 'DEVICE'
            ? { type: 'Point', coordinates: [round(lon), round(lat)] }
            : {
                type: 'LineString',
                coordinates: [
                  [round(lon), round(lat)],
                  [round(lon + 0.002), round(lat + (next() - 0.5) * 0.002)],
                  [round(lon + 0.003), round(lat + 0.001)],
                ],
              };
    const r = next();
    const district = DISTRICTS[Math.floor(next() * 3)];
    const street = next() < 0.6 ? `${district}00${1 + Math.floor(next() * 2)}` : null;
    const community = street && next() < 0.5 ? `${street}001` : null;
    features.push({
      cityCode: code(i),
      kind,
      geometry,
      heightM: kind === 'BUILDING' ? Math.round(next() * 100) : null,
      source: 'spatial.test',
      ...(r < 0.1 ? {} : { districtCode: district, streetCode: street, communityCode: community }),
    });
  }
  // An irregular region (~2.6 km across) and a region stored as a point only.
  const ring = [0, 60, 140, 200, 270, 330, 360].map((deg, k) => {
    const radius = [0.012, 0.01, 0.013, 0.008, 0.011, 0.012, 0.012][k];
    return [round(LON0 + radius * Math.cos(deg * RAD)), round(LAT0 + radius * Math.sin(deg * RAD))];
  });
  ring[ring.length - 1] = ring[0];
  features.push({ cityCode: REGION, kind: 'DISTRICT', geometry: { type: 'Polygon', coordinates: [ring] }, districtCode: '999901' });
  features.push({ cityCode: POINT_REGION, kind: 'COMMUNITY', geometry: { type: 'Point', coordinates: [LON0, LAT0] } });
  return features;
}

/** Records the statements a SqlStore sends (same store underneath). */
function recording(sql: SqlStoreType): { store: SqlStoreType; calls: { text: string; params: unknown[] }[] } {
  const calls: { text: string; params: unknown[] }[] = [];
  const store = new Proxy(sql, {
    get(target, prop, receiver) {
      // Both doors: read-only searches go through readQuery (the read pool, docs/scaling.md).
      if (prop === 'query' || prop === 'readQuery') {
        return (text: string, params: unknown[] = []) => {
          calls.push({ text, params });
          return target[prop](text, params);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { store, calls };
}

type Search = (opts: AreaSearchOptions) => Promise<SpatialPage>;

/** Follows the cursor to the end; checks totals and hasNextPage on every page. */
async function allPages(search: Search, opts: Omit<AreaSearchOptions, 'first' | 'after'>, first: number, expected: string[]) {
  const codes: string[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await search({ ...opts, first, after });
    pages += 1;
    expect(page.totalCount).toBe(expected.length);
    expect(page.codes.length).toBeLessThanOrEqual(first);
    codes.push(...page.codes);
    expect(page.hasNextPage).toBe(codes.length < expected.length);
    if (!page.hasNextPage) break;
    expect(page.codes).toHaveLength(first);
    after = page.codes[page.codes.length - 1];
    if (pages > 1000) throw new Error('paging does not end');
  }
  expect(codes).toEqual(expected);
  expect(pages).toBe(Math.max(1, Math.ceil(expected.length / first)));
}

/** Raw filter of the test, written independently of the module: kinds and row scope. */
const RAW_FILTER = `($KINDS::text[] IS NULL OR kind = ANY($KINDS::text[]))
   AND ($SCOPED::boolean IS FALSE OR district_code = ANY($DISTRICTS::text[]) OR street_code = ANY($STREETS::text[]))`;

function rawFilter(from: number, opts: { kinds?: string[]; scope?: RowScope }): { sql: string; params: unknown[] } {
  const sql = RAW_FILTER.replace(/\$KINDS/g, `$${from}`)
    .replace(/\$SCOPED/g, `$${from + 1}`)
    .replace(/\$DISTRICTS/g, `$${from + 2}`)
    .replace(/\$STREETS/g, `$${from + 3}`);
  return {
    sql,
    params: [opts.kinds ?? null, opts.scope !== undefined, opts.scope?.districtCodes ?? [], opts.scope?.streetCodes ?? []],
  };
}

const FILTERS: { name: string; kinds?: string[]; scope?: RowScope; after?: string }[] = [
  { name: 'no filter' },
  { name: 'kinds BUILDING + PARKING_SPACE', kinds: ['BUILDING', 'PARKING_SPACE'] },
  { name: 'scope: one district', scope: { districtCodes: ['999901'] } },
  { name: 'scope: two streets', scope: { streetCodes: ['999902001', '999903002'] } },
  { name: 'scope: a district or a street, kinds DEVICE + PIPE', scope: { districtCodes: ['999903'], streetCodes: ['999901001'] }, kinds: ['DEVICE', 'PIPE'] },
  { name: 'scope {} (nothing visible)', scope: {} },
  { name: 'scope with empty lists (nothing visible)', scope: { districtCodes: [], streetCodes: [] } },
  { name: 'kinds [] (nothing)', kinds: [] },
];

describe('spatial query layer (real PostGIS)', () => {
  let sql: SqlStore;

  beforeAll(async () => {
    sql = new SqlStore(loadConfig().postgres);
    const summary = await upsertFeatures(sql, fixtureFeatures());
    expect(summary).toEqual({ inserted: 242, updated: 0, unchanged: 0 });
  });

  afterAll(async () => {
    await sql.query('DELETE FROM spatial_feature WHERE left(city_code, 8) = $1', [PREFIX]);
    await sql.close();
  });

  describe('(a) distances', () => {
    it('Shenzhen Civic Center → Bao’an airport T3 agrees with Vincenty on WGS 84 (CGCS2000 differs by far less than a millimetre)', async () => {
      const civic = { lon: 114.059, lat: 22.5453 };
      const t3 = { lon: 113.8145, lat: 22.624 };
      const reference = vincentyInverse(civic.lon, civic.lat, t3.lon, t3.lat);
      const measured = await distanceBetween(sql, civic, t3);
      expect(reference).toBeGreaterThan(26_000);
      expect(reference).toBeLessThan(27_000);
      expect(Math.abs(measured - reference) / reference).toBeLessThan(0.005);
      expect(Math.abs(measured - reference)).toBeLessThan(0.001); // well under a millimetre in fact
      expect(await distanceBetween(sql, t3, civic)).toBeCloseTo(measured, 6);
    });

    it('a 1 km north-south segment measures 1000 m', async () => {
      const start = { lon: 114.05, lat: 22.54 };
      const [lon, lat] = vincentyDirect(start.lon, start.lat, 0, 1000);
      expect(lon).toBeCloseTo(114.05, 12);
      expect(vincentyInverse(start.lon, start.lat, lon, lat)).toBeCloseTo(1000, 6);
      const measured = await distanceBetween(sql, start, { lon, lat });
      expect(Math.abs(measured - 1000) / 1000).toBeLessThan(0.005);
      expect(Math.abs(measured - 1000)).toBeLessThan(0.001);
    });

    it('a 1 km east-west segment measures 1000 m too (geodesic, not the parallel)', async () => {
      const [lon, lat] = vincentyDirect(114.05, 22.54, 90, 1000);
      expect(Math.abs((await distanceBetween(sql, { lon: 114.05, lat: 22.54 }, { lon, lat })) - 1000)).toBeLessThan(0.001);
    });

    it('distanceMetres between two stored features; null when a code has no geometry', async () => {
      const features = fixtureFeatures();
      const [a, b] = [features[0], features[4]]; // DEVICE points (i = 1 and i = 5)
      expect([a.kind, b.kind]).toEqual(['DEVICE', 'DEVICE']);
      const [lonA, latA] = a.geometry.coordinates as number[];
      const [lonB, latB] = b.geometry.coordinates as number[];
      const d = await distanceMetres(sql, a.cityCode, b.cityCode);
      expect(d).not.toBeNull();
      expect(Math.abs(d! - vincentyInverse(lonA, latA, lonB, latB))).toBeLessThan(0.001);
      expect(await distanceMetres(sql, a.cityCode, code(99_999_999))).toBeNull();
      expect(await distanceMetres(sql, a.cityCode, a.cityCode)).toBe(0);
    });

    it('rejects positions out of range before querying', async () => {
      await expect(distanceBetween(sql, { lon: 22.5, lat: 114 }, { lon: 114, lat: 22.5 })).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', argument: 'a', reason: 'a: latitude 114 is outside [-90, 90] (GeoJSON positions are [longitude, latitude]: swapped?)' },
      });
    });
  });

  describe('(b) areas', () => {
    const box = [114.0, 22.5, 114.01, 22.51];
    const boxCode = code(80_000_000_000_001);

    beforeAll(async () => {
      await upsertFeature(sql, {
        cityCode: boxCode,
        kind: 'BUILDING',
        geometry: { type: 'Polygon', coordinates: [square(114.005, 22.505, 0.005)] },
        heightM: 10,
      });
    });

    it('a 0.01° × 0.01° square at 22.5°N has its exact ellipsoidal area (about 1.14 km²)', async () => {
      const reference = graticuleArea(box);
      expect(reference).toBeGreaterThan(1_130_000);
      expect(reference).toBeLessThan(1_150_000);
      const measured = await areaSquareMetres(sql, boxCode);
      expect(Math.abs(measured! - reference) / reference).toBeLessThan(0.005);
      // edges are geodesics in PostGIS and parallels in the formula: 1e-5 apart for a 1 km box
      expect(Math.abs(measured! - reference) / reference).toBeLessThan(0.0001);
    });

    it('a point has no area and an unknown code none at all', async () => {
      expect(await areaSquareMetres(sql, code(1))).toBe(0);
      expect(await areaSquareMetres(sql, code(99_999_999))).toBeNull();
    });
  });

  describe('(c) searches return exactly what the raw PostGIS predicate returns', () => {
    const polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [LON0 - 0.015, LAT0 - 0.015],
          [LON0 + 0.012, LAT0 - 0.015],
          [LON0 + 0.012, LAT0 - 0.002],
          [LON0 - 0.002, LAT0 - 0.002],
          [LON0 - 0.002, LAT0 + 0.014],
          [LON0 - 0.015, LAT0 + 0.014],
          [LON0 - 0.015, LAT0 - 0.015],
        ].map(([x, y]) => [round(x), round(y)]),
      ],
    };
    const center = { lon: round(LON0 + 0.003), lat: round(LAT0 - 0.002) };
    const radiusM = 1500;
    const bbox: [number, number, number, number] = [round(LON0 - 0.01), 22.49, round(LON0 + 0.015), 22.51];

    async function raw(predicate: string, params: unknown[], opts: { kinds?: string[]; scope?: RowScope; after?: string }): Promise<string[]> {
      const filter = rawFilter(params.length + 1, opts);
      const after = opts.after ? ` AND city_code > $${params.length + 5}` : '';
      const rows = await sql.query<{ city_code: string }>(
        `SELECT city_code FROM spatial_feature WHERE ${predicate} AND ${filter.sql}${after} ORDER BY city_code`,
        [...params, ...filter.params, ...(opts.after ? [opts.after] : [])],
      );
      return rows.map((r) => r.city_code);
    }

    interface SearchCase {
      name: string;
      run: (store: SqlStoreType, o: AreaSearchOptions) => Promise<SpatialPage>;
      raw: (o: (typeof FILTERS)[number]) => Promise<string[]>;
    }

    const searches: SearchCase[] = [
      {
        name: 'withinPolygon (intersects)',
        run: (store, o) => withinPolygon(store, polygon, o),
        raw: (o) => raw('ST_Intersects(geom, ST_GeomFromGeoJSON($1))', [JSON.stringify({ ...polygon, crs: { type: 'name', properties: { name: 'EPSG:4490' } } })], o),
      },
      {
        name: 'withinPolygon (coveredBy)',
        run: (store, o) => withinPolygon(store, polygon, { ...o, match: 'coveredBy' }),
        raw: (o) => raw('ST_Within(geom, ST_SetSRID(ST_GeomFromGeoJSON($1), 4490))', [JSON.stringify(polygon)], o),
      },
      {
        name: 'withinRadius',
        run: (store, o) => withinRadius(store, center, radiusM, o),
        // no index, distance compared directly: an independent formulation of "within"
        raw: (o) => raw('ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4490)::geography) <= $3', [center.lon, center.lat, radiusM], o),
      },
      {
        name: 'inRegion (intersects)',
        run: (store, o) => inRegion(store, REGION, o),
        raw: (o) => raw('ST_Intersects(geom, (SELECT geom FROM spatial_feature WHERE city_code = $1)) AND city_code <> $1', [REGION], o),
      },
      {
        name: 'inRegion (coveredBy)',
        run: (store, o) => inRegion(store, REGION, { ...o, match: 'coveredBy' }),
        raw: (o) => raw('ST_CoveredBy(geom, (SELECT geom FROM spatial_feature WHERE city_code = $1)) AND city_code <> $1', [REGION], o),
      },
      {
        name: 'intersectingBbox',
        run: (store, o) => intersectingBbox(store, bbox, o),
        raw: (o) =>
          raw(
            `ST_Intersects(geom, ST_GeomFromText(format('POLYGON((%s %s, %s %s, %s %s, %s %s, %s %s))', $1::float8, $2::float8, $3::float8, $2::float8, $3::float8, $4::float8, $1::float8, $4::float8, $1::float8, $2::float8), 4490))`,
            bbox,
            o,
          ),
      },
    ];

    describe.each(searches)('$name', ({ run, raw: rawOf }) => {
      const search: Search = (o) => run(sql, o);

      it('matches a meaningful share of the fixture', async () => {
        const all = await rawOf({ name: 'all' });
        expect(all.length).toBeGreaterThan(15);
        expect(all.length).toBeLessThan(243);
        expect(all.every((c) => c.startsWith(PREFIX))).toBe(true);
      });

      it.each(FILTERS)('$name: same codes, same order, exact totals over every page', async (f) => {
        const expected = await rawOf(f);
        if (f.name.includes('nothing')) expect(expected).toEqual([]);
        else expect(expected.length).toBeGreaterThan(1);
        const opts = { kinds: f.kinds, scope: f.scope };
        await allPages(search, opts, 7, expected);
        await allPages(search, opts, 500, expected);
        const countOnly = await search({ ...opts, first: 0 });
        expect(countOnly).toEqual({ codes: [], totalCount: expected.length, hasNextPage: expected.length > 0 });
      });

      it('a cursor that is not itself a result still pages by code (keyset)', async () => {
        const all = await rawOf({ name: 'all' });
        const k = Math.floor(all.length / 2);
        const after = `${all[k - 1]}5`; // sorts after all[k - 1] and before all[k]
        const expected = await rawOf({ name: 'after', after });
        expect(expected[0]).toBe(all[k]);
        expect(expected).toHaveLength(all.length - k);
        const page = await search({ first: 500, after });
        expect(page.codes).toEqual(expected);
        expect(page.totalCount).toBe(all.length); // the total is of the whole search, not of the rest
        expect(page.hasNextPage).toBe(false);
      });

      it('each call is ONE statement (count and page together)', async () => {
        const { store, calls } = recording(sql);
        const page = await run(store, { first: 5, kinds: ['BUILDING', 'DEVICE'] });
        expect(calls).toHaveLength(1);
        expect(page.totalCount).toBeGreaterThan(0);
      });
    });

    it('withinRadius agrees with Vincenty for the DEVICE points (an independent check of "within")', async () => {
      const devices = fixtureFeatures().filter((f) => f.kind === 'DEVICE');
      const expected = devices
        .filter((f) => {
          const [lon, lat] = f.geometry.coordinates as number[];
          return vincentyInverse(center.lon, center.lat, lon, lat) <= radiusM;
        })
        .map((f) => f.cityCode)
        .sort();
      const margin = devices.filter((f) => {
        const [lon, lat] = f.geometry.coordinates as number[];
        return Math.abs(vincentyInverse(center.lon, center.lat, lon, lat) - radiusM) < 0.01;
      });
      expect(margin).toEqual([]); // no point sits within 1 cm of the circle
      expect(expected.length).toBeGreaterThan(3);
      const page = await withinRadius(sql, center, radiusM, { kinds: ['DEVICE'], first: 500 });
      expect(page.codes).toEqual(expected);
    });

    it('inRegion leaves out the region itself and other regions only by the kinds filter', async () => {
      const page = await inRegion(sql, REGION, { first: 500 });
      expect(page.codes).not.toContain(REGION);
      expect(page.codes).toContain(POINT_REGION); // the point region lies inside the polygon region
      const objects = await inRegion(sql, REGION, { first: 500, kinds: ['BUILDING', 'DEVICE', 'PARKING_SPACE', 'PIPE'] });
      expect(objects.codes).not.toContain(POINT_REGION);
      expect(objects.totalCount).toBe(page.totalCount - 1);
    });
  });

  describe('(d) invalid input', () => {
    const bowTie = {
      type: 'Polygon',
      coordinates: [
        [
          [114.05, 22.54],
          [114.06, 22.55],
          [114.06, 22.54],
          [114.05, 22.55],
          [114.05, 22.54],
        ],
      ],
    };

    it('geometryProblem reports the self-intersection of a bow-tie polygon and where it is', async () => {
      expect(await geometryProblem(sql, bowTie)).toBe('Self-intersection[114.055 22.545]');
      expect(await geometryProblem(sql, JSON.stringify(bowTie))).toBe('Self-intersection[114.055 22.545]');
      expect(await geometryProblem(sql, { type: 'Polygon', coordinates: [square(114.05, 22.54, 0.01)] })).toBeNull();
      expect(await geometryProblem(sql, { type: 'Point', coordinates: [114.05, 22.54] })).toBeNull();
    });

    it('geometryProblem reports other invalid shapes and GeoJSON PostGIS cannot read', async () => {
      const holeOutside = {
        type: 'Polygon',
        coordinates: [square(114.05, 22.54, 0.001), square(114.06, 22.54, 0.0005)],
      };
      expect(await geometryProblem(sql, holeOutside)).toMatch(/^Hole lies outside shell\[/);
      expect(await geometryProblem(sql, 'not json')).toMatch(/^GeoJSON rejected by PostGIS: /);
      expect(await geometryProblem(sql, { type: 'Circle', coordinates: [114, 22] })).toMatch(/^GeoJSON rejected by PostGIS: /);
    });

    it('withinPolygon turns a bow-tie into BAD_USER_INPUT with the reason and a hint, in its one statement', async () => {
      const { store, calls } = recording(sql);
      const err = await withinPolygon(store, bowTie, { first: 10 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CityCodeError);
      expect(err).toMatchObject({
        message: 'Invalid polygon: Self-intersection[114.055 22.545]',
        extensions: { code: 'BAD_USER_INPUT', argument: 'polygon', reason: 'Self-intersection[114.055 22.545]' },
      });
      expect((err as CityCodeError).extensions.hint).toMatch(/bow-tie/);
      expect(calls).toHaveLength(1);
      await expect(assertValidGeometry(sql, bowTie, { argument: 'area' })).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', argument: 'area', reason: 'Self-intersection[114.055 22.545]' },
      });
    });

    it('invalid GeoJSON and out-of-limit arguments are rejected with their reason before any query', async () => {
      const { store, calls } = recording(sql);
      const open = { type: 'Polygon', coordinates: [square(114.05, 22.54, 0.01).slice(0, 4)] };
      await expect(withinPolygon(store, open, { first: 10 })).rejects.toMatchObject({
        extensions: {
          code: 'BAD_USER_INPUT',
          reason: 'coordinates[0]: linear ring is not closed; its last position [114.04, 22.55] must equal its first [114.04, 22.53]',
        },
      });
      await expect(withinPolygon(store, { type: 'Point', coordinates: [114, 22] }, { first: 10 })).rejects.toMatchObject({
        extensions: { reason: 'Point is not accepted here; expected Polygon or MultiPolygon' },
      });
      await expect(withinPolygon(store, { type: 'Polygon', coordinates: [square(114.3, 22.6, 0.3)] }, { first: 10 })).rejects.toMatchObject({
        extensions: { argument: 'polygon', limit: 2500 },
      });
      await expect(withinRadius(store, { lon: 114, lat: 22.5 }, 5001, { first: 10 })).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', reason: 'radiusM 5001 m exceeds the maximum of 5000 m' },
      });
      await expect(intersectingBbox(store, [114.1, 22.5, 114.0, 22.6], { first: 10 })).rejects.toMatchObject({
        extensions: { reason: 'bbox minLon 114.1 must be less than maxLon 114' },
      });
      await expect(intersectingBbox(store, [113, 22, 115, 23], { first: 10 })).rejects.toMatchObject({
        extensions: { limit: 2500 },
      });
      await expect(intersectingBbox(store, [114, 22.5, 114.1, 22.6], { first: 501 })).rejects.toMatchObject({
        extensions: { reason: 'first must be an integer from 0 to 500, got 501' },
      });
      await expect(withinRadius(store, { lon: 114, lat: 22.5 }, 100, { first: 10, kinds: 'BUILDING' as unknown as string[] })).rejects.toMatchObject({
        extensions: { argument: 'kinds' },
      });
      expect(calls).toHaveLength(0);
    });

    it('inRegion: NOT_FOUND for a code without geometry, BAD_USER_INPUT for a region without a boundary', async () => {
      await expect(inRegion(sql, code(99_999_999), { first: 10 })).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND', argument: 'region', regionCode: code(99_999_999) } });
      await expect(inRegion(sql, POINT_REGION, { first: 10 })).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', reason: `region ${POINT_REGION} has no boundary: its geometry is a POINT` },
      });
    });
  });

  describe('writes', () => {
    const w = (n: number) => code(70_000_000_000_000 + n);
    const at = (i: number) => ({ type: 'Point', coordinates: [round(LON0 + 0.05 + i * 0.0001), LAT0] });

    it('upsertFeatures writes many rows in one statement, reports inserted / updated / unchanged and keeps updated_at of unchanged rows', async () => {
      const { store, calls } = recording(sql);
      const batch: FeatureInput[] = [1, 2, 3].map((i) => ({ cityCode: w(i), kind: 'DEVICE', geometry: at(i), communityCode: '999902001001' }));
      expect(await upsertFeatures(store, batch)).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
      expect(calls).toHaveLength(1);
      const before = await sql.query<{ city_code: string; updated_at: Date }>(
        'SELECT city_code, updated_at FROM spatial_feature WHERE city_code = ANY($1) ORDER BY city_code',
        [[w(1), w(2), w(3)]],
      );
      batch[1] = { ...batch[1], heightM: 3 };
      expect(await upsertFeatures(sql, batch)).toEqual({ inserted: 0, updated: 1, unchanged: 2 });
      const after = await sql.query<{ city_code: string; updated_at: Date }>(
        'SELECT city_code, updated_at FROM spatial_feature WHERE city_code = ANY($1) ORDER BY city_code',
        [[w(1), w(2), w(3)]],
      );
      expect(after[0].updated_at).toEqual(before[0].updated_at);
      expect(after[1].updated_at.getTime()).toBeGreaterThan(before[1].updated_at.getTime());
      const [f] = await featuresByCodes(sql, [w(2)]);
      expect(f).toEqual({
        cityCode: w(2),
        kind: 'DEVICE',
        geometry: at(2),
        heightM: 3,
        baseM: null,
        districtCode: '999902',
        streetCode: '999902001',
        communityCode: '999902001001',
      });
    });

    it('a batch with one self-intersecting polygon writes nothing and names the code', async () => {
      const bowTie = {
        type: 'Polygon',
        coordinates: [
          [
            [LON0, LAT0 + 0.05],
            [LON0 + 0.001, LAT0 + 0.051],
            [LON0 + 0.001, LAT0 + 0.05],
            [LON0, LAT0 + 0.051],
            [LON0, LAT0 + 0.05],
          ],
        ],
      };
      const batch: FeatureInput[] = [
        { cityCode: w(10), kind: 'DEVICE', geometry: at(10) },
        { cityCode: w(11), kind: 'BUILDING', geometry: bowTie },
      ];
      await expect(upsertFeatures(sql, batch)).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', cityCodes: [w(11)] },
        message: expect.stringMatching(new RegExp(`^Invalid geometry \\(nothing was written\\): ${w(11)}: Self-intersection\\[`)),
      });
      expect(await featuresByCodes(sql, [w(10), w(11)])).toEqual([]);
    });

    it('invalid input is rejected before writing: GeoJSON, scope codes, heights', async () => {
      const ok = { cityCode: w(20), kind: 'DEVICE', geometry: at(20) };
      await expect(upsertFeatures(sql, [ok, { ...ok, cityCode: w(21), geometry: { type: 'Point', coordinates: [114] } }])).rejects.toMatchObject({
        extensions: {
          code: 'BAD_USER_INPUT',
          reason: `feature 1 (${w(21)}): coordinates must have 2 or 3 numbers [longitude, latitude(, height)], got 1`,
        },
      });
      await expect(upsertFeatures(sql, [{ ...ok, districtCode: '440307', streetCode: '440307009' }])).rejects.toMatchObject({
        extensions: { reason: `feature 0 (${w(20)}): street 440307009 belongs to district-level area 440399, not 440307` },
      });
      await expect(upsertFeatures(sql, [{ ...ok, heightM: -1 }])).rejects.toMatchObject({
        extensions: { reason: `feature 0 (${w(20)}): heightM must be a finite number ≥ 0, got -1` },
      });
      expect(await featuresByCodes(sql, [w(20), w(21)])).toEqual([]);
    });

    it('a code given twice: the last wins; a third coordinate is dropped (heights live in height_m / base_m)', async () => {
      const summary = await upsertFeatures(sql, [
        { cityCode: w(30), kind: 'DEVICE', geometry: at(30) },
        { cityCode: w(30), kind: 'CAMERA', geometry: { type: 'Point', coordinates: [LON0 + 0.06, LAT0, 12.5] }, baseM: 12.5 },
      ]);
      expect(summary).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
      const [f] = await featuresByCodes(sql, [w(30)]);
      expect(f).toMatchObject({ kind: 'CAMERA', geometry: { type: 'Point', coordinates: [LON0 + 0.06, LAT0] }, baseM: 12.5 });
    });

    it('upsertFeature (one row) still inserts and replaces', async () => {
      await upsertFeature(sql, { cityCode: w(40), kind: 'DEVICE', geometry: at(40), heightM: 1, source: 'a' });
      await upsertFeature(sql, { cityCode: w(40), kind: 'DEVICE', geometry: at(41), heightM: 2, source: 'b', streetCode: '999901002' });
      const [f] = await featuresByCodes(sql, [w(40)]);
      expect(f).toMatchObject({ geometry: at(41), heightM: 2, districtCode: '999901', streetCode: '999901002', communityCode: null });
      const [row] = await sql.query<{ source: string }>('SELECT source FROM spatial_feature WHERE city_code = $1', [w(40)]);
      expect(row.source).toBe('b');
    });
  });

  describe('index use on 30,000 rows (EXPLAIN of the statements the module sends)', () => {
    const BULK = 30_000;
    const bulkCode = (n: number) => code(50_000_000_000_000 + n);
    const bulkRegion = code(50_900_000_000_000);

    beforeAll(async () => {
      const next = rng(7);
      const features: FeatureInput[] = [];
      for (let i = 0; i < BULK; i++) {
        const lon = LON0 + (next() - 0.5) * 0.4;
        const lat = BULK_LAT0 + (next() - 0.5) * 0.4;
        features.push({
          cityCode: bulkCode(i),
          kind: KINDS[i % 3],
          geometry: i % 3 === 0 ? { type: 'Polygon', coordinates: [square(lon, lat, 0.0002)] } : { type: 'Point', coordinates: [round(lon), round(lat)] },
          districtCode: DISTRICTS[i % 3],
        });
      }
      features.push({ cityCode: bulkRegion, kind: 'DISTRICT', geometry: { type: 'Polygon', coordinates: [square(LON0, BULK_LAT0, 0.01)] } });
      const started = Date.now();
      expect(await upsertFeatures(sql, features)).toEqual({ inserted: BULK + 1, updated: 0, unchanged: 0 });
      const seconds = (Date.now() - started) / 1000;
      expect(seconds).toBeLessThan(60);
      expect(await upsertFeatures(sql, features)).toEqual({ inserted: 0, updated: 0, unchanged: BULK + 1 });
      await sql.query('ANALYZE spatial_feature');
    });

    interface PlanNode {
      'Node Type': string;
      'Index Name'?: string;
      'Relation Name'?: string;
      Plans?: PlanNode[];
    }

    function nodes(plan: PlanNode): PlanNode[] {
      return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
    }

    async function planOf(run: (store: SqlStoreType) => Promise<SpatialPage>): Promise<PlanNode[]> {
      const { store, calls } = recording(sql);
      const page = await run(store);
      expect(page.totalCount).toBeGreaterThan(0);
      expect(calls).toHaveLength(1);
      const [row] = await sql.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (FORMAT JSON) ${calls[0].text}`, calls[0].params);
      return nodes(row['QUERY PLAN'][0].Plan);
    }

    const seqScans = (plan: PlanNode[]) => plan.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'spatial_feature');
    const indexes = (plan: PlanNode[]) => plan.map((n) => n['Index Name']).filter(Boolean);

    it('withinRadius uses the geography GiST index', async () => {
      const plan = await planOf((s) => withinRadius(s, { lon: LON0, lat: BULK_LAT0 }, 1000, { first: 50 }));
      expect(indexes(plan)).toContain('spatial_feature_geog_gist');
      expect(seqScans(plan)).toEqual([]);
    });

    it('intersectingBbox, withinPolygon and inRegion use the geometry GiST index', async () => {
      const bboxPlan = await planOf((s) => intersectingBbox(s, [LON0 - 0.01, BULK_LAT0 - 0.01, LON0 + 0.01, BULK_LAT0 + 0.01], { first: 50 }));
      const polygonPlan = await planOf((s) =>
        withinPolygon(s, { type: 'Polygon', coordinates: [square(LON0, BULK_LAT0, 0.01)] }, { first: 50, kinds: ['BUILDING'] }),
      );
      const regionPlan = await planOf((s) => inRegion(s, bulkRegion, { first: 50, scope: { districtCodes: ['999901'] } }));
      for (const plan of [bboxPlan, polygonPlan, regionPlan]) {
        expect(indexes(plan)).toContain('spatial_feature_geom_gist');
        expect(seqScans(plan)).toEqual([]);
      }
    });
  });
});
