import { CityCodeError, isPostgresUnavailable, unavailable } from '../core/errors';
import type { SqlStore } from './postgres';

/**
 * One ingest of a dataset at a time, across processes and machines sharing the database: the run
 * holds a PostgreSQL session advisory lock on the dataset for its whole length. A second run of the
 * same dataset is refused at once (nothing read, nothing written) rather than interleaving its
 * batches and checkpoints with the first; other datasets ingest in parallel. A run that dies
 * (even by SIGKILL) loses its session, and with it the lock, so a re-run can resume at once.
 */
export async function withDatasetLock<R>(sql: SqlStore, dataset: string, work: () => Promise<R>): Promise<R> {
  const key = `citycode:ingest:${dataset}`;
  let client;
  try {
    client = await sql.pool.connect();
  } catch (err) {
    throw isPostgresUnavailable(err) ? unavailable('PostgreSQL', err) : err;
  }
  let locked = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key]);
    locked = rows[0].locked;
    if (!locked) throw datasetBusy(dataset);
    return await work();
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
    client.release();
  }
}

export function datasetBusy(dataset: string): CityCodeError {
  return new CityCodeError(
    'UNAVAILABLE',
    `dataset ${dataset} is being ingested by another run right now`,
    'Wait for that run to finish (its summary says when), then ingest again: a re-run of the same file changes nothing that run already wrote.',
    { service: 'ingest', reason: 'DATASET_BUSY', dataset },
  );
}
