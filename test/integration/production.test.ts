import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { ConfigError, loadConfig } from '../../core/config';
import { fromRoot } from '../../core/paths';
import { gql, startTestApi, TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * Production mode (NODE_ENV=production, docs/operations.md): secrets only from the environment,
 * introspection and GraphiQL off, no error details, security headers, the CORS allow-list,
 * Prometheus metrics and structured access logs.
 */
const SECRETS = ['NEO4J_PASSWORD', 'PG_PASSWORD', 'CITYCODE_SERVICE_CLIENT_SECRET', 'KEYCLOAK_API_CLIENT_SECRET'];

function withEnv<T>(env: Record<string, string | undefined>, run: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return run();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** What loadConfig('api') throws under `env` (null when it does not). */
function refusalWith(env: Record<string, string | undefined>): unknown {
  return withEnv(env, () => {
    try {
      loadConfig('api');
      return null;
    } catch (e) {
      return e;
    }
  });
}

describe('production configuration', () => {
  it('refuses to start without the secrets, naming every one', () => {
    const err = refusalWith({ NODE_ENV: 'production', NEO4J_PASSWORD: undefined, PG_PASSWORD: undefined, CITYCODE_SERVICE_CLIENT_SECRET: undefined, KEYCLOAK_API_CLIENT_SECRET: undefined });
    expect(err).toBeInstanceOf(ConfigError);
    for (const name of SECRETS) expect((err as ConfigError).problems.join('\n')).toMatch(new RegExp(`${name} is not set`));
  });

  it('refuses the development defaults of the secrets, and POLICY_ENFORCEMENT=off', () => {
    const err = refusalWith({ NODE_ENV: 'production', NEO4J_PASSWORD: 'citycode-dev-password', PG_PASSWORD: 'citycode-dev', CITYCODE_SERVICE_CLIENT_SECRET: 'svc-city-etl-dev-secret', KEYCLOAK_API_CLIENT_SECRET: 'citycode-api-dev-secret', POLICY_ENFORCEMENT: 'off' });
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of SECRETS) expect(problems).toMatch(new RegExp(`${name} is the development default`));
    expect(problems).toMatch(/POLICY_ENFORCEMENT=off is refused/);
  });

  it('with production secrets: production mode, introspection off unless enabled', () => {
    const env = { NODE_ENV: 'production', NEO4J_PASSWORD: 'p1-secret', PG_PASSWORD: 'p2-secret', CITYCODE_SERVICE_CLIENT_SECRET: 'p3-secret', KEYCLOAK_API_CLIENT_SECRET: 'p4-secret', CORS_ORIGINS: 'https://console.city.example, https://app.city.example' };
    const config = withEnv(env, () => loadConfig('api'));
    expect(config).toMatchObject({ mode: 'production', http: { introspection: false, corsOrigins: ['https://console.city.example', 'https://app.city.example'] } });
    expect(config.neo4j.password).toBe('p1-secret');
    expect(withEnv({ ...env, CITYCODE_INTROSPECTION: 'on' }, () => loadConfig('api')).http.introspection).toBe(true);
    expect(withEnv({ NODE_ENV: undefined }, () => loadConfig('api')).http.introspection).toBe(true);
  });

  it('the real server process refuses the public development keys at start (serial, PII, audit), not at first use', async () => {
    const child = spawn(process.execPath, [fromRoot('dist', 'api', 'server.js')], {
      env: { ...process.env, NODE_ENV: 'production', NEO4J_PASSWORD: 'a', PG_PASSWORD: 'b', CITYCODE_SERVICE_CLIENT_SECRET: 'c', KEYCLOAK_API_CLIENT_SECRET: 'd', CITYCODE_SERIAL_KEY: '', CITYCODE_PII_HMAC_KEY: '', CITYCODE_PII_ENC_KEY: '', CITYCODE_AUDIT_SIGNING_KEY: '', CITYCODE_AUDIT_SIGNING_KEY_FILE: '', LOG_LEVEL: 'info', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    expect(await new Promise<number | null>((resolve) => child.on('exit', resolve))).toBe(1);
    expect(out).toMatch(/CITYCODE_SERIAL_KEY is not set/);
    expect(out).toMatch(/CITYCODE_PII_HMAC_KEY is not set|CITYCODE_PII_ENC_KEY is not set/);
    expect(out).toMatch(/audit signing key/);
    expect(out).not.toMatch(/citycode API listening/);
  });

  it('the real server process exits at start with the refusal (no stack, every problem named)', async () => {
    const child = spawn(process.execPath, [fromRoot('dist', 'api', 'server.js')], {
      env: { ...process.env, NODE_ENV: 'production', NEO4J_PASSWORD: '', PG_PASSWORD: 'citycode-dev', CITYCODE_SERVICE_CLIENT_SECRET: '', LOG_LEVEL: 'info', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(out).toMatch(/NEO4J_PASSWORD is not set/);
    expect(out).toMatch(/PG_PASSWORD is the development default/);
    expect(out).toMatch(/CITYCODE_SERVICE_CLIENT_SECRET is not set/);
  });
});

describe('a production-mode API', () => {
  let api: TestApi;
  let headers: Record<string, string>;
  beforeAll(async () => {
    api = await startTestApi((c) => ({ ...c, mode: 'production', http: { ...c.http, introspection: false, corsOrigins: ['https://console.city.example'] } }));
    headers = { ...bearer(await tokenFor('zhang.data')), 'x-purpose': 'DATA_GOVERNANCE' };
  });
  afterAll(() => api?.close());

  it('sends security headers', async () => {
    const res = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ regions(level: DISTRICT) { code } }' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers CORS only for the allowed origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    const allowed = await preflight('https://console.city.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.city.example');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('hides field suggestions and error details', async () => {
    const res = await gql(api.url, '{ regionz(level: DISTRICT) { code } }', {}, headers);
    expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(res)).not.toMatch(/Did you mean/);
    expect(JSON.stringify(res)).not.toMatch(/regions/);
    const schema = await gql(api.url, '{ __schema { queryType { name } } }', {}, headers);
    expect(schema.errors?.[0].extensions?.code).toBe('INTROSPECTION_DISABLED');
    expect((await fetch(`${api.url}/graphiql`)).status).toBe(404);
  });

  it('serves Prometheus metrics: requests, errors, latency, pool use, audit lag, process', async () => {
    await gql(api.url, '{ regions(level: DISTRICT) { code } }', {}, headers);
    await gql(api.url, '{ cityObject(code: "not-a-code") { code } }', {}, headers);
    const res = await fetch(`${api.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/citycode_http_requests_total\{route="\/graphql",method="POST",status="200",service="citycode-api"\} [1-9]/);
    expect(text).toMatch(/citycode_http_request_duration_seconds_bucket\{le="0.1",service="citycode-api",route="\/graphql"\} [1-9]/);
    expect(text).toMatch(/citycode_graphql_errors_total\{code="(BAD_USER_INPUT|NOT_FOUND)",service="citycode-api"\} [1-9]/);
    expect(text).toMatch(/citycode_db_pool_connections\{store="postgres",state="idle",service="citycode-api"\} \d+/);
    expect(text).toMatch(/citycode_db_pool_connections\{store="neo4j",state="in_use",service="citycode-api"\} \d+/);
    expect(text).toMatch(/citycode_audit_lag_seconds\{service="citycode-api"\} [\d.]+/);
    expect(text).toMatch(/citycode_process_resident_memory_bytes\{service="citycode-api"\} \d+/);
    expect(text).toMatch(/citycode_nodejs_eventloop_lag_seconds/);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('access log', () => {
  it('one JSON line per request: method, path without query, status, duration, request id; never the token or body', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [fromRoot('dist', 'api', 'server.js')], {
      env: { ...process.env, LOG_LEVEL: 'info', PORT: String(port), CITYCODE_RETURN_FLOW_TICK_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 100 && !out.includes('citycode API listening'); i++) await new Promise((r) => setTimeout(r, 200));
      const token = await tokenFor('li.police');
      const res = await fetch(`http://127.0.0.1:${port}/graphql?secret=in-url`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'access-log-test-1' },
        body: JSON.stringify({ query: '{ regions(level: DISTRICT) { code } }', variables: { marker: 'body-marker' } }),
      });
      expect(res.status).toBe(200);
      for (let i = 0; i < 50 && !out.includes('access-log-test-1'); i++) await new Promise((r) => setTimeout(r, 100));
      const line = out.split('\n').find((l) => l.includes('access-log-test-1'));
      expect(line).toBeDefined();
      const entry = JSON.parse(line!) as { req: { id: string; method: string; url: string }; res: { statusCode: number }; responseTime: number; module: string };
      expect(entry).toMatchObject({ module: 'access', req: { id: 'access-log-test-1', method: 'POST', url: '/graphql' }, res: { statusCode: 200 } });
      expect(entry.responseTime).toBeGreaterThanOrEqual(0);
      expect(out).not.toContain(token);
      expect(out).not.toContain('body-marker');
      expect(out).not.toContain('in-url');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    }
  });
});
