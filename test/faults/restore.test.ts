import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { print } from 'graphql';
import { DEV_KEY_ID, DEV_SIGNING_KEY_PKCS8_BASE64, signingKeyFrom } from '../../audit/keys';
import { verifyAudit } from '../../audit/verify';
import { fromRoot } from '../../core/paths';
import { EXAMPLE_OPERATIONS, EXAMPLE_VARIABLES, FUTIAN_REGION_CODE } from '../support/exampleOperations';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * Backup and restore (docs/operations.md, "Back up and restore"): infra/backup.sh backs up the
 * running platform (Neo4j dump, pg_dump, exchange files, audit keys) and restores it into EMPTY
 * stores (a new PostgreSQL database, a new Neo4j instance); an API on the restored stores answers
 * every example operation exactly as the original did, and the audit chain verifies there.
 */
jest.setTimeout(900_000);
const run = promisify(execFile);
const RESTORE_DB = 'citycode_restore_test';
const RESTORE_INSTANCE = 'neo4j-restore-test';
const RESTORE_BOLT = Number(process.env.CITYCODE_RESTORE_BOLT_PORT ?? 7697);
const env = (extra: Record<string, string>) => ({ ...process.env, ...extra });

const VARIABLES = EXAMPLE_VARIABLES;
const operations = EXAMPLE_OPERATIONS;
/** More than the examples: the catalogue, lineage, datasets, indicators, exports of a department. */
const MORE: [string, string, Record<string, unknown>][] = [
  ['catalogue', `{ catalogue(search: "人口", first: 20) { totalCount nodes { key name } } }`, {}],
  ['lineage', `{ lineage(node: "Person.phone", direction: UPSTREAM, depth: 3) { depth partial root { __typename } entries { __typename } } }`, {}],
  ['datasets', `{ datasets { id name department level } }`, {}],
  ['indicators', `query ($r: ID!) { indicators(region: $r) { __typename } }`, { r: FUTIAN_REGION_CODE }],
  ['regionStats', `{ regionStats(level: DISTRICT) { __typename } }`, {}],
];

async function answersOf(api: TestApi): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const user of ['zhang.data', 'li.police', 'wu.water']) {
    const headers = { ...bearer(await tokenFor(user)), ...(user === 'zhang.data' ? { 'x-purpose': 'DATA_GOVERNANCE' } : {}) };
    for (const op of operations) out[`${user} ${op.name!.value}`] = await gql(api.url, print(op), VARIABLES[op.name!.value], headers);
    for (const [name, query, variables] of MORE) out[`${user} ${name}`] = await gql(api.url, query, variables, headers);
  }
  return out;
}

const psql = (sql: string) => run('bash', ['-c', `source infra/lib.sh; as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }; as /usr/lib/postgresql/15/bin/psql -h "$CITYCODE_DATA/pg-socket" -p "$PG_PORT" -U postgres -d postgres -qAt -c "${sql}"`], { cwd: fromRoot() });

async function dropRestored(): Promise<void> {
  await run('bash', [fromRoot('infra', 'neo4j.sh'), 'stop'], { cwd: fromRoot(), env: env({ NEO4J_INSTANCE: RESTORE_INSTANCE, NEO4J_BOLT_PORT: String(RESTORE_BOLT) }) }).catch(() => undefined);
  rmSync(fromRoot('.data', RESTORE_INSTANCE), { recursive: true, force: true });
  await psql(`DROP DATABASE IF EXISTS ${RESTORE_DB} WITH (FORCE)`);
}

let original: TestApi;
let restored: TestApi | null = null;
const dir = join(mkdtempSync(join(tmpdir(), 'citycode-backup-')), 'backup');
const keyFile = join(tmpdir(), `citycode-audit-key-${process.pid}.pem`);

beforeAll(async () => {
  await dropRestored();
  original = await startTestApi();
});

afterAll(async () => {
  await restored?.close();
  await original?.close();
  await dropRestored();
  rmSync(keyFile, { force: true });
});

