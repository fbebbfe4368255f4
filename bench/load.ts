/**
 * Serving under load (issue 17; docs/benchmarks.md, "Serving under load").
 *   npm run build && node dist/bench/load.js [--connections 1000] [--seconds 60] [--fraction 0.7]
 * Needs the services up and the demo city seeded (npm start). Steps, in one run:
 *  1. peak: closed-loop autocannon (100 connections, 15 s) on the nested by-code query against
 *     the API (permissions and audit on, real Keycloak token) and against the raw-driver floor
 *     (bench/floor.ts) — interleaved, API / floor / API / floor; the peak is the median API run;
 *  2. open loop: 1,000 keep-alive connections opened first and held, then requests sent at a fixed
 *     arrival rate of 70% of the peak for 60 s whether or not earlier ones have answered (latency
 *     is measured from each request's scheduled time, so a stall counts against it: no
 *     coordinated omission). Reports p50 / p90 / p99 / max, errors, GraphQL errors, the
 *     connections the server held (from /proc/net/tcp), the API's peak RSS and the audit rows
 *     written (every request is audited).
 */
import autocannon from 'autocannon';
import { Agent } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import neo4j from 'neo4j-driver';
import { Pool } from 'pg';
import { fromRoot } from '../core/paths';
import { BUILDING_QUERY } from '../seed/scale/lookups';
import { benchToken, graphqlPoster, startServer, stopServer, waitFor } from './harness';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    fraction: { type: 'string', default: '0.7' },
    'peak-connections': { type: 'string', default: '100' },
    'peak-seconds': { type: 'string', default: '15' },
  },
});
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const FRACTION = Number(values.fraction);
const API_PORT = 4330;
const FLOOR_PORT = 4331;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** Established TCP connections to a local port (server side), from /proc/net/tcp. */
function establishedTo(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const cols = line.trim().split(/\s+/);
      return cols.length > 3 && cols[1].endsWith(`:${hex}`) && cols[3] === '01';
    }).length;
}

async function peakRun(url: string, method: 'GET' | 'POST', next: () => { path: string; body?: string }, headers: Record<string, string>): Promise<{ rps: number; p99: number; errors: number }> {
  let errors = 0;
  const result = await autocannon({
    url,
    connections: Number(values['peak-connections']),
    duration: Number(values['peak-seconds']),
    timeout: 10,
    requests: [
      {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (req) => ({ ...req, ...next() }),
        onResponse: (status: number, body: string) => {
          if (status !== 200 || body.includes('"errors"')) errors++;
        },
      },
    ],
  });
  return { rps: Math.round(result.requests.total / Number(values['peak-seconds'])), p99: result.latency.p99, errors: errors + result.errors + result.timeouts };
}

