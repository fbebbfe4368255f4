import { cleanTestDataset, personRows, placedResidents, registerTestDataset, testDatasetId, unregisterTestDataset, type PersonRow } from '../support/ingestFixtures';
import { collect, liveClient } from '../support/live';
import { createOracle } from '../support/permissionOracle';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * 实时推送 against the real services, two API processes on one outbox: ingest writes (through the
 * GraphQL ingestRecords mutation) reach each subscriber released as that subscriber's query would
 * show them (row scope, masks, denials); a client killed mid-stream resumes from its last cursor
 * on the other process with no loss and no duplicates; bad input and bad tokens are refused with
 * a code and register nothing; deliveries are in the audit chain.
 */
type Json = Record<string, unknown>;
const NS = 'F';
const DATASET = testDatasetId(NS);
const oracle = createOracle();
const streetOf = (district: string) => oracle.plan.nodes.find((n) => n.labels.includes('Person') && n.props.districtCode === district && typeof n.props.streetCode === 'string')!.props.streetCode as string;
const FUTIAN = { districtCode: '440304', streetCode: streetOf('440304') };
const NANSHAN = { districtCode: '440305', streetCode: streetOf('440305') };

let a: TestApi;
let b: TestApi;
const rows: PersonRow[] = personRows(NS, 6);
/** City codes of the six test persons, by row: 0-2 live in 福田, 3-5 in 南山. */
let codes: string[] = [];
const tokens = new Map<string, string>();
async function token(user: string): Promise<string> {
  if (!tokens.has(user)) tokens.set(user, await tokenFor(user));
  return tokens.get(user)!;
}
async function as(user: string, api: TestApi, query: string, variables: Json = {}, purpose?: string) {
  return gql<Json>(api.url, query, variables, { ...bearer(await token(user)), ...(purpose ? { 'x-purpose': purpose } : {}) });
}
async function live(user: string, api: TestApi, purpose: string) {
  return liveClient(api.url, { authorization: `Bearer ${await token(user)}`, 'x-purpose': purpose });
}

let round = 0;
/** New phones for the persons at `indexes`, through the API's ingest mutation (one batch, one outbox append). */
async function changePhones(indexes: number[]): Promise<Map<string, string>> {
  round++;
  const phones = new Map<string, string>();
  const records = indexes.map((i) => {
    const phone = `1996${String(round).padStart(3, '0')}${String(1000 + i).slice(-4)}`;
    phones.set(codes[i], phone);
    const r = rows[i];
    return JSON.stringify({ record_id: `${NS}-u${round}-${i}`, id_number: r.idNumber, name: r.name, phone, updated_at: new Date(Date.UTC(2026, 5, 1, 0, round)).toISOString() });
  });
  const res = await as('li.police', a, `mutation ($r: [String!]!) { ingestRecords(dataset: "${DATASET}", records: $r) { read matched new } }`, { r: records });
  expect(res.errors).toBeUndefined();
  expect(res.data!.ingestRecords).toMatchObject({ read: indexes.length, matched: indexes.length, new: 0 });
  await Promise.all([a.services.feed.caughtUp(), b.services.feed.caughtUp()]);
  return phones;
}

const EVENT = `cursor id code kind fields source dataset entity { code ... on Person { name phone birthDate } }`;
const BY_CODES = `subscription ($codes: [ID!], $after: String) { entityChanged(codes: $codes, after: $after) { ${EVENT} } }`;

beforeAll(async () => {
  a = await startTestApi();
  b = await startTestApi();
  await cleanTestDataset(a.stores, NS);
  await registerTestDataset(a.stores, NS);
  codes = await placedResidents(a.stores, NS, rows, [FUTIAN, FUTIAN, FUTIAN, NANSHAN, NANSHAN, NANSHAN]);
}, 60_000);

afterAll(async () => {
  await cleanTestDataset(a.stores, NS);
  await unregisterTestDataset(a.stores, NS);
  await a?.close();
  await b?.close();
});

