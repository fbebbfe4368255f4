import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { AuditRow, GENESIS_HASH, operationHash, rowHash } from '../../audit/chain';
import { AuditIntegrityError, createCheckpoint, startCheckpointTimer } from '../../audit/checkpoint';
import { runCli } from '../../audit/cli';
import { AuditExport, exportAudit } from '../../audit/export';
import { loadSigningKey } from '../../audit/keys';
import { readRows } from '../../audit/rows';
import { verifyAudit } from '../../audit/verify';
import { AuditEntry, AuditWriter } from '../../audit/writer';
import { loadConfig } from '../../core/config';
import type { Logger } from '../../core/logger';
import { fromRoot } from '../../core/paths';
import type { Subject } from '../../core/subject';
import { SqlStore } from '../../store/postgres';
import { TcpProxy } from '../support/tcpProxy';

/**
 * The audit trail against the real PostgreSQL.
 *
 * Isolation: appends, concurrency and the trigger refusals run on the real audit_log (migration
 * 0005 applied by `npm run migrate`); they only add valid rows and roll back whatever the
 * triggers refuse, so the shared log stays verifiable. Every scenario that tampers with the log
 * as the superuser (over the Unix socket, triggers bypassed with session_replication_role =
 * replica) gets a scratch schema of its own, `audit_t_<pid>_<name>`, created with the very DDL of
 * 0005 and reached through a pool whose search_path names it; afterAll drops those schemas. The
 * real audit_log is never touched by the superuser, and the last test verifies it.
 */

const config = loadConfig();
const MIGRATION = readFileSync(fromRoot('migrations/postgres/0005_audit_log.sql'), 'utf8');
const SOCKET_DIR = join(process.env.CITYCODE_DATA ?? fromRoot('.data'), 'pg-socket');
const RUN = `${process.pid}_${Date.now().toString(36)}`;
const devKey = loadSigningKey({});

const SUBJECT: Subject = {
  id: 'test:audit',
  username: 'audit.tester',
  department: 'SZ-ZSJ',
  departmentName: '市政务服务数据管理局',
  clearance: 'L3',
  districtScope: [],
  roles: ['data-steward'],
  serviceAccount: true,
  anonymous: false,
};

