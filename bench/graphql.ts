import 'reflect-metadata';
import autocannon from 'autocannon';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fromRoot } from '../core/paths';
import { planDemoCity } from '../seed/city';
import { BUILDING_QUERY, benchToken, RunResult, runResult, startServer, stopServer, waitFor } from './harness';
import { cpuPerRequest, sampleCpu } from './cpu';

/**
 * Knowledge-graph benchmark: GraphQL against the direct-driver floor, at N connections.
 *   node dist/bench/graphql.js [--connections 1000] [--duration 30] [--rounds 1] [--warmup 15] [--only by-code|near]
 *                              [--baseline DIR [--baseline-db NAME]]
 * --baseline runs a built checkout of an earlier commit (DIR/dist) beside this one, with and
 * without permissions, in the same interleaved rounds: the ratio of a change measured in one run.
 * Its PostgreSQL database (default citycode_baseline) holds a policy that commit can read.
 * Needs the services up and the demo city seeded (npm start does both). With --rounds N the
 * scenarios run N times interleaved and each figure is the median of its N runs, so that a burst
 * of load from a neighbour on a shared machine moves one run, not the result. Besides requests/s
 * and latency, each run reports the CPU milliseconds one request costs the server, Neo4j and
 * PostgreSQL together (bench/cpu.ts): the GraphQL cost as a ratio to the floor.
 */
const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '30' },
    only: { type: 'string' },
    label: { type: 'string', default: 'knowledge-graph' },
    rounds: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '15' },
    baseline: { type: 'string' },
    'baseline-db': { type: 'string', default: 'citycode_baseline' },
  },
});
const CONNECTIONS = Number(values.connections);
const DURATION = Number(values.duration);
const ROUNDS = Math.max(1, Number(values.rounds));
const API_PORT = 4200; // permissions and audit on, requests carry a real Keycloak token
const OPEN_PORT = 4201; // POLICY_ENFORCEMENT=off: the same API without permissions and audit
const FLOOR_PORT = 4100;
const BASE_PORT = 4202; // --baseline: the earlier commit, permissions and audit on
const BASE_OPEN_PORT = 4203; // --baseline: the earlier commit without them

const NEAR_QUERY = `query ($lon: Float!, $lat: Float!) {
  objectsNear(lon: $lon, lat: $lat, radiusM: 500, first: 50) { totalCount nodes { code name objectKind } }
}`;

interface Scenario {
  name: string;
  /** Which process serves it: the API with permissions, the API without, or the floor. */
  server: 'api' | 'open' | 'floor' | 'base' | 'baseOpen';
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body: () => { path?: string; body?: string };
}

interface Result extends RunResult {
  /** CPU milliseconds per request: the serving process, Neo4j, PostgreSQL, and their sum. */
  cpuMsPerRequest: { server: number; neo4j: number; postgres: number; total: number };
}

async function run(s: Scenario, serverPid: number): Promise<Result> {
  let graphqlErrors = 0;
  const before = sampleCpu(serverPid);
  const result = await autocannon({
    url: s.url,
    connections: CONNECTIONS,
    duration: DURATION,
    timeout: 10,
    requests: [
      {
        method: s.method,
        headers: { 'content-type': 'application/json', ...s.headers },
        setupRequest: (req) => ({ ...req, ...s.body() }),
        onResponse: (_status: number, body: string) => {
          if (s.method === 'POST' && body.includes('"errors"')) graphqlErrors++;
        },
      },
    ],
  });
  const cpu = cpuPerRequest(before, sampleCpu(serverPid), result.requests.total);
  return { ...runResult(s.name, CONNECTIONS, DURATION, result, graphqlErrors), cpuMsPerRequest: cpu };
}

async function warm(s: Scenario, seconds: number): Promise<void> {
  if (seconds <= 0) return;
  await autocannon({ url: s.url, connections: 50, duration: seconds, requests: [{ method: s.method, headers: { 'content-type': 'application/json', ...s.headers }, setupRequest: (req) => ({ ...req, ...s.body() }) }] });
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round(((sorted[mid - 1] + sorted[mid]) / 2) * 100) / 100;
}

/** One result per scenario from its rounds: medians, and errors summed. */
function combine(runs: Result[]): Result & { rounds: number } {
  const m = (f: (r: Result) => number) => median(runs.map(f));
  return {
    ...runs[0],
    requests: runs.reduce((n, r) => n + r.requests, 0),
    rps: m((r) => r.rps),
    p50: m((r) => r.p50),
    p99: m((r) => r.p99),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    graphqlErrors: runs.reduce((n, r) => n + r.graphqlErrors, 0),
    cpuMsPerRequest: {
      server: m((r) => r.cpuMsPerRequest.server),
      neo4j: m((r) => r.cpuMsPerRequest.neo4j),
      postgres: m((r) => r.cpuMsPerRequest.postgres),
      total: m((r) => r.cpuMsPerRequest.total),
    },
    rounds: runs.length,
  };
}