describe('subscriptions (实时推送)', () => {
  it('the ingest writes one outbox event per changed entity, with its region and the changed attribute', async () => {
    await changePhones([0, 3]);
    const events = await a.stores.sql.query<{ code: string; fields: string[]; district_code: string; dataset: string; source: string }>(
      `SELECT code, fields, district_code, dataset, source FROM change_event WHERE code = ANY ($1) ORDER BY id DESC LIMIT 2`,
      [[codes[0], codes[3]]],
    );
    expect(events.map((e) => [e.code, e.fields, e.district_code, e.dataset, e.source]).sort()).toEqual(
      [
        [codes[0], ['Person.phone'], '440304', DATASET, 'INGEST'],
        [codes[3], ['Person.phone'], '440305', DATASET, 'INGEST'],
      ].sort(),
    );
  });

  it('each subscriber gets each change as its own query would show it: row scope, masks, purpose', async () => {
    const subscribers = [
      { user: 'li.police', purpose: 'PUBLIC_SECURITY', api: a },
      { user: 'wang.futian', purpose: 'GRID_GOVERNANCE', api: b },
      { user: 'liu.housing', purpose: 'HOUSING_ADMIN', api: a },
      { user: 'he.planning', purpose: 'URBAN_PLANNING', api: b },
    ];
    const subs = await Promise.all(
      subscribers.map(async (s) => {
        const { client } = await live(s.user, s.api, s.purpose);
        return { ...s, client, got: collect<{ entityChanged: Json }>(client, BY_CODES, { codes }) };
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    await changePhones([1, 4]);
    for (const s of subs) {
      // What the subscriber's own query shows of each changed person now.
      const expected: Json[] = [];
      // Events of one batch come in code order.
      for (const i of [1, 4].sort((x, y) => (codes[x] < codes[y] ? -1 : 1))) {
        const q = await as(s.user, s.api, `query ($c: ID!) { person(code: $c) { code name phone birthDate } }`, { c: codes[i] }, s.purpose);
        const person = q.data?.person as Json | null;
        const phoneDenied = q.errors?.some((e) => e.path?.join('.') === 'person.phone');
        if (person && !phoneDenied) expected.push(person);
      }
      if (expected.length) await s.got.waitFor(expected.length);
      await new Promise((r) => setTimeout(r, 300));
      const received = s.got.events.map((e) => e.entityChanged);
      expect([s.user, received.map((e) => ({ ...(e.entity as Json), __typename: undefined }))]).toEqual([s.user, expected.map((p) => ({ ...p, __typename: undefined }))]);
      expect(s.got.errors).toEqual([]);
      for (const e of received) expect(e).toMatchObject({ kind: 'Person', fields: ['Person.phone'], source: 'INGEST', dataset: DATASET });
      s.got.stop();
      await s.client.dispose();
    }
    // The police see both in clear; 福田's government only its own resident; the others per their grants.
    expect(subs[0].got.events.map((e) => (e.entityChanged.entity as Json).code)).toEqual([codes[1], codes[4]].sort());
    expect(subs[1].got.events.map((e) => (e.entityChanged.entity as Json).code)).toEqual([codes[1]]);
  });

  it('a client killed mid-stream resumes from its last cursor on the other process: no loss, no duplicates', async () => {
    const first = await live('li.police', a, 'PUBLIC_SECURITY');
    const s1 = collect<{ entityChanged: Json }>(first.client, BY_CODES, { codes });
    await new Promise((r) => setTimeout(r, 300));
    // Five batches of six changes: thirty events in commit order.
    const sent: string[] = [];
    for (let k = 0; k < 5; k++) {
      await changePhones([0, 1, 2, 3, 4, 5]);
      sent.push(...[...codes].sort());
      if (k === 1) await s1.waitFor(8);
    }
    // Killed after 8 events (mid-stream: more were on their way).
    await s1.waitFor(8);
    first.client.terminate();
    const seen = s1.events.slice(0, 8).map((e) => e.entityChanged);
    const last = seen[seen.length - 1];

    const second = await live('li.police', b, 'PUBLIC_SECURITY');
    const s2 = collect<{ entityChanged: Json }>(second.client, BY_CODES, { codes, after: last.cursor });
    await s2.waitFor(30 - 8);
    // A live change after the replay arrives too, once.
    await changePhones([2]);
    await s2.waitFor(30 - 8 + 1);
    await new Promise((r) => setTimeout(r, 300));
    const resumed = s2.events.map((e) => e.entityChanged);
    const all = [...seen, ...resumed];
    const ids = all.map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(all.map((e) => e.code)).toEqual([...sent, codes[2]]);
    // The outbox holds exactly these events for these persons after the first one seen.
    const [{ n }] = await a.stores.sql.query<{ n: string }>(`SELECT count(*) AS n FROM change_event WHERE code = ANY ($1) AND id >= $2`, [codes, ids[0]]);
    expect(Number(n)).toBe(all.length);
    s2.stop();
    await second.client.dispose();
  });

  it('selects by dataset and by domain and region', async () => {
    const { client } = await live('li.police', a, 'PUBLIC_SECURITY');
    const byDataset = collect<{ entityChanged: Json }>(client, `subscription { entityChanged(dataset: "${DATASET}") { code } }`);
    const byRegion = collect<{ changes: Json }>(client, `subscription { changes(domain: "POPULATION", region: "440305") { code fields } }`);
    await new Promise((r) => setTimeout(r, 300));
    await changePhones([0, 5]);
    await byDataset.waitFor(2);
    await byRegion.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(byDataset.events.map((e) => e.entityChanged.code)).toEqual([codes[0], codes[5]].sort());
    expect(byRegion.events.map((e) => e.changes)).toEqual([{ code: codes[5], fields: ['Person.phone'] }]);
    await client.dispose();
  });

  it('refuses bad input with a code and registers nothing', async () => {
    const { client } = await live('li.police', a, 'PUBLIC_SECURITY');
    const cursorOf = collect<{ entityChanged: Json }>(client, BY_CODES, { codes: [codes[0]] });
    await new Promise((r) => setTimeout(r, 300));
    await changePhones([0]);
    const [{ entityChanged }] = await cursorOf.waitFor(1);
    cursorOf.stop();
    await new Promise((r) => setTimeout(r, 300));
    const before = a.services.feed.subscribers;
    const cases: [string, Json, string, Json][] = [
      ['no filter', {}, `subscription { entityChanged { code } }`, { argument: 'codes' }],
      ['bad code', {}, `subscription { entityChanged(codes: ["123"]) { code } }`, { argument: 'codes[0]' }],
      ['unknown dataset', {}, `subscription { entityChanged(dataset: "no-such-dataset") { code } }`, { argument: 'dataset' }],
      ['bad region', {}, `subscription { entityChanged(region: "44") { code } }`, { argument: 'region' }],
      ['bad domain', {}, `subscription { changes(domain: "WEATHER") { code } }`, { argument: 'domain' }],
      ['other stream', { after: entityChanged.cursor }, `subscription ($after: String) { entityChanged(dataset: "${DATASET}", after: $after) { code } }`, { argument: 'after', cursor: 'OTHER_STREAM' }],
      ['malformed cursor', {}, `subscription { entityChanged(dataset: "${DATASET}", after: "bm90LWEtY3Vyc29y") { code } }`, { argument: 'after', cursor: 'MALFORMED' }],
    ];
    for (const [what, variables, query, extensions] of cases) {
      const s = collect(client, query, variables);
      await s.ended();
      const error = (s.errors[0] as Json[] | Json | undefined) as { extensions?: Json }[] | { extensions?: Json } | undefined;
      const first = Array.isArray(error) ? error[0] : error;
      expect([what, first?.extensions]).toEqual([what, expect.objectContaining({ code: 'BAD_USER_INPUT', hint: expect.any(String), ...extensions })]);
    }
    expect(a.services.feed.subscribers).toBe(before);
    await client.dispose();
  });

  it('a bad token or an unknown purpose closes the connection with a code', async () => {
    const bad = liveClient(a.url, { authorization: 'Bearer not-a-token' });
    collect(bad.client, BY_CODES, { codes });
    const closed = await bad.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/^UNAUTHENTICATED: /);
    const purpose = liveClient(a.url, { authorization: `Bearer ${await token('li.police')}`, 'x-purpose': 'CURIOSITY' });
    collect(purpose.client, BY_CODES, { codes });
    const refused = await purpose.closed;
    expect(refused).toMatchObject({ code: 4400, reason: expect.stringMatching(/^BAD_USER_INPUT: unknown purpose/) });
  });

  it('every delivery is in the audit chain: who, for what purpose, which entity, which fields', async () => {
    const { client } = await live('li.police', a, 'PUBLIC_SECURITY');
    const s = collect<{ entityChanged: Json }>(client, `subscription PoliceWatch($codes: [ID!]) { entityChanged(codes: $codes) { code entity { ... on Person { phone } } } }`, { codes: [codes[3]] });
    await new Promise((r) => setTimeout(r, 300));
    await changePhones([3]);
    await s.waitFor(1);
    await client.dispose();
    await a.services.audit!.flush();
    const rows = await a.stores.sql.query<{ department: string; purpose: string; fields: string[]; decision: string; policy: string }>(
      `SELECT department, purpose, fields, decision, policy FROM audit_log WHERE operation_name = 'PoliceWatch' AND $1 = ANY (entity_codes) ORDER BY id DESC LIMIT 1`,
      [codes[3]],
    );
    expect(rows).toEqual([{ department: 'SZ-GAJ', purpose: 'PUBLIC_SECURITY', fields: ['Person.phone'], decision: 'ALLOW', policy: expect.stringMatching(/^gaj-population@v\d+/) }]);
  });

  it('a closed connection leaves no stream behind', async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect([a.services.feed.subscribers, b.services.feed.subscribers]).toEqual([0, 0]);
  });
});
