import express from 'express';
import { createHash, createHmac, createPublicKey, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import net, { AddressInfo } from 'node:net';
import { authConfigFromEnv, AuthConfig, createAuth } from '../../api/auth';
import { loadConfig } from '../../core/config';
import { ANONYMOUS, Subject } from '../../core/subject';
import { TcpProxy } from '../support/tcpProxy';
import { bearer, decodeClaims, DEMO_USERS, requestToken, serviceToken, tokenFor } from '../support/tokens';

/**
 * api/auth.ts against the real Keycloak and the realm in infra/keycloak/citycode-realm.json:
 * every demo user's token gives the right Subject, and every kind of bad token is refused with
 * 401 and a WWW-Authenticate header.
 */
const { keycloak } = loadConfig();
const KC = keycloak.url;
const REALM = keycloak.realm;
const BASE: AuthConfig = {
  keycloakUrl: KC,
  realm: REALM,
  audience: 'citycode-api',
  anonymous: 'public',
  introspection: { clientId: 'citycode-api', clientSecret: 'citycode-api-dev-secret' },
};

interface WhoAmI {
  url: string;
  close(): Promise<void>;
}

/** A tiny express app: GET /whoami answers subjectOf(req). */
async function whoamiApp(config: Partial<AuthConfig> = {}): Promise<WhoAmI> {
  const auth = createAuth({ ...BASE, ...config });
  const app = express();
  app.get('/whoami', auth.middleware, (req, res) => {
    res.json(auth.subjectOf(req));
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/whoami`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Answer {
  status: number;
  body: Record<string, unknown> & { errors?: { message: string; extensions: Record<string, unknown> }[] };
  challenge: string | null;
}

async function call(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    body: (await response.json()) as Answer['body'],
    challenge: response.headers.get('www-authenticate'),
  };
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const parts = (token: string) => {
  const [h, p, s] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), payload: decodeClaims(token), h, p, s };
};

/** A 401 for a bad token, as RFC 6750 and the brief ask. */
function expectInvalidToken(answer: Answer, description: RegExp): void {
  expect(answer.status).toBe(401);
  expect(answer.challenge).toMatch(/^Bearer realm="citycode", error="invalid_token", error_description="[^"]+"$/);
  expect(answer.challenge).toMatch(description);
  expect(answer.body.errors).toHaveLength(1);
  expect(answer.body.errors?.[0].message).toMatch(description);
  expect(answer.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED', hint: expect.any(String) });
}

type Expected = Pick<Subject, 'department' | 'departmentName' | 'clearance' | 'districtScope'> & { steward?: boolean };

const EXPECTED: Record<(typeof DEMO_USERS)[number], Expected> = {
  'zhang.data': { department: 'SZ-ZSJ', departmentName: '市政务服务数据管理局', clearance: 'L4', districtScope: [], steward: true },
  'li.police': { department: 'SZ-GAJ', departmentName: '市公安局', clearance: 'L4', districtScope: [] },
  'zhao.market': { department: 'SZ-SCJGJ', departmentName: '市市场监管局', clearance: 'L3', districtScope: [] },
  'wang.futian': { department: 'FT-GOV', departmentName: '福田区人民政府', clearance: 'L3', districtScope: ['440304'] },
  'chen.nanshan': { department: 'NS-GOV', departmentName: '南山区人民政府', clearance: 'L3', districtScope: ['440305'] },
  'liu.housing': { department: 'SZ-ZJJ', departmentName: '市住房建设局', clearance: 'L3', districtScope: [] },
  'sun.transport': { department: 'SZ-JTJ', departmentName: '市交通运输局', clearance: 'L2', districtScope: [] },
  'zhou.health': { department: 'SZ-WJW', departmentName: '市卫生健康委', clearance: 'L3', districtScope: [] },
  'qian.emergency': { department: 'SZ-YJGLJ', departmentName: '市应急管理局', clearance: 'L3', districtScope: [] },
  'he.planning': { department: 'SZ-GHZY', departmentName: '市规划和自然资源局', clearance: 'L2', districtScope: [] },
  'wu.water': { department: 'SZ-SWJ', departmentName: '市水务局', clearance: 'L2', districtScope: [] },
  'gov.steward': { department: 'SZ-ZSJ', departmentName: '市政务服务数据管理局', clearance: 'L2', districtScope: [], steward: true },
};

describe('realm citycode: department claims in real access tokens', () => {
  let api: WhoAmI;
  beforeAll(async () => {
    api = await whoamiApp();
  });
  afterAll(() => api.close());

  it.each(DEMO_USERS.map((u) => [u]))('%s: token claims and Subject', async (username) => {
    const expected = EXPECTED[username];
    const token = await tokenFor(username);
    const claims = decodeClaims(token);
    // The claims as Keycloak writes them (user attribute, else the department group's).
    expect(claims.iss).toBe(`${KC}/realms/${REALM}`);
    expect([claims.aud].flat()).toContain('citycode-api');
    expect(claims.department).toBe(expected.department);
    expect(claims.department_name).toBe(expected.departmentName);
    expect(claims.clearance).toBe(expected.clearance);
    if (expected.districtScope.length) expect(claims.district_scope).toEqual(expected.districtScope);
    else expect(claims).not.toHaveProperty('district_scope');
    const roles = (claims.realm_access as { roles: string[] }).roles;
    if (expected.steward) expect(roles).toContain('data-steward');
    else expect(roles).not.toContain('data-steward');

    // What the API makes of them.
    const answer = await call(api.url, bearer(token));
    expect(answer.status).toBe(200);
    const subject = answer.body as unknown as Subject;
    expect(subject).toEqual({
      id: claims.sub,
      username,
      department: expected.department,
      departmentName: expected.departmentName,
      clearance: expected.clearance,
      districtScope: expected.districtScope,
      roles: expect.any(Array),
      serviceAccount: false,
      anonymous: false,
    });
    expect(subject.roles.includes('data-steward')).toBe(Boolean(expected.steward));
  });

  it('a user attribute overrides the department group: gov.steward is L2 in an L4 department', async () => {
    const [steward, director] = await Promise.all([tokenFor('gov.steward'), tokenFor('zhang.data')]);
    expect(decodeClaims(steward).department).toBe(decodeClaims(director).department);
    expect(decodeClaims(director).clearance).toBe('L4');
    expect(decodeClaims(steward).clearance).toBe('L2');
  });

  it('a signed-in user with no department is L1 with no department (demo)', async () => {
    const answer = await call(api.url, bearer(await tokenFor('demo')));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ username: 'demo', department: null, departmentName: null, clearance: 'L1', districtScope: [], anonymous: false, serviceAccount: false });
  });

  it.each([
    ['svc-futian-grid', { department: 'FT-GOV', departmentName: '福田区人民政府', clearance: 'L2', districtScope: ['440304'] }],
    ['svc-city-etl', { department: 'SZ-ZSJ', departmentName: '市政务服务数据管理局', clearance: 'L3', districtScope: [] }],
    ['citycode-cli', { department: null, departmentName: null, clearance: 'L1', districtScope: [] }],
  ])('service account %s (client credentials) carries its department', async (clientId, expected) => {
    const token = await serviceToken(clientId);
    expect(decodeClaims(token).azp).toBe(clientId);
    const answer = await call(api.url, bearer(token));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ...expected, username: `service-account-${clientId}`, serviceAccount: true, anonymous: false });
    expect((answer.body as unknown as Subject).roles).not.toContain('data-steward');
  });

  it('a user cannot raise their own clearance or change department through the account API', async () => {
    const token = await tokenFor('gov.steward');
    const accountUrl = `${KC}/realms/${REALM}/account/`;
    const me = (await (await fetch(accountUrl, { headers: { ...bearer(token), accept: 'application/json' } })).json()) as Record<string, unknown>;
    expect(me.username).toBe('gov.steward');
    const update = await fetch(accountUrl, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ ...me, attributes: { clearance: ['L4'], department: ['SZ-GAJ'] } }),
    });
    expect(update.status).toBe(400);
    expect(await update.text()).toContain('error-user-attribute-read-only');
    const again = await requestToken({ grant_type: 'password', username: 'gov.steward', password: 'citycode-dev-pw', scope: 'profile' });
    expect(decodeClaims(again.access_token).clearance).toBe('L2');
  });
});

describe('realm citycode: the console client (public, authorization code + PKCE S256)', () => {
  const authorize = `${KC}/realms/${REALM}/protocol/openid-connect/auth`;
  const redirectUri = 'http://127.0.0.1:5173/callback';
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authUrl = (extra: Record<string, string>, redirect = redirectUri) =>
    `${authorize}?${new URLSearchParams({ client_id: 'citycode-console', response_type: 'code', scope: 'openid', redirect_uri: redirect, state: 's1', ...extra })}`;

  it('refuses a request without an S256 code challenge, and foreign redirect URIs', async () => {
    const none = await fetch(authUrl({}), { redirect: 'manual' });
    expect(none.status).toBe(302);
    expect(none.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:5173\/callback\?error=invalid_request/);
    const plain = await fetch(authUrl({ code_challenge: verifier, code_challenge_method: 'plain' }), { redirect: 'manual' });
    expect(plain.headers.get('location')).toMatch(/error=invalid_request/);
    for (const evil of ['https://evil.example/callback', 'http://localhost:@evil.example/']) {
      const answer = await fetch(authUrl({ code_challenge: challenge, code_challenge_method: 'S256' }, evil), { redirect: 'manual' });
      expect(answer.status).toBe(400);
    }
    const password = await fetch(`${KC}/realms/${REALM}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'citycode-console', grant_type: 'password', username: 'li.police', password: 'citycode-dev-pw' }),
    });
    expect(password.status).toBe(400);
    expect(((await password.json()) as { error: string }).error).toBe('unauthorized_client');
  });

  it('signs li.police in with PKCE and the API accepts the token', async () => {
    const cookies = new Map<string, string>();
    const keep = (r: Response) => {
      for (const c of r.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        cookies.set(pair.slice(0, i), pair.slice(i + 1));
      }
    };
    const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');

    const page = await fetch(authUrl({ code_challenge: challenge, code_challenge_method: 'S256' }), { redirect: 'manual' });
    expect(page.status).toBe(200);
    keep(page);
    const action = /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(await page.text())?.[1].replace(/&amp;/g, '&');
    expect(action).toBeDefined();
    const login = await fetch(action!, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader() },
      body: new URLSearchParams({ username: 'li.police', password: 'citycode-dev-pw', credentialId: '' }),
    });
    expect(login.status).toBe(302);
    keep(login);
    const location = new URL(login.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(redirectUri);
    const code = location.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const wrongVerifier = await fetch(`${KC}/realms/${REALM}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'citycode-console', grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: 'x'.repeat(43) }),
    });
    expect(wrongVerifier.status).toBe(400);
    // The code is spent by the failed attempt, so sign in again for the real exchange.
    const page2 = await fetch(authUrl({ code_challenge: challenge, code_challenge_method: 'S256' }), { redirect: 'manual', headers: { cookie: cookieHeader() } });
    const code2 = new URL(page2.headers.get('location')!).searchParams.get('code')!;
    const exchanged = await fetch(`${KC}/realms/${REALM}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'citycode-console', grant_type: 'authorization_code', code: code2, redirect_uri: redirectUri, code_verifier: verifier }),
    });
    expect(exchanged.status).toBe(200);
    const { access_token: token } = (await exchanged.json()) as { access_token: string };
    expect(decodeClaims(token).azp).toBe('citycode-console');

    const api = await whoamiApp({ anonymous: 'deny' });
    try {
      const answer = await call(api.url, bearer(token));
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ username: 'li.police', department: 'SZ-GAJ', departmentName: '市公安局', clearance: 'L4' });
    } finally {
      await api.close();
    }
  });
});

