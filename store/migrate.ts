import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../core/config';
import { logger } from '../core/logger';
import { fromRoot } from '../core/paths';
import { GraphStore } from './neo4j';
import { SqlStore } from './postgres';
import { syncPolicyFiles } from './policy';

/**
 * Applies the versioned migrations in migrations/postgres (*.sql) and migrations/neo4j (*.cypher)
 * once each, in file-name order. Applied migrations are recorded in the store they changed; an
 * applied file whose content changed is an error (write a new migration instead).
 */
export interface Migration {
  id: string;
  checksum: string;
  body: string;
}

const MIGRATIONS_DIR = fromRoot('migrations');

export function loadMigrations(dir: string, extension: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(extension))
    .sort()
    .map((file) => {
      const body = readFileSync(join(dir, file), 'utf8');
      return { id: file, body, checksum: createHash('sha256').update(body).digest('hex') };
    });
}

/** Splits a Cypher file into statements at semicolons that end a line; `//` comments dropped. */
export function splitCypher(body: string): string[] {
  const withoutComments = body
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function assertUnchanged(store: string, m: Migration, appliedChecksum: string): void {
  if (appliedChecksum !== m.checksum) {
    throw new Error(
      `${store} migration ${m.id} was changed after it was applied; restore it and add a new migration instead`,
    );
  }
}

export async function migratePostgres(sql: SqlStore, dir = join(MIGRATIONS_DIR, 'postgres')): Promise<string[]> {
  const migrations = loadMigrations(dir, '.sql');
  const applied: string[] = [];
  await sql.transaction(async (client) => {
    // One migrator at a time, even when several processes start together.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['citycode:migrations']);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migration (
      id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map(
      (await client.query<{ id: string; checksum: string }>('SELECT id, checksum FROM schema_migration')).rows.map(
        (r) => [r.id, r.checksum],
      ),
    );
    for (const m of migrations) {
      const previous = done.get(m.id);
      if (previous !== undefined) {
        assertUnchanged('PostgreSQL', m, previous);
        continue;
      }
      await client.query('SAVEPOINT migration');
      try {
        await client.query(m.body);
      } catch (err) {
        throw new Error(`PostgreSQL migration ${m.id} failed: ${(err as Error).message}`);
      }
      await client.query('INSERT INTO schema_migration (id, checksum) VALUES ($1, $2)', [m.id, m.checksum]);
      applied.push(m.id);
    }
  });
  return applied;
}

export async function migrateNeo4j(graph: GraphStore, dir = join(MIGRATIONS_DIR, 'neo4j')): Promise<string[]> {
  await graph.runSchema('CREATE CONSTRAINT migration_id_unique IF NOT EXISTS FOR (m:Migration) REQUIRE m.id IS UNIQUE');
  const done = new Map(
    (await graph.read<{ id: string; checksum: string }>('MATCH (m:Migration) RETURN m.id AS id, m.checksum AS checksum')).map(
      (r) => [r.id, r.checksum],
    ),
  );
  const applied: string[] = [];
  for (const m of loadMigrations(dir, '.cypher')) {
    const previous = done.get(m.id);
    if (previous !== undefined) {
      assertUnchanged('Neo4j', m, previous);
      continue;
    }
    // Schema statements cannot share a transaction with data writes, so each runs on its own;
    // migrations use IF NOT EXISTS / MERGE so that a re-run after a failure is harmless.
    for (const statement of splitCypher(m.body)) {
      try {
        await graph.runSchema(statement);
      } catch (err) {
        throw new Error(`Neo4j migration ${m.id} failed at "${statement.slice(0, 80)}": ${(err as Error).message}`);
      }
    }
    await graph.write('MERGE (m:Migration {id: $id}) SET m.checksum = $checksum, m.appliedAt = datetime()', {
      id: m.id,
      checksum: m.checksum,
    });
    applied.push(m.id);
  }
  return applied;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const sql = new SqlStore(config.postgres);
  const graph = new GraphStore(config.neo4j);
  try {
    const pg = await migratePostgres(sql);
    const neo = await migrateNeo4j(graph);
    logger.info({ postgres: pg, neo4j: neo }, pg.length + neo.length ? 'migrations applied' : 'migrations up to date');
    // The versioned policy files (policies/) live in PostgreSQL once loaded; a new version of the
    // files is loaded here, an unchanged one is left alone (governance changes on top stay).
    const policy = await syncPolicyFiles(sql);
    logger.info({ version: policy.version, changed: policy.changed }, policy.changed ? 'policy files loaded' : 'policy up to date');
  } finally {
    await Promise.all([sql.close(), graph.close()]);
  }
}

if (require.main === module) {
  main().catch((err) => {
    logger.error({ err }, 'migration failed');
    process.exit(1);
  });
}
