import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyAudit } from '../../audit/verify';
import { createFutianApp, type FutianApp } from '../../districts/futian/app';
import { futianConfig } from '../../districts/futian/config';
import { FutianStore } from '../../districts/futian/store';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';
import { DEMO_RESIDENT } from '../support/residents';

/**
 * 使用留痕 against the real services: a department's read of a resident's phone, a denial, and a 福田
 * subgraph read of the resident's grid events all land in one audit chain (verified); the
 * committee sees them with who, purpose, grant, attribute and subgraph; a data owner sees only
 * what concerns its data; the resident, signed in with their own city code, sees the
 * institutions' reads of their data — and no officer's name, no other person's code.
 */
type Json = Record<string, unknown>;
let api: TestApi;
let futian: { store: FutianStore; served: FutianApp; server: Server; url: string };
const tokens = new Map<string, string>();
async function headers(user: string, purpose?: string) {
  if (!tokens.has(user)) tokens.set(user, await tokenFor(user));
  return { ...bearer(tokens.get(user)!), ...(purpose ? { 'x-purpose': purpose } : {}) };
}
async function as(user: string, query: string, variables: Json = {}, purpose?: string, url = api.url) {
  return gql<Json>(url, query, variables, await headers(user, purpose));
}

const TRAIL = `query ($filter: UsageFilterInput, $first: Int, $after: String) { usageTrail(filter: $filter, first: $first, after: $after) {
  nodes { id at username department departmentName purpose purposeLabel operation decision grant subgraph entityCodes fields { key label } reason }
  endCursor hasNextPage } }`;
const MINE = `query ($first: Int, $after: String) { myDataUsage(first: $first, after: $after) {
  nodes { id at department departmentName purpose purposeLabel decision grant subgraph fields { key label } } endCursor hasNextPage } }`;
let firstId = 0;

