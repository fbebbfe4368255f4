/**
 * 批量共享 benchmark: an export of ~1 M rows through the real path — a real API process
 * (permissions and audit on), `startExport` by 市公安局's user (li.police, PUBLIC_SECURITY) of every
 * Person as NDJSON, each row released through the gate — against the floor: the same rows read
 * from Neo4j with the same keyset pages and written as JSON lines with their sha256, in the
 * benchmark process, with no gate. Rounds interleaved (floor, API, floor, API, …). The server's
 * RSS is sampled every 200 ms from /proc: memory must stay bounded whatever the row count.
 *
 * Loads N synthetic persons first (createdBy 'bench-export', codes starting 99, no region, so the
 * demo city's queries by region are untouched) and deletes them afterwards.
 *
 *   node dist/bench/export.js [--persons 1000000] [--rounds 2] [--out export.json]
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import neo4j from 'neo4j-driver';
import { loadConfig } from '../core/config';
import { fromRoot } from '../core/paths';
import { progress } from '../core/progress';
import { startServer, stopServer, waitFor } from './harness';

const PORT = 4212;
const MARK = 'bench-export';

async function token(username: string): Promise<string> {
  const config = loadConfig();
  const body = new URLSearchParams({ grant_type: 'password', client_id: 'citycode-cli', client_secret: 'citycode-cli-dev-secret', username, password: 'citycode-dev-pw' });
  const response = await fetch(`${config.keycloak.url}/realms/${config.keycloak.realm}/protocol/openid-connect/token`, { method: 'POST', body });
  const json = (await response.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`no token for ${username}`);
  return json.access_token;
}

async function gql(query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${PORT}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const json = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (json.errors) throw new Error(JSON.stringify(json.errors));
  return json.data!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      persons: { type: 'string', default: '1000000' },
      rounds: { type: 'string', default: '2' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      // Caps the server's V8 heap: an export that completes under it holds no more than that.
      'heap-mb': { type: 'string' },
    },
  });
  const persons = Number(values.persons);
  const rounds = Number(values.rounds);
  const config = loadConfig();
  const driver = neo4j.driver(config.neo4j.uri, neo4j.auth.basic(config.neo4j.user, config.neo4j.password));
  const run = async (cypher: string, params: Record<string, unknown> = {}) => {
    const session = driver.session({ database: config.neo4j.database });
    try {
      return await session.run(cypher, params);
    } finally {
      await session.close();
    }
  };

  // 1. The synthetic persons.
  const have = (await run(`MATCH (p:Person {createdBy: $mark}) RETURN count(p) AS n`, { mark: MARK })).records[0].get('n').toNumber();
  if (have < persons) {
    const bar = progress('load bench persons', persons - have);
    for (let i = have; i < persons; i += 20_000) {
      const rows = Array.from({ length: Math.min(20_000, persons - i) }, (_, k) => {
        const n = i + k;
        return {
          code: `99${String(n).padStart(20, '0')}`,
          name: `测${n}`,
          phone: `139${String(n % 1e8).padStart(8, '0')}`,
          sex: n % 2 ? 'M' : 'F',
          birthDate: `19${50 + (n % 50)}-0${1 + (n % 9)}-1${n % 10}`,
        };
      });
      await run(`UNWIND $rows AS r CREATE (p:Entity:Person) SET p = r, p.createdBy = $mark`, { rows, mark: MARK });
      bar.advance(rows.length);
    }
    bar.done();
  }
  const total = (await run(`MATCH (p:Person) RETURN count(p) AS n`)).records[0].get('n').toNumber();
  console.log(`${total} persons in the graph (${persons} synthetic)`);

  const dir = mkdtempSync(join(tmpdir(), 'citycode-bench-export-'));
  const heap: Record<string, string> = values['heap-mb'] ? { NODE_OPTIONS: `--max-old-space-size=${Number(values['heap-mb'])}` } : {};
  const server = startServer('api/server.js', { PORT: String(PORT), CITYCODE_EXCHANGE_DIR: dir, CITYCODE_RETURN_FLOW_TICK_MS: '0', ...heap });
  const results: Record<string, unknown>[] = [];
  try {
    await waitFor(`http://127.0.0.1:${PORT}/healthz`);
    const headers = { authorization: `Bearer ${await token('li.police')}`, 'x-purpose': 'PUBLIC_SECURITY' };

    const floor = async (): Promise<Record<string, unknown>> => {
      const started = Date.now();
      const path = join(dir, 'floor.ndjson');
      const out = createWriteStream(path);
      const hash = createHash('sha256');
      let rows = 0;
      for (let after = ''; ; ) {
        const page = await run(`MATCH (e:Person) WHERE e.code > $after RETURN e.code AS code, properties(e) AS props ORDER BY e.code LIMIT 1000`, { after });
        if (page.records.length === 0) break;
        let text = '';
        for (const r of page.records) text += JSON.stringify({ code: r.get('code'), kind: 'Person', values: r.get('props') }) + '\n';
        const chunk = Buffer.from(text);
        hash.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        rows += page.records.length;
        after = page.records[page.records.length - 1].get('code');
        if (page.records.length < 1000) break;
      }
      await new Promise<void>((resolve) => out.end(() => resolve()));
      const s = (Date.now() - started) / 1000;
      const size = statSync(path).size;
      rmSync(path);
      return { path: 'floor (driver → file, no gate)', rows, seconds: Number(s.toFixed(1)), rowsPerS: Math.round(rows / s), bytes: size, sha256: hash.digest('hex').slice(0, 12), benchRssMb: Math.round(process.memoryUsage().rss / 1e6) };
    };

    const api = async (): Promise<Record<string, unknown>> => {
      const rssOf = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      const before = rssOf();
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssOf())), 200);
      const started = Date.now();
      const job = (await gql(`mutation { startExport(input: { kind: "Person", format: NDJSON }) { id } }`, {}, headers)).startExport as { id: string };
      let state: { state: string; rows: number; bytes: number; error: string | null } = { state: 'QUEUED', rows: 0, bytes: 0, error: null };
      while (state.state !== 'DONE' && state.state !== 'FAILED') {
        await new Promise((r) => setTimeout(r, 500));
        state = (await gql(`query ($id: ID!) { exportJob(id: $id) { state rows bytes error } }`, { id: job.id }, headers)).exportJob as typeof state;
      }
      clearInterval(sampler);
      const s = (Date.now() - started) / 1000;
      if (state.state !== 'DONE') throw new Error(`export ${job.id} failed: ${state.error}`);
      rmSync(join(dir, 'exports', job.id), { recursive: true, force: true });
      return { path: 'API export (gate, audit, manifest)', job: job.id, rows: state.rows, seconds: Number(s.toFixed(1)), rowsPerS: Math.round(state.rows / s), bytes: state.bytes, serverRssBeforeMb: Math.round(before), serverPeakRssMb: Math.round(peak) };
    };

    for (let round = 1; round <= rounds; round++) {
      for (const [name, f] of [['floor', floor], ['api', api]] as const) {
        const r = { round, ...(await f()) };
        console.log(name, JSON.stringify(r));
        results.push(r);
      }
    }
    const med = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    };
    const apiRates = results.filter((r) => String(r.path).startsWith('API')).map((r) => r.rowsPerS as number);
    const floorRates = results.filter((r) => String(r.path).startsWith('floor')).map((r) => r.rowsPerS as number);
    const summary = {
      persons: total,
      heapMb: values['heap-mb'] ? Number(values['heap-mb']) : null,
      apiRowsPerS: Math.round(med(apiRates)),
      floorRowsPerS: Math.round(med(floorRates)),
      // Each round's API run against the floor run just before it.
      ratioMedian: Number(med(apiRates.map((a, i) => a / floorRates[i])).toFixed(2)),
      serverPeakRssMb: Math.max(...results.filter((r) => r.serverPeakRssMb).map((r) => r.serverPeakRssMb as number)),
      at: new Date().toISOString(),
      runs: results,
    };
    console.log(JSON.stringify(summary, null, 2));
    if (values.out) writeFileSync(fromRoot('bench', 'results', values.out), JSON.stringify(summary, null, 2) + '\n');
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
    if (!values.keep) {
      await run(`MATCH (p:Person {createdBy: $mark}) CALL { WITH p DETACH DELETE p } IN TRANSACTIONS OF 20000 ROWS`, { mark: MARK });
    }
    await driver.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