function entry(n: number, extra: Partial<AuditEntry> = {}): AuditEntry {
  const document = 'query Person($code: String!) { person(code: $code) { name idNumber } }';
  const code = `440304${String(n).padStart(14, '0')}`;
  return {
    subject: SUBJECT,
    purpose: n % 3 === 0 ? null : '数据治理抽查',
    operationHash: operationHash(document, { code }),
    operationName: `audit-test-${RUN}`,
    entityCodes: [code],
    fields: ['Person.name', n % 2 ? 'Person.idNumber' : 'Person.phone'],
    decision: (['ALLOW', 'MASK', 'DENY', 'GOVERNANCE'] as const)[n % 4],
    policy: 'zsj-population@1',
    detail: { n, note: n % 5 === 0 ? '深圳 福田 😀' : undefined },
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Stores, scratch schemas and the malicious DBA
// ---------------------------------------------------------------------------------------------

const stores: SqlStore[] = [];
const schemas: string[] = [];
let dba: Client;
let tmp: string;

function store(searchPath?: string, port = config.postgres.port, poolSize = 4): SqlStore {
  const sql = new SqlStore({ ...config.postgres, port, poolSize });
  // Every connection of this pool starts with the scratch schema as its search_path.
  if (searchPath) sql.pool.options.options = `-c search_path=${searchPath}`;
  stores.push(sql);
  return sql;
}

/** A fresh schema holding the 0005 tables, created by the application role; returns a store on it. */
async function scratch(name: string, port?: number): Promise<{ schema: string; sql: SqlStore }> {
  const schema = `audit_t_${RUN}_${name}`.toLowerCase();
  const admin = new Client({ ...config.postgres, database: config.postgres.database });
  await admin.connect();
  try {
    await admin.query('BEGIN');
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`SET LOCAL search_path TO ${schema}`);
    await admin.query(MIGRATION);
    await admin.query('COMMIT');
  } finally {
    await admin.end();
  }
  schemas.push(schema);
  return { schema, sql: store(schema, port) };
}

/** Runs statements as the superuser with every trigger bypassed, in the given schema. */
async function asDba(schema: string, ...statements: string[]): Promise<void> {
  await dba.query('BEGIN');
  try {
    await dba.query('SET LOCAL session_replication_role = replica');
    await dba.query(`SET LOCAL search_path TO ${schema}`);
    for (const s of statements) await dba.query(s);
    await dba.query('COMMIT');
  } catch (err) {
    await dba.query('ROLLBACK');
    throw err;
  }
}

async function fill(sql: SqlStore, count: number, from = 1): Promise<void> {
  const writer = new AuditWriter(sql, { batchSize: 7, flushIntervalMs: 1 });
  for (let i = 0; i < count; i++) writer.record(entry(from + i));
  await writer.close();
  expect(writer.metrics).toMatchObject({ written: count, dropped: 0, rejected: 0 });
}

async function allRows(sql: SqlStore): Promise<AuditRow[]> {
  return readRows(sql.pool, 0, Number.MAX_SAFE_INTEGER, 1_000_000);
}

/** The SQL that sets a row's columns so that it is a consistent, re-hashed row (a chain rewrite). */
function rewriteStatement(row: AuditRow): string {
  const lit = (v: unknown) => (v === null ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`);
  const arr = (a: string[]) => `ARRAY[${a.map(lit).join(',')}]::text[]`;
  return `UPDATE audit_log SET subject = ${lit(row.subject)}, purpose = ${lit(row.purpose)}, entity_codes = ${arr(row.entity_codes)},
          detail = ${row.detail === null ? 'NULL' : `${lit(JSON.stringify(row.detail))}::jsonb`},
          prev_hash = ${lit(row.prev_hash)}, hash = ${lit(row.hash)} WHERE id = ${row.id}`;
}

function offline(bundleFile: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [fromRoot('audit/verify-offline.mjs'), bundleFile, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeJson(name: string, value: unknown): string {
  const file = join(tmp, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'citycode-audit-'));
  dba = new Client({ host: SOCKET_DIR, port: config.postgres.port, user: 'postgres', database: config.postgres.database });
  await dba.connect();
  // Scratch schemas a crashed earlier run left behind (its process is gone).
  const { rows } = await dba.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'audit\\_t\\_%'");
  for (const { nspname } of rows) {
    const pid = Number(nspname.split('_')[2]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (err) {
      alive = (err as { code?: string }).code === 'EPERM';
    }
    if (!alive) await dba.query(`DROP SCHEMA ${nspname} CASCADE`);
  }
});

afterAll(async () => {
  for (const schema of schemas) await dba.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await dba.end();
  await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
  rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// The real audit_log
// ---------------------------------------------------------------------------------------------

describe('audit_log (migration 0005, the real table)', () => {
  let sql: SqlStore;
  beforeAll(async () => {
    sql = store();
    const t = await sql.query<{ t: string | null }>("SELECT to_regclass('audit_log')::text AS t");
    if (t[0].t === null) throw new Error('audit_log is missing: build and run `node dist/migrations/run.js` first.');
  });

  it('appends through AuditWriter: numbered in chain order, hashed, head advanced', async () => {
    const writer = new AuditWriter(sql);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 3; i++) writer.record(entry(i, { operationName: `append-${RUN}` }));
    const enqueueMicros = Number(process.hrtime.bigint() - started) / 1000;
    expect(writer.metrics.queueDepth).toBe(3); // record() returned before anything was written
    await writer.flush();
    expect(writer.metrics).toMatchObject({ enqueued: 3, written: 3, queueDepth: 0, dropped: 0 });
    const mine = await sql.query<{ id: string; prev_hash: string; hash: string; detail: { n: number } }>(
      'SELECT id, prev_hash, hash, detail FROM audit_log WHERE operation_name = $1 ORDER BY id',
      [`append-${RUN}`],
    );
    expect(mine.map((r) => r.detail.n)).toEqual([0, 1, 2]);
    expect(Number(mine[1].id)).toBe(Number(mine[0].id) + 1);
    expect(mine[1].prev_hash).toBe(mine[0].hash);
    const head = await sql.query<{ last_id: string; last_hash: string }>('SELECT last_id, last_hash FROM audit_chain_head');
    expect(Number(head[0].last_id)).toBeGreaterThanOrEqual(Number(mine[2].id));
    expect(enqueueMicros).toBeLessThan(50_000);
    await writer.close();
  });

  it('keeps the chain intact under 200 concurrent records from many tasks into two writers with two pools', async () => {
    const poolA = store(undefined, undefined, 6);
    const poolB = store(undefined, undefined, 6);
    const writers = [
      new AuditWriter(poolA, { batchSize: 16, flushIntervalMs: 2 }),
      new AuditWriter(poolB, { batchSize: 16, flushIntervalMs: 2 }),
    ];
    const before = await sql.query<{ last_id: string }>('SELECT last_id FROM audit_chain_head');
    const tag = `concurrent-${RUN}`;
    const tasks = Array.from({ length: 40 }, async (_, t) => {
      for (let k = 0; k < 5; k++) {
        await new Promise((r) => setTimeout(r, (t * 7 + k * 3) % 5));
        writers[(t + k) % 2].record(entry(t * 5 + k, { operationName: tag }));
        if (k === 2) await writers[t % 2].flush();
      }
    });
    await Promise.all(tasks);
    await Promise.all(writers.map((w) => w.close()));
    expect(writers[0].metrics.written + writers[1].metrics.written).toBe(200);
    expect(writers[0].metrics.written).toBeGreaterThan(0);
    expect(writers[1].metrics.written).toBeGreaterThan(0);

    const mine = await sql.query<{ n: string; min: string; max: string }>(
      'SELECT count(*) AS n, min(id) AS min, max(id) AS max FROM audit_log WHERE operation_name = $1',
      [tag],
    );
    expect(Number(mine[0].n)).toBe(200);
    expect(Number(mine[0].min)).toBeGreaterThan(Number(before[0].last_id));
    // No gap or fork anywhere in the table: ids 1..max, each linked to the one before.
    const whole = await sql.query<{ n: string; max: string }>('SELECT count(*) AS n, max(id) AS max FROM audit_log');
    expect(Number(whole[0].n)).toBe(Number(whole[0].max));
    const links = await sql.query<{ broken: string }>(
      `SELECT count(*) AS broken FROM (
         SELECT prev_hash, lag(hash, 1, repeat('0', 64)) OVER (ORDER BY id) AS expected FROM audit_log) s
        WHERE prev_hash <> expected`,
    );
    expect(Number(links[0].broken)).toBe(0);

    const cp = await createCheckpoint(sql, devKey);
    expect(cp).not.toBeNull();
    const result = await verifyAudit(sql);
    expect(result.ok).toBe(true);
    // The API and other suites may append meanwhile: at least every row counted above was checked.
    expect(result.checkedRows).toBeGreaterThanOrEqual(Number(whole[0].max));
    expect(result.checkpointsVerified).toBeGreaterThanOrEqual(1);
  });

  it('refuses UPDATE, DELETE and TRUNCATE by the application role, and appends that break the chain', async () => {
    const errorOf = async (statement: string): Promise<Error & { code?: string }> => {
      const client = await sql.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(statement);
        return new Error('NOT refused');
      } catch (err) {
        return err as Error & { code?: string };
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    };
    const update = await errorOf("UPDATE audit_log SET subject = 'someone-else' WHERE id = (SELECT max(id) FROM audit_log)");
    expect(update.message).toBe('audit_log: the audit trail is append-only; UPDATE is refused');
    expect(update.code).toBe('23001');
    expect((await errorOf('DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)')).message).toMatch(
      /append-only; DELETE is refused/,
    );
    expect((await errorOf('TRUNCATE audit_log')).message).toMatch(/append-only; TRUNCATE is refused/);
    expect((await errorOf('TRUNCATE audit_checkpoint')).message).toMatch(/audit_checkpoint: the audit trail is append-only/);
    await createCheckpoint(sql, devKey);
    expect((await errorOf('DELETE FROM audit_checkpoint')).message).toMatch(/audit_checkpoint: the audit trail is append-only; DELETE/);
    expect((await errorOf('UPDATE audit_chain_head SET last_id = last_id + 1')).message).toMatch(
      /audit_chain_head: UPDATE is refused; the head moves only when rows are appended/,
    );
    expect(
      (
        await errorOf(`INSERT INTO audit_log (id, at, subject, operation_hash, decision, policy, prev_hash, hash)
                       SELECT last_id + 1, now(), 'x', 'x', 'ALLOW', 'p', repeat('a', 64), repeat('b', 64) FROM audit_chain_head`)
      ).message,
    ).toMatch(/does not link to the hash of row/);
    expect(
      (
        await errorOf(`INSERT INTO audit_log (id, at, subject, operation_hash, decision, policy, prev_hash, hash)
                       SELECT last_id + 2, now(), 'x', 'x', 'ALLOW', 'p', last_hash, repeat('b', 64) FROM audit_chain_head`)
      ).message,
    ).toMatch(/do not continue the chain/);
    expect(
      (
        await errorOf(`INSERT INTO audit_checkpoint (last_id, last_hash, row_count, created_at, key_id, signature)
                       VALUES (1, repeat('c', 64), 1, now(), '${devKey.keyId}', 'x')`)
      ).message,
    ).toMatch(/no audit_log row 1 with hash/);
  });

  it('round-trips awkward content (NUL, lone surrogates, emoji, key order, odd numbers) and still verifies', async () => {
    const writer = new AuditWriter(sql);
    writer.record(
      entry(1, {
        operationName: `awkward-${RUN}`,
        purpose: 'a\u0000b',
        entityCodes: ['x\uD800', '😀', ''],
        detail: { z: 1e21, a: 5e-324, m: -0, s: 'é\u0301', nested: { b: [1, { d: 0.1, c: 0.30000000000000004 }], a: null } },
      }),
    );
    await writer.close();
    const result = await verifyAudit(sql);
    expect(result).toMatchObject({ ok: true });
  });
});

// ---------------------------------------------------------------------------------------------
// Tampering, each in its own scratch schema
// ---------------------------------------------------------------------------------------------

describe('tampering by a superuser with triggers bypassed', () => {
  it('an UPDATE of one field is reported at that row (HASH_MISMATCH)', async () => {
    const { schema, sql } = await scratch('update');
    await fill(sql, 20);
    await createCheckpoint(sql, devKey);
    expect(await verifyAudit(sql)).toMatchObject({ ok: true, checkedRows: 20, checkpointsVerified: 1 });
    await asDba(schema, "UPDATE audit_log SET subject = 'innocent' WHERE id = 7");
    expect(await verifyAudit(sql)).toMatchObject({ ok: false, firstBrokenId: 7, reason: 'HASH_MISMATCH', checkedRows: 6 });
  });

  it('a DELETE of a middle row is reported at the next row (GAP)', async () => {
    const { schema, sql } = await scratch('delete');
    await fill(sql, 20);
    await createCheckpoint(sql, devKey);
    await asDba(schema, 'DELETE FROM audit_log WHERE id = 11');
    const result = await verifyAudit(sql);
    expect(result).toMatchObject({ ok: false, firstBrokenId: 12, reason: 'GAP', checkedRows: 10 });
    expect(result.message).toBe('row 11 is missing before row 12');
  });

  it('a DELETE with the ids closed up is reported where the link breaks (PREV_HASH_MISMATCH)', async () => {
    const { schema, sql } = await scratch('closeup');
    await fill(sql, 12);
    await asDba(schema, 'DELETE FROM audit_log WHERE id = 5', 'UPDATE audit_log SET id = id - 1 WHERE id > 5');
    expect(await verifyAudit(sql)).toMatchObject({ ok: false, firstBrokenId: 5, reason: 'PREV_HASH_MISMATCH' });
  });

  it('two rows with their contents swapped are reported at the first of them (REORDERED)', async () => {
    const { schema, sql } = await scratch('swap');
    await fill(sql, 20);
    const before = await allRows(sql);
    const cols = 'at, subject, department, purpose, operation_hash, operation_name, entity_codes, fields, decision, policy, detail, prev_hash, hash';
    await asDba(
      schema,
      'CREATE TEMP TABLE pair ON COMMIT DROP AS SELECT * FROM audit_log WHERE id IN (4, 15)',
      "UPDATE audit_log SET hash = repeat('e', 64) WHERE id = 4",
      "UPDATE audit_log SET hash = repeat('d', 64) WHERE id = 15",
      `UPDATE audit_log a SET (${cols}) = (SELECT ${cols} FROM pair p WHERE p.id = CASE a.id WHEN 4 THEN 15 ELSE 4 END) WHERE a.id IN (4, 15)`,
    );
    const rows = await allRows(sql);
    expect([rows[3].hash, rows[14].hash]).toEqual([before[14].hash, before[3].hash]); // really swapped
    const result = await verifyAudit(sql);
    expect(result).toMatchObject({ ok: false, firstBrokenId: 4, reason: 'REORDERED', checkedRows: 3 });
    expect(result.message).toMatch(/row 4 is a genuine entry of the chain but follows row 14/);
  });

  it('a cut tail is reported through the head, then through the latest checkpoint, then through anchors kept offline', async () => {
    const { schema, sql } = await scratch('truncate');
    await fill(sql, 30);
    const cp = await createCheckpoint(sql, devKey);
    expect(cp).toMatchObject({ last_id: 30, row_count: 30 });
    const earlier = await exportAudit(sql, { publicKeys: [devKey.publicKey] });
    const earlierFile = writeJson('truncate-earlier.json', earlier);

    // Naive: the last 4 rows deleted; the head still says 30.
    await asDba(schema, 'DELETE FROM audit_log WHERE id > 26');
    let result = await verifyAudit(sql);
    expect(result).toMatchObject({ ok: false, firstBrokenId: 27, reason: 'TRUNCATED', checkedRows: 26 });
    // Careful: the head moved back too; the signed checkpoint still names row 30.
    await asDba(schema, "UPDATE audit_chain_head SET last_id = 26, last_hash = (SELECT hash FROM audit_log WHERE id = 26)");
    result = await verifyAudit(sql);
    expect(result).toMatchObject({ ok: false, firstBrokenId: 27, reason: 'TRUNCATED', checkpointId: cp!.id });
    expect(result.message).toMatch(/signed 30 rows up to row 30, but the log ends at row 26/);
    await expect(createCheckpoint(sql, devKey)).rejects.toThrow(AuditIntegrityError);

    // Thorough: the checkpoint deleted as well. The database alone now looks intact...
    await asDba(schema, 'DELETE FROM audit_checkpoint');
    expect(await verifyAudit(sql)).toMatchObject({ ok: true, checkedRows: 26, checkpointsVerified: 0 });
    // ...but the checkpoint exported earlier and kept elsewhere still binds the chain.
    result = await verifyAudit(sql, { anchors: earlier.checkpoints });
    expect(result).toMatchObject({ ok: false, firstBrokenId: 27, reason: 'TRUNCATED' });
    const now = writeJson('truncate-now.json', await exportAudit(sql, { publicKeys: [devKey.publicKey] }));
    expect(offline(now).status).toBe(0);
    const r = offline(now, '--anchor', earlierFile);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/BROKEN at row 27: TRUNCATED/);
  });

  it('a chain rewritten consistently is caught by a checkpoint it covers, not after the last one', async () => {
    const { schema, sql } = await scratch('rewrite');
    await fill(sql, 20);
    await createCheckpoint(sql, devKey); // signs row 20
    await fill(sql, 10, 21);
    const rows = await allRows(sql);
    const rehash = (fromIndex: number): string[] => {
      const statements: string[] = [];
      let prev = rows[fromIndex - 1].hash;
      for (let i = fromIndex; i < rows.length; i++) {
        const changed = { ...rows[i], subject: i === fromIndex ? 'someone-else' : rows[i].subject, prev_hash: prev };
        changed.hash = rowHash(prev, changed);
        prev = changed.hash;
        statements.push(rewriteStatement(changed));
      }
      statements.push(`UPDATE audit_chain_head SET last_hash = '${prev}'`);
      return statements;
    };
    // After the last checkpoint (rows 23..30): nothing in the database can tell (documented limit).
    await asDba(schema, ...rehash(22));
    expect(await verifyAudit(sql)).toMatchObject({ ok: true, checkedRows: 30 });
    // Reaching back over the checkpoint (rows 15..30): reported at the row the checkpoint signed.
    const fresh = await allRows(sql);
    rows.splice(0, rows.length, ...fresh);
    await asDba(schema, ...rehash(14));
    const result = await verifyAudit(sql);
    expect(result).toMatchObject({ ok: false, firstBrokenId: 20, reason: 'CHECKPOINT_MISMATCH' });
  });

  it('a checkpoint altered or forged without the key fails its signature', async () => {
    const { schema, sql } = await scratch('forge');
    await fill(sql, 10);
    await createCheckpoint(sql, devKey);
    await asDba(schema, 'UPDATE audit_checkpoint SET row_count = 9, last_id = 9, last_hash = (SELECT hash FROM audit_log WHERE id = 9)');
    expect(await verifyAudit(sql, { publicKeys: [devKey.publicKey] })).toMatchObject({ ok: false, reason: 'CHECKPOINT_SIGNATURE' });
    const stranger = generateKeyPairSync('ed25519').publicKey;
    expect(await verifyAudit(sql, { publicKeys: [stranger] })).toMatchObject({ ok: false, reason: 'CHECKPOINT_SIGNATURE' });
  });

  it('createCheckpoint refuses to sign a chain broken since the previous checkpoint', async () => {
    const { schema, sql } = await scratch('refuse');
    await fill(sql, 8);
    await createCheckpoint(sql, devKey);
    await fill(sql, 8, 9);
    await asDba(schema, "UPDATE audit_log SET policy = 'lenient@1' WHERE id = 12");
    await expect(createCheckpoint(sql, devKey)).rejects.toMatchObject({ firstBrokenId: 12, reason: 'HASH_MISMATCH' });
    const out: string[] = [];
    const err: string[] = [];
    const io = { sql, out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    expect(await runCli(['checkpoint'], io)).toBe(1);
    expect(err.join('')).toMatch(/AUDIT TRAIL BROKEN: HASH_MISMATCH at row 12/);
    expect(await runCli(['verify'], io)).toBe(1);
    expect(JSON.parse(out[out.length - 1])).toMatchObject({ ok: false, firstBrokenId: 12, reason: 'HASH_MISMATCH' });
    expect(err.join('')).toMatch(/first broken row: \{"id":12,/);
  });
});

// ---------------------------------------------------------------------------------------------
// Export, offline verification, CLI, ranges
// ---------------------------------------------------------------------------------------------

describe('export and offline verification', () => {
  let sql: SqlStore;
  let bundle: AuditExport;
  let file: string;
  let keyFile: string;
  beforeAll(async () => {
    ({ sql } = await scratch('export'));
    await fill(sql, 25);
    await createCheckpoint(sql, devKey);
    await fill(sql, 5, 26);
    const out: string[] = [];
    file = join(tmp, 'export.json');
    expect(await runCli(['export', '--out', file], { sql, out: (t) => out.push(t), err: () => undefined })).toBe(0);
    bundle = JSON.parse(readFileSync(file, 'utf8')) as AuditExport;
    keyFile = join(tmp, 'key.pem');
    writeFileSync(keyFile, devKey.publicKeyPem);
  });

  it('exports rows, checkpoints and the public key', () => {
    expect(bundle).toMatchObject({ format: 'citycode-audit-export/1', fromId: 1, toId: 30, toEnd: true, startPrevHash: GENESIS_HASH });
    expect(bundle.rows).toHaveLength(30);
    expect(bundle.checkpoints).toEqual([expect.objectContaining({ last_id: 25, row_count: 25, key_id: devKey.keyId })]);
    expect(bundle.publicKeyPem).toBe(devKey.publicKeyPem);
  });

  it('verifies offline with the public key given', () => {
    const r = offline(file, '--public-key', keyFile);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^OK: rows 1\.\.30 \(30\) form an intact chain; 1 signed checkpoint\(s\) verified \(key fbded8a673b2c4fa\)/);
  });

  it('exits non-zero naming the row when the exported JSON is tampered with', () => {
    const changed = structuredClone(bundle);
    changed.rows[16].entity_codes = ['440304000000000000XX'];
    const r = offline(writeJson('tampered.json', changed), '--public-key', keyFile, '--json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, firstBrokenId: 17, reason: 'HASH_MISMATCH' });
    expect(r.stderr).toMatch(/BROKEN at row 17: HASH_MISMATCH/);
    expect(r.stderr).toMatch(/first broken row: \{"id":17/);

    const dropped = structuredClone(bundle);
    dropped.rows.splice(9, 1);
    expect(offline(writeJson('dropped.json', dropped), '--public-key', keyFile).stderr).toMatch(/BROKEN at row 11: GAP/);

    const cut = structuredClone(bundle);
    cut.rows.splice(20);
    expect(offline(writeJson('cut.json', cut), '--public-key', keyFile).stderr).toMatch(/BROKEN at row 21: TRUNCATED/);

    const forged = structuredClone(bundle);
    forged.checkpoints[0].created_at = new Date().toISOString();
    expect(offline(writeJson('forged.json', forged), '--public-key', keyFile).stderr).toMatch(/CHECKPOINT_SIGNATURE/);
  });

  it('refuses checkpoints under a key other than the one given, and bad usage with status 2', () => {
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const otherFile = join(tmp, 'other.pem');
    writeFileSync(otherFile, other);
    const r = offline(file, '--public-key', otherFile);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/signed by key fbded8a673b2c4fa, which is not trusted/);
    expect(offline(join(tmp, 'missing.json')).status).toBe(2);
    expect(offline(file, '--bogus').status).toBe(2);
  });

  it('exports and verifies a range, online and offline', async () => {
    expect(await verifyAudit(sql, { fromId: 11, toId: 25 })).toMatchObject({ ok: true, checkedRows: 15, checkpointsVerified: 1 });
    const part = await exportAudit(sql, { fromId: 11, toId: 20, publicKeys: [devKey.publicKey] });
    expect(part.rows.map((r) => r.id)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(part.startPrevHash).toBe(bundle.rows[9].hash);
    expect(part.checkpoints).toEqual([]);
    const r = offline(writeJson('part.json', part), '--public-key', keyFile);
    expect(r.status).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// The writer when PostgreSQL is away, and with bad data
// ---------------------------------------------------------------------------------------------

describe('AuditWriter resilience', () => {
  it('keeps entries queued while PostgreSQL is unreachable, drops beyond maxQueue, writes the rest when it is back', async () => {
    const proxy = new TcpProxy(config.postgres.port);
    const port = await proxy.open();
    const { sql: direct, schema } = await scratch('outage');
    const sql = store(schema, port);
    const writer = new AuditWriter(sql, { batchSize: 4, flushIntervalMs: 5, maxQueue: 12, retryDelayMs: 20, maxRetryDelayMs: 100 });
    writer.record(entry(1));
    await writer.flush();
    await proxy.cut();
    await sql.pool.query('SELECT 1').catch(() => undefined); // the pool notices the dead connections
    for (let i = 2; i <= 16; i++) writer.record(entry(i));
    await expect(writer.flush()).rejects.toThrow();
    expect(writer.metrics).toMatchObject({ written: 1, queueDepth: 12, dropped: 3 });
    expect(writer.metrics.failedFlushes).toBeGreaterThan(0);
    await proxy.open(port);
    const deadline = Date.now() + 10_000;
    while (writer.metrics.queueDepth > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(writer.metrics).toMatchObject({ written: 13, queueDepth: 0 });
    await writer.close();
    await proxy.cut();
    const rows = await allRows(direct);
    expect(rows.map((r) => (r.detail as { n: number }).n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(await verifyAudit(direct)).toMatchObject({ ok: true, checkedRows: 13 });
  });

  it('skips an entry PostgreSQL refuses as data (logged), keeping the entries around it and the chain', async () => {
    const { sql } = await scratch('poison');
    const writer = new AuditWriter(sql, { batchSize: 50, flushIntervalMs: 5, logger: silentLogger() });
    writer.record(entry(1));
    writer.record(entry(2, { at: new Date(-8.5e15) })); // year -267 000: beyond timestamptz
    writer.record(entry(3));
    await writer.flush();
    expect(writer.metrics).toMatchObject({ written: 2, rejected: 1, queueDepth: 0 });
    await writer.close();
    expect((await allRows(sql)).map((r) => (r.detail as { n: number }).n)).toEqual([1, 3]);
    expect(await verifyAudit(sql)).toMatchObject({ ok: true, checkedRows: 2 });
  });

  it('signs checkpoints on a timer only when the chain grew', async () => {
    const { sql } = await scratch('timer');
    await fill(sql, 5);
    const timer = startCheckpointTimer(sql, 30, devKey, silentLogger());
    await new Promise((r) => setTimeout(r, 200));
    await fill(sql, 3, 6);
    await new Promise((r) => setTimeout(r, 200));
    await timer.stop();
    const cps = await sql.query<{ last_id: string }>('SELECT last_id FROM audit_checkpoint ORDER BY last_id');
    expect(cps.map((c) => Number(c.last_id))).toEqual([5, 8]);
  });
});

// ---------------------------------------------------------------------------------------------
// Throughput (printed; asserted loosely)
// ---------------------------------------------------------------------------------------------

describe('append throughput', () => {
  it.each([200, 1000])('appends in batches of %i', async (batchSize) => {
    const { sql } = await scratch(`speed${batchSize}`);
    const writer = new AuditWriter(sql, { batchSize, flushIntervalMs: 50 });
    const n = 10_000;
    const entries = Array.from({ length: n }, (_, i) => entry(i));
    const t0 = performance.now();
    for (const e of entries) writer.record(e);
    const t1 = performance.now();
    await writer.close();
    const t2 = performance.now();
    const v0 = performance.now();
    const verified = await verifyAudit(sql, { publicKeys: [devKey.publicKey] });
    const v1 = performance.now();
    expect(verified).toMatchObject({ ok: true, checkedRows: n });
    const rowsPerSecond = Math.round(n / ((t2 - t0) / 1000));
    process.stdout.write(
      `audit throughput, batch ${batchSize}: record() ${(((t1 - t0) * 1000) / n).toFixed(1)} µs/entry; ` +
        `${n} rows appended in ${Math.round(t2 - t0)} ms = ${rowsPerSecond} rows/s ` +
        `(${writer.metrics.batches} transactions, last ${writer.metrics.lastFlushMs} ms); verifyAudit ${Math.round(
          n / ((v1 - v0) / 1000),
        )} rows/s\n`,
    );
    expect(rowsPerSecond).toBeGreaterThan(500); // a floor for a loaded machine; docs/audit.md §4 has the figures
  });
});

function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

// ---------------------------------------------------------------------------------------------
// Last: the shared log is left as verifiable as it was found
// ---------------------------------------------------------------------------------------------

describe('the real audit_log after every scenario', () => {
  it('still verifies end to end, checkpoints included', async () => {
    const result = await verifyAudit(store());
    expect(result).toMatchObject({ ok: true });
    expect(result.checkpointsVerified).toBeGreaterThanOrEqual(1);
  });
});
