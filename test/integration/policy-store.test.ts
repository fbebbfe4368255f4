import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLError } from 'graphql';
import { loadConfig } from '../../core/config';
import { fromRoot } from '../../core/paths';
import { ANONYMOUS, type Subject } from '../../core/subject';
import { decideField } from '../../policy/engine';
import { PolicyError } from '../../policy/load';
import type { Grant } from '../../policy/model';
import {
  changeGrant,
  currentPolicy,
  currentPolicyVersion,
  loadPolicyDir,
  policyChanges,
  POLICY_DIR,
  syncPolicyFiles,
  type GrantChange,
} from '../../store/policy';
import { SqlStore } from '../../store/postgres';

/**
 * The policy store against the real PostgreSQL. The tables of migration 0004 are created in a
 * schema of this run (policy_test_<pid>_<time>) and dropped at the end, so the store the API uses
 * (public schema, migrated by `npm run migrate`) never sees test versions: policy history is
 * append-only and could not be cleaned up there.
 */
const config = loadConfig();
/** The store's history below is built on v1, the first version of the files (kept unchanged). */
const V1_DIR = fromRoot('policies', 'v1');
const SCHEMA = `policy_test_${process.pid}_${Date.now()}`;
let admin: SqlStore;
let sql: SqlStore;
let workDir: string;

const steward: Subject = {
  id: 'kc-steward-1',
  username: 'steward.li',
  department: 'SZ-ZSJ',
  departmentName: '市政务服务数据管理局',
  clearance: 'L3',
  districtScope: [],
  roles: ['data-steward'],
  serviceAccount: false,
  anonymous: false,
};
const officer: Subject = { ...steward, id: 'kc-officer-1', username: 'officer.wang', roles: [] };
const swj: Subject = { ...officer, id: 'kc-swj', username: 'swj.zhao', department: 'SZ-SWJ', clearance: 'L4' };

const inOneYear = () => new Date(Date.now() + 365 * 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const newGrant = (over: Partial<Grant> = {}): Grant => ({
  id: 'swj-population-flood',
  department: 'SZ-SWJ',
  domain: 'POPULATION',
  maxLevel: 'L2',
  scope: { kind: 'STREETS', codes: ['440305001'] },
  purposes: ['WATER_ADMIN', 'EMERGENCY'],
  masks: {},
  expiresAt: inOneYear(),
  description: '防汛转移: 南头街道低洼片区居民姓名',
  ...over,
});

async function count(table: string): Promise<number> {
  const rows = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0].n);
}

async function snapshot(): Promise<{ versions: number; changes: number; grants: string }> {
  const grants = await sql.query<{ s: string }>(`SELECT coalesce(string_agg(id || ':' || version_id || ':' || max_level, ',' ORDER BY id), '') AS s FROM policy_grant`);
  return { versions: await count('policy_version'), changes: await count('policy_change'), grants: grants[0].s };
}

async function rejection(work: Promise<unknown>): Promise<GraphQLError> {
  try {
    await work;
  } catch (err) {
    return err as GraphQLError;
  }
  throw new Error('expected a rejection');
}

/** A copy of policies/v1 with an edit to grants.json. */
function editedPolicyDir(edit: (grants: { version: string; grants: Grant[] }, files: Record<string, { version: string }>) => void): string {
  const dir = mkdtempSync(join(workDir, 'v-'));
  cpSync(V1_DIR, dir, { recursive: true });
  const files: Record<string, { version: string; grants?: Grant[] }> = {};
  for (const name of ['catalogue', 'grants', 'purposes']) files[name] = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
  edit(files.grants as { version: string; grants: Grant[] }, files);
  for (const name of ['catalogue', 'grants', 'purposes']) writeFileSync(join(dir, `${name}.json`), JSON.stringify(files[name], null, 2));
  return dir;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'citycode-policy-store-'));
  admin = new SqlStore(config.postgres);
  await admin.query(`CREATE SCHEMA ${SCHEMA}`);
  sql = new SqlStore({ ...config.postgres, poolSize: 4 });
  // Every connection of this store starts in the test schema (libpq `options`; set before the
  // pool opens its first connection).
  sql.pool.options.options = `-c search_path=${SCHEMA},public`;
  await sql.query(readFileSync(fromRoot('migrations', 'postgres', '0004_policy.sql'), 'utf8'));
});

