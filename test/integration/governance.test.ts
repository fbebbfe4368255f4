import { startPolicySource } from '../../api/policySource';
import { verifyAudit } from '../../audit/verify';
import { loadConfig } from '../../core/config';
import { currentPolicy, policyVersionDirs } from '../../store/policy';
import { planDemoCity } from '../../seed/city';
import { SqlStore } from '../../store/postgres';
import { gql, startTestApi, TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

// Governance changes grants in PostgreSQL; this API reads its policy from there (other test files
// read the repository's files, so the change below cannot disturb them).
let api: TestApi;
let sql: SqlStore;
const person = () => planDemoCity('demo').nodes.find((n) => n.labels.includes('Person') && n.props.districtCode === '440306')!;

beforeAll(async () => {
  sql = new SqlStore(loadConfig().postgres);
  const policy = await startPolicySource(() => currentPolicy(sql), 3_600_000);
  api = await startTestApi((c) => c, { policy });
});
afterAll(async () => {
  await api.close();
  await sql.close();
});

const CHANGE = `mutation ($input: GrantChangeInput!) { changeGrant(input: $input) { version grantId action department } }`;
const NAME = `query ($c: ID!) { person(code: $c) { code name } }`;

describe('governance: grant changes', () => {
  it('refuses a grant change from a department user without the data-steward role', async () => {
    const res = await gql(api.url, CHANGE, { input: { action: 'REVOKE', grant: '{"id":"gaj-population"}', reason: 'test' } }, bearer(await tokenFor('li.police')));
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredRole: 'data-steward' });
  });

  it('a steward grants 市水务局 population names, the API applies it at once, and revoking takes it back; both audited', async () => {
    const steward = { ...bearer(await tokenFor('zhang.data')), 'x-purpose': 'DATA_GOVERNANCE' };
    const water = { ...bearer(await tokenFor('wu.water')), 'x-purpose': 'WATER_ADMIN' };
    const p = person();
    const before = await gql<{ person: { name: string | null } }>(api.url, NAME, { c: p.code }, water);
    expect(before.data?.person.name).toBeNull();
    expect(before.errors?.[0].extensions?.code).toBe('FORBIDDEN_FIELD');

    const id = `test-swj-population-${Date.now()}`;
    const grant = {
      id,
      department: 'SZ-SWJ',
      domain: 'POPULATION',
      maxLevel: 'L2',
      scope: { kind: 'CITY' },
      purposes: ['WATER_ADMIN'],
      masks: {},
      expiresAt: '2027-12-31T23:59:59+08:00',
      description: '测试: 供水应急联系',
    };
    const created = await gql<{ changeGrant: { version: string; grantId: string } }>(
      api.url,
      CHANGE,
      { input: { action: 'CREATE', grant: JSON.stringify(grant), reason: '测试授权' } },
      steward,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data?.changeGrant.grantId).toBe(id);
    // A change on top of the files in force (the newest of policies/, loaded by the migrations): vN.M.
    expect(created.data?.changeGrant.version).toMatch(new RegExp(`^${policyVersionDirs().at(-1)!.version}\\.\\d+$`));

    const after = await gql<{ person: { name: string | null } }>(api.url, NAME, { c: p.code }, water);
    expect(after.errors).toBeUndefined();
    expect(after.data?.person.name).toBe(p.props.name);

    const revoked = await gql(api.url, CHANGE, { input: { action: 'REVOKE', grant: JSON.stringify({ id }), reason: '测试结束' } }, steward);
    expect(revoked.errors).toBeUndefined();
    const again = await gql<{ person: { name: string | null } }>(api.url, NAME, { c: p.code }, water);
    expect(again.data?.person.name).toBeNull();

    await api.services.audit!.flush();
    const rows = await sql.query<{ decision: string; policy: string }>(
      `SELECT decision, policy FROM audit_log WHERE decision = 'GOVERNANCE' AND $1 = ANY(fields) ORDER BY id`,
      [`grant:${id}`],
    );
    expect(rows.map((r) => r.decision)).toEqual(['GOVERNANCE', 'GOVERNANCE']);
    const changes = await sql.query<{ action: string }>(`SELECT action FROM policy_change WHERE grant_id = $1 ORDER BY at`, [id]);
    expect(changes.map((c) => c.action)).toEqual(['CREATE', 'REVOKE']);
  });

  it('bad grant input is BAD_USER_INPUT and changes nothing', async () => {
    const steward = bearer(await tokenFor('zhang.data'));
    const version = (await currentPolicy(sql)).version;
    const broken = await gql(api.url, CHANGE, { input: { action: 'CREATE', grant: '{not json', reason: 'x' } }, steward);
    expect(broken.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const invalid = await gql(
      api.url,
      CHANGE,
      { input: { action: 'CREATE', grant: JSON.stringify({ id: `test-bad-${Date.now()}`, department: 'SZ-SWJ', domain: 'ASTROLOGY', maxLevel: 'L9' }), reason: 'x' } },
      steward,
    );
    expect(invalid.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await currentPolicy(sql)).version).toBe(version);
  });
});

describe('audit through the API', () => {
  it('200 concurrent audited requests leave an intact chain with a row for each', async () => {
    const market = { ...bearer(await tokenFor('zhao.market')), 'x-purpose': 'MARKET_SUPERVISION' };
    const persons = planDemoCity('demo').nodes.filter((n) => n.labels.includes('Person')).slice(0, 200);
    const [{ max: before }] = await sql.query<{ max: number }>('SELECT coalesce(max(id), 0)::int AS max FROM audit_log');
    const results = await Promise.all(
      persons.map((p) => gql<{ person: { phone: string } }>(api.url, `query ($c: ID!) { person(code: $c) { phone } }`, { c: p.code }, market)),
    );
    expect(results.every((r) => /^\d{3}\*{4}\d{4}$/.test(r.data?.person.phone ?? ''))).toBe(true);
    await api.services.audit!.flush();
    const rows = await sql.query<{ codes: string[]; decision: string }>(
      `SELECT entity_codes AS codes, decision FROM audit_log WHERE id > $1 AND department = 'SZ-SCJGJ' AND 'Person.phone' = ANY(fields)`,
      [before],
    );
    const audited = new Set(rows.flatMap((r) => r.codes));
    expect(persons.every((p) => audited.has(p.code))).toBe(true);
    expect(rows.every((r) => r.decision === 'MASK')).toBe(true);
    const verification = await verifyAudit(sql, { fromId: Math.max(1, before) });
    expect(verification).toMatchObject({ ok: true });
  });

  it('verifyAudit is a steward query', async () => {
    const q = `{ verifyAudit { ok checkedRows firstBrokenId } }`;
    const steward = await gql<{ verifyAudit: { ok: boolean; checkedRows: number } }>(api.url, q, {}, bearer(await tokenFor('zhang.data')));
    expect(steward.data?.verifyAudit.ok).toBe(true);
    expect(steward.data?.verifyAudit.checkedRows).toBeGreaterThan(0);
    const other = await gql(api.url, q, {}, bearer(await tokenFor('li.police')));
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
