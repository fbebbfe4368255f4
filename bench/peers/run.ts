/**
 * citycode side by side with the peers (issue 17; docs/benchmarks.md, "Side by side with the peers").
 *   npm run build && node dist/bench/peers/run.js [--connections 50] [--duration 10] [--rounds 3]
 * Needs the services up and the demo city seeded (npm start). Starts, each in its own process:
 *   citycode     the API (permissions and audit on, real Keycloak tokens);
 *   neo4j-graphql  @neo4j/graphql 7 over the same Neo4j, equivalent type definitions and an
 *                @authorization filter equivalent to a district grant (bench/peers/neo4jGraphql.ts);
 *   postgraphile PostGraphile 5 over the same PostGIS table (bench/peers/postgraphile.ts);
 *   floor        the raw drivers behind a bare route (bench/floor.ts), no GraphQL.
 * Two queries: **nested by-code** (a 福田 building, its ancestors, 10 residents, 3 employers each,
 * as 福田区人民政府's wang.futian: district grant 440304) on citycode, neo4j-graphql and the floor;
 * **near 500 m** (totalCount + first 50 codes, as zhang.data, city-wide) on citycode, PostGraphile
 * and the floor. Before timing, the answers of every server are compared for 20 cases and must be
 * equal. Then rounds interleave every scenario; per run: requests/s, p50 / p99, errors, CPU ms
 * per request (server + Neo4j + PostgreSQL, bench/cpu.ts) and the server's peak RSS. Medians over
 * rounds go to bench/results/peers.json and a chart to docs/images/peers.svg (ECharts, SSR).
 */
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as echarts from 'echarts';
import { Pool } from 'pg';
import neo4j from 'neo4j-driver';
import { fromRoot } from '../../core/paths';
import { cpuPerRequest, sampleCpu } from '../cpu';
import { benchToken, startServer, stopServer, waitFor } from '../harness';
import { PEERS_SCHEMA_SQL } from './postgraphile';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '5' },
  },
});
const CONNECTIONS = Number(values.connections);
const DURATION = Number(values.duration);
const ROUNDS = Number(values.rounds);
const DISTRICT = '440304';
const PORTS = { citycode: 4320, 'neo4j-graphql': 4321, postgraphile: 4322, floor: 4323 } as const;
type ServerName = keyof typeof PORTS;

const CITYCODE_BUILDING = `query ($code: ID!) {
  cityObject(code: $code) {
    code name objectKind address buildingCode floors
    ancestors { depth object { code name objectKind } }
    residents(first: 10) { nodes { code name employers(first: 3) { nodes { code name uscc industry } } } }
  }
}`;
const NEO4J_GRAPHQL_BUILDING = `query ($code: ID!) {
  cityObjects(where: { code: { eq: $code } }) {
    code name objectKind address buildingCode floors
    ancestors { code name objectKind }
    residents { code name employers(limit: 3, sort: [{ code: ASC }]) { code name uscc industry } }
  }
}`;
const CITYCODE_NEAR = `query ($lon: Float!, $lat: Float!) { objectsNear(lon: $lon, lat: $lat, radiusM: 500, first: 50) { totalCount nodes { code } } }`;
const POSTGRAPHILE_NEAR = `query ($lon: Float!, $lat: Float!) { objectsNear(lon: $lon, lat: $lat, radiusM: 500, first: 50) { totalCount nodes { cityCode } } }`;

