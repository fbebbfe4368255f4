import { Readable } from 'node:stream';
import { collect, liveClient } from '../support/live';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * 物联感知 against the real services: devices registered from the graph; readings written over HTTP
 * (a JSON batch and an NDJSON stream) by the owning department only, each bad reading refused with
 * its index, code and hint and the rest kept, a batch sent twice stored once; daily partitions by
 * pg_partman with the retention rule; GraphQL series, latest per device and aggregates per
 * building / community / district equal to what SQL computes directly over the raw rows; the gate
 * decides per row (a district officer reads readings in the district only); threshold alerts over
 * graphql-ws, released per subscriber.
 */
type Json = Record<string, unknown>;
let api: TestApi;
const tokens = new Map<string, string>();
async function token(user: string): Promise<string> {
  if (!tokens.has(user)) tokens.set(user, await tokenFor(user));
  return tokens.get(user)!;
}
async function as(user: string | null, query: string, variables: Json = {}, purpose?: string) {
  const auth = user ? bearer(await token(user)) : {};
  return gql<Json>(api.url, query, variables, { ...auth, ...(purpose ? { 'x-purpose': purpose } : {}) });
}
async function post(user: string | null, body: string, type = 'application/json'): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { 'content-type': type };
  if (user) headers.authorization = `Bearer ${await token(user)}`;
  const res = await fetch(`${api.url}/iot/readings`, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json()) as Json };
}

interface Device {
  code: string;
  deviceCode: string;
  building: string;
  district: string;
  community: string;
}
let futian: Device[] = [];
let nanshan: Device;
/** Readings start at the top of an hour between 3 hours and 25 days ago (a run of its own), every 10 minutes. */
const base = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - (3 + Math.floor(Math.random() * 600)) * 3_600_000);
const at = (minutes: number) => new Date(base.getTime() + minutes * 60_000).toISOString();

beforeAll(async () => {
  api = await startTestApi();
  const rows = await api.stores.sql.query<{ city_code: string; device_code: string; building_code: string; district_code: string; community_code: string; n: number }>(
    `SELECT d.city_code, d.device_code, d.building_code, d.district_code, d.community_code, count(*) OVER (PARTITION BY d.building_code)::int AS n
       FROM iot_device d WHERE d.building_code IS NOT NULL AND d.district_code IN ('440304', '440305') ORDER BY n DESC, d.city_code`,
  );
  const toDevice = (r: (typeof rows)[number]): Device => ({ code: r.city_code, deviceCode: r.device_code, building: r.building_code, district: r.district_code, community: r.community_code });
  const first = rows.find((r) => r.district_code === '440304' && r.n >= 2)!;
  futian = rows.filter((r) => r.building_code === first.building_code).slice(0, 3).map(toDevice);
  nanshan = toDevice(rows.find((r) => r.district_code === '440305')!);
  expect(futian.length).toBeGreaterThanOrEqual(2);
});
afterAll(async () => {
  await api.close();
});

