/**
 * The ledger of a bulk load's parts (the city-scale load, seed/scale/load.ts): which parts of which
 * scale are in this database. A part's rows and its ledger row commit in one transaction, so a
 * part is loaded exactly once however often the load is restarted.
 */
import type { PoolClient } from 'pg';
import type { SqlStore } from './postgres';

export async function ensureLoadLedger(sql: SqlStore): Promise<void> {
  await sql.query(`CREATE TABLE IF NOT EXISTS city_load_part (
      part text PRIMARY KEY, scale double precision NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())`);
}

/** The scales of the parts already loaded (more than one never: the loader refuses to mix). */
export async function loadedScales(sql: SqlStore): Promise<number[]> {
  return (await sql.query<{ scale: number }>('SELECT DISTINCT scale FROM city_load_part')).map((r) => Number(r.scale));
}

export async function loadedParts(sql: SqlStore): Promise<Set<string>> {
  return new Set((await sql.query<{ part: string }>('SELECT part FROM city_load_part')).map((r) => r.part));
}

export async function recordLoadedPart(client: PoolClient, part: string, scale: number): Promise<void> {
  await client.query('INSERT INTO city_load_part (part, scale) VALUES ($1, $2)', [part, scale]);
}

export async function databaseBytes(sql: SqlStore): Promise<number> {
  const [row] = await sql.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n');
  return Number(row.n);
}
