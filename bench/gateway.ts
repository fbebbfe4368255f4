import 'reflect-metadata';
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fromRoot } from '../core/paths';
import { planDemoCity } from '../seed/city';
import { BUILDING_QUERY, benchToken, RunResult, runResult, startServer, stopServer, waitFor } from './harness';

/**
 * Federation benchmark: the by-code query through the gateway vs directly on the city subgraph
 * (and, for information, the same query with the 福田 grid events, which crosses subgraphs).
 *   node dist/bench/gateway.js [--connections 50] [--duration 10] [--rounds 2] [--label gateway]
 * Ports: BENCH_CITY_PORT (4210), BENCH_FUTIAN_PORT (4211), BENCH_GATEWAY_PORT (4212).
 * Needs the services up and the demo city seeded (npm start does both).
 */
const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    label: { type: 'string', default: 'gateway' },
    rounds: { type: 'string', default: '2' },
  },
});
const CONNECTIONS = Number(values.connections);
const DURATION = Number(values.duration);
const ROUNDS = Number(values.rounds);
const portEnv = (name: string, fallback: number) => Number(process.env[name] || fallback);
const CITY_PORT = portEnv('BENCH_CITY_PORT', 4210);
const FUTIAN_PORT = portEnv('BENCH_FUTIAN_PORT', 4211);
const GATEWAY_PORT = portEnv('BENCH_GATEWAY_PORT', 4212);

const WITH_EVENTS_QUERY = BUILDING_QUERY.replace('residents(first: 10)', 'gridEvents(first: 5) { id title status handler reportedAt }\n    residents(first: 10)');

type Result = RunResult;

async function run(name: string, url: string, headers: Record<string, string>, body: () => string, duration: number): Promise<Result> {
  let graphqlErrors = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (req) => ({ ...req, body: body() }),
        onResponse: (_status: number, text: string) => {
          if (text.includes('"errors"')) graphqlErrors++;
        },
      },
    ],
  });
  return runResult(name, CONNECTIONS, duration, result, graphqlErrors);
}

async function main(): Promise<void> {
  const plan = planDemoCity();
  const residential = plan.nodes.filter((n) => n.props.objectKind === 'BUILDING' && n.props.usage === '住宅').map((n) => n.code);
  const futian = plan.nodes.filter((n) => n.props.objectKind === 'BUILDING' && n.props.districtCode === '440304').map((n) => n.code);
  let i = 0;
  const body = (query: string, codes: string[]) => () => JSON.stringify({ query, variables: { code: codes[i++ % codes.length] } });
  const token = await benchToken();

  const city = startServer('api/server.js', { PORT: String(CITY_PORT), PG_POOL_SIZE: '40' });
  const district = startServer('districts/futian/server.js', { FUTIAN_PORT: String(FUTIAN_PORT) });
  const gateway = startServer('gateway/server.js', {
    GATEWAY_PORT: String(GATEWAY_PORT),
    CITY_SUBGRAPH_URL: `http://127.0.0.1:${CITY_PORT}/graphql`,
    FUTIAN_SUBGRAPH_URL: `http://127.0.0.1:${FUTIAN_PORT}/graphql`,
  });
  try {
    for (const port of [CITY_PORT, FUTIAN_PORT, GATEWAY_PORT]) await waitFor(`http://127.0.0.1:${port}/healthz`);
    const direct = { name: 'by-code, directly on the city subgraph', url: `http://127.0.0.1:${CITY_PORT}/graphql`, body: body(BUILDING_QUERY, residential) };
    const through = { name: 'by-code, through the gateway', url: `http://127.0.0.1:${GATEWAY_PORT}/graphql`, body: body(BUILDING_QUERY, residential) };
    const crossing = { name: 'by-code + 福田 grid events, through the gateway', url: `http://127.0.0.1:${GATEWAY_PORT}/graphql`, body: body(WITH_EVENTS_QUERY, futian) };
    // Warm-up (JIT, pools, Neo4j page cache, query plans), then direct and gateway alternate over
    // ROUNDS rounds, so that the noise of a shared machine hits both alike.
    await run('warm-up', direct.url, token, direct.body, 10);
    await run('warm-up', through.url, token, through.body, 5);
    await run('warm-up', crossing.url, token, crossing.body, 3);
    const results: Result[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const s of [direct, through]) {
        const r = await run(`${s.name} (round ${round})`, s.url, token, s.body, DURATION);
        results.push(r);
        process.stdout.write(`${JSON.stringify(r)}\n`);
      }
    }
    const crossed = await run(crossing.name, crossing.url, token, crossing.body, DURATION);
    results.push(crossed);
    process.stdout.write(`${JSON.stringify(crossed)}\n`);
    const mean = (name: string, key: 'rps' | 'p50') => {
      const rs = results.filter((r) => r.scenario.startsWith(name));
      return rs.reduce((sum, r) => sum + r[key], 0) / rs.length;
    };
    const ratio = {
      directRps: Math.round(mean(direct.name, 'rps')),
      gatewayRps: Math.round(mean(through.name, 'rps')),
      throughputDirectOverGateway: Number((mean(direct.name, 'rps') / mean(through.name, 'rps')).toFixed(2)),
      p50GatewayOverDirect: Number((mean(through.name, 'p50') / mean(direct.name, 'p50')).toFixed(2)),
    };
    process.stdout.write(`${JSON.stringify(ratio)}\n`);
    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
    mkdirSync(fromRoot('bench', 'results'), { recursive: true });
    writeFileSync(fromRoot('bench', 'results', `${values.label}.json`), JSON.stringify({ at: new Date().toISOString(), machine, results, ratio }, null, 2) + '\n');
  } finally {
    await Promise.all([stopServer(gateway), stopServer(district), stopServer(city)]);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