beforeAll(async () => {
  api = await startTestApi();
  const config = futianConfig();
  const store = new FutianStore(config.postgres);
  const served = await createFutianApp(store, config);
  const server: Server = await new Promise((resolve) => {
    const s = served.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  futian = { store, served, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  const [{ id }] = await api.stores.sql.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM audit_log');
  firstId = Number(id) + 1;

  // The reads the trail will show.
  const police = await as('li.police', `query ($c: ID!) { person(code: $c) { name phone } }`, { c: DEMO_RESIDENT.code }, 'PUBLIC_SECURITY');
  expect((police.data!.person as Json).phone).toBe(DEMO_RESIDENT.phone);
  const planning = await as('he.planning', `query ($c: ID!) { person(code: $c) { idNumber } }`, { c: DEMO_RESIDENT.code }, 'URBAN_PLANNING');
  expect(planning.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN_FIELD' });
  const grid = await as(
    'wang.futian',
    `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Person { gridEvents { id handler } } } }`,
    { r: [{ __typename: 'Person', code: DEMO_RESIDENT.code }] },
    'GRID_GOVERNANCE',
    futian.url,
  );
  expect(((grid.data!._entities as Json[])[0].gridEvents as Json[]).length).toBeGreaterThan(0);
  await api.services.audit!.flush();
  await futian.served.audit.flush();
}, 60_000);

afterAll(async () => {
  futian.server.closeAllConnections();
  await new Promise((resolve) => futian.server.close(resolve));
  await futian.served.apollo.stop();
  await futian.store.close();
  await api?.close();
});

describe('usage trail (使用留痕)', () => {
  it('the committee sees who read which attribute of the resident, for what purpose, under which grant, from which subgraph', async () => {
    const r = await as('zhang.data', TRAIL, { filter: { code: DEMO_RESIDENT.code, from: new Date(Date.now() - 600_000).toISOString() } });
    expect(r.errors).toBeUndefined();
    const nodes = ((r.data!.usageTrail as Json).nodes as Json[]).filter((n) => Number(n.id) >= firstId);
    const police = nodes.find((n) => n.department === 'SZ-GAJ')!;
    expect(police).toMatchObject({
      username: 'li.police',
      departmentName: '市公安局',
      purpose: 'PUBLIC_SECURITY',
      decision: 'ALLOW',
      grant: 'gaj-population',
      subgraph: 'city',
      entityCodes: [DEMO_RESIDENT.code],
    });
    expect(police.fields).toEqual(expect.arrayContaining([{ key: 'Person.phone', label: '联系电话' }]));
    expect(nodes.find((n) => n.department === 'SZ-GHZY')).toMatchObject({ decision: 'DENY', subgraph: 'city', fields: [expect.objectContaining({ key: 'Person.idNumber' })], reason: expect.any(String) });
    const district = nodes.find((n) => n.subgraph === 'futian')!;
    expect(district).toMatchObject({ department: 'FT-GOV', purpose: 'GRID_GOVERNANCE', decision: 'ALLOW', grant: 'futian-grid' });
    expect((district.fields as Json[]).map((f) => f.key)).toEqual(expect.arrayContaining(['GridEvent']));
    expect(district.entityCodes).toContain(DEMO_RESIDENT.code);
    // Filtered by subgraph and attribute.
    const onlyFutian = await as('zhang.data', TRAIL, { filter: { code: DEMO_RESIDENT.code, subgraph: 'futian' } });
    expect(((onlyFutian.data!.usageTrail as Json).nodes as Json[]).every((n) => n.subgraph === 'futian')).toBe(true);
    const byAttribute = await as('zhang.data', TRAIL, { filter: { attribute: 'Person.phone', department: 'SZ-GAJ' }, first: 5 });
    expect(((byAttribute.data!.usageTrail as Json).nodes as Json[]).every((n) => (n.fields as Json[]).some((f) => f.key === 'Person.phone'))).toBe(true);
  });

  it('pages by time, newest first, with a cursor; a foreign cursor is refused', async () => {
    const p1 = (await as('zhang.data', TRAIL, { filter: { code: DEMO_RESIDENT.code }, first: 2 })).data!.usageTrail as Json;
    expect(p1.hasNextPage).toBe(true);
    const p2 = (await as('zhang.data', TRAIL, { filter: { code: DEMO_RESIDENT.code }, first: 2, after: p1.endCursor })).data!.usageTrail as Json;
    const ids = [...(p1.nodes as Json[]), ...(p2.nodes as Json[])].map((n) => Number(n.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
    const bad = await as('zhang.data', TRAIL, { after: 'bm90LWEtY3Vyc29y' });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    const badDecision = await as('zhang.data', TRAIL, { filter: { decision: 'MAYBE' } });
    expect(badDecision.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.decision' });
  });

  it('a data owner sees only what concerns its data; others see nothing', async () => {
    const owner = await as('lin.futian', TRAIL, { filter: { code: DEMO_RESIDENT.code } });
    expect(owner.errors).toBeUndefined();
    // 福田's government is the authoritative source of no city attribute: the police's read of the phone is not its business.
    expect(((owner.data!.usageTrail as Json).nodes as Json[]).some((n) => n.department === 'SZ-GAJ' && Number(n.id) >= firstId)).toBe(false);
    for (const user of ['wang.futian', 'he.planning', DEMO_RESIDENT.username]) {
      expect([user, (await as(user, TRAIL)).errors?.[0].extensions?.code]).toEqual([user, 'FORBIDDEN']);
    }
  });

  it('the resident sees the institutions that read their data — no officer, no other person', async () => {
    const r = await as(DEMO_RESIDENT.username, MINE, { first: 50 });
    expect(r.errors).toBeUndefined();
    const page = r.data!.myDataUsage as Json;
    const nodes = (page.nodes as Json[]).filter((n) => Number(n.id) >= firstId);
    expect(nodes.find((n) => n.department === 'SZ-GAJ')).toMatchObject({
      departmentName: '市公安局',
      purposeLabel: expect.any(String),
      decision: 'ALLOW',
      grant: 'gaj-population',
      subgraph: 'city',
      fields: expect.arrayContaining([{ key: 'Person.phone', label: '联系电话' }]),
    });
    expect(nodes.find((n) => n.subgraph === 'futian')).toMatchObject({ department: 'FT-GOV', departmentName: '福田区人民政府' });
    expect(nodes.find((n) => n.department === 'SZ-GHZY')).toMatchObject({ decision: 'DENY' });
    const text = JSON.stringify(page);
    for (const officer of ['li.police', 'he.planning', 'wang.futian']) expect(text).not.toContain(officer);
    // Only their own attributes, never another entity's code.
    expect(text.match(/\d{21}[\dX]/g) ?? []).toEqual([]);
    // A resident's account reads no one's data beyond what is public.
    const other = await as(DEMO_RESIDENT.username, `query ($c: ID!) { person(code: $c) { phone } }`, { c: DEMO_RESIDENT.code });
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN_FIELD');
    // Officers have no "my data".
    expect((await as('li.police', MINE)).errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('reading the trail is itself recorded, and the chain verifies over the city and 福田 entries alike', async () => {
    await api.services.audit!.flush();
    const rows = await api.stores.sql.query<{ operation_name: string; subgraph: string | null }>(
      `SELECT operation_name, detail->>'subgraph' AS subgraph FROM audit_log WHERE id >= $1 AND decision = 'GOVERNANCE' AND operation_name IN ('usageTrail', 'myDataUsage')`,
      [firstId],
    );
    expect(rows.map((r) => r.operation_name)).toEqual(expect.arrayContaining(['usageTrail', 'myDataUsage']));
    const verified = await verifyAudit(api.stores.sql, { fromId: firstId });
    expect(verified).toMatchObject({ ok: true });
    const [{ n }] = await api.stores.sql.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE id >= $1 AND detail->>'subgraph' = 'futian'`, [firstId]);
    expect(Number(n)).toBeGreaterThan(0);
  });
});
