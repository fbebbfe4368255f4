import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { loadMigrations } from '../../store/migrate';
import { logger } from '../../core/logger';
import { fromRoot } from '../../core/paths';
import { DISTRICT_PLATFORMS, FUTIAN, districtPlatform, type DistrictPlatform } from '../../domain/districtPlatforms';
import { districtConfig, type FutianConfig } from './config';

/**
 * A district subgraph's own migrations, recorded in its own schema (<slug>.schema_migration),
 * never in the city's. The files in districts/futian/migrations are the template: 福田's text as
 * it was first applied, rendered for another district by putting its schema, codes and name where
 * 福田's are (for 福田 the rendering is the file itself, so its checksums never move). Same rules
 * as the city's runner: once each, in file-name order, an applied migration must not change.
 *   node dist/districts/futian/migrate.js [slug … | --served | --all]   (default: futian)
 */
export const FUTIAN_MIGRATIONS_DIR = fromRoot('districts', 'futian', 'migrations');

/** A template migration rendered for a district (identity for 福田). */
export function renderMigration(body: string, p: DistrictPlatform): string {
  if (p.slug === FUTIAN.slug) return body;
  return body
    .replaceAll(FUTIAN.streetPattern, p.streetPattern)
    .replaceAll(`'^${FUTIAN.idPrefix}-`, `'^${p.idPrefix}-`)
    .replaceAll(FUTIAN.code, p.code)
    .replaceAll(FUTIAN.slug, p.slug)
    .replaceAll('福田区', p.name)
    .replaceAll('福田', p.name);
}

export async function migrateDistrict(postgres: FutianConfig['postgres'], p: DistrictPlatform, dir = FUTIAN_MIGRATIONS_DIR): Promise<string[]> {
  return migrateOwnSchema(postgres, p.slug, dir, (body) => renderMigration(body, p));
}

/**
 * A partner platform's migrations into its own schema (a district's, or a department's such as
 * 交通运输局's `jtj`), each rendered by `render` before it is checked and applied.
 */
export async function migrateOwnSchema(postgres: FutianConfig['postgres'], schema: string, dir: string, render: (body: string) => string = (b) => b): Promise<string[]> {
  if (!/^[a-z]{2,30}$/.test(schema)) throw new Error(`platform schema "${schema}" must be 2-30 lower-case letters`);
  const pool = new Pool({ ...postgres, max: 1, application_name: `citycode-${schema}-migrate` });
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`citycode:${schema}:migrations`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migration (
      id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map((await client.query<{ id: string; checksum: string }>(`SELECT id, checksum FROM ${schema}.schema_migration`)).rows.map((r) => [r.id, r.checksum]));
    for (const template of loadMigrations(dir, '.sql')) {
      const body = render(template.body);
      const checksum = createHash('sha256').update(body).digest('hex');
      const previous = done.get(template.id);
      if (previous !== undefined) {
        if (previous !== checksum) throw new Error(`${schema} migration ${template.id} was changed after it was applied; restore it and add a new migration instead`);
        continue;
      }
      try {
        await client.query(body);
      } catch (err) {
        throw new Error(`${schema} migration ${template.id} failed: ${(err as Error).message}`);
      }
      await client.query(`INSERT INTO ${schema}.schema_migration (id, checksum) VALUES ($1, $2)`, [template.id, checksum]);
      applied.push(template.id);
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

export async function migrateFutian(postgres: FutianConfig['postgres'], dir = FUTIAN_MIGRATIONS_DIR): Promise<string[]> {
  return migrateDistrict(postgres, FUTIAN, dir);
}

/** The districts a command line names: slugs, --served (the development supergraph's), --all; none: 福田. */
export function platformsOf(args: readonly string[]): DistrictPlatform[] {
  if (args.includes('--all')) return [...DISTRICT_PLATFORMS];
  if (args.includes('--served')) return DISTRICT_PLATFORMS.filter((p) => p.served);
  const slugs = args.filter((a) => !a.startsWith('--'));
  return slugs.length ? slugs.map(districtPlatform) : [FUTIAN];
}

if (require.main === module) {
  (async () => {
    for (const p of platformsOf(process.argv.slice(2))) {
      const applied = await migrateDistrict(districtConfig(p).postgres, p);
      logger.info({ [p.slug]: applied }, applied.length ? `${p.slug} migrations applied` : `${p.slug} migrations up to date`);
    }
  })().catch((err) => {
    logger.error({ err }, 'district migration failed');
    process.exit(1);
  });
}