describe('backup and restore', () => {
  let before: Record<string, unknown>;
  let chainRows = 0;

  it('backs up the running platform: Neo4j dump, PostgreSQL dump, audit keys, a manifest of hashes', async () => {
    before = await answersOf(original);
    await original.services.audit?.flush();
    const verified = await verifyAudit(original.stores.sql);
    expect(verified.ok).toBe(true);
    chainRows = verified.checkedRows;
    writeFileSync(keyFile, signingKeyFrom(DEV_SIGNING_KEY_PKCS8_BASE64).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    await run('bash', [fromRoot('infra', 'backup.sh'), 'backup', dir], { cwd: fromRoot(), env: env({ CITYCODE_AUDIT_SIGNING_KEY_FILE: keyFile }), maxBuffer: 16 * 1024 * 1024 });
    const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8')) as { files: Record<string, { bytes: number; sha256: string }> };
    expect(Object.keys(manifest.files).sort()).toEqual(expect.arrayContaining(['audit-keys/signing-key.pem', 'neo4j.dump', 'postgres.dump']));
    expect(manifest.files['neo4j.dump'].bytes).toBeGreaterThan(100_000);
    expect(manifest.files['postgres.dump'].bytes).toBeGreaterThan(100_000);
    expect(signingKeyFrom(readFileSync(join(dir, 'audit-keys', 'signing-key.pem'), 'utf8')).keyId).toBe(DEV_KEY_ID);
    // The platform came back after the dump.
    expect(await answersOf(original)).toEqual(before);
  });

  it('refuses a damaged backup and restores nothing from it', async () => {
    const damaged = `${dir}-damaged`;
    cpSync(dir, damaged, { recursive: true });
    const dump = readFileSync(join(damaged, 'postgres.dump'));
    dump[dump.length >> 1] ^= 0xff;
    writeFileSync(join(damaged, 'postgres.dump'), dump);
    const err = await run('bash', [fromRoot('infra', 'backup.sh'), 'restore', damaged], { cwd: fromRoot(), env: env({ PG_DATABASE: RESTORE_DB, NEO4J_INSTANCE: RESTORE_INSTANCE }) }).catch((e: { stderr: string; code: number }) => e);
    expect((err as { code: number }).code).not.toBe(0);
    expect((err as { stderr: string }).stderr).toMatch(/postgres.dump does not match MANIFEST.json/);
    const { stdout } = await psql(`SELECT count(*) FROM pg_database WHERE datname = '${RESTORE_DB}'`);
    expect(stdout.trim()).toBe('0');
  });

  it('restores into empty stores: identical answers, and an audit chain that verifies', async () => {
    await run('bash', [fromRoot('infra', 'backup.sh'), 'restore', dir], { cwd: fromRoot(), env: env({ PG_DATABASE: RESTORE_DB, NEO4J_INSTANCE: RESTORE_INSTANCE }), maxBuffer: 16 * 1024 * 1024 });
    await run('bash', [fromRoot('infra', 'neo4j.sh'), 'start'], { cwd: fromRoot(), env: env({ NEO4J_INSTANCE: RESTORE_INSTANCE, NEO4J_BOLT_PORT: String(RESTORE_BOLT), NEO4J_HEAP: '768m', NEO4J_PAGECACHE_MB: '128' }) });
    restored = await startTestApi((c) => ({ ...c, neo4j: { ...c.neo4j, uri: `bolt://127.0.0.1:${RESTORE_BOLT}` }, postgres: { ...c.postgres, database: RESTORE_DB } }));
    const verified = await verifyAudit(restored.stores.sql, { publicKeys: [signingKeyFrom(readFileSync(join(dir, 'audit-keys', 'signing-key.pem'), 'utf8')).publicKey] });
    expect(verified).toMatchObject({ ok: true });
    expect(verified.checkedRows).toBeGreaterThanOrEqual(chainRows);
    const after = await answersOf(restored);
    expect(Object.keys(after).length).toBeGreaterThan(30);
    for (const key of Object.keys(before)) expect([key, after[key]]).toEqual([key, before[key]]);
  });
});
