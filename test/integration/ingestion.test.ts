import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeStores, openStores, Stores } from '../../store/stores';
import { loadConfig } from '../../core/config';
import { fromRoot } from '../../core/paths';
import { ingestRun } from '../../graph/ingest';
import { fileDigest, ingestFile } from '../../ingest/pipeline';
import { cleanTestDataset, personRows, registerTestDataset, snapshot, testDatasetId, unregisterTestDataset, writePersonCsv } from '../support/ingestFixtures';

/**
 * Ingestion against the real Neo4j and PostgreSQL: a real `citycode ingest` process killed with
 * SIGKILL mid-file and run again ends in exactly the state of one clean run of the same file
 * (namespace A, clean; namespace B, killed and resumed: same shape, disjoint persons), and
 * re-ingesting a file changes nothing.
 */
const ROWS = 3_000;
const BATCH = 200;
const CLI = fromRoot('dist', 'ingest', 'cli.js');

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], onStart?: (kill: () => void) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'error', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onStart?.(() => child.kill('SIGKILL'));
  });
}

describe('ingestion', () => {
  let stores: Stores;
  const dir = mkdtempSync(join(tmpdir(), 'citycode-ingest-'));
  const fileA = join(dir, 'a.csv');
  const fileB = join(dir, 'b.csv');

  beforeAll(async () => {
    stores = openStores(loadConfig());
    for (const ns of ['A', 'B', 'C']) {
      await cleanTestDataset(stores, ns);
      await registerTestDataset(stores, ns);
    }
    writePersonCsv(fileA, personRows('A', ROWS));
    writePersonCsv(fileB, personRows('B', ROWS));
  }, 60_000);

  afterAll(async () => {
    for (const ns of ['A', 'B', 'C']) {
      await cleanTestDataset(stores, ns);
      await unregisterTestDataset(stores, ns);
    }
    await closeStores(stores);
  }, 60_000);

  it('a run killed with SIGKILL mid-file and run again equals one clean run', async () => {
    const clean = await ingestFile(stores, { dataset: testDatasetId('A'), file: fileA, batchSize: BATCH });
    expect(clean).toMatchObject({ read: ROWS, rejected: 30, written: true, resumedAtBatch: 0 });
    expect(clean.new).toBeGreaterThan(2_500);
    expect(clean.matched).toBe(ROWS - 30 - clean.new);
    expect(clean.review).toBe(0);

    // The real CLI, slowed down so that the kill lands between the first and the last batch.
    const { hash } = await fileDigest(fileB);
    const runId = `${testDatasetId('B')}|${hash}`;
    const args = ['--dataset', testDatasetId('B'), fileB, '--batch-size', String(BATCH), '--json', '--no-progress'];
    let killedAt = -1;
    const killed = await runCli([...args, '--throttle-ms', '150'], (kill) => {
      const poll = setInterval(() => {
        void ingestRun(stores.graph, runId).then((run) => {
          if (run && run.lastBatch >= 4 && killedAt < 0) {
            killedAt = run.lastBatch;
            kill();
            clearInterval(poll);
          }
        });
      }, 20);
    });
    expect(killed.signal).toBe('SIGKILL');
    const interrupted = await ingestRun(stores.graph, runId);
    expect(interrupted?.status).toBe('RUNNING');
    expect(interrupted!.lastBatch).toBeGreaterThanOrEqual(4);
    expect(interrupted!.lastBatch).toBeLessThan(ROWS / BATCH - 1);

    const rerun = await runCli(args);
    expect(rerun.code).toBe(0);
    const summary = JSON.parse(rerun.stdout) as Record<string, number | boolean>;
    expect(summary.resumedAtBatch).toBe(interrupted!.lastBatch + 1);
    for (const k of ['read', 'matched', 'new', 'review', 'unchanged', 'conflicts', 'rejected']) expect([k, summary[k]]).toEqual([k, clean[k as keyof typeof clean]]);

    const [a, b] = [await snapshot(stores, 'A'), await snapshot(stores, 'B')];
    expect(b.counts).toEqual(a.counts);
    expect(a.counts.issuedCodes).toBe(clean.new);
    expect(a.counts.created).toBe(clean.new);
    expect(b.records).toEqual(a.records);
    expect(b.entities).toEqual(a.entities);
  }, 240_000);

  it('re-ingesting the same file changes nothing', async () => {
    const before = await snapshot(stores, 'A');
    const again = await ingestFile(stores, { dataset: testDatasetId('A'), file: fileA, batchSize: BATCH });
    expect(again).toMatchObject({ read: ROWS, unchanged: ROWS - 30, rejected: 30, matched: 0, new: 0, conflicts: 0 });
    expect(await snapshot(stores, 'A')).toEqual(before);
  }, 120_000);

  it('--all-or-nothing writes nothing when a row is rejected; without it the other rows go in, each rejection with its line', async () => {
    const file = join(dir, 'c.csv');
    writePersonCsv(file, personRows('C', 100)); // row 96 (line 98) has the birth date 2026-13-01
    const args = ['--dataset', testDatasetId('C'), file, '--json', '--no-progress'];
    const refused = await runCli([...args, '--all-or-nothing']);
    expect(refused.code).toBe(2);
    const summary = JSON.parse(refused.stdout) as { written: boolean; rejected: number; rejectedRows: unknown[] };
    expect(summary).toMatchObject({ written: false, rejected: 1 });
    expect(summary.rejectedRows).toEqual([{ line: 98, reason: 'birth_date "2026-13-01" is not a date (YYYY-MM-DD)', field: 'birth_date' }]);
    expect((await snapshot(stores, 'C')).counts).toMatchObject({ records: 0, created: 0, issuedCodes: 0 });

    const loaded = await runCli(args);
    expect(loaded.code).toBe(0);
    expect(JSON.parse(loaded.stdout)).toMatchObject({ written: true, read: 100, new: 99, rejected: 1, rejectedRows: [{ line: 98, field: 'birth_date' }] });
    expect((await snapshot(stores, 'C')).counts).toMatchObject({ records: 99, maps: 99, created: 99, issuedCodes: 99, externalIds: 99 });
  }, 120_000);
});
