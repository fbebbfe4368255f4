import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../core/config';
import { makeDeviceCode } from '../domain/identifiers/deviceCode';
import type { ReadingMetric } from '../domain/readings';
import { emptyReport, ingestReadingBatch } from '../ingest/readings';
import { latestReadings, readingBuckets, registerDevices } from '../iot/store';
import { SqlStore } from '../store/postgres';
import { closeStores, openStores } from '../store/stores';

/**
 * IoT readings at city scale (docs/benchmarks.md, "IoT readings"), against a database of its own:
 *   PG_DATABASE=citycode_bench bash infra/postgres.sh start
 *   PG_DATABASE=citycode_bench node dist/store/migrate.js
 *   PG_DATABASE=citycode_bench node dist/bench/readings.js [--devices 300000] [--seconds 60] [--writers 2] [--batch 5000]
 *
 *  1. registers N devices over 11 districts × 6 streets × 10 communities × 12 buildings;
 *  2. ingests for S seconds through the real path (each reading checked, devices looked up,
 *     raw rows + latest + six rollup levels written in one statement per batch) with W
 *     concurrent writers, timestamps spread over the last 24 h; prints readings/s;
 *  3. in interleaved rounds, the same batches through the floor (a bare INSERT … SELECT unnest
 *     into the raw table, nothing else) and through the real path: the ratio;
 *  4. latest reading of every device of 200 random communities (p50 / p95 / max);
 *  5. 24 h hourly aggregate of a district from the rollups, 11 districts × 5 rounds, against the
 *     floor: the same aggregate over the raw rows.
 */
const DISTRICTS = ['440303', '440304', '440305', '440306', '440307', '440308', '440309', '440310', '440311', '440312', '440313'];
const METRICS: ReadingMetric[] = ['water_level', 'temperature', 'power', 'pm25'];
const CATEGORIES = ['01', '03', '04', '05', '06', '07', '08'] as const;

interface BenchDevice {
  deviceCode: string;
  community: string;
}

function devicesOf(n: number): { devices: BenchDevice[]; rows: { deviceCode: string; cityCode: string; buildingCode: string; grid: string; community: string; street: string; district: string }[] } {
  const devices: BenchDevice[] = [];
  const rows = [];
  for (let i = 0; i < n; i++) {
    const district = DISTRICTS[i % DISTRICTS.length];
    const street = `${district}${String(1 + (Math.floor(i / 11) % 6)).padStart(3, '0')}`;
    const community = `${street}${String(1 + (Math.floor(i / 66) % 10)).padStart(3, '0')}`;
    const building = `B${community}${String(Math.floor(i / 660) % 12).padStart(2, '0')}`;
    const grid = `${community}${String(1 + (Math.floor(i / 660) % 4)).padStart(2, '0')}`;
    const deviceCode = makeDeviceCode('440300', CATEGORIES[i % CATEGORIES.length], 700_000_000 + i);
    devices.push({ deviceCode, community });
    rows.push({ deviceCode, cityCode: `BENCH${String(i).padStart(9, '0')}`, buildingCode: building, grid, community, street, district });
  }
  return { devices, rows };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x: number) => `${x.toFixed(1)} ms`;

function batchOf(devices: BenchDevice[], size: number, seq: number): unknown[] {
  const now = Date.now();
  const out = [];
  for (let j = 0; j < size; j++) {
    const i = (seq * size + j) * 7919;
    const d = devices[i % devices.length];
    // Spread over the last 24 h; distinct per (device, time) within a run.
    const at = new Date(now - 60_000 - ((i * 37 + seq) % 86_000_000)).toISOString();
    out.push({ deviceCode: d.deviceCode, metric: METRICS[i % METRICS.length], at, value: (i % 1000) / 10 });
  }
  return out;
}

