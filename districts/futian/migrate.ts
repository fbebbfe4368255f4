import { Pool } from 'pg';
import { loadMigrations } from '../../store/migrate';
import { logger } from '../../core/logger';
import { fromRoot } from '../../core/paths';
import { futianConfig, type FutianConfig } from './config';

/**
 * The 福田 subgraph's own migrations (districts/futian/migrations/*.sql), recorded in its own
 * schema (futian.schema_migration), never in the city's. Same rules as the city's runner: once
 * each, in file-name order, an applied file must not change.
 *   node dist/districts/futian/migrate.js
 */
export const FUTIAN_MIGRATIONS_DIR = fromRoot('districts', 'futian', 'migrations');

export async function migrateFutian(postgres: FutianConfig['postgres'], dir = FUTIAN_MIGRATIONS_DIR): Promise<string[]> {
  const pool = new Pool({ ...postgres, max: 1, application_name: 'citycode-futian-migrate' });
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['citycode:futian:migrations']);
    await client.query('CREATE SCHEMA IF NOT EXISTS futian');
    await client.query(`CREATE TABLE IF NOT EXISTS futian.schema_migration (
      id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map((await client.query<{ id: string; checksum: string }>('SELECT id, checksum FROM futian.schema_migration')).rows.map((r) => [r.id, r.checksum]));
    for (const m of loadMigrations(dir, '.sql')) {
      const previous = done.get(m.id);
      if (previous !== undefined) {
        if (previous !== m.checksum) throw new Error(`futian migration ${m.id} was changed after it was applied; restore it and add a new migration instead`);
        continue;
      }
      try {
        await client.query(m.body);
      } catch (err) {
        throw new Error(`futian migration ${m.id} failed: ${(err as Error).message}`);
      }
      await client.query('INSERT INTO futian.schema_migration (id, checksum) VALUES ($1, $2)', [m.id, m.checksum]);
      applied.push(m.id);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
    await pool.end();
  }
}

if (require.main === module) {
  migrateFutian(futianConfig().postgres)
    .then((applied) => logger.info({ futian: applied }, applied.length ? 'futian migrations applied' : 'futian migrations up to date'))
    .catch((err) => {
      logger.error({ err }, 'futian migration failed');
      process.exit(1);
    });
}