describe('api/auth: no token', () => {
  it("anonymous='public' gives the ANONYMOUS subject (L1 only)", async () => {
    const api = await whoamiApp({ anonymous: 'public' });
    try {
      const answer = await call(api.url);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ ...ANONYMOUS });
      expect(answer.body.clearance).toBe('L1');
    } finally {
      await api.close();
    }
  });

  it("anonymous='deny' answers 401 with a bare Bearer challenge, and still serves a valid token", async () => {
    const api = await whoamiApp({ anonymous: 'deny' });
    try {
      const answer = await call(api.url);
      expect(answer.status).toBe(401);
      expect(answer.challenge).toBe('Bearer realm="citycode"');
      expect(answer.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED', hint: expect.any(String) });
      const ok = await call(api.url, bearer(await tokenFor('zhao.market')));
      expect(ok.status).toBe(200);
      expect(ok.body.department).toBe('SZ-SCJGJ');
    } finally {
      await api.close();
    }
  });

  it('authConfigFromEnv reads ANONYMOUS_ACCESS and refuses anything but public|deny', () => {
    const base = { keycloak: { url: 'http://kc.example:8080', realm: 'citycode' } };
    expect(authConfigFromEnv(base, {})).toEqual({
      keycloakUrl: 'http://kc.example:8080',
      realm: 'citycode',
      audience: 'citycode-api',
      anonymous: 'public',
      introspection: { clientId: 'citycode-api', clientSecret: 'citycode-api-dev-secret' },
      recheckMs: 15_000,
    });
    expect(authConfigFromEnv(base, { TOKEN_RECHECK_MS: '2000', KEYCLOAK_API_CLIENT_SECRET: 's3cret' })).toMatchObject({
      introspection: { clientId: 'citycode-api', clientSecret: 's3cret' },
      recheckMs: 2000,
    });
    expect(() => authConfigFromEnv(base, { TOKEN_RECHECK_MS: 'soon' })).toThrow(/TOKEN_RECHECK_MS/);
    expect(authConfigFromEnv(base, { ANONYMOUS_ACCESS: 'deny' }).anonymous).toBe('deny');
    expect(() => authConfigFromEnv(base, { ANONYMOUS_ACCESS: 'yes' })).toThrow(/ANONYMOUS_ACCESS/);
  });

  it('subjectOf throws when the middleware did not run', () => {
    const auth = createAuth(BASE);
    expect(() => auth.subjectOf({} as express.Request)).toThrow(/middleware/);
  });
});

