import { startTestApi, type TestApi, gql } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';
import { DEMO_RESIDENT } from '../support/residents';

/**
 * The queries the governance console added to the API (docs/console.md): entity search by name,
 * counts per region, and the usage trail filtered by the officer — each inside the caller's grants.
 */
type Json = Record<string, unknown>;
let api: TestApi;
const as = async (user: string, query: string, variables: Json = {}, purpose = 'DATA_GOVERNANCE') =>
  gql<Json>(api.url, query, variables, { ...bearer(await tokenFor(user)), 'x-purpose': purpose });

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

describe('regionStats', () => {
  const Q = `query ($l: RegionLevel!) { regionStats(level: $l) { persons enterprises cityObjects publicFacilities region { code name ... on CityObject { regionCode } } } }`;

  it('counts each district’s persons, enterprises, objects and facilities as the graph holds them', async () => {
    const r = await as('zhang.data', Q, { l: 'DISTRICT' });
    expect(r.errors).toBeUndefined();
    const rows = r.data!.regionStats as { persons: number; enterprises: number; cityObjects: number; publicFacilities: number; region: { regionCode: string } }[];
    const direct = await api.stores.graph.read<{ district: string; kind: string; n: number }>(
      `UNWIND ['Person', 'Enterprise', 'CityObject', 'PublicFacility'] AS kind
       MATCH (e:Entity) WHERE kind IN labels(e) AND NOT e:Region AND e.districtCode IS NOT NULL
       RETURN e.districtCode AS district, kind, count(*) AS n`,
    );
    const want = (d: string, k: string) => direct.find((x) => x.district === d && x.kind === k)?.n ?? 0;
    expect(rows.length).toBe(11);
    for (const row of rows) {
      const d = row.region.regionCode;
      expect([d, row.persons, row.enterprises, row.cityObjects, row.publicFacilities]).toEqual([d, want(d, 'Person'), want(d, 'Enterprise'), want(d, 'CityObject'), want(d, 'PublicFacility')]);
    }
    expect(rows.reduce((n, x) => n + x.persons, 0)).toBeGreaterThan(10_000);
  });

  it('counts only what a district-scoped caller may see', async () => {
    const r = await as('wang.futian', Q, { l: 'DISTRICT' }, 'GRID_GOVERNANCE');
    expect(r.errors).toBeUndefined();
    const rows = r.data!.regionStats as { persons: number; region: { regionCode: string } }[];
    const futian = rows.find((x) => x.region.regionCode === '440304')!;
    expect(futian.persons).toBeGreaterThan(100);
    expect(rows.filter((x) => x.region.regionCode !== '440304').every((x) => x.persons === 0)).toBe(true);
  });

  it('refuses the city level with a code and a hint', async () => {
    const r = await as('zhang.data', Q, { l: 'CITY' });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'level' });
    expect(r.errors?.[0]?.extensions?.hint).toMatch(/DISTRICT/);
  });
});

describe('entitiesByName', () => {
  const Q = `query ($n: String!, $f: Int) { entitiesByName(name: $n, first: $f) { __typename code name districtCode } }`;

  it('finds enterprises and people whose names contain the text, shortest first', async () => {
    const r = await as('zhang.data', Q, { n: '科技', f: 50 });
    expect(r.errors).toBeUndefined();
    const hits = r.data!.entitiesByName as { __typename: string; name: string }[];
    expect(hits.length).toBe(50);
    expect(hits.every((h) => h.name.includes('科技'))).toBe(true);
    expect(hits.map((h) => h.name.length)).toEqual([...hits.map((h) => h.name.length)].sort((a, b) => a - b));
    const person = await as('zhang.data', Q, { n: DEMO_RESIDENT.name });
    expect(person.data!.entitiesByName).toEqual(expect.arrayContaining([expect.objectContaining({ __typename: 'Person', code: DEMO_RESIDENT.code, name: DEMO_RESIDENT.name })]));
  });

  it('stays inside a district-scoped caller’s rows', async () => {
    const r = await as('wang.futian', Q, { n: '科技', f: 50 }, 'GRID_GOVERNANCE');
    expect(r.errors).toBeUndefined();
    const hits = r.data!.entitiesByName as { districtCode: string }[];
    expect(hits.length).toBeGreaterThan(0);
    expect(new Set(hits.map((h) => h.districtCode))).toEqual(new Set(['440304']));
  });

  it('does not let a caller who reads names masked probe them by name', async () => {
    const r = await as('sun.transport', Q, { n: DEMO_RESIDENT.name }, 'PUBLIC_SERVICE');
    expect(r.errors).toBeUndefined();
    expect(r.data!.entitiesByName).toEqual([]);
    const name = await as('sun.transport', `query ($c: ID!) { person(code: $c) { name } }`, { c: DEMO_RESIDENT.code }, 'PUBLIC_SERVICE');
    expect((name.data?.person as Json | null)?.name ?? null).not.toBe(DEMO_RESIDENT.name);
  });

  it('rejects too short a text and too large a page with codes and hints', async () => {
    const short = await as('zhang.data', Q, { n: '科' });
    expect(short.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'name' });
    const big = await as('zhang.data', Q, { n: '科技', f: 51 });
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
  });
});

