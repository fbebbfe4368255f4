import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeStores, openStores, Stores } from '../../store/stores';
import type { CityCodeError } from '../../core/errors';
import { loadConfig } from '../../core/config';
import { withDatasetLock } from '../../store/locks';
import { ingestFile } from '../../ingest/pipeline';
import { cleanTestDataset, personRows, registerTestDataset, snapshot, testDatasetId, unregisterTestDataset, writePersonCsv } from '../support/ingestFixtures';

/**
 * Two ingests of one dataset never interleave: the second is refused at once with
 * UNAVAILABLE / DATASET_BUSY and writes nothing, against the real PostgreSQL lock.
 */
const NS = 'E';
const ROWS = 400;
/** Rows personRows gives a bad birth date (rejected): every 97th. */
const BAD = personRows(NS, ROWS).filter((r) => r.birthDate === '2026-13-01').length;

describe('one ingest of a dataset at a time', () => {
  let stores: Stores;
  const file = join(mkdtempSync(join(tmpdir(), 'citycode-lock-')), 'e.csv');

  beforeAll(async () => {
    stores = openStores(loadConfig());
    await cleanTestDataset(stores, NS);
    await registerTestDataset(stores, NS);
    writePersonCsv(file, personRows(NS, ROWS));
  }, 60_000);

  afterAll(async () => {
    await cleanTestDataset(stores, NS);
    await unregisterTestDataset(stores, NS);
    await closeStores(stores);
  }, 60_000);

  const busy = (err: unknown) => (err as CityCodeError).extensions;

  it('refuses a run while another holds the dataset, writing nothing; runs once it is free', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holder = withDatasetLock(stores.sql, testDatasetId(NS), () => held);
    await new Promise((r) => setTimeout(r, 100)); // the holder has its lock
    const refused = await ingestFile(stores, { dataset: testDatasetId(NS), file, batchSize: 100 }).catch((err: unknown) => err);
    expect(busy(refused)).toMatchObject({ code: 'UNAVAILABLE', reason: 'DATASET_BUSY', dataset: testDatasetId(NS) });
    expect((await snapshot(stores, NS)).counts).toMatchObject({ records: 0, created: 0, issuedCodes: 0 });
    // Another dataset is not held up by it.
    await expect(withDatasetLock(stores.sql, testDatasetId('A'), async () => 'free')).resolves.toBe('free');
    release();
    await holder;
    const run = await ingestFile(stores, { dataset: testDatasetId(NS), file, batchSize: 100 });
    expect(BAD).toBe(4);
    expect(run).toMatchObject({ read: ROWS, rejected: BAD, new: ROWS - BAD, written: true });
  }, 120_000);

  it('of two runs started together, one ingests and the other is refused; the state is that of one run', async () => {
    const before = await snapshot(stores, NS);
    const runs = await Promise.allSettled([0, 1].map(() => ingestFile(stores, { dataset: testDatasetId(NS), file, batchSize: 100 })));
    const done = runs.filter((r) => r.status === 'fulfilled');
    const refused = runs.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(done).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(busy(refused[0].reason)).toMatchObject({ reason: 'DATASET_BUSY' });
    // The file was ingested before: the run that went through changed nothing.
    expect((done[0] as PromiseFulfilledResult<{ unchanged: number }>).value.unchanged).toBe(ROWS - BAD);
    expect(await snapshot(stores, NS)).toEqual(before);
  }, 120_000);
});