describe('api/auth: bad tokens are refused with 401 and WWW-Authenticate', () => {
  let api: WhoAmI;
  let good: string;
  beforeAll(async () => {
    api = await whoamiApp();
    good = await tokenFor('sun.transport');
  });
  afterAll(() => api.close());

  it('the untouched token is accepted (control)', async () => {
    const answer = await call(api.url, bearer(good));
    expect(answer.status).toBe(200);
    expect(answer.body.clearance).toBe('L2');
  });

  it('garbage', async () => {
    expectInvalidToken(await call(api.url, bearer('garbage')), /not a JWT/);
    expectInvalidToken(await call(api.url, bearer('a.b.c')), /base64url-encoded JSON/);
  });

  it('an Authorization header that is not "Bearer <token>" is a 400 invalid_request', async () => {
    for (const header of ['Basic Y2l0eWNvZGU6cHc=', 'Bearer', 'Bearer two tokens']) {
      const answer = await call(api.url, { authorization: header });
      expect(answer.status).toBe(400);
      expect(answer.challenge).toMatch(/^Bearer realm="citycode", error="invalid_request"/);
      expect(answer.body.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
    }
  });

  it('a payload changed after signing (clearance L2 → L4)', async () => {
    const { h, p, s, payload } = parts(good);
    const forged = `${h}.${b64url({ ...payload, clearance: 'L4' })}.${s}`;
    expect(decodeClaims(forged).clearance).toBe('L4');
    expect(p).not.toBe(forged.split('.')[1]);
    expectInvalidToken(await call(api.url, bearer(forged)), /signature does not verify/);
  });

  it('a damaged signature', async () => {
    const { h, p, s } = parts(good);
    const flipped = Buffer.from(s, 'base64url');
    flipped[10] ^= 0xff;
    expectInvalidToken(await call(api.url, bearer(`${h}.${p}.${flipped.toString('base64url')}`)), /signature does not verify/);
  });

  it('alg "none" (unsigned), with or without the old signature', async () => {
    const { header, payload, s } = parts(good);
    const none = `${b64url({ ...header, alg: 'none' })}.${b64url(payload)}`;
    expectInvalidToken(await call(api.url, bearer(`${none}.`)), /algorithm 'none' is not accepted/);
    expectInvalidToken(await call(api.url, bearer(`${none}.${s}`)), /algorithm 'none' is not accepted/);
    const { h, p } = parts(good);
    expectInvalidToken(await call(api.url, bearer(`${h}.${p}.`)), /not signed/);
  });

  it("HS256 signed with the realm's public key as the HMAC secret", async () => {
    const { header, payload } = parts(good);
    const jwks = (await (await fetch(`${KC}/realms/${REALM}/protocol/openid-connect/certs`)).json()) as { keys: { kid: string; use: string }[] };
    const jwk = jwks.keys.find((k) => k.kid === header.kid)!;
    const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const signingInput = `${b64url({ ...header, alg: 'HS256' })}.${b64url({ ...payload, clearance: 'L4' })}`;
    const forged = `${signingInput}.${createHmac('sha256', pem).update(signingInput).digest('base64url')}`;
    expectInvalidToken(await call(api.url, bearer(forged)), /algorithm 'HS256' is not accepted/);
  });

  it("RS256 signed with someone else's key, under the realm's kid or an unknown one", async () => {
    const { header, payload } = parts(good);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const sign = (h: Record<string, unknown>) => {
      const input = `${b64url(h)}.${b64url({ ...payload, clearance: 'L4' })}`;
      return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
    };
    expectInvalidToken(await call(api.url, bearer(sign(header))), /signature does not verify/);
    // A fresh instance: right after a key fetch keycloak-connect refuses to fetch again for 10 s
    // (it logs "Not enough time elapsed") and the token is refused all the same.
    const fresh = await whoamiApp();
    try {
      expectInvalidToken(await call(fresh.url, bearer(sign({ ...header, kid: 'attacker-key-1' }))), /key the realm does not publish/);
    } finally {
      await fresh.close();
    }
  });

  it('exp moved into the past, or removed', async () => {
    const { h, payload, s } = parts(good);
    expectInvalidToken(await call(api.url, bearer(`${h}.${b64url({ ...payload, exp: Math.floor(Date.now() / 1000) - 60 })}.${s}`)), /expired at/);
    const noExp = { ...payload };
    delete noExp.exp;
    expectInvalidToken(await call(api.url, bearer(`${h}.${b64url(noExp)}.${s}`)), /no expiry/);
  });

  it('a genuinely expired token (citycode-expiry-test: 2 s lifespan, TEST ONLY client)', async () => {
    const { access_token: token } = await requestToken(
      { grant_type: 'password', username: 'sun.transport', password: 'citycode-dev-pw' },
      { clientId: 'citycode-expiry-test' },
    );
    const exp = decodeClaims(token).exp as number;
    expect(exp - (decodeClaims(token).iat as number)).toBe(2);
    const fresh = await call(api.url, bearer(token));
    if (Date.now() < exp * 1000 - 200) expect(fresh.status).toBe(200);
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 1100));
    expectInvalidToken(await call(api.url, bearer(token)), /expired at/);
  });

  it('a token without the citycode-api audience (citycode-noaud-test, TEST ONLY client)', async () => {
    const { access_token: token } = await requestToken(
      { grant_type: 'password', username: 'li.police', password: 'citycode-dev-pw' },
      { clientId: 'citycode-noaud-test' },
    );
    const claims = decodeClaims(token);
    expect([claims.aud ?? []].flat()).not.toContain('citycode-api');
    expect(claims.department).toBe('SZ-GAJ');
    expectInvalidToken(await call(api.url, bearer(token)), /audience \[\] does not include 'citycode-api'/);
  });

  it('an ID token is not an access token', async () => {
    const { id_token: idToken } = await requestToken({ grant_type: 'password', username: 'sun.transport', password: 'citycode-dev-pw', scope: 'openid' });
    expect(idToken).toBeDefined();
    expectInvalidToken(await call(api.url, bearer(idToken!)), /not an access token \(typ 'ID'\)/);
  });

  it('a token from another realm (master, admin-cli)', async () => {
    const response = await fetch(`${KC}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'admin-cli',
        username: process.env.KEYCLOAK_ADMIN_USER || 'admin',
        password: process.env.KEYCLOAK_ADMIN_PASSWORD || 'citycode-dev-admin',
      }),
    });
    expect(response.status).toBe(200);
    const { access_token: token } = (await response.json()) as { access_token: string };
    expect(decodeClaims(token).iss).toBe(`${KC}/realms/master`);
    expectInvalidToken(await call(api.url, bearer(token)), /issued by 'http:\/\/127\.0\.0\.1:\d+\/realms\/master'/);
  });

  it('a citycode token issued under another address of Keycloak (same keys, other iss)', async () => {
    const other = KC.replace('127.0.0.1', 'localhost');
    expect(other).not.toBe(KC);
    const { access_token: token } = await requestToken(
      { grant_type: 'password', username: 'sun.transport', password: 'citycode-dev-pw' },
      { keycloakUrl: other },
    );
    expect(decodeClaims(token).iss).toBe(`${other}/realms/${REALM}`);
    expectInvalidToken(await call(api.url, bearer(token)), /issued by 'http:\/\/localhost/);
  });

  it('verify() gives the same Subject outside HTTP and rejects the same tokens', async () => {
    const auth = createAuth(BASE);
    await expect(auth.verify(good)).resolves.toMatchObject({ username: 'sun.transport', department: 'SZ-JTJ' });
    await expect(auth.verify('garbage')).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});

describe('api/auth: Keycloak unreachable', () => {
  const kcPort = Number(new URL(KC).port);
  const proxy = new TcpProxy(kcPort);
  let viaProxy: string;
  let token: string;

  beforeAll(async () => {
    const port = await proxy.open();
    viaProxy = `http://127.0.0.1:${port}`;
    token = await tokenFor('chen.nanshan', { keycloakUrl: viaProxy });
  });
  afterAll(() => proxy.cut());

  it('keeps accepting tokens with the keys it has; a fresh instance answers 503 UNAVAILABLE, not 401', async () => {
    const warm = await whoamiApp({ keycloakUrl: viaProxy });
    try {
      expect((await call(warm.url, bearer(token))).status).toBe(200);
      await proxy.cut();
      const still = await call(warm.url, bearer(token));
      expect(still.status).toBe(200);
      expect(still.body.districtScope).toEqual(['440305']);

      const cold = await whoamiApp({ keycloakUrl: viaProxy });
      try {
        const answer = await call(cold.url, bearer(token));
        expect(answer.status).toBe(503);
        expect(answer.body.errors?.[0].extensions).toMatchObject({ code: 'UNAVAILABLE', service: 'Keycloak' });
      } finally {
        await cold.close();
      }
    } finally {
      await warm.close();
    }
  });

  it('answers 503 within the key-fetch timeout when Keycloak accepts connections but never answers', async () => {
    const port = Number(new URL(viaProxy).port);
    const hung = new Set<net.Socket>();
    const silent = net.createServer((s) => hung.add(s));
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const api = await whoamiApp({ keycloakUrl: viaProxy, keyFetchTimeoutMs: 800 });
    try {
      const started = Date.now();
      const answer = await call(api.url, bearer(token));
      expect(Date.now() - started).toBeLessThan(3000);
      expect(answer.status).toBe(503);
      expect(answer.body.errors?.[0].message).toMatch(/within 800 ms/);
    } finally {
      await api.close();
      for (const s of hung) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
