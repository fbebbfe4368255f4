/**
 * Soak (issue 19; docs/benchmarks.md, "Soak"): a real API process (permissions and audit on, a
 * real Keycloak token) held at 70% of its measured peak for 10 minutes, with subscribers connected
 * and change events flowing to them the whole time.
 *   npm run build && node dist/bench/soak.js [--seconds 600] [--warmup 120] [--fraction 0.7] [--subscribers 200] [--events 20]
 * Needs the services up and the demo city seeded (npm start). Steps, in one run:
 *  1. peak: closed-loop autocannon (50 connections, 15 s, three rounds after a warm-up) on the
 *     nested by-code query; the peak is the median round;
 *  2. soak: `subscribers` graphql-ws clients follow `changes(domain: POPULATION, region: <street>)`;
 *     `events`/s change events are appended to the outbox; queries are sent open loop at
 *     fraction × peak over 64 keep-alive connections (latency from each request's scheduled time);
 *     every 10 s: RSS (/proc), V8 heap used (the API's /metrics), the window's p50/p99, errors.
 * Verdict: no errors (HTTP, GraphQL, subscription), every expected delivery received; heap growth
 * (lowest sample of the minute) and RSS growth (median of the minute) from the first minute after
 * warm-up to the last under 10%; p99 stable (the worst minute's p99 within 2× the median minute's).
 */
import autocannon from 'autocannon';
import { createClient, type Client } from 'graphql-ws';
import { Agent } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { loadConfig } from '../core/config';
import { fromRoot } from '../core/paths';
import { appendChanges } from '../sharing/changes';
import { closeStores, openStores } from '../store/stores';
import { BUILDING_QUERY, benchToken, graphqlPoster, startServer, stopServer, waitFor } from './harness';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    warmup: { type: 'string', default: '120' },
    fraction: { type: 'string', default: '0.7' },
    subscribers: { type: 'string', default: '200' },
    events: { type: 'string', default: '20' },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const FRACTION = Number(values.fraction);
const SUBSCRIBERS = Number(values.subscribers);
const EVENTS = Number(values.events);
const PORT = 4340;
const CONNECTIONS = 64;

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const round1 = (x: number) => Math.round(x * 10) / 10;

interface Window {
  atS: number;
  rssMb: number;
  heapMb: number;
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  graphqlErrors: number;
  deliveries: number;
}