afterAll(async () => {
  await sql?.close();
  await admin?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('syncPolicyFiles', () => {
  it('refuses to serve before a policy is loaded', async () => {
    expect(await currentPolicyVersion(sql)).toBeNull();
    await expect(currentPolicy(sql)).rejects.toThrow('no policy is loaded in PostgreSQL; run syncPolicyFiles');
    const e = await rejection(changeGrant(sql, steward, { action: 'CREATE', grant: newGrant(), reason: 'test' }));
    expect(e.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('loads policies/v1 once: the version, its grants and a CREATE change per grant by policy-files', async () => {
    const files = loadPolicyDir(V1_DIR);
    const result = await syncPolicyFiles(sql, V1_DIR);
    expect(result).toEqual({ changed: true, version: 'v1', checksum: files.checksum, changes: 45, replacedChangeVersions: [] });
    expect(await count('policy_grant')).toBe(45);
    const changes = await sql.query<{ actor: string; action: string; n: string }>(
      'SELECT actor, action, count(*) AS n FROM policy_change GROUP BY actor, action',
    );
    expect(changes).toEqual([{ actor: 'policy-files', action: 'CREATE', n: '45' }]);
    const gaj = await sql.query<{ max_level: string; purposes: string[]; scope: unknown; version_id: string; expires_at: Date }>(
      `SELECT max_level, purposes, scope, version_id, expires_at FROM policy_grant WHERE id = 'gaj-population'`,
    );
    expect(gaj).toEqual([
      { max_level: 'L4', purposes: ['PUBLIC_SECURITY'], scope: { kind: 'CITY' }, version_id: 'v1', expires_at: new Date('2027-12-31T15:59:59Z') },
    ]);
    const policy = await currentPolicy(sql);
    expect([policy.version, policy.checksum]).toEqual(['v1', files.checksum]);
    expect(await currentPolicyVersion(sql)).toMatchObject({ id: 'v1', origin: 'FILES', basedOn: null, effectiveFrom: '2026-01-01' });
  });

  it('is idempotent: the same files write nothing', async () => {
    const before = await snapshot();
    expect(await syncPolicyFiles(sql, V1_DIR)).toMatchObject({ changed: false, version: 'v1', changes: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses files edited without a new version, and invalid files, writing nothing', async () => {
    const before = await snapshot();
    const edited = editedPolicyDir((g) => {
      g.grants.find((x) => x.id === 'swj-iot')!.maxLevel = 'L3';
    });
    await expect(syncPolicyFiles(sql, edited)).rejects.toThrow(/policy files v1 in .* differ from the v1 already loaded .*copy the files to policies\/v2 with version "v2"/);
    const invalid = editedPolicyDir((g) => {
      g.grants[0].scope = { kind: 'DISTRICTS', codes: ['123456'] };
    });
    await expect(syncPolicyFiles(sql, invalid)).rejects.toThrow(PolicyError);
    expect(await snapshot()).toEqual(before);
  });
});

describe('changeGrant', () => {
  it('is refused to subjects without the data-steward role, writing nothing', async () => {
    const before = await snapshot();
    for (const who of [officer, ANONYMOUS]) {
      const e = await rejection(changeGrant(sql, who, { action: 'CREATE', grant: newGrant(), reason: 'flood season' }));
      expect(e).toBeInstanceOf(GraphQLError);
      expect(e.extensions).toMatchObject({ code: 'FORBIDDEN', requiredRole: 'data-steward' });
      expect(e.message).toContain('Changing grants needs the data-steward role');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('CREATE: new version v1.1, the grant row, an audited change; the engine sees it', async () => {
    const before = await policyChanges(sql, { limit: 500 });
    const policyBefore = await currentPolicy(sql);
    const nantou = { districtCode: '440305', streetCode: '440305001' };
    expect(decideField(policyBefore, swj, 'Person.name', { purpose: 'WATER_ADMIN', now: new Date(), row: nantou }).effect).toBe('DENY');

    const result = await changeGrant(sql, steward, { action: 'CREATE', grant: newGrant(), reason: '2026 汛期 防汛转移 (工单 FX-0612)' });
    expect(result.version).toBe('v1.1');
    expect(result.change).toMatchObject({
      actor: 'kc-steward-1',
      actorName: 'steward.li',
      actorDepartment: 'SZ-ZSJ',
      department: 'SZ-SWJ',
      action: 'CREATE',
      grantId: 'swj-population-flood',
      before: null,
      after: newGrant({ expiresAt: result.change.after!.expiresAt }),
      reason: '2026 汛期 防汛转移 (工单 FX-0612)',
      versionId: 'v1.1',
    });
    expect(result.change.at).toBeInstanceOf(Date);

    const policy = await currentPolicy(sql);
    expect(policy.version).toBe('v1.1');
    expect(policy.checksum).toBe(result.policy.checksum);
    expect(policy.grants).toHaveLength(46);
    const d = decideField(policy, swj, 'Person.name', { purpose: 'WATER_ADMIN', now: new Date(), row: nantou });
    expect([d.effect, d.policy]).toEqual(['ALLOW', 'swj-population-flood@v1.1']);
    expect(await currentPolicyVersion(sql)).toMatchObject({ id: 'v1.1', origin: 'CHANGE', basedOn: 'v1' });
    expect(await sql.query(`SELECT version_id, max_level FROM policy_grant WHERE id = 'swj-population-flood'`)).toEqual([
      { version_id: 'v1.1', max_level: 'L2' },
    ]);
    const after = await policyChanges(sql, { limit: 500 });
    expect(after).toHaveLength(before.length + 1);
    expect(after[0]).toEqual(result.change);
    expect(await policyChanges(sql, { grantId: 'swj-population-flood' })).toEqual([result.change]);
  });

  it('UPDATE records before and after; REVOKE removes the grant and the engine no longer allows', async () => {
    const updated = await changeGrant(sql, steward, {
      action: 'UPDATE',
      grant: newGrant({ maxLevel: 'L3', masks: { 'Person.phone': { kind: 'SHOW_LAST_4' } } }),
      reason: '需要联系电话通知转移 (工单 FX-0613)',
    });
    expect(updated.version).toBe('v1.2');
    expect(updated.change.before?.maxLevel).toBe('L2');
    expect(updated.change.after).toMatchObject({ maxLevel: 'L3', masks: { 'Person.phone': { kind: 'SHOW_LAST_4' } } });
    const nantou = { districtCode: '440305', streetCode: '440305001' };
    const phone = decideField(updated.policy, swj, 'Person.phone', { purpose: 'EMERGENCY', now: new Date(), row: nantou });
    expect([phone.effect, phone.mask, phone.policy]).toEqual(['MASK', 'SHOW_LAST_4', 'swj-population-flood@v1.2']);

    const revoked = await changeGrant(sql, steward, { action: 'REVOKE', grant: { id: 'swj-population-flood' }, reason: '汛期结束' });
    expect(revoked.version).toBe('v1.3');
    expect(revoked.change).toMatchObject({ action: 'REVOKE', after: null, before: { id: 'swj-population-flood', maxLevel: 'L3' } });
    expect(await sql.query(`SELECT id FROM policy_grant WHERE id = 'swj-population-flood'`)).toEqual([]);
    const policy = await currentPolicy(sql);
    expect(policy.version).toBe('v1.3');
    expect(decideField(policy, swj, 'Person.name', { purpose: 'WATER_ADMIN', now: new Date(), row: nantou }).effect).toBe('DENY');
    expect((await policyChanges(sql, { grantId: 'swj-population-flood' })).map((c) => [c.action, c.versionId])).toEqual([
      ['REVOKE', 'v1.3'],
      ['UPDATE', 'v1.2'],
      ['CREATE', 'v1.1'],
    ]);
  });

  it('rejects bad input with BAD_USER_INPUT and a hint, writing nothing', async () => {
    const before = await snapshot();
    const cases: [GrantChange, RegExp | string][] = [
      [{ action: 'DELETE' as never, grant: newGrant(), reason: 'x' }, 'action must be CREATE, UPDATE or REVOKE, got "DELETE"'],
      [{ action: 'CREATE', grant: newGrant({ id: 'swj-population-2' }), reason: '  ' }, 'reason must be a non-empty text'],
      [{ action: 'CREATE', grant: newGrant({ id: 'swj-population-2', scope: { kind: 'STREETS', codes: ['440305004'] } }), reason: 'x' },
        /grant\.scope\.codes\[0\]: street 440305004 does not exist/],
      [{ action: 'CREATE', grant: newGrant({ id: 'swj-population-2', department: 'FT-GOV' }), reason: 'x' },
        /FT-GOV is a district government: its grants stay inside district 440304/],
      [{ action: 'CREATE', grant: newGrant({ id: 'swj-population-2', expiresAt: '2020-01-01T00:00:00+08:00' }), reason: 'x' }, 'is not in the future'],
      [{ action: 'CREATE', grant: newGrant({ id: 'swj-iot' }), reason: 'x' }, 'Grant swj-iot already exists'],
      [{ action: 'CREATE', grant: newGrant(), reason: 'x' }, 'Grant id swj-population-flood was used before; grant ids are never reused'],
      [{ action: 'UPDATE', grant: newGrant({ id: 'nope-grant' }), reason: 'x' }, 'There is no current grant nope-grant to update'],
      [{ action: 'UPDATE', grant: { ...newGrant(), id: 'swj-iot', domain: 'IOT', department: 'SZ-JTJ' }, reason: 'x' },
        "A grant's department cannot change (SZ-SWJ → SZ-JTJ)"],
      [{ action: 'REVOKE', grant: { id: 'swj-population-flood' }, reason: 'x' }, 'There is no current grant "swj-population-flood" to revoke'],
    ];
    for (const [change, message] of cases) {
      const e = await rejection(changeGrant(sql, steward, change));
      expect([change.action, e.extensions?.code]).toEqual([change.action, 'BAD_USER_INPUT']);
      expect(typeof e.extensions.hint).toBe('string');
      if (typeof message === 'string') expect(e.message).toContain(message);
      else expect(e.message).toMatch(message);
    }
    const invalid = await rejection(
      changeGrant(sql, steward, { action: 'CREATE', grant: newGrant({ id: 'swj-population-3', maxLevel: 'L3', purposes: [] }), reason: 'x' }),
    );
    expect(invalid.extensions.problems).toEqual([
      'grant.purposes: an L3 grant needs at least one purpose: L3 and above are read only for a declared purpose the grant lists',
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('rolls everything back when a write fails half-way', async () => {
    // A trigger of this test schema fails the policy_change insert, after the version and the
    // grant row were written in the same transaction.
    await sql.query(`CREATE FUNCTION ${SCHEMA}.fail_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.reason = 'FAIL-ME' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`);
    await sql.query(`CREATE TRIGGER fail_change BEFORE INSERT ON ${SCHEMA}.policy_change FOR EACH ROW EXECUTE FUNCTION ${SCHEMA}.fail_change()`);
    try {
      const before = await snapshot();
      await expect(changeGrant(sql, steward, { action: 'CREATE', grant: newGrant({ id: 'swj-population-4' }), reason: 'FAIL-ME' })).rejects.toThrow(
        'injected failure',
      );
      expect(await snapshot()).toEqual(before);
      expect((await currentPolicy(sql)).version).toBe('v1.3');
    } finally {
      await sql.query(`DROP TRIGGER fail_change ON ${SCHEMA}.policy_change`);
    }
  });

  it('serialises concurrent changes: each gets its own version', async () => {
    const results = await Promise.all(
      ['a', 'b', 'c'].map((s) => changeGrant(sql, steward, { action: 'CREATE', grant: newGrant({ id: `swj-population-par-${s}` }), reason: `parallel ${s}` })),
    );
    expect(results.map((r) => r.version).sort()).toEqual(['v1.4', 'v1.5', 'v1.6']);
    const policy = await currentPolicy(sql);
    expect(policy.version).toBe('v1.6');
    expect(policy.grants.filter((g) => g.id.startsWith('swj-population-par-'))).toHaveLength(3);
    expect(await count('policy_grant')).toBe(48);
  });
});

describe('append-only history', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of policy_change and policy_version', async () => {
    for (const statement of [
      `UPDATE policy_change SET reason = 'rewritten'`,
      'DELETE FROM policy_change',
      'TRUNCATE policy_change',
      `UPDATE policy_version SET checksum = repeat('0', 64)`,
      `DELETE FROM policy_version WHERE id = 'v1.6'`,
    ]) {
      await expect(sql.query(statement)).rejects.toThrow(/rows are append-only; (UPDATE|DELETE|TRUNCATE) is refused/);
    }
  });
});

describe('a new version of the files', () => {
  it('replaces the grants (changes since v1 included), logging each difference by policy-files', async () => {
    const dir = editedPolicyDir((g, files) => {
      for (const f of Object.values(files)) f.version = 'v2';
      g.grants = g.grants.filter((x) => x.id !== 'jtj-population-chunyun-2025');
      g.grants.find((x) => x.id === 'swj-iot')!.description = '水位、雨量、管网和泵站监测设备';
    });
    const result = await syncPolicyFiles(sql, dir);
    expect(result).toMatchObject({ changed: true, version: 'v2', changes: 5, replacedChangeVersions: ['v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5', 'v1.6'] });
    const logged = await sql.query<{ action: string; grant_id: string }>(
      `SELECT action, grant_id FROM policy_change WHERE version_id = 'v2' ORDER BY grant_id COLLATE "C"`,
    );
    expect(logged).toEqual([
      { action: 'REVOKE', grant_id: 'jtj-population-chunyun-2025' },
      { action: 'UPDATE', grant_id: 'swj-iot' },
      { action: 'REVOKE', grant_id: 'swj-population-par-a' },
      { action: 'REVOKE', grant_id: 'swj-population-par-b' },
      { action: 'REVOKE', grant_id: 'swj-population-par-c' },
    ]);
    const versions = await sql.query<{ id: string; version_id: string }>(
      `SELECT id, version_id FROM policy_grant WHERE id IN ('swj-iot', 'gaj-population') ORDER BY id`,
    );
    expect(versions).toEqual([
      { id: 'gaj-population', version_id: 'v1' },
      { id: 'swj-iot', version_id: 'v2' },
    ]);
    expect((await currentPolicy(sql)).version).toBe('v2');
    // an instance still shipping v1 does not roll the store back; older files never loaded are refused
    expect(await syncPolicyFiles(sql, V1_DIR)).toMatchObject({ changed: false, version: 'v1' });
    expect((await currentPolicy(sql)).version).toBe('v2');
    const v0 = editedPolicyDir((_g, files) => {
      for (const f of Object.values(files)) f.version = 'v0';
    });
    await expect(syncPolicyFiles(sql, v0)).rejects.toThrow('must be a version id like "v1"');
    const withVersion = (v: string) =>
      editedPolicyDir((_g, files) => {
        for (const f of Object.values(files)) f.version = v;
      });
    expect(await syncPolicyFiles(sql, withVersion('v4'))).toMatchObject({ changed: true, version: 'v4' });
    await expect(syncPolicyFiles(sql, withVersion('v3'))).rejects.toThrow('policy files v3 are older than the loaded v4; load v5 or later');
    const next = await changeGrant(sql, steward, {
      action: 'UPDATE',
      grant: { ...(await currentPolicy(sql)).grants.find((x) => x.id === 'swj-iot')!, maxLevel: 'L3' },
      reason: '泵站监测',
    });
    expect(next.version).toBe('v4.1');
  });
});

describe('the shipped files upgrade a store that has v1 loaded', () => {
  const UPGRADE = `${SCHEMA}_upgrade`;
  let store: SqlStore;
  beforeAll(async () => {
    await admin.query(`CREATE SCHEMA ${UPGRADE}`);
    store = new SqlStore({ ...config.postgres, poolSize: 2 });
    store.pool.options.options = `-c search_path=${UPGRADE},public`;
    await store.query(readFileSync(fromRoot('migrations', 'postgres', '0004_policy.sql'), 'utf8'));
    await store.query(readFileSync(fromRoot('migrations', 'postgres', '0007_policy_grant_domains.sql'), 'utf8'));
    await store.query(readFileSync(fromRoot('migrations', 'postgres', '0018_grid_scopes.sql'), 'utf8'));
  });
  afterAll(async () => {
    await store?.close();
    await admin?.query(`DROP SCHEMA IF EXISTS ${UPGRADE} CASCADE`);
  });

  it('loads v2 on top of v1 (same grants, the catalogue classifies provenance), then v3 (the model additions and one grant more), then POLICY_DIR (v4, the newest: the data plate and sixteen grants more)', async () => {
    expect(POLICY_DIR).toBe(fromRoot('policies', 'v4'));
    expect(await syncPolicyFiles(store, V1_DIR)).toMatchObject({ changed: true, version: 'v1', changes: 45 });
    const v2 = loadPolicyDir(fromRoot('policies', 'v2'));
    expect(await syncPolicyFiles(store, fromRoot('policies', 'v2'))).toEqual({ changed: true, version: 'v2', checksum: v2.checksum, changes: 0, replacedChangeVersions: [] });
    let current = await currentPolicy(store);
    expect([current.version, current.checksum]).toEqual(['v2', v2.checksum]);
    expect(current.files.catalogue.fields['Person.provenance']).toMatchObject({ domain: 'POPULATION', level: 'L1' });
    expect(await currentPolicyVersion(store)).toMatchObject({ id: 'v2', origin: 'FILES', basedOn: 'v1', effectiveFrom: '2026-11-27' });
    // Unchanged grants keep the version that gave them their form.
    const grants = await store.query<{ version_id: string; n: string }>('SELECT version_id, count(*) AS n FROM policy_grant GROUP BY version_id');
    expect(grants).toEqual([{ version_id: 'v1', n: '45' }]);

    const v3 = loadPolicyDir(fromRoot('policies', 'v3'));
    expect(await syncPolicyFiles(store, fromRoot('policies', 'v3'))).toEqual({ changed: true, version: 'v3', checksum: v3.checksum, changes: 1, replacedChangeVersions: [] });
    current = await currentPolicy(store);
    expect(current.files.catalogue.fields['PublicFacility.serves']).toMatchObject({ domain: 'PUBLIC_SERVICE', level: 'L1', relation: true });
    const byVersion = await store.query<{ version_id: string; n: string }>('SELECT version_id, count(*) AS n FROM policy_grant GROUP BY version_id ORDER BY version_id');
    expect(byVersion).toEqual([{ version_id: 'v1', n: '45' }, { version_id: 'v3', n: '1' }]);
    // What the migrations and the API do at start: syncPolicyFiles with the default directory (v4).
    const v4 = loadPolicyDir();
    expect(await syncPolicyFiles(store)).toEqual({ changed: true, version: 'v4', checksum: v4.checksum, changes: 16, replacedChangeVersions: [] });
    current = await currentPolicy(store);
    expect(current.files.catalogue.fields['ManagementEvent.caseNo']).toMatchObject({ domain: 'PUBLIC_MANAGEMENT' });
    const byVersion4 = await store.query<{ version_id: string; n: string }>('SELECT version_id, count(*) AS n FROM policy_grant GROUP BY version_id ORDER BY version_id');
    expect(byVersion4).toEqual([{ version_id: 'v1', n: '45' }, { version_id: 'v3', n: '1' }, { version_id: 'v4', n: '16' }]);
    // Idempotent, and an instance still shipping v1, v2 or v3 does not roll it back.
    expect(await syncPolicyFiles(store)).toMatchObject({ changed: false, version: 'v4', changes: 0 });
    expect(await syncPolicyFiles(store, V1_DIR)).toMatchObject({ changed: false, version: 'v1' });
    expect(await syncPolicyFiles(store, fromRoot('policies', 'v3'))).toMatchObject({ changed: false, version: 'v3' });
    expect((await currentPolicy(store)).version).toBe('v4');
    // Decisions name the new version.
    const d = decideField(current, swj, 'CityObject.deviceCode', { purpose: 'WATER_ADMIN', now: new Date('2026-12-01T00:00:00Z') });
    expect([d.effect, d.policy]).toEqual(['ALLOW', 'swj-iot@v4']);
  });
});