it('usageTrail filters by the officer who read', async () => {
  await as('gov.steward', `query ($c: ID!) { person(code: $c) { name } }`, { c: DEMO_RESIDENT.code });
  await api.services.audit!.flush();
  const r = await as('zhang.data', `{ usageTrail(filter: { user: "gov.steward" }, first: 50) { nodes { username } } }`);
  expect(r.errors).toBeUndefined();
  const users = (r.data!.usageTrail as { nodes: { username: string }[] }).nodes.map((n) => n.username);
  expect(users.length).toBeGreaterThan(0);
  expect(new Set(users)).toEqual(new Set(['gov.steward']));
  const none = await as('zhang.data', `{ usageTrail(filter: { user: "nobody.here" }) { nodes { id } } }`);
  expect(none.data!.usageTrail).toEqual({ nodes: [] });
});

describe('myFieldAccess', () => {
  const Q = `query ($k: String!) { myFieldAccess(kind: $k) { key field effect byRow requiredLevel policy betterWithPurposes } }`;
  type Access = { key: string; field: string; effect: string; byRow: boolean; requiredLevel: string; policy: string; betterWithPurposes: string[] };

  it('tells each caller, without any data, how each attribute of a kind reaches them, as the gate decides it', async () => {
    const l4 = (await as('zhang.data', Q, { k: 'Person' })).data!.myFieldAccess as Access[];
    const l2 = (await as('gov.steward', Q, { k: 'Person' })).data!.myFieldAccess as Access[];
    const phone = (list: Access[]) => list.find((a) => a.key === 'Person.phone')!;
    expect(phone(l4)).toMatchObject({ effect: 'ALLOW', requiredLevel: 'L3' });
    expect(phone(l2)).toMatchObject({ effect: 'MASK', requiredLevel: 'L3' });
    expect(l4.map((a) => a.key)).toEqual(expect.arrayContaining(['Person.name', 'Person.idNumber', 'Person.residence']));
    // What it says is what a query gets.
    const q = await as('gov.steward', `query ($c: ID!) { person(code: $c) { phone } }`, { c: DEMO_RESIDENT.code });
    expect((q.data!.person as Json).phone).toBe(`${DEMO_RESIDENT.phone.slice(0, 3)}****${DEMO_RESIDENT.phone.slice(7)}`);
  });

  it('says DENY on every row where the gate denies every row, and refuses an unknown kind', async () => {
    const access = (await as('qian.emergency', Q, { k: 'Person' }, 'EMERGENCY')).data!.myFieldAccess as Access[];
    expect(access.find((a) => a.key === 'Person.owns')).toMatchObject({ effect: 'DENY', byRow: false });
    const q = await as('qian.emergency', `query ($c: ID!) { person(code: $c) { owns { totalCount } } }`, { c: DEMO_RESIDENT.code }, 'EMERGENCY');
    expect(q.errors?.[0]?.extensions?.code).toBe('FORBIDDEN_FIELD');
    const bad = await as('zhang.data', Q, { k: 'Spaceship' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'kind' });
  });
});
