/**
 * 实时推送 benchmark: N subscribers connected over graphql-ws to a real API process (permissions and
 * audit on, a real Keycloak token), events appended to the change outbox at R events/s, each event
 * delivered — through the subscriber's release gate, as GraphQL — to every subscriber whose stream
 * selects it. Measures delivery latency (outbox commit → message parsed by the client), loss
 * (every expected delivery counted) and the server's CPU and peak RSS.
 *
 * Subscribers are district and street platforms: each follows `changes(domain: POPULATION, region:
 * <street>)` of one street, spread round-robin over the streets of the seeded city; events are
 * changes of random seeded residents. `--fanout all` makes every subscriber follow the whole
 * domain instead (every event to every subscriber).
 *
 *   node dist/bench/subscriptions.js [--subscribers 1000] [--rate 200] [--seconds 60] [--fanout street|all]
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../core/config';
import { fromRoot } from '../core/paths';
import { appendChanges } from '../sharing/changes';
import { closeStores, openStores } from '../store/stores';
import { benchToken, startServer, stopServer, waitFor } from './harness';

const PORT = 4210;

interface Resident {
  code: string;
  districtCode: string;
  streetCode: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '60' },
      fanout: { type: 'string', default: 'street' },
      out: { type: 'string' },
    },
  });
  const subscribers = Number(values.subscribers);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const fanout = values.fanout === 'all' ? 'all' : 'street';
  const stores = openStores(loadConfig());
  const residents = await stores.graph.read<Resident>(
    `MATCH (p:Person) WHERE p.streetCode IS NOT NULL AND p.districtCode IS NOT NULL
     RETURN p.code AS code, p.districtCode AS districtCode, p.streetCode AS streetCode ORDER BY p.code LIMIT 20000`,
  );
  const streets = [...new Set(residents.map((r) => r.streetCode))].sort();
  console.log(`${residents.length} residents in ${streets.length} streets; ${subscribers} subscribers (${fanout}), ${rate} events/s for ${seconds} s`);

  const server = startServer('api/server.js', { PORT: String(PORT), PG_POOL_SIZE: '20', CITYCODE_FEED_POLL_MS: '1000' });
  const peak = { rssMb: 0 };
  let cpuStart = 0;
  const cpuOf = (): number => {
    try {
      const stat = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(stat[11]) + Number(stat[12])) / 100; // utime + stime in seconds (USER_HZ 100)
    } catch {
      return 0;
    }
  };
  const rssOf = (): number => {
    try {
      const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      return 0;
    }
  };
  const sampler = setInterval(() => (peak.rssMb = Math.max(peak.rssMb, rssOf())), 200);
  const clients: Client[] = [];
  try {
    await waitFor(`http://127.0.0.1:${PORT}/healthz`);
    const headers = await benchToken();
    // Subscribers: street platforms, round-robin over the streets.
    const perStreet = new Map<string, number>();
    const latencies: number[] = [];
    let received = 0;
    let errors = 0;
    const subscribed: Promise<void>[] = [];
    const byStream = new Map<number, string>();
    /** The worst latency of each wall-clock second (stalls show as runs of high seconds). */
    const worstBySecond = new Map<number, number>();
    for (let i = 0; i < subscribers; i++) {
      const street = streets[i % streets.length];
      perStreet.set(street, (perStreet.get(street) ?? 0) + 1);
      byStream.set(i, street);
      const client = createClient({
        url: `ws://127.0.0.1:${PORT}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: headers,
        retryAttempts: 0,
        lazy: false,
      });
      clients.push(client);
      const query =
        fanout === 'all'
          ? `subscription { changes(domain: "POPULATION") { id at code fields entity { code ... on Person { name phone } } } }`
          : `subscription ($s: String!) { changes(domain: "POPULATION", region: $s) { id at code fields entity { code ... on Person { name phone } } } }`;
      subscribed.push(
        new Promise<void>((resolve) => {
          client.on('connected', () => resolve());
          client.subscribe<{ changes: { at: string } }>(
            { query, variables: { s: street } },
            {
              next: (v) => {
                if (v.errors || !v.data) {
                  errors++;
                  return;
                }
                received++;
                const ms = Date.now() - Date.parse(v.data.changes.at);
                latencies.push(ms);
                const second = Math.floor(Date.now() / 1000);
                worstBySecond.set(second, Math.max(worstBySecond.get(second) ?? 0, ms));
              },
              error: () => errors++,
              complete: () => undefined,
            },
          );
        }),
      );
      if (i % 100 === 99) await Promise.all(subscribed.slice(-100));
    }
    await Promise.all(subscribed);
    await new Promise((r) => setTimeout(r, 2000));
    console.log(`${clients.length} connected; server RSS ${rssOf().toFixed(0)} MB`);
    latencies.length = 0;
    worstBySecond.clear();
    received = 0;

    // Producer: every 50 ms, rate/20 events of random residents.
    let expected = 0;
    let sent = 0;
    const tick = 50;
    const perTick = Math.max(1, Math.ceil((rate * tick) / 1000));
    let rng = 20261204;
    const random = () => ((rng = (rng * 1103515245 + 12345) >>> 0) / 2 ** 32);
    cpuStart = cpuOf();
    const started = Date.now();
    let next = started;
    while (Date.now() - started < seconds * 1000) {
      // As many events as the rate asks for by now (any rate, whatever the tick).
      const due = Math.floor(((Date.now() - started) / 1000) * rate) + perTick - sent;
      const batch = Array.from({ length: Math.max(0, Math.min(due, perTick * 4)) }, () => residents[Math.floor(random() * residents.length)]);
      if (batch.length) await appendChanges(
        stores.sql,
        batch.map((r) => ({ code: r.code, kind: 'Person', domain: 'POPULATION', districtCode: r.districtCode, streetCode: r.streetCode, dataset: 'bench', fields: ['Person.phone'], source: 'INGEST' as const })),
      );
      sent += batch.length;
      expected += batch.reduce((n, r) => n + (fanout === 'all' ? subscribers : (perStreet.get(r.streetCode) ?? 0)), 0);
      next += tick;
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    const producedS = (Date.now() - started) / 1000;
    // Drain: wait until every expected delivery arrived, or 15 s.
    const drainStart = Date.now();
    while (received < expected && Date.now() - drainStart < 15_000) await new Promise((r) => setTimeout(r, 100));
    const cpuS = cpuOf() - cpuStart;
    const sorted = [...latencies].sort((x, y) => x - y);
    const result = {
      subscribers,
      fanout,
      streets: streets.length,
      rate,
      seconds: Number(producedS.toFixed(1)),
      events: sent,
      eventsPerS: Number((sent / producedS).toFixed(1)),
      expectedDeliveries: expected,
      delivered: received,
      deliveriesPerS: Number((received / producedS).toFixed(0)),
      lost: expected - received,
      errors,
      p50Ms: percentile(sorted, 50),
      p90Ms: percentile(sorted, 90),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1],
      serverCpuS: Number(cpuS.toFixed(1)),
      serverCpuPerDeliveryUs: Number(((cpuS * 1e6) / Math.max(1, received)).toFixed(0)),
      serverPeakRssMb: Number(peak.rssMb.toFixed(0)),
      secondsOver250Ms: [...worstBySecond.values()].filter((ms) => ms > 250).length,
      worstSeconds: [...worstBySecond.entries()].sort((x, y) => y[1] - x[1]).slice(0, 5).map(([s, ms]) => `${new Date(s * 1000).toISOString().slice(11, 19)} ${ms} ms`),
      load: loadavg().map((l: number) => Number(l.toFixed(2))),
      at: new Date().toISOString(),
    };
    console.log(JSON.stringify(result, null, 2));
    if (values.out) writeFileSync(fromRoot('bench', 'results', values.out), JSON.stringify(result, null, 2) + '\n');
  } finally {
    clearInterval(sampler);
    await Promise.all(clients.map((c) => c.dispose()));
    await stopServer(server);
    await stores.sql.query(`DELETE FROM change_event WHERE dataset = 'bench'`);
    await closeStores(stores);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