async function floorInsert(sql: SqlStore, batch: unknown[], cityOf: Map<string, string>): Promise<void> {
  const b = batch as { deviceCode: string; metric: string; at: string; value: number }[];
  await sql.query(
    `INSERT INTO device_reading (city_code, metric, at, value)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[]) ON CONFLICT DO NOTHING`,
    [b.map((r) => cityOf.get(r.deviceCode)), b.map((r) => `${r.metric}_floor`), b.map((r) => r.at), b.map((r) => r.value)],
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { devices: { type: 'string', default: '300000' }, seconds: { type: 'string', default: '60' }, writers: { type: 'string', default: '2' }, batch: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '6' } },
  });
  const config = loadConfig();
  if (config.postgres.database === 'citycode') throw new Error('run against a database of its own: PG_DATABASE=citycode_bench (see the header)');
  const stores = openStores(config);
  const n = Number(values.devices);
  const seconds = Number(values.seconds);
  const writers = Number(values.writers);
  const size = Number(values.batch);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    log(`# IoT readings bench: ${n} devices, ${writers} writers, batches of ${size}, ${seconds} s (database ${config.postgres.database})`);
    await stores.sql.query(`TRUNCATE device_reading, device_latest, reading_rollup, iot_device`);
    const { devices, rows } = devicesOf(n);
    let t = performance.now();
    for (let i = 0; i < rows.length; i += 10_000) {
      const chunk = rows.slice(i, i + 10_000);
      await stores.sql.query(
        `INSERT INTO iot_device (device_code, city_code, building_code, grid_code, community_code, street_code, district_code)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`,
        [chunk.map((r) => r.deviceCode), chunk.map((r) => r.cityCode), chunk.map((r) => r.buildingCode), chunk.map((r) => r.grid), chunk.map((r) => r.community), chunk.map((r) => r.street), chunk.map((r) => r.district)],
      );
    }
    log(`registered ${n} devices in ${ms(performance.now() - t)} (registerDevices re-registering 10,000 of them: ${await timed(() => registerDevices(stores.sql, rows.slice(0, 10_000)))})`);

    // 2. Sustained ingest through the real path.
    let seq = 0;
    let written = 0;
    const latencies: number[] = [];
    const end = performance.now() + seconds * 1000;
    t = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (performance.now() < end) {
          const batch = batchOf(devices, size, seq++);
          const report = emptyReport();
          const s = performance.now();
          await ingestReadingBatch(stores, batch, report);
          latencies.push(performance.now() - s);
          written += report.written;
        }
      }),
    );
    const elapsed = (performance.now() - t) / 1000;
    log(`sustained ingest: ${written} readings in ${elapsed.toFixed(1)} s = ${Math.round(written / elapsed)} readings/s; batch latency p50 ${ms(pct(latencies, 50))}, p95 ${ms(pct(latencies, 95))}`);

    // 3. Real path against the floor, rounds interleaved, one writer each.
    const cityOf = new Map(rows.map((r) => [r.deviceCode, r.cityCode]));
    const real: number[] = [];
    const floor: number[] = [];
    for (let r = 0; r < Number(values.rounds); r++) {
      const a = batchOf(devices, size, seq++);
      const b = batchOf(devices, size, seq++);
      let s = performance.now();
      await floorInsert(stores.sql, b, cityOf);
      floor.push(size / ((performance.now() - s) / 1000));
      s = performance.now();
      await ingestReadingBatch(stores, a, emptyReport());
      real.push(size / ((performance.now() - s) / 1000));
    }
    log(`one writer, interleaved: real path median ${Math.round(pct(real, 50))} readings/s, floor (bare INSERT of the raw rows) ${Math.round(pct(floor, 50))} readings/s, ratio ${(pct(floor, 50) / pct(real, 50)).toFixed(2)}`);

    // 4. Latest reading of every device of a community.
    const communities = [...new Set(devices.map((d) => d.community))];
    const latest: number[] = [];
    let found = 0;
    for (let i = 0; i < 200; i++) {
      const c = communities[(i * 7919) % communities.length];
      const s = performance.now();
      found += (await latestReadings(stores.sql, { level: 'COMMUNITY', regionCode: c }, null, 5000)).length;
      latest.push(performance.now() - s);
    }
    log(`latest per device of a community (${communities.length} communities, ~${Math.round(n / communities.length)} devices each, ${Math.round(found / 200)} rows per answer): p50 ${ms(pct(latest, 50))}, p95 ${ms(pct(latest, 95))}, max ${ms(Math.max(...latest))}`);

    // 5. 24 h aggregate of a district: rollups against the raw rows.
    // Whole hours: the rollups hold hours, so the last 24 whole hours.
    const to = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const from = new Date(to.getTime() - 86_400_000);
    const fromRollups: number[] = [];
    const fromRaw: number[] = [];
    for (let r = 0; r < 5; r++) {
      for (const d of DISTRICTS) {
        let s = performance.now();
        const got = await readingBuckets(stores.sql, { level: 'DISTRICT', regionCode: d }, 'water_level', from, to, 'HOUR');
        fromRollups.push(performance.now() - s);
        s = performance.now();
        const raw = await stores.sql.query<{ n: number }>(
          `SELECT date_trunc('hour', r.at) AS start, count(*)::int AS n, avg(r.value), min(r.value), max(r.value)
             FROM device_reading r JOIN iot_device x ON x.city_code = r.city_code
            WHERE x.district_code = $1 AND r.metric = 'water_level' AND r.at >= $2 AND r.at < $3 GROUP BY 1 ORDER BY 1`,
          [d, from.toISOString(), to.toISOString()],
        );
        fromRaw.push(performance.now() - s);
        const a = got.reduce((x, b) => x + b.n, 0);
        const b = raw.reduce((x, y) => x + Number(y.n), 0);
        if (a !== b) throw new Error(`district ${d}: rollups count ${a} readings, the raw rows ${b}`);
      }
    }
    log(`24 h hourly aggregate of a district: rollups p50 ${ms(pct(fromRollups, 50))}, p95 ${ms(pct(fromRollups, 95))}; floor over the raw rows p50 ${ms(pct(fromRaw, 50))}, p95 ${ms(pct(fromRaw, 95))} (same counts)`);
    const [size24] = await stores.sql.query<{ raw: string; rollups: string }>(
      `SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS raw, pg_size_pretty(pg_total_relation_size('reading_rollup')) AS rollups
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'device_reading'::regclass`,
    );
    log(`stored: raw ${size24.raw}, rollups ${size24.rollups}`);
  } finally {
    await closeStores(stores);
  }
}

async function timed(work: () => Promise<unknown>): Promise<string> {
  const s = performance.now();
  await work();
  return ms(performance.now() - s);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
