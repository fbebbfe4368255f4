import { createOracle } from '../support/permissionOracle';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * 申请—审批—授权 against the real services, with two API processes on the database policy:
 * 市应急管理局 asks for residents' phones in 福田 for grid governance; 福田's steward approves as
 * the owner and the committee approves (L3); the grant is in force at once in the other process,
 * for exactly the field asked for; it is revoked at once; a grant expires on its date; illegal
 * moves and bad requests are refused with a code and change nothing.
 */
type Json = Record<string, unknown>;
let a: TestApi;
let b: TestApi;
const tokens = new Map<string, Record<string, string>>();

async function as(user: string, api: TestApi, query: string, variables: Json = {}, purpose?: string) {
  let h = tokens.get(user);
  if (!h) {
    h = bearer(await tokenFor(user));
    tokens.set(user, h);
  }
  return gql<Json>(api.url, query, variables, { ...h, ...(purpose ? { 'x-purpose': purpose } : {}) });
}

const REQUEST = `mutation ($input: AccessRequestInput!) { requestAccess(input: $input) { id state ownerDepartment needsCommittee maxLevel domain fields grantId } }`;
const MOVE = (m: string) => `mutation ($id: ID!, $reason: String!) { ${m}(id: $id, reason: $reason) { id state grantId events { actor actingAs from to policyVersion } } }`;
const PERSON = `query ($c: ID!) { person(code: $c) { code phone birthDate } }`;

/** A person of 福田 with a phone, from the seed plan. */
const oracle = createOracle();
const futianPerson = oracle.plan.nodes.find((n) => n.labels.includes('Person') && n.props.districtCode === '440304' && typeof n.props.phone === 'string')!;
const phone = futianPerson.props.phone as string;

function input(over: Json = {}): Json {
  return {
    attributes: ['Person.phone'],
    scopeKind: 'DISTRICTS',
    scopeCodes: ['440304'],
    purpose: 'GRID_GOVERNANCE',
    justification: '汛期网格联络: 福田区居民联系电话, 用于应急通知',
    expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    ...over,
  };
}