async function main(): Promise<void> {
  const stores = openStores(loadConfig());
  const codes = (await stores.graph.read<{ code: string }>(`MATCH (b:CityObject {objectKind: 'BUILDING', usage: '住宅'}) RETURN b.code AS code ORDER BY b.code LIMIT 1200`)).map((r) => r.code);
  const residents = await stores.graph.read<{ code: string; districtCode: string; streetCode: string }>(
    `MATCH (p:Person) WHERE p.streetCode IS NOT NULL RETURN p.code AS code, p.districtCode AS districtCode, p.streetCode AS streetCode ORDER BY p.code LIMIT 5000`,
  );
  const streets = [...new Set(residents.map((r) => r.streetCode))].sort();
  const api = startServer('api/server.js', { PORT: String(PORT), CITYCODE_FEED_POLL_MS: '1000' });
  const clients: Client[] = [];
  const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${api.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const heapMb = async () => {
    const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
    return Number(/^citycode_nodejs_heap_size_used_bytes\{[^}]*\} (\S+)/m.exec(text)?.[1] ?? 0) / 1024 / 1024;
  };
  try {
    await waitFor(`http://127.0.0.1:${PORT}/healthz`);
    let headers = await benchToken();
    let k = 0;
    const nextBody = () => JSON.stringify({ query: BUILDING_QUERY, variables: { code: codes[k++ % codes.length] } });

    // 1. Peak.
    const peakRun = async () => {
      const r = await autocannon({
        url: `http://127.0.0.1:${PORT}`,
        connections: 50,
        duration: 15,
        timeout: 10,
        requests: [{ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', ...headers }, setupRequest: (req) => ({ ...req, body: nextBody() }) }],
      });
      return Math.round(r.requests.total / 15);
    };
    await peakRun();
    const rounds = [await peakRun(), await peakRun(), await peakRun()];
    const peak = median(rounds);
    const rate = Math.round(peak * FRACTION);
    process.stderr.write(`peak rounds ${rounds.join(', ')} req/s; peak ${peak}; soak at ${rate} req/s for ${SECONDS} s (warm-up ${WARMUP} s), ${SUBSCRIBERS} subscribers, ${EVENTS} events/s\n`);

    // 2. Subscribers.
    headers = await benchToken();
    const perStreet = new Map<string, number>();
    let deliveries = 0;
    let subscriptionErrors = 0;
    const connected: Promise<void>[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const street = streets[i % streets.length];
      perStreet.set(street, (perStreet.get(street) ?? 0) + 1);
      const client = createClient({ url: `ws://127.0.0.1:${PORT}/graphql`, webSocketImpl: WebSocket, connectionParams: headers, retryAttempts: 0, lazy: false });
      clients.push(client);
      connected.push(
        new Promise<void>((resolve) => {
          client.on('connected', () => resolve());
          client.subscribe(
            { query: `subscription ($s: String!) { changes(domain: "POPULATION", region: $s) { id code entity { code ... on Person { name phone } } } }`, variables: { s: street } },
            {
              next: (v) => (v.errors ? subscriptionErrors++ : deliveries++),
              error: () => subscriptionErrors++,
              complete: () => undefined,
            },
          );
        }),
      );
    }
    await Promise.all(connected);

    // 3. Soak: open-loop queries, events, samples every 10 s.
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS, scheduling: 'fifo' });
    const send = graphqlPoster(PORT, agent, () => headers);
    const windows: Window[] = [];
    let latencies: number[] = [];
    let errors = 0;
    let graphqlErrors = 0;
    let expectedDeliveries = 0;
    let windowDeliveries = 0;
    let rng = 20261204;
    const random = () => (rng = (rng * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const start = performance.now();
    const interval = 1000 / rate;
    const total = Math.round(rate * SECONDS);
    const inflight = new Set<Promise<void>>();
    let nextSample = 10_000;
    let nextEvents = 0;
    // A new token before the old one expires (Keycloak's default lifespan is 5 min).
    const refresh = setInterval(() => void benchToken().then((h) => (headers = h)), 120_000);
    for (let i = 0; i < total; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const elapsed = performance.now() - start;
      if (elapsed >= nextEvents) {
        const batch = Array.from({ length: EVENTS }, () => residents[Math.floor(random() * residents.length)]);
        nextEvents += 1000;
        void appendChanges(stores.sql, batch.map((r) => ({ code: r.code, kind: 'Person', domain: 'POPULATION', districtCode: r.districtCode, streetCode: r.streetCode, dataset: 'bench-soak', fields: ['Person.phone'], source: 'INGEST' as const }))).then(
          () => (expectedDeliveries += batch.reduce((n, r) => n + (perStreet.get(r.streetCode) ?? 0), 0)),
          () => errors++,
        );
      }
      if (elapsed >= nextSample) {
        nextSample += 10_000;
        const sorted = [...latencies].sort((a, b) => a - b);
        const w: Window = { atS: Math.round(elapsed / 1000), rssMb: round1(rssMb()), heapMb: round1(await heapMb()), requests: sorted.length, p50: round1(percentile(sorted, 50)), p99: round1(percentile(sorted, 99)), errors, graphqlErrors, deliveries: deliveries - windowDeliveries };
        windowDeliveries = deliveries;
        windows.push(w);
        latencies = [];
        process.stderr.write(`${w.atS}s rss ${w.rssMb} MB heap ${w.heapMb} MB p50 ${w.p50} p99 ${w.p99} ms errors ${errors}/${graphqlErrors} deliveries ${w.deliveries} load ${loadavg()[0].toFixed(1)}\n`);
      }
      const p = send(nextBody()).then(
        (res) => {
          latencies.push(performance.now() - due);
          if (res.status !== 200) errors++;
          else if (res.text.includes('"errors"')) graphqlErrors++;
        },
        () => {
          latencies.push(performance.now() - due);
          errors++;
        },
      );
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
    await Promise.all(inflight);
    clearInterval(refresh);
    // Every appended event delivered (the feed polls every second).
    const drain = Date.now();
    while (deliveries < expectedDeliveries && Date.now() - drain < 20_000) await new Promise((r) => setTimeout(r, 200));
    agent.destroy();

    const after = windows.filter((w) => w.atS > WARMUP);
    const firstMinute = after.slice(0, 6);
    const lastMinute = after.slice(-6);
    // RSS: the median of a minute's samples. Heap: the minimum of a minute's samples — a sample
    // lands anywhere in the collector's saw-tooth, and the lowest is the nearest to the live heap.
    const growth = (pick: (w: Window) => number, of: (xs: number[]) => number) => round1(((of(lastMinute.map(pick)) - of(firstMinute.map(pick))) / of(firstMinute.map(pick))) * 100);
    const lowest = (xs: number[]) => Math.min(...xs);
    const minuteP99 = Array.from({ length: Math.floor(after.length / 6) }, (_, m) => Math.max(...after.slice(m * 6, m * 6 + 6).map((w) => w.p99)));
    const report = {
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model },
      peak: { rounds, rps: peak },
      soak: { rate, seconds: SECONDS, warmupS: WARMUP, sent: total, subscribers: SUBSCRIBERS, eventsPerS: EVENTS },
      errors,
      graphqlErrors,
      subscriptionErrors,
      deliveries,
      expectedDeliveries,
      heapGrowthPct: growth((w) => w.heapMb, lowest),
      rssGrowthPct: growth((w) => w.rssMb, median),
      p99ByMinuteMs: minuteP99,
      p99WorstOverMedian: round1(Math.max(...minuteP99) / median(minuteP99)),
      windows,
    };
    const ok = errors === 0 && graphqlErrors === 0 && subscriptionErrors === 0 && deliveries >= expectedDeliveries && report.heapGrowthPct < 10 && report.rssGrowthPct < 10 && report.p99WorstOverMedian <= 2;
    console.log(JSON.stringify({ ...report, windows: undefined, verdict: ok ? 'PASS' : 'FAIL' }, null, 2));
    writeFileSync(fromRoot('bench', 'results', 'soak.json'), JSON.stringify({ ...report, verdict: ok ? 'PASS' : 'FAIL' }, null, 2) + '\n');
    if (!ok) process.exitCode = 1;
  } finally {
    for (const c of clients) await c.dispose();
    await stopServer(api);
    await stores.sql.query(`DELETE FROM change_event WHERE dataset = 'bench-soak'`).catch(() => undefined);
    await closeStores(stores);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