interface Building {
  code: string;
  name: string;
  objectKind: string;
  address: string;
  buildingCode: string;
  floors: number;
  ancestors: string[];
  residents: { code: string; name: string; employers: { code: string; name: string; uscc: string; industry: string }[] }[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown) => v as Json;
const list = (v: unknown) => (v ?? []) as Json[];

function normalBuilding(b: Json | null | undefined, ancestorsOf: (b: Json) => Json[]): Building | null {
  if (!b) return null;
  return {
    code: b.code as string,
    name: b.name as string,
    objectKind: b.objectKind as string,
    address: b.address as string,
    buildingCode: b.buildingCode as string,
    floors: Number(b.floors),
    ancestors: ancestorsOf(b).map((a) => a.code as string),
    residents: list(b.residents).map((r) => ({
      code: r.code as string,
      name: r.name as string,
      employers: list(r.employers).map((e) => ({ code: e.code as string, name: e.name as string, uscc: e.uscc as string, industry: e.industry as string })),
    })),
  };
}

interface Scenario {
  query: 'nested by-code' | 'near 500 m';
  server: ServerName;
  /** One request for case k: path and body. */
  request(k: number): { method: 'GET' | 'POST'; path: string; body?: string };
  headers(): Record<string, string>;
  /** The normalised answer of a response body. */
  answer(body: string): unknown;
}

interface Run {
  query: string;
  server: ServerName;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpuMsPerRequest: number;
  cpu: { server: number; neo4j: number; postgres: number };
  peakRssMb: number;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  // Cases: 福田 residential buildings with residents, and points at buildings across the city.
  const driver = neo4j.driver('bolt://127.0.0.1:7687', neo4j.auth.basic('neo4j', process.env.NEO4J_PASSWORD ?? 'citycode-dev-password'), { disableLosslessIntegers: true });
  const codes = (
    await driver.executeQuery(
      `MATCH (b:CityObject {objectKind: 'BUILDING', districtCode: $district}) WHERE EXISTS { (b)<-[:PART_OF]-()<-[:RESIDES_IN]-() }
       RETURN b.code AS code ORDER BY b.code LIMIT 200`,
      { district: DISTRICT },
    )
  ).records.map((r) => r.get('code') as string);
  await driver.close();
  const pool = new Pool({ host: '127.0.0.1', port: 55432, user: 'citycode', password: process.env.PG_PASSWORD ?? 'citycode-dev', database: 'citycode' });
  await pool.query(PEERS_SCHEMA_SQL);
  const points = (
    await pool.query<{ lon: number; lat: number }>(
      `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM spatial_feature WHERE kind = 'BUILDING' ORDER BY city_code LIMIT 200`,
    )
  ).rows;
  await pool.end();
  if (codes.length < 20 || points.length < 20) throw new Error('the demo city is not seeded (npm start seeds it)');