/** Asks B for the person's phone until `want(value)` holds (at most 10 s); returns the value and how long it took. */
async function phoneOnB(want: (v: unknown) => boolean): Promise<{ value: unknown; ms: number }> {
  const started = Date.now();
  for (;;) {
    const r = await as('qian.emergency', b, PERSON, { c: futianPerson.code }, 'GRID_GOVERNANCE');
    const value = (r.data?.person as Json | null)?.phone;
    if (want(value) || Date.now() - started > 10_000) return { value, ms: Date.now() - started };
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function requestCount(): Promise<number> {
  const [row] = await a.stores.sql.query<{ n: string }>('SELECT count(*) AS n FROM access_request');
  return Number(row.n);
}

beforeAll(async () => {
  a = await startTestApi((c) => c, {}, { databasePolicy: true });
  b = await startTestApi((c) => c, {}, { databasePolicy: true });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

describe('access requests (申请—审批—授权)', () => {
  let id: string;

  it('a department asks for phones in 福田: 福田区人民政府 owns them, and L3 needs the committee too', async () => {
    const before = await phoneOnB(() => true);
    expect(before.value).toBe(`${phone.slice(0, 3)}****${phone.slice(7)}`);
    const r = await as('qian.emergency', a, REQUEST, { input: input() });
    expect(r.errors).toBeUndefined();
    const req = r.data!.requestAccess as Json;
    expect(req).toMatchObject({ state: 'SUBMITTED', ownerDepartment: 'FT-GOV', needsCommittee: true, maxLevel: 'L3', domain: 'POPULATION', fields: ['Person.phone'], grantId: null });
    id = req.id as string;
  });

  it('refuses moves by those who may not make them, and moves out of order', async () => {
    const byRequester = await as('qian.emergency', a, MOVE('approveAccessRequest'), { id, reason: '自己批准' });
    expect(byRequester.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const byNonSteward = await as('wang.futian', a, MOVE('approveAccessRequest'), { id, reason: '同意' });
    expect(byNonSteward.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const revokeEarly = await as('lin.futian', a, MOVE('revokeAccessRequest'), { id, reason: '撤销' });
    expect(revokeEarly.errors?.[0].extensions).toMatchObject({ code: 'ILLEGAL_TRANSITION', state: 'SUBMITTED' });
    const noReason = await as('lin.futian', a, MOVE('approveAccessRequest'), { id, reason: ' ' });
    expect(noReason.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'reason' });
  });

  it('the owner approves first; the grant comes with the committee’s approval, in force at once in the other process', async () => {
    const owner = await as('lin.futian', a, MOVE('approveAccessRequest'), { id, reason: '同意: 汛期应急联络' });
    expect(owner.errors).toBeUndefined();
    expect(owner.data!.approveAccessRequest).toMatchObject({ state: 'OWNER_APPROVED', grantId: null });
    expect((await phoneOnB(() => true)).value).toBe(`${phone.slice(0, 3)}****${phone.slice(7)}`);

    const committee = await as('zhang.data', a, MOVE('approveAccessRequest'), { id, reason: '委员会同意' });
    expect(committee.errors).toBeUndefined();
    const granted = committee.data!.approveAccessRequest as { state: string; grantId: string; events: Json[] };
    expect(granted).toMatchObject({ state: 'GRANTED', grantId: `req-${id}` });
    expect(granted.events.map((e) => [e.actingAs, e.to])).toEqual([
      ['REQUESTER', 'SUBMITTED'],
      ['OWNER', 'OWNER_APPROVED'],
      ['COMMITTEE', 'GRANTED'],
    ]);
    expect(granted.events[2].policyVersion).toMatch(/^v\d+\.\d+$/);
    const seen = await phoneOnB((v) => v === phone);
    expect(seen.value).toBe(phone);
    expect(seen.ms).toBeLessThan(5000);
    // Exactly the field asked for: the birth date (also L3) is not granted.
    const r = await as('qian.emergency', b, PERSON, { c: futianPerson.code }, 'GRID_GOVERNANCE');
    const birthDate = futianPerson.props.birthDate as string;
    expect((r.data!.person as Json).birthDate).toBe(birthDate.slice(0, 4));
    // Outside 福田 nothing changes.
    const other = oracle.plan.nodes.find((n) => n.labels.includes('Person') && n.props.districtCode === '440305' && typeof n.props.phone === 'string')!;
    const outside = await as('qian.emergency', b, PERSON, { c: other.code }, 'GRID_GOVERNANCE');
    expect((outside.data!.person as Json).phone).toBe(`${(other.props.phone as string).slice(0, 3)}****${(other.props.phone as string).slice(7)}`);
  });

  it('a second approval, a withdrawal or a rejection of a granted request is an illegal transition', async () => {
    for (const [m, user] of [
      ['approveAccessRequest', 'zhang.data'],
      ['withdrawAccessRequest', 'qian.emergency'],
      ['rejectAccessRequest', 'lin.futian'],
    ] as const) {
      const r = await as(user, a, MOVE(m), { id, reason: 'again' });
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'ILLEGAL_TRANSITION', state: 'GRANTED' });
    }
  });

  it('each side sees the request; others do not learn it exists', async () => {
    const q = `query ($id: ID!) { accessRequest(id: $id) { id state } }`;
    for (const user of ['qian.emergency', 'lin.futian', 'zhang.data']) expect((await as(user, a, q, { id })).data!.accessRequest).toMatchObject({ id, state: 'GRANTED' });
    expect((await as('he.planning', a, q, { id })).data!.accessRequest).toBeNull();
    const mine = await as('qian.emergency', a, `{ accessRequests(view: MINE) { nodes { id } } }`);
    expect((mine.data!.accessRequests as { nodes: Json[] }).nodes.map((n) => n.id)).toContain(id);
    const queue = await as('lin.futian', a, `{ accessRequests(view: TO_APPROVE, states: [GRANTED]) { nodes { id } } }`);
    expect((queue.data!.accessRequests as { nodes: Json[] }).nodes.map((n) => n.id)).toContain(id);
    const all = await as('lin.futian', a, `{ accessRequests(view: ALL) { nodes { id } } }`);
    expect(all.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('revocation takes effect at once, in the other process too', async () => {
    const r = await as('lin.futian', a, MOVE('revokeAccessRequest'), { id, reason: '汛期结束' });
    expect(r.errors).toBeUndefined();
    expect(r.data!.revokeAccessRequest).toMatchObject({ state: 'REVOKED', grantId: `req-${id}` });
    const seen = await phoneOnB((v) => v !== phone);
    expect(seen.value).toBe(`${phone.slice(0, 3)}****${phone.slice(7)}`);
    expect(seen.ms).toBeLessThan(5000);
  });

  it('a grant stops on its date, and the request then reads EXPIRED', async () => {
    const expiresAt = new Date(Date.now() + 12_000).toISOString();
    const req = await as('qian.emergency', a, REQUEST, { input: input({ expiresAt, justification: '临时核查' }) });
    expect(req.errors).toBeUndefined();
    const rid = (req.data!.requestAccess as Json).id as string;
    await as('lin.futian', a, MOVE('approveAccessRequest'), { id: rid, reason: '同意' });
    const granted = await as('zhang.data', a, MOVE('approveAccessRequest'), { id: rid, reason: '同意' });
    expect(granted.data!.approveAccessRequest).toMatchObject({ state: 'GRANTED' });
    expect((await phoneOnB((v) => v === phone)).value).toBe(phone);
    await new Promise((res) => setTimeout(res, Math.max(0, Date.parse(expiresAt) - Date.now()) + 200));
    expect((await phoneOnB(() => true)).value).toBe(`${phone.slice(0, 3)}****${phone.slice(7)}`);
    const shown = await as('qian.emergency', a, `query ($id: ID!) { accessRequest(id: $id) { state } }`, { id: rid });
    expect(shown.data!.accessRequest).toEqual({ state: 'EXPIRED' });
    const late = await as('lin.futian', a, MOVE('revokeAccessRequest'), { id: rid, reason: 'late' });
    expect(late.errors?.[0].extensions).toMatchObject({ code: 'ILLEGAL_TRANSITION', state: 'EXPIRED' });
  }, 40_000);

  it('a bad request is refused with a code, and stores nothing', async () => {
    const before = await requestCount();
    for (const [over, argument] of [
      [{ attributes: [], datasets: ['no-such-dataset'] }, 'datasets[0]'],
      [{ attributes: ['Person.phone', 'Enterprise.registeredCapitalWan'] }, 'attributes'],
      [{ attributes: ['Person.code'] }, 'attributes'],
      [{ attributes: ['Person.shoeSize'] }, 'attributes[0]'],
      [{ expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
      [{ purpose: 'CURIOSITY' }, 'purpose'],
      [{ justification: '   ' }, 'justification'],
      [{ scopeKind: 'STREETS', scopeCodes: ['999999999'] }, 'scope'],
    ] as const) {
      const r = await as('qian.emergency', a, REQUEST, { input: input(over) });
      expect([argument, r.errors?.[0].extensions]).toEqual([argument, expect.objectContaining({ code: 'BAD_USER_INPUT', argument, hint: expect.any(String) })]);
    }
    // A district government may only ask inside its district.
    const outside = await as('wang.futian', a, REQUEST, { input: input({ scopeCodes: ['440305'] }) });
    expect(outside.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'scope' });
    expect(await requestCount()).toBe(before);
  });

  it('every move is in the audit chain as a GOVERNANCE entry', async () => {
    // The writer appends in the background: wait for it to flush.
    await a.services.audit!.flush();
    const flushed = await a.stores.sql.query<{ operation_name: string }>(
      `SELECT operation_name FROM audit_log WHERE decision = 'GOVERNANCE' AND detail->>'request' = $1 ORDER BY id`,
      [id],
    );
    expect(flushed.map((r) => r.operation_name)).toEqual(['requestAccess', 'approveAccessRequest', 'approveAccessRequest', 'revokeAccessRequest']);
  });
});
