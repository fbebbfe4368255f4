import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeStores, openStores, Stores } from '../store/stores';
import { loadConfig } from '../core/config';
import { fromRoot } from '../core/paths';
import { makeCitizenId } from '../domain/identifiers';
import { parseDataset } from '../domain/datasets';
import { ingestFile } from '../ingest/pipeline';
import { ingestFloor } from './ingestFloor';
import { departmentsOf, register } from '../ingest/registry';
import { loadPolicyDir } from '../store/policy';

/**
 * Ingest throughput and memory on the deterministic path (docs/benchmarks.md, "Ingestion").
 *   node dist/bench/ingest.js --rows 100000,1000000 [--batch-size 5000] [--keep] [--floor]
 * For each size: writes a CSV of persons with ID numbers (90% new persons, 10% later records of
 * persons seen earlier in the file), ingests it in a child process (so peak RSS is that run's),
 * prints records/s and peak RSS, then removes what it wrote (unless --keep). The dataset is
 * deterministic-only (`probabilistic: false`): an unknown ID number is a new person.
 * --floor also measures, for each size, Neo4j's own rate for a bare UNWIND CREATE of the same
 * shape (bench/ingestFloor.ts) with 1 and 2 concurrent writers (--floor-writers 1,2), and the
 * ratio of the ingest to the best of them.
 */
const DATASET = 'bench-population';
const DIVISIONS = ['440103', '440104', '440105', '440106', '440111', '440112', '440113', '440114', '440115'];

export function benchRow(i: number): string {
  const n = i % 10 === 9 && i >= 1000 ? i - 991 : i; // every 10th row: a person of ~1,000 rows before
  const division = DIVISIONS[n % DIVISIONS.length];
  const day = Math.floor(n / DIVISIONS.length) % 20_000;
  const seq = 500 + Math.floor(n / (DIVISIONS.length * 20_000));
  const birth = new Date(Date.UTC(1950, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
  const id = makeCitizenId(division, birth.replaceAll('-', ''), seq, { today: '20260101' });
  return [`BR${i}`, id, `压测${n}`, seq % 2 ? 'M' : 'F', birth, `13${String(100_000_000 + (n % 900_000_000)).slice(-9)}`, `2026-01-01T00:00:00Z`].join(',');
}

async function writeFile(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (line: string) => (out.write(`${line}\n`) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('record_id,id_number,name,sex,birth_date,phone,updated_at');
  for (let i = 0; i < rows; i++) await write(benchRow(i));
  await new Promise<void>((resolve) => out.end(resolve));
}

async function registerBench(stores: Stores): Promise<void> {
  const policy = loadPolicyDir();
  const def = parseDataset(
    {
      id: DATASET, name: '压测人口', department: 'SZ-GAJ', topic: '压测', domain: 'POPULATION', level: 'L3', cadence: 'DAILY', entity: 'Person', classCode: '010000',
      recordKey: 'record_id', recordTime: 'updated_at', probabilistic: false,
      fields: [
        { name: 'record_id', type: 'string', required: true },
        { name: 'id_number', type: 'CITIZEN_ID', attribute: 'Person.idNumber', required: true },
        { name: 'name', type: 'string', attribute: 'Person.name' },
        { name: 'sex', type: 'sex', attribute: 'Person.sex' },
        { name: 'birth_date', type: 'date', attribute: 'Person.birthDate' },
        { name: 'phone', type: 'phone', attribute: 'Person.phone' },
        { name: 'updated_at', type: 'datetime' },
      ],
      authoritative: [],
    },
    new Set(departmentsOf(policy).keys()),
  );
  await register(stores, policy, def, 'bench');
}

async function cleanBench(stores: Stores): Promise<void> {
  const session = stores.graph.driver.session();
  try {
    for (const q of [
      `MATCH (e:Entity {createdBy: $id}) CALL { WITH e OPTIONAL MATCH (x:ExternalId)-[:IDENTIFIES]->(e) DETACH DELETE x, e } IN TRANSACTIONS OF 10000 ROWS`,
      `MATCH (s:SourceRecord {dataset: $id}) CALL { WITH s DETACH DELETE s } IN TRANSACTIONS OF 10000 ROWS`,
      `MATCH (r:IngestRun {dataset: $id}) DELETE r`,
    ]) {
      await session.run(q, { id: DATASET });
    }
  } finally {
    await session.close();
  }
  await stores.sql.query('DELETE FROM source_record_code WHERE dataset = $1', [DATASET]);
}

/** Child mode: ingest one file and print the summary with this process's peak RSS. */
async function child(file: string, batchSize: number): Promise<void> {
  const stores = openStores(loadConfig());
  try {
    const started = process.hrtime.bigint();
    const s = await ingestFile(stores, { dataset: DATASET, file, batchSize, progress: true });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`${JSON.stringify({ read: s.read, matched: s.matched, new: s.new, rejected: s.rejected, seconds, recordsPerSecond: Math.round(s.read / seconds), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
  } finally {
    await closeStores(stores);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000,1000000' }, 'batch-size': { type: 'string', default: '1000' }, keep: { type: 'boolean', default: false }, floor: { type: 'boolean', default: false }, 'floor-writers': { type: 'string', default: '1,2' }, child: { type: 'string' } } });
  const batchSize = Number(values['batch-size']);
  if (values.child) return child(values.child, batchSize);
  const dir = fromRoot('.data', 'bench');
  mkdirSync(dir, { recursive: true });
  const stores = openStores(loadConfig());
  const results: Record<string, unknown>[] = [];
  try {
    await registerBench(stores);
    for (const rows of values.rows!.split(',').map(Number)) {
      await cleanBench(stores);
      const file = join(dir, `bench-${rows}.csv`);
      await writeFile(file, rows);
      const run = spawnSync(process.execPath, [__filename, '--child', file, '--batch-size', String(batchSize)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
      if (run.status !== 0) throw new Error(`ingest of ${rows} rows failed (exit ${run.status})`);
      const r: Record<string, unknown> = { rows, batchSize, ...(JSON.parse(run.stdout.trim().split('\n').filter((l) => l.includes('"recordsPerSecond"')).pop()!) as Record<string, unknown>) };
      if (values.floor) {
        // The floor with one writer (the pipeline's shape) and with parallel writers (the best here).
        const floors = [];
        for (const writers of values['floor-writers']!.split(',').map(Number)) floors.push(await ingestFloor(stores.graph, rows, batchSize, writers));
        const best = floors.reduce((a, b) => (b.recordsPerSecond > a.recordsPerSecond ? b : a));
        Object.assign(r, {
          floors: floors.map((f) => ({ writers: f.writers, recordsPerSecond: f.recordsPerSecond })),
          floorRecordsPerSecond: best.recordsPerSecond,
          ratioToFloor: Math.round((Number(r.recordsPerSecond) / best.recordsPerSecond) * 100) / 100,
        });
      }
      process.stdout.write(`${JSON.stringify(r)}\n`);
      results.push(r);
      if (!values.keep) await cleanBench(stores);
    }
  } finally {
    await closeStores(stores);
  }
  mkdirSync(fromRoot('bench', 'results'), { recursive: true });
  writeFileSync(fromRoot('bench', 'results', 'ingest.json'), `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