async function main(): Promise<void> {
  const driver = neo4j.driver('bolt://127.0.0.1:7687', neo4j.auth.basic('neo4j', process.env.NEO4J_PASSWORD ?? 'citycode-dev-password'), { disableLosslessIntegers: true });
  const codes = (
    await driver.executeQuery(`MATCH (b:CityObject {objectKind: 'BUILDING', usage: '住宅'}) RETURN b.code AS code ORDER BY b.code LIMIT 1200`)
  ).records.map((r) => r.get('code') as string);
  await driver.close();
  const pool = new Pool({ host: '127.0.0.1', port: 55432, user: 'citycode', password: process.env.PG_PASSWORD ?? 'citycode-dev', database: 'citycode', max: 2 });
  const api = startServer('api/server.js', { PORT: String(API_PORT) });
  const floor = startServer('bench/floor.js', { FLOOR_PORT: String(FLOOR_PORT) });
  try {
    await waitFor(`http://127.0.0.1:${API_PORT}/healthz`);
    await waitFor(`http://127.0.0.1:${FLOOR_PORT}/floor/near?lon=114&lat=22.5`);
    let headers = await benchToken();
    let k = 0;
    const gqlNext = () => ({ path: '/graphql', body: JSON.stringify({ query: BUILDING_QUERY, variables: { code: codes[k++ % codes.length] } }) });
    const floorNext = () => ({ path: `/floor/building?code=${codes[k++ % codes.length]}` });

    // 1. Peak, API and floor interleaved (after a warm-up of each).
    await peakRun(`http://127.0.0.1:${API_PORT}`, 'POST', gqlNext, headers);
    await peakRun(`http://127.0.0.1:${FLOOR_PORT}`, 'GET', floorNext, {});
    const apiRuns = [];
    const floorRuns = [];
    for (let r = 0; r < 3; r++) {
      apiRuns.push(await peakRun(`http://127.0.0.1:${API_PORT}`, 'POST', gqlNext, headers));
      floorRuns.push(await peakRun(`http://127.0.0.1:${FLOOR_PORT}`, 'GET', floorNext, {}));
      process.stderr.write(`peak round ${r + 1}: API ${apiRuns[r].rps} req/s (p99 ${apiRuns[r].p99} ms, errors ${apiRuns[r].errors}), floor ${floorRuns[r].rps} req/s\n`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    const peak = median(apiRuns.map((r) => r.rps));
    const floorPeak = median(floorRuns.map((r) => r.rps));
    const rate = Math.round(peak * FRACTION);
    process.stderr.write(`peak ${peak} req/s, floor ${floorPeak} req/s (floor / peak ${(floorPeak / peak).toFixed(2)}); open loop at ${rate} req/s over ${CONNECTIONS} connections for ${SECONDS} s\n`);

    // 2. Open loop over CONNECTIONS held keep-alive connections.
    headers = await benchToken();
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS, scheduling: 'fifo', timeout: 30_000 });
    const send = graphqlPoster(API_PORT, agent, () => headers);
    // Open every connection first (a burst of CONNECTIONS concurrent requests), and keep them.
    await Promise.all(Array.from({ length: CONNECTIONS }, () => send(gqlNext().body).catch(() => undefined)));
    const held = establishedTo(API_PORT);
    const auditBefore = Number((await pool.query<{ n: string }>('SELECT max(id) AS n FROM audit_log')).rows[0].n ?? 0);
    const latencies: number[] = [];
    let errors = 0;
    let graphqlErrors = 0;
    let peakRss = rssMb(api.pid!);
    let minHeld = held;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMb(api.pid!));
      minHeld = Math.min(minHeld, establishedTo(API_PORT));
    }, 1000);
    const total = rate * SECONDS;
    const interval = 1000 / rate;
    const start = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inflight.push(
        send(gqlNext().body).then(
          (res) => {
            latencies.push(performance.now() - due);
            if (res.status !== 200) errors++;
            else if (res.text.includes('"errors"')) graphqlErrors++;
          },
          () => {
            latencies.push(performance.now() - due);
            errors++;
          },
        ),
      );
    }
    await Promise.all(inflight);
    clearInterval(sampler);
    const elapsed = (performance.now() - start) / 1000;
    agent.destroy();
    // Audit rows written during the open loop: every request reads classified fields.
    await new Promise((r) => setTimeout(r, 3000));
    const auditAfter = Number((await pool.query<{ n: string }>('SELECT max(id) AS n FROM audit_log')).rows[0].n ?? 0);
    const sorted = [...latencies].sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 10) / 10;
    const report = {
      at: new Date().toISOString(),
      peak: { apiRuns, floorRuns, apiRps: peak, floorRps: floorPeak, floorOverPeak: Math.round((floorPeak / peak) * 100) / 100 },
      openLoop: {
        connections: CONNECTIONS,
        connectionsHeldAtStart: held,
        connectionsHeldMin: minHeld,
        rate,
        seconds: SECONDS,
        sent: total,
        achievedRate: Math.round(total / elapsed),
        p50: round(percentile(sorted, 50)),
        p90: round(percentile(sorted, 90)),
        p99: round(percentile(sorted, 99)),
        max: round(sorted[sorted.length - 1]),
        errors,
        graphqlErrors,
        peakRssMb: peakRss,
        auditRows: auditAfter - auditBefore,
      },
    };
    console.log(JSON.stringify(report, null, 2));
    writeFileSync(fromRoot('bench', 'results', 'load.json'), JSON.stringify(report, null, 2) + '\n');
  } finally {
    await pool.end();
    await stopServer(api);
    await stopServer(floor);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