  const servers: Record<ServerName, ChildProcess> = {
    citycode: startServer('api/server.js', { PORT: String(PORTS.citycode) }),
    'neo4j-graphql': startServer('bench/peers/neo4jGraphql.js', { PEER_PORT: String(PORTS['neo4j-graphql']) }),
    postgraphile: startServer('bench/peers/postgraphile.js', { PEER_PORT: String(PORTS.postgraphile) }),
    floor: startServer('bench/floor.js', { FLOOR_PORT: String(PORTS.floor) }),
  };
  try {
    await waitFor(`http://127.0.0.1:${PORTS.citycode}/healthz`);
    await waitFor(`http://127.0.0.1:${PORTS['neo4j-graphql']}/`);
    await waitFor(`http://127.0.0.1:${PORTS.postgraphile}/graphql`);
    await waitFor(`http://127.0.0.1:${PORTS.floor}/floor/peer-near?lon=114&lat=22.5`);
    let district = await benchToken('wang.futian', 'GRID_GOVERNANCE');
    let city = await benchToken('zhang.data', 'PUBLIC_SERVICE');
    const building = (k: number) => codes[k % codes.length];
    const point = (k: number) => points[k % points.length];
    const gqlBody = (query: string, variables: Json) => JSON.stringify({ query, variables });
    const scenarios: Scenario[] = [
      {
        query: 'nested by-code',
        server: 'citycode',
        request: (k) => ({ method: 'POST', path: '/graphql', body: gqlBody(CITYCODE_BUILDING, { code: building(k) }) }),
        headers: () => district,
        answer: (body) => {
          const b = obj(obj(JSON.parse(body)).data).cityObject as Json | null;
          const flat = b && {
            ...b,
            ancestors: list(b.ancestors).map((a) => obj(a.object)),
            residents: list(obj(b.residents).nodes).map((r) => ({ ...r, employers: list(obj(r.employers).nodes) })),
          };
          return normalBuilding(flat, (x) => list(x.ancestors));
        },
      },
      {
        query: 'nested by-code',
        server: 'neo4j-graphql',
        request: (k) => ({ method: 'POST', path: '/graphql', body: gqlBody(NEO4J_GRAPHQL_BUILDING, { code: building(k) }) }),
        headers: () => ({ authorization: district.authorization }),
        answer: (body) => normalBuilding(list(obj(obj(JSON.parse(body)).data).cityObjects)[0], (b) => list(b.ancestors)),
      },
      {
        query: 'nested by-code',
        server: 'floor',
        request: (k) => ({ method: 'GET', path: `/floor/peer-building?code=${building(k)}&districts=${DISTRICT}` }),
        headers: () => ({}),
        answer: (body) => normalBuilding(obj(JSON.parse(body)).building as Json, (b) => list(b.ancestors)),
      },
      {
        query: 'near 500 m',
        server: 'citycode',
        request: (k) => ({ method: 'POST', path: '/graphql', body: gqlBody(CITYCODE_NEAR, point(k)) }),
        headers: () => city,
        answer: (body) => {
          const n = obj(obj(obj(JSON.parse(body)).data).objectsNear);
          return { totalCount: n.totalCount, codes: list(n.nodes).map((x) => x.code) };
        },
      },
      {
        query: 'near 500 m',
        server: 'postgraphile',
        request: (k) => ({ method: 'POST', path: '/graphql', body: gqlBody(POSTGRAPHILE_NEAR, point(k)) }),
        headers: () => ({}),
        answer: (body) => {
          const n = obj(obj(obj(JSON.parse(body)).data).objectsNear);
          return { totalCount: n.totalCount, codes: list(n.nodes).map((x) => x.cityCode) };
        },
      },
      {
        query: 'near 500 m',
        server: 'floor',
        request: (k) => ({ method: 'GET', path: `/floor/peer-near?lon=${point(k).lon}&lat=${point(k).lat}` }),
        headers: () => ({}),
        answer: (body) => {
          const n = obj(JSON.parse(body));
          return { totalCount: n.totalCount, codes: n.codes };
        },
      },
    ];

    // Equal answers before any timing.
    for (let k = 0; k < 20; k++) {
      for (const q of ['nested by-code', 'near 500 m'] as const) {
        const answers = await Promise.all(
          scenarios
            .filter((s) => s.query === q)
            .map(async (s) => {
              const r = s.request(k);
              const res = await fetch(`http://127.0.0.1:${PORTS[s.server]}${r.path}`, { method: r.method, body: r.body, headers: { 'content-type': 'application/json', ...s.headers() } });
              const text = await res.text();
              try {
                return { server: s.server, answer: JSON.stringify(s.answer(text)) };
              } catch (err) {
                throw new Error(`${s.server} ${q} case ${k}: ${(err as Error).message}: ${text.slice(0, 300)}`);
              }
            }),
        );
        for (const a of answers.slice(1)) {
          if (a.answer !== answers[0].answer) throw new Error(`${q} case ${k}: ${a.server} answered ${a.answer.slice(0, 400)}\n but ${answers[0].server} ${answers[0].answer.slice(0, 400)}`);
        }
        if (answers[0].answer === 'null' || answers[0].answer.includes('"totalCount":0')) throw new Error(`${q} case ${k}: an empty answer proves nothing`);
      }
    }
    process.stderr.write('answers equal on every server for 20 cases of each query\n');

    const runOnce = async (s: Scenario, duration: number): Promise<Run> => {
      const pid = servers[s.server].pid!;
      let k = 0;
      let errors = 0;
      let peak = rssMb(pid);
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
      const before = sampleCpu(pid);
      const result = await autocannon({
        url: `http://127.0.0.1:${PORTS[s.server]}`,
        connections: CONNECTIONS,
        duration,
        timeout: 10,
        requests: [
          {
            setupRequest: (req) => {
              const r = s.request(k++);
              return { ...req, method: r.method, path: r.path, body: r.body, headers: { 'content-type': 'application/json', ...s.headers() } };
            },
            onResponse: (status: number, body: string) => {
              if (status !== 200 || body.includes('"errors"')) errors++;
            },
          },
        ],
      });
      clearInterval(sampler);
      const cpu = cpuPerRequest(before, sampleCpu(pid), result.requests.total);
      return {
        query: s.query,
        server: s.server,
        rps: Math.round(result.requests.total / duration),
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: errors + result.errors + result.timeouts + result.non2xx,
        cpuMsPerRequest: cpu.total,
        cpu: { server: cpu.server, neo4j: cpu.neo4j, postgres: cpu.postgres },
        peakRssMb: peak,
      };
    };

    for (const s of scenarios) await runOnce(s, Number(values.warmup));
    const runs: Run[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Tokens live 15 minutes; a fresh pair each round.
      district = await benchToken('wang.futian', 'GRID_GOVERNANCE');
      city = await benchToken('zhang.data', 'PUBLIC_SERVICE');
      const order = r % 2 === 0 ? scenarios : [...scenarios].reverse();
      for (const s of order) {
        const run = await runOnce(s, DURATION);
        runs.push(run);
        process.stderr.write(`round ${r + 1} ${s.query} ${s.server}: ${run.rps} req/s p50 ${run.p50} p99 ${run.p99} errors ${run.errors} cpu ${run.cpuMsPerRequest} ms/req rss ${run.peakRssMb} MB\n`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const summary = scenarios.map((s) => {
      const mine = runs.filter((x) => x.query === s.query && x.server === s.server);
      return {
        query: s.query,
        server: s.server,
        rps: median(mine.map((x) => x.rps)),
        p50: median(mine.map((x) => x.p50)),
        p99: median(mine.map((x) => x.p99)),
        errors: mine.reduce((n, x) => n + x.errors, 0),
        cpuMsPerRequest: median(mine.map((x) => x.cpuMsPerRequest)),
        peakRssMb: Math.max(...mine.map((x) => x.peakRssMb)),
      };
    });
    console.table(summary);
    const ratio = (q: string, a: ServerName, b: ServerName) => {
      const x = summary.find((s) => s.query === q && s.server === a)!;
      const y = summary.find((s) => s.query === q && s.server === b)!;
      return { throughput: Math.round((x.rps / y.rps) * 100) / 100, cpu: Math.round((y.cpuMsPerRequest / x.cpuMsPerRequest) * 100) / 100 };
    };
    const ratios = {
      'citycode / neo4j-graphql (nested by-code)': ratio('nested by-code', 'citycode', 'neo4j-graphql'),
      'citycode / postgraphile (near 500 m)': ratio('near 500 m', 'citycode', 'postgraphile'),
      'citycode / floor (nested by-code)': ratio('nested by-code', 'citycode', 'floor'),
      'citycode / floor (near 500 m)': ratio('near 500 m', 'citycode', 'floor'),
    };
    console.table(ratios);
    const at = new Date().toISOString();
    writeFileSync(fromRoot('bench', 'results', 'peers.json'), JSON.stringify({ at, connections: CONNECTIONS, duration: DURATION, rounds: ROUNDS, summary, ratios, runs }, null, 2) + '\n');
    writeChart(summary, at);
  } finally {
    for (const child of Object.values(servers)) await stopServer(child);
  }
}

/** A bar chart of requests/s per server and query (ECharts' server-side SVG renderer). */
function writeChart(summary: { query: string; server: string; rps: number; p99: number }[], at: string): void {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 880, height: 420 });
  const servers: ServerName[] = ['citycode', 'neo4j-graphql', 'postgraphile', 'floor'];
  const queries = ['nested by-code', 'near 500 m'];
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: 'citycode vs peers: requests/s (median of rounds, higher is better)', subtext: `${CONNECTIONS} connections, ${DURATION} s × ${ROUNDS} rounds, 2 vCPU, ${at.slice(0, 16)}Z`, left: 'center' },
    legend: { top: 50 },
    grid: { top: 90, bottom: 40, left: 60, right: 20 },
    xAxis: { type: 'category', data: queries },
    yAxis: { type: 'value', name: 'req/s' },
    series: servers.map((server) => ({
      name: server,
      type: 'bar',
      label: { show: true, position: 'top' },
      data: queries.map((q) => summary.find((s) => s.query === q && s.server === server)?.rps ?? null),
    })),
  });
  mkdirSync(fromRoot('docs', 'images'), { recursive: true });
  writeFileSync(fromRoot('docs', 'images', 'peers.svg'), chart.renderToSVGString());
  chart.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