async function main(): Promise<void> {
  const plan = planDemoCity();
  const residential = plan.nodes.filter((n) => n.props.objectKind === 'BUILDING' && n.props.usage === '住宅').map((n) => n.code);
  const points = plan.features.filter((f) => f.kind === 'BUILDING').map((f) => {
    const g = f.geometry as { type: string; coordinates: number[][][] | number[] };
    return g.type === 'Point' ? (g.coordinates as number[]) : (g.coordinates as number[][][])[0][0];
  });
  let i = 0;
  const nextCode = () => residential[i++ % residential.length];
  const nextPoint = () => points[i++ % points.length];

  const token = await benchToken();
  const scenarios: Scenario[] = [
    {
      name: 'by-code (GraphQL, permissions+audit)',
      server: 'api',
      url: `http://127.0.0.1:${API_PORT}/graphql`,
      method: 'POST',
      headers: token,
      body: () => ({ body: JSON.stringify({ query: BUILDING_QUERY, variables: { code: nextCode() } }) }),
    },
    {
      name: 'by-code (GraphQL, no permissions)',
      server: 'open',
      url: `http://127.0.0.1:${OPEN_PORT}/graphql`,
      method: 'POST',
      body: () => ({ body: JSON.stringify({ query: BUILDING_QUERY, variables: { code: nextCode() } }) }),
    },
    { name: 'by-code (driver floor)', server: 'floor', url: `http://127.0.0.1:${FLOOR_PORT}`, method: 'GET', body: () => ({ path: `/floor/building?code=${nextCode()}` }) },
    {
      name: 'near 500 m (GraphQL, permissions+audit)',
      server: 'api',
      url: `http://127.0.0.1:${API_PORT}/graphql`,
      method: 'POST',
      headers: token,
      body: () => {
        const [lon, lat] = nextPoint();
        return { body: JSON.stringify({ query: NEAR_QUERY, variables: { lon, lat } }) };
      },
    },
    {
      name: 'near 500 m (GraphQL, no permissions)',
      server: 'open',
      url: `http://127.0.0.1:${OPEN_PORT}/graphql`,
      method: 'POST',
      body: () => {
        const [lon, lat] = nextPoint();
        return { body: JSON.stringify({ query: NEAR_QUERY, variables: { lon, lat } }) };
      },
    },
    {
      name: 'near 500 m (driver floor)',
      server: 'floor',
      url: `http://127.0.0.1:${FLOOR_PORT}`,
      method: 'GET',
      body: () => {
        const [lon, lat] = nextPoint();
        return { path: `/floor/near?lon=${lon}&lat=${lat}` };
      },
    },
  ] as Scenario[];
  if (values.baseline) {
    // The same GraphQL scenarios against the earlier commit, right after their own.
    const withBase: Scenario[] = [];
    for (const s of scenarios) {
      withBase.push(s);
      if (s.server === 'api' || s.server === 'open') {
        const base = s.server === 'api' ? { server: 'base' as const, port: BASE_PORT } : { server: 'baseOpen' as const, port: BASE_OPEN_PORT };
        withBase.push({ ...s, name: `${s.name} [baseline]`, server: base.server, url: s.url.replace(/:\d+\//, `:${base.port}/`) });
      }
    }
    scenarios.splice(0, scenarios.length, ...withBase);
  }
  const selected = scenarios.filter((s) => !values.only || s.name.includes(values.only));
  scenarios.splice(0, scenarios.length, ...selected);

  const api = startServer('api/server.js', { PORT: String(API_PORT), PG_POOL_SIZE: '40' });
  const open = startServer('api/server.js', { PORT: String(OPEN_PORT), PG_POOL_SIZE: '40', POLICY_ENFORCEMENT: 'off' });
  const floor = startServer('bench/floor.js', { FLOOR_PORT: String(FLOOR_PORT), PG_POOL_SIZE: '40' });
  const baseEnv = { PG_POOL_SIZE: '40', PG_DATABASE: values['baseline-db']! };
  const base = values.baseline ? startServer('api/server.js', { ...baseEnv, PORT: String(BASE_PORT) }, values.baseline) : null;
  const baseOpen = values.baseline ? startServer('api/server.js', { ...baseEnv, PORT: String(BASE_OPEN_PORT), POLICY_ENFORCEMENT: 'off' }, values.baseline) : null;
  try {
    if (base) await waitFor(`http://127.0.0.1:${BASE_PORT}/healthz`);
    if (baseOpen) await waitFor(`http://127.0.0.1:${BASE_OPEN_PORT}/healthz`);
    await waitFor(`http://127.0.0.1:${API_PORT}/healthz`);
    await waitFor(`http://127.0.0.1:${OPEN_PORT}/healthz`);
    await waitFor(`http://127.0.0.1:${FLOOR_PORT}/floor/near?lon=114.05&lat=22.54`);
    const pids = { api: api.pid!, open: open.pid!, floor: floor.pid!, base: base?.pid ?? 0, baseOpen: baseOpen?.pid ?? 0 };
    // First a warm-up of every scenario (--warmup seconds each): the GraphQL servers run far more
    // JavaScript than the floor, and V8 takes longer to optimise it; a deployed server is warm.
    for (const s of scenarios) await warm(s, Number(values.warmup));
    const runs = new Map<string, Result[]>(scenarios.map((s) => [s.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const s of scenarios) {
        // A short warm-up, so connection pools are ready before the measured run.
        await warm(s, 3);
        const r = await run(s, pids[s.server]);
        runs.get(s.name)!.push(r);
        process.stdout.write(`${JSON.stringify({ round, ...r })}\n`);
      }
    }
    const results = scenarios.map((s) => combine(runs.get(s.name)!));
    for (const r of results) process.stdout.write(`median ${JSON.stringify(r)}\n`);
    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
    mkdirSync(fromRoot('bench', 'results'), { recursive: true });
    writeFileSync(
      fromRoot('bench', 'results', `${values.label}.json`),
      JSON.stringify({ at: new Date().toISOString(), machine, baseline: values.baseline ?? null, connections: CONNECTIONS, durationS: DURATION, rounds: ROUNDS, warmupS: Number(values.warmup), results, runs: Object.fromEntries(runs) }, null, 2) + '\n',
    );
  } finally {
    await Promise.all([stopServer(api), stopServer(open), stopServer(floor), ...[base, baseOpen].filter((c) => c !== null).map((c) => stopServer(c))]);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
