import { authConfigFromEnv, createAuth } from '../../api/auth';
import { loadConfig } from '../../core/config';
import { startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';
import { appendChanges } from '../../sharing/changes';
import { collect, liveClient } from '../support/live';
import { createOracle } from '../support/permissionOracle';

/**
 * Token lifecycle against the real Keycloak: a user disabled, a session ended or a realm role
 * removed stops working at the API within the recheck bound (TOKEN_RECHECK_MS; 1 s here, 15 s by
 * default), although the signed token itself stays valid until it expires (900 s). Throw-away
 * users are made and removed through Keycloak's admin API.
 */
const { keycloak } = loadConfig();
const KC = keycloak.url.replace(/\/+$/, '');
const ADMIN = `${KC}/admin/realms/${keycloak.realm}`;
const RECHECK_MS = 1000;
/** The bound a test allows: the recheck interval, plus time for the request and Keycloak. */
const BOUND_MS = RECHECK_MS + 2000;
const STEWARD_QUERY = '{ datasets { id } }';
const PUBLIC_QUERY = '{ regions(level: DISTRICT) { code } }';

let api: TestApi;
let admin: string;
const made: string[] = [];

async function adminToken(): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'password',
    client_id: 'admin-cli',
    username: process.env.KEYCLOAK_ADMIN_USER || 'admin',
    password: process.env.KEYCLOAK_ADMIN_PASSWORD || 'citycode-dev-admin',
  });
  const res = await fetch(`${KC}/realms/master/protocol/openid-connect/token`, { method: 'POST', body });
  const json = (await res.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`no admin token: ${JSON.stringify(json)}`);
  return json.access_token;
}

async function kc(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${ADMIN}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300 && !(method === 'GET' && res.status === 200)) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** A throw-away user of 市政务服务数据管理局 (department claims from the group), optionally a data steward. */
async function throwAwayUser(name: string, steward: boolean): Promise<string> {
  const username = `tmp.${name}.${Date.now()}`;
  await kc('POST', '/users', {
    username,
    enabled: true,
    firstName: 'Test',
    lastName: name,
    email: `${username}@example.invalid`,
    emailVerified: true,
    credentials: [{ type: 'password', value: 'citycode-dev-pw', temporary: false }],
    groups: ['/市直部门/市政务服务数据管理局'],
  });
  const [user] = (await (await kc('GET', `/users?username=${encodeURIComponent(username)}&exact=true`)).json()) as { id: string }[];
  made.push(user.id);
  if (steward) await kc('POST', `/users/${user.id}/role-mappings/realm`, [await (await kc('GET', '/roles/data-steward')).json()]);
  return username;
}

async function userId(username: string): Promise<string> {
  const [user] = (await (await kc('GET', `/users?username=${encodeURIComponent(username)}&exact=true`)).json()) as { id: string }[];
  return user.id;
}

/** Asks until `refused(answer)` holds; returns how long it took after `since`. */
async function until(ask: () => Promise<{ status: number; body: unknown }>, refused: (a: { status: number; body: unknown }) => boolean, since: number): Promise<number> {
  for (;;) {
    const answer = await ask();
    if (refused(answer)) return Date.now() - since;
    if (Date.now() - since > 30_000) throw new Error(`still not refused after 30 s: ${JSON.stringify(answer.body).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function post(token: string, query: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify({ query }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  admin = await adminToken();
  api = await startTestApi((c) => c, { auth: createAuth({ ...authConfigFromEnv(loadConfig(), {}), recheckMs: RECHECK_MS }) });
});

afterAll(async () => {
  admin = await adminToken();
  for (const id of made) await kc('DELETE', `/users/${id}`).catch(() => undefined);
  await api?.close();
});

describe('token lifecycle (real Keycloak)', () => {
  it('the default bound is 15 s, within the 30 s target', () => {
    expect(authConfigFromEnv(loadConfig(), {}).recheckMs).toBe(15_000);
  });

  it('a disabled user is refused within the bound, with the same still-unexpired token', async () => {
    const username = await throwAwayUser('disabled', false);
    const token = await tokenFor(username);
    expect((await post(token, PUBLIC_QUERY)).status).toBe(200);
    const since = Date.now();
    await kc('PUT', `/users/${await userId(username)}`, { enabled: false });
    const took = await until(() => post(token, PUBLIC_QUERY), (a) => a.status === 401, since);
    expect(took).toBeLessThanOrEqual(BOUND_MS);
    const refused = await post(token, PUBLIC_QUERY);
    expect(refused.body).toMatchObject({ errors: [{ message: expect.stringMatching(/no longer active/), extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('a session ended by the administrator (sign out) is refused within the bound', async () => {
    const username = await throwAwayUser('session', false);
    const token = await tokenFor(username);
    expect((await post(token, PUBLIC_QUERY)).status).toBe(200);
    const since = Date.now();
    await kc('POST', `/users/${await userId(username)}/logout`);
    const took = await until(() => post(token, PUBLIC_QUERY), (a) => a.status === 401, since);
    expect(took).toBeLessThanOrEqual(BOUND_MS);
  });

  it('a realm role removed stops working within the bound; the rest of the token still works', async () => {
    const username = await throwAwayUser('steward', true);
    const token = await tokenFor(username);
    const before = await post(token, STEWARD_QUERY);
    expect(before.body.errors).toBeUndefined();
    expect(((before.body.data as { datasets: unknown[] }).datasets).length).toBeGreaterThan(5);
    const since = Date.now();
    await kc('DELETE', `/users/${await userId(username)}/role-mappings/realm`, [await (await kc('GET', '/roles/data-steward')).json()]);
    const forbidden = (a: { body: unknown }) => (a.body as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code === 'FORBIDDEN';
    const took = await until(() => post(token, STEWARD_QUERY), forbidden, since);
    expect(took).toBeLessThanOrEqual(BOUND_MS);
    const after = await post(token, PUBLIC_QUERY);
    expect([after.status, after.body.errors]).toEqual([200, undefined]);
  });

  it('a subscription of a user disabled meanwhile is closed (4401) at its next event', async () => {
    const username = await throwAwayUser('live', false);
    const token = await tokenFor(username);
    const person = createOracle().plan.nodes.find((n) => n.labels.includes('Person') && typeof n.props.districtCode === 'string')!;
    const change = { code: person.code, kind: 'Person', domain: 'POPULATION', districtCode: person.props.districtCode as string, streetCode: (person.props.streetCode as string) ?? null, dataset: null, fields: ['Person.name'], source: 'GOVERNANCE' as const };
    const { client, closed } = liveClient(api.url, { authorization: `Bearer ${token}`, 'x-purpose': 'PUBLIC_SERVICE' });
    const live = collect<{ entityChanged: { code: string } }>(client, `subscription ($c: [ID!]) { entityChanged(codes: $c) { code } }`, { c: [person.code] });
    await new Promise((r) => setTimeout(r, 300));
    await appendChanges(api.stores.sql, [change]);
    expect((await live.waitFor(1))[0].entityChanged.code).toBe(person.code);
    await kc('PUT', `/users/${await userId(username)}`, { enabled: false });
    await new Promise((r) => setTimeout(r, BOUND_MS));
    await appendChanges(api.stores.sql, [change]);
    const ended = await closed;
    expect(ended.code).toBe(4401);
    expect(ended.reason).toMatch(/^UNAUTHENTICATED: token is no longer active/);
    expect(live.events).toHaveLength(1);
  });
});