describe('devices and the store', () => {
  it('registers every DEVICE object of the graph with its building and regions', async () => {
    const [g] = await api.stores.graph.read<{ n: number }>(`MATCH (d:CityObject {objectKind: 'DEVICE'}) WHERE d.deviceCode IS NOT NULL RETURN count(d) AS n`);
    const [s] = await api.stores.sql.query<{ n: number; placed: number }>(`SELECT count(*)::int AS n, count(district_code)::int AS placed FROM iot_device`);
    expect(s.n).toBe(Number(g.n));
    expect(s.placed).toBe(s.n);
  });

  it('keeps raw readings in daily partitions made ahead by pg_partman, 30 days, with rollups for two years', async () => {
    const parts = await api.stores.sql.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'device_reading'`,
    );
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '_');
    expect(parts.map((p) => p.name)).toEqual(expect.arrayContaining([`device_reading_p${today}`, 'device_reading_default']));
    expect(parts.length).toBeGreaterThanOrEqual(30);
    const [cfg] = await api.stores.sql.query<{ partition_interval: string; retention: string; retention_keep_table: boolean }>(
      `SELECT partition_interval, retention, retention_keep_table FROM partman.part_config WHERE parent_table = 'public.device_reading'`,
    );
    expect(cfg).toMatchObject({ partition_interval: '1 day', retention: '30 days', retention_keep_table: false });
  });
});

describe('writing readings over HTTP', () => {
  it('keeps the good readings of a batch, refuses each bad one with its index, code and hint, and stores a batch sent twice once', async () => {
    const good = futian.flatMap((d, i) => [0, 10, 20, 70, 80].map((m) => ({ deviceCode: d.deviceCode, metric: 'water_level', at: at(m), value: 1 + i + m / 100 })));
    const batch = [
      ...good,
      { deviceCode: nanshan.deviceCode, metric: 'water_level', at: at(5), value: 9.5 },
      { deviceCode: 'D440304019000000001', metric: 'water_level', at: at(0), value: 1 },
      { deviceCode: futian[0].deviceCode, metric: 'rainbow', at: at(0), value: 1 },
      { deviceCode: futian[0].deviceCode, metric: 'water_level', at: '2099-01-01T00:00:00Z', value: 1 },
      { deviceCode: futian[0].deviceCode, metric: 'humidity', at: at(0), value: 140 },
      'not a reading',
    ];
    const first = await post('wu.water', JSON.stringify(batch));
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ received: batch.length, rejectedCount: 5 });
    expect((first.json.written as number) + (first.json.duplicates as number)).toBe(good.length + 1);
    const codes = (first.json.rejected as { index: number; code: string; hint: string }[]).map((r) => [r.index, r.code]);
    const n = good.length + 1;
    expect(codes).toEqual(expect.arrayContaining([[n + 1, 'METRIC'], [n + 2, 'FUTURE'], [n + 3, 'OUT_OF_RANGE'], [n + 4, 'NOT_AN_OBJECT']]));
    // The made-up device code has a valid form only if its check digit happens to be right: either way it is refused.
    expect(codes.find((c) => c[0] === n)?.[1]).toMatch(/^(DEVICE_CODE|UNKNOWN_DEVICE)$/);
    expect((first.json.rejected as { hint: string }[]).every((r) => r.hint.length > 10)).toBe(true);

    const again = await post('wu.water', JSON.stringify(batch));
    expect(again.json).toMatchObject({ received: batch.length, written: 0, duplicates: good.length + 1, rejectedCount: 5 });
  });

  it('takes an NDJSON stream, line by line, naming the line of each refusal', async () => {
    const lines = [
      JSON.stringify({ deviceCode: futian[0].deviceCode, metric: 'temperature', at: at(1), value: 21.5 }),
      '',
      '{not json',
      JSON.stringify({ deviceCode: futian[1].deviceCode, metric: 'temperature', at: at(1), value: 22.5 }),
    ];
    const res = await fetch(`${api.url}/iot/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${await token('wu.water')}` },
      body: Readable.toWeb(Readable.from(lines.map((l) => `${l}\n`))) as unknown as RequestInit["body"],
      duplex: 'half',
    } as RequestInit);
    const json = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(json).toMatchObject({ received: 3, rejectedCount: 1, rejected: [{ index: 3, code: 'NOT_AN_OBJECT' }] });
    expect((json.written as number) + (json.duplicates as number)).toBe(2);
  });

  it('is for the owning department only, and refuses what is not JSON', async () => {
    const one = JSON.stringify([{ deviceCode: futian[0].deviceCode, metric: 'water_level', at: at(2), value: 1 }]);
    expect(await post('li.police', one)).toMatchObject({ status: 403, json: { code: 'FORBIDDEN' } });
    expect((await post(null, one)).status).toBe(403);
    expect(await post('wu.water', 'x', 'text/plain')).toMatchObject({ status: 415, json: { code: 'BAD_USER_INPUT' } });
    expect(await post('wu.water', '{"a":', 'application/json')).toMatchObject({ status: 400, json: { code: 'BAD_USER_INPUT' } });
    expect(await post('wu.water', '{"a":1}', 'application/json')).toMatchObject({ status: 400, json: { code: 'BAD_USER_INPUT' } });
  });
});

describe('readings in GraphQL', () => {
  const SERIES = `query ($c: ID!, $from: String, $to: String) { cityObject(code: $c) { code readings(metric: "water_level", from: $from, to: $to) { device deviceCode metric unit at value } } }`;
  const LATEST = `query ($c: ID!) { cityObject(code: $c) { readings(latest: true, metric: "water_level") { device at value } } }`;
  const STATS = `query ($c: ID!, $from: String, $to: String, $b: ReadingBucketSize) { cityObject(code: $c) { readingStats(metric: "water_level", from: $from, to: $to, bucket: $b) { start n avg min max } } }`;
  const window = () => ({ from: at(0), to: at(180) });

  it("gives a device's series in order, and the latest reading of every device of a building", async () => {
    const r = await as('wu.water', SERIES, { c: futian[0].code, ...window() }, 'WATER_ADMIN');
    expect(r.errors).toBeUndefined();
    const series = (r.data!.cityObject as { readings: { at: string; value: number; unit: string }[] }).readings;
    const raw = await api.stores.sql.query<{ at: Date; value: number }>(
      `SELECT at, value FROM device_reading WHERE city_code = $1 AND metric = 'water_level' AND at >= $2 AND at < $3 ORDER BY at`,
      [futian[0].code, at(0), at(180)],
    );
    expect(series.map((x) => [x.at, x.value])).toEqual(raw.map((x) => [x.at.toISOString(), x.value]));
    expect(series.map((x) => [x.at, x.value])).toEqual(expect.arrayContaining([0, 10, 20, 70, 80].map((m) => [at(m), 1 + m / 100])));
    expect(series[0].unit).toBe('m');

    const b = await api.stores.graph.read<{ code: string }>(`MATCH (b:CityObject {code: $c}) RETURN b.code AS code`, { c: futian[0].building });
    expect(b).toHaveLength(1);
    const latest = await as('wu.water', LATEST, { c: futian[0].building }, 'WATER_ADMIN');
    expect(latest.errors).toBeUndefined();
    const direct = await api.stores.sql.query<{ city_code: string; value: number; at: Date }>(
      `SELECT l.city_code, l.value, l.at FROM device_latest l JOIN iot_device d ON d.city_code = l.city_code WHERE d.building_code = $1 AND l.metric = 'water_level' ORDER BY l.at DESC, l.city_code`,
      [futian[0].building],
    );
    expect((latest.data!.cityObject as { readings: { device: string; value: number }[] }).readings.map((x) => [x.device, x.value])).toEqual(direct.map((d) => [d.city_code, d.value]));
  });

  it('aggregates per hour and per day for a building, its community and its district exactly as SQL over the raw rows does', async () => {
    const levels: [string, string, string][] = [
      ['building', futian[0].building, 'd.building_code'],
      ['community', (await communityObject(futian[0].community))!, 'd.community_code'],
      ['district', (await regionObject('DISTRICT', '440304'))!, 'd.district_code'],
    ];
    const value: Record<string, string> = { 'd.building_code': futian[0].building, 'd.community_code': futian[0].community, 'd.district_code': '440304' };
    for (const [, code, column] of levels) {
      for (const bucket of ['HOUR', 'DAY'] as const) {
        const r = await as('wu.water', STATS, { c: code, ...window(), b: bucket }, 'WATER_ADMIN');
        expect(r.errors).toBeUndefined();
        const got = (r.data!.cityObject as { readingStats: { start: string; n: number; avg: number; min: number; max: number }[] }).readingStats;
        const want = await api.stores.sql.query<{ start: Date; n: number; avg: number; min: number; max: number }>(
          `SELECT date_trunc($4, r.at) AS start, count(*)::int AS n, avg(r.value) AS avg, min(r.value) AS min, max(r.value) AS max
             FROM device_reading r JOIN iot_device d ON d.city_code = r.city_code
            WHERE ${column} = $1 AND r.metric = 'water_level' AND r.at >= $2 AND r.at < $3 GROUP BY 1 ORDER BY 1`,
          [value[column], at(0), at(180), bucket.toLowerCase()],
        );
        expect(got.map((g) => [g.start, g.n, g.min, g.max])).toEqual(want.map((w) => [new Date(w.start).toISOString(), w.n, w.min, w.max]));
        got.forEach((g, i) => expect(g.avg).toBeCloseTo(Number(want[i].avg), 9));
        expect(got.reduce((s, g) => s + g.n, 0)).toBeGreaterThan(0);
      }
    }
  });

  it('decides per row: a 福田 officer reads 福田 readings and is refused 南山 ones; the public reads none', async () => {
    const ft = await as('lin.futian', LATEST, { c: futian[0].building }, 'GRID_GOVERNANCE');
    expect(ft.errors).toBeUndefined();
    expect((ft.data!.cityObject as { readings: unknown[] }).readings.length).toBeGreaterThan(0);
    const ns = await as('lin.futian', `query ($c: ID!) { cityObject(code: $c) { code readings(latest: true) { value } } }`, { c: nanshan.code }, 'GRID_GOVERNANCE');
    // The Nanshan device is outside the officer's row scope (not returned) or its readings are denied.
    const obj = ns.data?.cityObject as { readings: unknown } | null;
    if (obj) expect(ns.errors?.[0].extensions?.code).toBe('FORBIDDEN_FIELD');
    const anon = await as(null, LATEST, { c: futian[0].building });
    expect(anon.errors?.[0].extensions?.code).toBe('FORBIDDEN_FIELD');
    expect((anon.data?.cityObject as { readings: unknown } | null)?.readings ?? null).toBeNull();
  });

  it('refuses bad arguments with a code and a hint', async () => {
    const room = await api.stores.graph.read<{ code: string }>(`MATCH (r:CityObject {objectKind: 'ROOM', districtCode: '440304'}) RETURN r.code AS code LIMIT 1`);
    const r1 = await as('wu.water', SERIES, { c: room[0].code }, 'WATER_ADMIN');
    expect(r1.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', hint: expect.stringContaining('devices') });
    const r2 = await as('wu.water', SERIES, { c: futian[0].code, from: 'yesterday' }, 'WATER_ADMIN');
    expect(r2.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'from' });
    const r3 = await as('wu.water', `query ($c: ID!) { cityObject(code: $c) { readings { value } } }`, { c: futian[0].building }, 'WATER_ADMIN');
    expect(r3.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'latest' });
  });
});

describe('threshold alerts', () => {
  it('pushes the devices of a building whose latest reading crosses the threshold, to a subscriber who may read them', async () => {
    const { client } = liveClient(api.url, { authorization: `Bearer ${await token('wu.water')}`, 'x-purpose': 'WATER_ADMIN' });
    const c = collect<{ readingAlerts: Json }>(
      client,
      `subscription ($o: ID!) { readingAlerts(object: $o, metric: "water_level", above: 5) { device deviceCode metric unit value crossed threshold at } }`,
      { o: futian[0].building },
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const now = new Date().toISOString();
    await post('wu.water', JSON.stringify([
      { deviceCode: futian[0].deviceCode, metric: 'water_level', at: now, value: 7.25 },
      { deviceCode: futian[1].deviceCode, metric: 'water_level', at: now, value: 2 },
    ]));
    const events = await c.waitFor(1, 10_000);
    expect(events[0].readingAlerts).toMatchObject({ device: futian[0].code, deviceCode: futian[0].deviceCode, value: 7.25, crossed: 'ABOVE', threshold: 5, unit: 'm' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(c.events).toHaveLength(1);
    c.stop();
    await client.dispose();

    const anon = liveClient(api.url, {});
    const refused = collect(anon.client, `subscription ($o: ID!) { readingAlerts(object: $o, metric: "water_level", above: 5) { value } }`, { o: futian[0].building });
    await refused.ended();
    expect(JSON.stringify(refused.errors)).toMatch(/FORBIDDEN_FIELD|NOT_FOUND/);
    await anon.client.dispose();
  });
});

async function communityObject(communityCode: string): Promise<string | undefined> {
  return regionObject('COMMUNITY', communityCode);
}
async function regionObject(kind: string, regionCode: string): Promise<string | undefined> {
  const rows = await api.stores.graph.read<{ code: string }>(`MATCH (r:CityObject {objectKind: $k, regionCode: $r}) RETURN r.code AS code LIMIT 1`, { k: kind, r: regionCode });
  return rows[0]?.code;
}
