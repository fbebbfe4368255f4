/**
 * Look-up latency over the city-scale stores (issue 17; docs/benchmarks.md, "City scale").
 *   npm run city:load -- --scale S        (loads the city stores: neo4j-city :7688, citycode_city)
 *   npm run build && node dist/bench/scale.js [--requests 600] [--concurrency 4] [--rounds 3] [--profile]
 *        [--target INSTANCE:BOLT:DATABASE ...]   (default neo4j-city:7688:citycode_city)
 * Starts one API per target over its city stores (permissions and audit on, a real Keycloak token
 * of zhang.data, purpose PUBLIC_SERVICE) and times each look-up of seed/scale/lookups.ts: cases
 * spread over the whole city, a warm-up first, rounds interleaved across look-ups AND targets, so
 * two scales loaded side by side (e.g. the tests' 0.01 city, neo4j-scale-test:7689:citycode_scale_test,
 * beside a full-size one) are compared in one run on the same machine load. Reports p50 / p99 per
 * look-up and target, for a first ("cold") and a second ("warm") pass over the same cases. --profile then PROFILEs every distinct read statement the API ran (captured with
 * CITYCODE_CYPHER_CAPTURE) and lists each plan's operators, flagging label and full scans.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import neo4j from 'neo4j-driver';
import { fromRoot } from '../core/paths';
import { serialKey } from '../registry/issuing';
import { loadRegions } from '../seed/regions';
import { ScaleCity } from '../seed/scale/city';
import { countsAt } from '../seed/scale/counts';
import { lookupCase, LOOKUPS, LookupName } from '../seed/scale/lookups';
import { benchToken, startServer, stopServer, waitFor } from './harness';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '60' },
    // Which cases: run R measures cases none of runs 0..999 but R measure (default: a random R), so
    // a run's first pass is cold even after other runs warmed the caches with their own cases.
    run: { type: 'string', default: String(Math.floor(Math.random() * 1000)) },
    profile: { type: 'boolean', default: false },
    target: {
      type: 'string',
      multiple: true,
      default: ['neo4j-city:7688:citycode_city'],
    },
    port: { type: 'string', default: '4300' },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const PORT = Number(values.port);
const RUNS = 1000;
const RUN = Number(values.run) % RUNS;

interface Target {
  instance: string;
  bolt: string;
  database: string;
  port: number;
  scale: number;
  city: ScaleCity;
  url: string;
}

interface LookupResult {
  scale: number;
  pass: 'cold' | 'warm';
  lookup: LookupName;
  requests: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

async function timeCases(t: Target, lookup: LookupName, ks: number[], n: number, headers: Record<string, string>, latencies: number[]): Promise<number> {
  let errors = 0;
  let next = 0;
  const worker = async () => {
    while (next < ks.length) {
      const c = lookupCase(t.city, lookup, ks[next++] * RUNS + RUN, n * RUNS);
      const started = performance.now();
      const response = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: c.query, variables: c.variables }),
      });
      const body = (await response.json()) as {
        errors?: unknown[];
        data?: unknown;
      };
      latencies.push(performance.now() - started);
      if (!response.ok || body.errors?.length || !body.data) {
        errors++;
        if (errors <= 3) process.stderr.write(`${t.scale} ${lookup}: ${JSON.stringify(body).slice(0, 400)}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return errors;
}

interface PlanSummary {
  cypher: string;
  operators: string[];
  dbHits: number;
  rows: number;
  scans: string[];
}

function walk(
  plan: {
    operatorType: string;
    dbHits?: number;
    rows?: number;
    children: unknown[];
  },
  out: { ops: string[]; dbHits: number },
): void {
  out.ops.push(plan.operatorType.replace(/@neo4j$/, ''));
  out.dbHits += Number(plan.dbHits ?? 0);
  for (const child of plan.children as (typeof plan)[]) walk(child, out);
}

async function profileStatements(file: string, bolt: string): Promise<PlanSummary[]> {
  const driver = neo4j.driver(
    `bolt://127.0.0.1:${bolt}`,
    neo4j.auth.basic(process.env.NEO4J_USER ?? 'neo4j', process.env.NEO4J_PASSWORD ?? 'citycode-dev-password'),
    {
      disableLosslessIntegers: true,
    },
  );
  const out: PlanSummary[] = [];
  try {
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const { cypher, params } = JSON.parse(line, (_k, v: unknown) =>
        v && typeof v === 'object' && '$int' in v ? neo4j.int(String((v as { $int: string }).$int)) : v,
      ) as {
        cypher: string;
        params: Record<string, unknown>;
      };
      const session = driver.session({ defaultAccessMode: neo4j.session.READ });
      try {
        const result = await session.run(`PROFILE ${cypher}`, params);
        const profile = result.summary.profile as unknown as {
          operatorType: string;
          dbHits: number;
          rows: number;
          children: unknown[];
        };
        const acc = { ops: [] as string[], dbHits: 0 };
        walk(profile, acc);
        out.push({
          cypher: cypher.replace(/\s+/g, ' ').trim(),
          operators: acc.ops,
          dbHits: acc.dbHits,
          rows: Number(profile.rows ?? 0),
          scans: acc.ops.filter((o) => /AllNodesScan|NodeByLabelScan|NodeIndexScan|DirectedRelationshipTypeScan|UndirectedRelationshipTypeScan/.test(o)),
        });
      } finally {
        await session.close();
      }
    }
  } finally {
    await driver.close();
  }
  return out;
}

function targetOf(spec: string, i: number): Target {
  const [instance, bolt, database] = spec.split(':');
  const marker = join(fromRoot('.data', instance), 'citycode-city.json');
  if (!existsSync(marker)) throw new Error(`no city loaded in .data/${instance}: run npm run city:load -- --scale S first`);
  const scale = (JSON.parse(readFileSync(marker, 'utf8')) as { scale: number }).scale;
  const port = PORT + i;
  return {
    instance,
    bolt,
    database,
    port,
    scale,
    city: new ScaleCity(countsAt(scale), loadRegions(), serialKey()),
    url: `http://127.0.0.1:${port}/graphql`,
  };
}

async function main(): Promise<void> {
  const targets = values.target!.map(targetOf);
  const servers = [];
  for (const t of targets) {
    const env = {
      ...process.env,
      CITY_INSTANCE: t.instance,
      CITY_NEO4J_BOLT_PORT: t.bolt,
    };
    if (
      spawnSync('bash', [fromRoot('infra', 'city.sh'), 'start'], {
        env,
        stdio: 'inherit',
      }).status !== 0
    )
      throw new Error(`${t.instance} did not start`);
    const captureFile = fromRoot('bench', 'results', `scale-${t.scale}-statements.jsonl`);
    rmSync(captureFile, { force: true });
    servers.push(
      startServer('api/server.js', {
        PORT: String(t.port),
        NEO4J_URI: `neo4j://127.0.0.1:${t.bolt}`,
        PG_DATABASE: t.database,
        ...(values.profile ? { CITYCODE_CYPHER_CAPTURE: captureFile } : {}),
      }),
    );
  }
  try {
    for (const t of targets) await waitFor(`http://127.0.0.1:${t.port}/healthz`);
    const headers = await benchToken();
    const n = REQUESTS;
    // Warm-up: different cases from the measured ones (odd k of 2n) so nothing measured is primed.
    for (const t of targets) {
      for (const lookup of LOOKUPS)
        await timeCases(
          t,
          lookup,
          Array.from({ length: Number(values.warmup) }, (_, i) => 2 * i + 1),
          2 * n,
          headers,
          [],
        );
    }
    const key = (t: Target, l: LookupName, pass: 'cold' | 'warm') => `${t.scale}/${l}/${pass}`;
    const latencies = new Map<string, number[]>();
    const errors = new Map<string, number>();
    const perRound = Math.ceil(n / ROUNDS);
    for (let r = 0; r < ROUNDS; r++) {
      for (const lookup of LOOKUPS) {
        for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
          const ks = Array.from({ length: perRound }, (_, i) => 2 * (r + ROUNDS * i)).filter((k) => k < 2 * n);
          // First pass: cases never asked before (cold: their nodes may not be in any cache).
          // Second pass: the same cases again at once (warm: what a page cache holding them gives).
          for (const pass of ['cold', 'warm'] as const) {
            const list = latencies.get(key(t, lookup, pass)) ?? [];
            latencies.set(key(t, lookup, pass), list);
            errors.set(key(t, lookup, pass), (errors.get(key(t, lookup, pass)) ?? 0) + (await timeCases(t, lookup, ks, 2 * n, headers, list)));
          }
        }
      }
    }
    const results: LookupResult[] = (['cold', 'warm'] as const).flatMap((pass) =>
      targets.flatMap((t) =>
        LOOKUPS.map((lookup) => {
          const sorted = [...latencies.get(key(t, lookup, pass))!].sort((a, b) => a - b);
          return {
            scale: t.scale,
            pass,
            lookup,
            requests: sorted.length,
            errors: errors.get(key(t, lookup, pass))!,
            p50: round1(percentile(sorted, 50)),
            p90: round1(percentile(sorted, 90)),
            p99: round1(percentile(sorted, 99)),
            mean: round1(sorted.reduce((s, x) => s + x, 0) / sorted.length),
          };
        }),
      ),
    );
    console.table(results);
    const profiles: Record<string, PlanSummary[]> = {};
    if (values.profile) {
      for (const t of targets) {
        profiles[String(t.scale)] = await profileStatements(fromRoot('bench', 'results', `scale-${t.scale}-statements.jsonl`), t.bolt);
        for (const p of profiles[String(t.scale)]) {
          console.log(
            `${t.scale} ${p.scans.length ? 'SCAN ' : 'ok   '} dbHits ${String(p.dbHits).padStart(7)}  ${p.operators.join(' > ')}\n      ${p.cypher.slice(0, 160)}`,
          );
        }
      }
    }
    const label = targets.map((t) => t.scale).join('-vs-');
    const report = {
      at: new Date().toISOString(),
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
      targets: targets.map((t) => ({
        scale: t.scale,
        counts: t.city.counts,
        instance: t.instance,
      })),
      results,
      profiles,
    };
    writeFileSync(fromRoot('bench', 'results', `scale-${label}.json`), JSON.stringify(report, null, 2) + '\n');
  } finally {
    for (const s of servers) await stopServer(s);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
