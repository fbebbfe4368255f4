/**
 * The issuing registry's bulk path (the city-scale load, seed/scale/load.ts): counters raised and
 * registry rows copied in the caller's transaction. The registry's triggers and constraints hold
 * for COPY as for INSERT: a code twice, a counter reused or a malformed code fails the part.
 */
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SqlStore } from '../store/postgres';

/** Column order of a registry TSV row (what the generator writes). */
export const REGISTRY_COPY_COLUMNS = ['code', 'division', 'class_code', 'counter', 'kind'] as const;

/** Raises each (division/class) counter to at least `next` (it only grows). */
export async function raiseCounters(client: PoolClient, counters: Readonly<Record<string, number>>): Promise<void> {
  for (const [key, next] of Object.entries(counters)) {
    const [division, classCode] = key.split('/');
    await client.query(
      `INSERT INTO city_code_counter (division, class_code, next_counter) VALUES ($1, $2, $3)
       ON CONFLICT (division, class_code) DO UPDATE SET next_counter = GREATEST(city_code_counter.next_counter, EXCLUDED.next_counter)`,
      [division, classCode, next],
    );
  }
}

/** COPY of registry rows (TSV in REGISTRY_COPY_COLUMNS order) inside the caller's transaction. */
export async function copyRegistryRows(client: PoolClient, rows: Readable): Promise<void> {
  await pipeline(rows, client.query(copyFrom(`COPY city_code_registry (${REGISTRY_COPY_COLUMNS.join(', ')}) FROM STDIN`)));
}

export async function registeredCodeCount(sql: SqlStore): Promise<number> {
  const [row] = await sql.query<{ n: string }>('SELECT count(*) AS n FROM city_code_registry');
  return Number(row.n);
}
