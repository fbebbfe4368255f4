import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, Kind, parse, validate } from 'graphql';
import { manifestEntry, operationId } from '../../api/allowList';
import { costEstimator, limitRules, operationCost } from '../../api/limits';
import { fromRoot } from '../../core/paths';
import { DEFAULT_REQUEST_LIMITS, loadConfig, type RequestLimits } from '../../core/config';
import { CityCodeError } from '../../core/errors';
import { AuditWriter } from '../../audit/writer';
import { EXAMPLE_VARIABLES } from '../support/exampleOperations';
import { landmarkCode, planDemoCity } from '../../seed/city';
import { closeStores, openStores } from '../../store/stores';
import { collect, liveClient } from '../support/live';
import { gql, startTestApi, TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * The request limits (docs/security.md, "Limits"), each refused with its own code and a hint, on
 * the real API: depth, cost (page sizes and nesting), aliases, directives, tokens, batch, body,
 * rate per subject and per address, database deadlines, subscription and export quotas, the
 * persisted-operation allow-list and introspection.
 */
type Json = Record<string, unknown>;
const plan = planDemoCity();
const building = plan.nodes.find((n) => n.props.objectKind === 'BUILDING' && n.props.usage === '住宅' && plan.edges.some((e) => e.to === n.code && e.type === 'PART_OF'))!;

const SMALL: Partial<RequestLimits> = { maxDepth: 6, maxCost: 2_000, maxAliases: 5, maxDirectives: 4, maxTokens: 400, maxBatch: 3, maxBodyBytes: 20_000 };
let api: TestApi;
let steward: Record<string, string>;

function limited(extra: Partial<RequestLimits> = {}, more: Partial<ReturnType<typeof loadConfig>> = {}) {
  return startTestApi((c) => ({ ...c, ...more, limits: { ...c.limits, ...SMALL, ...extra } }));
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json | Json[]; headers: Headers }> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Json, headers: res.headers };
}

function codeOf(json: Json | Json[]): string | undefined {
  const errors = (json as { errors?: { extensions?: { code?: string } }[] }).errors;
  return errors?.[0]?.extensions?.code;
}

function hintOf(json: Json | Json[]): string | undefined {
  return (json as { errors?: { extensions?: { hint?: string } }[] }).errors?.[0]?.extensions?.hint;
}

beforeAll(async () => {
  api = await limited();
  steward = { ...bearer(await tokenFor('zhang.data')), 'x-purpose': 'DATA_GOVERNANCE' };
});
afterAll(() => api?.close());

describe('operation shape', () => {
  const nested = (levels: number) => {
    // cityObject → residents → nodes → employers → nodes → legalRepresentative → employers → …
    let inner = 'code';
    for (let i = 0; i < levels; i++) inner = i % 2 === 0 ? `employers(first: 1) { nodes { ${inner} } }` : `legalRepresentative { ${inner} }`;
    return `query ($code: ID!) { cityObject(code: $code) { residents(first: 1) { nodes { ${inner} } } } }`;
  };

  it('an operation deeper than maxDepth is refused with OPERATION_TOO_DEEP (fragments expanded)', async () => {
    const ok = await post(api.url, { query: nested(1), variables: { code: building.code } }, steward);
    expect(codeOf(ok.json)).toBeUndefined();
    const deep = await post(api.url, { query: nested(4), variables: { code: building.code } }, steward);
    expect(deep.status).toBe(400);
    expect(codeOf(deep.json)).toBe('OPERATION_TOO_DEEP');
    expect(hintOf(deep.json)).toMatch(/fewer nested levels/);
    // The same depth hidden in fragments counts the same.
    const viaFragments = await post(
      api.url,
      {
        query: `query ($code: ID!) { cityObject(code: $code) { ...A } }
          fragment A on CityObject { residents(first: 1) { nodes { ...B } } }
          fragment B on Person { employers(first: 1) { nodes { legalRepresentative { employers(first: 1) { nodes { code } } } } } }`,
        variables: { code: building.code },
      },
      steward,
    );
    expect(codeOf(viaFragments.json)).toBe('OPERATION_TOO_DEEP');
  });

  it('cost multiplies by `first` and by nesting: OPERATION_TOO_COSTLY names the cost', async () => {
    const q = `query ($code: ID!, $n: Int!, $m: Int!) { cityObject(code: $code) { residents(first: $n) { nodes { code employers(first: $m) { nodes { code name } } } } } }`;
    const cheap = await post(api.url, { query: q, variables: { code: building.code, n: 5, m: 3 } }, steward);
    expect(codeOf(cheap.json)).toBeUndefined();
    // Same text, larger pages from the variables: 100 residents × 50 employers × 3 fields.
    const costly = await post(api.url, { query: q, variables: { code: building.code, n: 100, m: 50 } }, steward);
    expect(costly.status).toBe(400);
    expect(codeOf(costly.json)).toBe('OPERATION_TOO_COSTLY');
    const ext = (costly.json as { errors: { extensions: { cost: number; maxCost: number } }[] }).errors[0].extensions;
    expect(ext.maxCost).toBe(2_000);
    expect(ext.cost).toBeGreaterThan(100 * 50 * 2);
  });

  it('more aliases than maxAliases: TOO_MANY_ALIASES', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: regions(level: DISTRICT) { code }`).join(' ')} }`;
    expect(codeOf((await post(api.url, { query: aliases(5) }, steward)).json)).toBeUndefined();
    const res = await post(api.url, { query: aliases(6) }, steward);
    expect(res.status).toBe(400);
    expect(codeOf(res.json)).toBe('TOO_MANY_ALIASES');
  });

  it('more directives than maxDirectives: TOO_MANY_DIRECTIVES', async () => {
    const res = await post(api.url, { query: `{ regions(level: DISTRICT) { code @include(if: true) @include(if: true) @include(if: true) @skip(if: false) @skip(if: false) } }` }, steward);
    expect(res.status).toBe(400);
    expect(codeOf(res.json)).toBe('TOO_MANY_DIRECTIVES');
  });

  it('a document of more tokens than maxTokens is not parsed further', async () => {
    const res = await post(api.url, { query: `{ regions(level: DISTRICT) { ${'code '.repeat(500)} } }` }, steward);
    expect(res.status).toBe(400);
    expect(codeOf(res.json)).toBe('GRAPHQL_PARSE_FAILED');
    expect(JSON.stringify(res.json)).toMatch(/400 tokens/);
  });
});

describe('request', () => {
  it('batches: each operation answered on its own (own audit entries); more than maxBatch: BATCH_TOO_LARGE', async () => {
    const one = { query: `query One($code: ID!) { entity(code: $code) { code name } }`, variables: { code: landmarkCode('CIVIC_CENTER') } };
    const two = { query: `{ regions(level: DISTRICT) { code } }` };
    const batch = await post(api.url, [one, two], steward);
    expect(batch.status).toBe(200);
    const answers = batch.json as Json[];
    expect(answers).toHaveLength(2);
    expect((answers[0].data as Json).entity).toMatchObject({ code: landmarkCode('CIVIC_CENTER') });
    expect(((answers[1].data as Json).regions as unknown[]).length).toBe(11);
    const tooMany = await post(api.url, [two, two, two, two], steward);
    expect(tooMany.status).toBe(400);
    expect(codeOf(tooMany.json)).toBe('BATCH_TOO_LARGE');
    expect(codeOf((await post(api.url, [], steward)).json)).toBe('BATCH_TOO_LARGE');
  });

  it('a body over maxBodyBytes: 413 PAYLOAD_TOO_LARGE; a body that is not JSON: 400 BAD_REQUEST', async () => {
    const big = await post(api.url, { query: '{ regions(level: DISTRICT) { code } }', variables: { pad: 'x'.repeat(30_000) } }, steward);
    expect(big.status).toBe(413);
    expect(codeOf(big.json)).toBe('PAYLOAD_TOO_LARGE');
    const broken = await post(api.url, '{"query": "{ regions(level: DISTRICT) { code } }"', steward);
    expect(broken.status).toBe(400);
    expect(codeOf(broken.json)).toBe('BAD_REQUEST');
  });

  it('per-subject rate: the 6th request in the window is 429 RATE_LIMITED with Retry-After; another subject is not affected', async () => {
    const rated = await startTestApi((c) => ({ ...c, limits: { ...c.limits, ratePerSubject: 5, rateWindowS: 60 } }));
    try {
      const police = bearer(await tokenFor('li.police'));
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await post(rated.url, { query: '{ regions(level: DISTRICT) { code } }' }, steward)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const refused = await post(rated.url, { query: '{ regions(level: DISTRICT) { code } }' }, steward);
      expect(codeOf(refused.json)).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await post(rated.url, { query: '{ regions(level: DISTRICT) { code } }' }, police)).status).toBe(200);
    } finally {
      await rated.close();
    }
  });

  it('per-address rate: anonymous callers from one address share it', async () => {
    const rated = await startTestApi((c) => ({ ...c, limits: { ...c.limits, ratePerIp: 3, rateWindowS: 60 } }));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await post(rated.url, { query: '{ regions(level: DISTRICT) { code } }' })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      // The address limit covers the other routes too.
      expect((await fetch(`${rated.url}/exports/ex-000001/file`)).status).toBe(429);
    } finally {
      await rated.close();
    }
  });
});

describe('database deadlines', () => {
  it('a Cypher statement past its deadline is cancelled: TIMEOUT', async () => {
    const config = loadConfig('api');
    const stores = openStores({ ...config, neo4j: { ...config.neo4j, timeoutMs: 200 } });
    try {
      const started = Date.now();
      const err = await stores.graph.read('UNWIND range(1, 100000000) AS x WITH x WHERE x % 7 = 0 RETURN count(x) AS n').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CityCodeError);
      expect((err as CityCodeError).extensions).toMatchObject({ code: 'TIMEOUT', service: 'Neo4j' });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await closeStores(stores);
    }
  });

  it('an SQL statement past its deadline is cancelled: TIMEOUT', async () => {
    const config = loadConfig('api');
    const stores = openStores({ ...config, postgres: { ...config.postgres, statementTimeoutMs: 200 } });
    try {
      const started = Date.now();
      const err = await stores.sql.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CityCodeError);
      expect((err as CityCodeError).extensions).toMatchObject({ code: 'TIMEOUT', service: 'PostgreSQL' });
      expect(Date.now() - started).toBeLessThan(3_000);
      // The pool is fine afterwards.
      expect(await stores.sql.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await closeStores(stores);
    }
  });

  it('the serving API bounds every statement (DB_TIMEOUT_MS, 30 s by default); batch tools by DB_BATCH_TIMEOUT_MS', () => {
    expect(loadConfig('api').postgres.statementTimeoutMs).toBe(30_000);
    expect(loadConfig('api').neo4j.timeoutMs).toBe(30_000);
    expect(loadConfig('batch').postgres.statementTimeoutMs).toBe(1_800_000);
  });
});

describe('fail closed on the audit', () => {
  it('while the audit queue is full, reads are refused (UNAVAILABLE, service audit, 503); nothing leaves untraced', async () => {
    const config = loadConfig('api');
    const stores = openStores(config);
    // A queue of one entry, flushed only after a minute: the first read fills it.
    const audit = new AuditWriter(stores.sql, { maxQueue: 1, flushIntervalMs: 60_000, batchSize: 100, subgraph: 'city' });
    const full = await startTestApi((c) => c, { audit });
    try {
      // A person's phone: a classified read, so an audit entry.
      const read = { query: `query ($code: ID!) { person(code: $code) { code phone } }`, variables: { code: EXAMPLE_VARIABLES.PersonWithProvenance.code } };
      const first = await post(full.url, read, steward);
      expect(first.status).toBe(200);
      expect(codeOf(first.json)).toBeUndefined();
      expect(audit.saturated).toBe(true);
      const refused = await post(full.url, read, steward);
      expect(refused.status).toBe(503);
      expect((refused.json as { errors: { extensions: Json }[] }).errors[0].extensions).toMatchObject({ code: 'UNAVAILABLE', service: 'audit' });
      expect(audit.metrics.dropped).toBe(0);
      await audit.flush();
      expect(audit.saturated).toBe(false);
      expect((await post(full.url, read, steward)).status).toBe(200);
    } finally {
      await full.close();
      await closeStores(stores);
    }
  });
});

describe('quotas per department', () => {
  it('subscriptions: the department quota refuses the next one with QUOTA_EXCEEDED, and frees on completion', async () => {
    const quota = await startTestApi((c) => ({ ...c, limits: { ...c.limits, subscriptionsPerDepartment: 2 } }));
    const token = await tokenFor('li.police');
    const clients = [0, 1, 2].map(() => liveClient(quota.url, { authorization: `Bearer ${token}`, 'x-purpose': 'PUBLIC_SECURITY' }));
    try {
      const q = `subscription { entityChanged(region: "440304") { cursor code } }`;
      const first = collect(clients[0].client, q);
      const second = collect(clients[1].client, q);
      await new Promise((r) => setTimeout(r, 500));
      const third = collect(clients[2].client, q);
      await third.ended(5_000);
      expect(JSON.stringify(third.errors)).toMatch(/QUOTA_EXCEEDED/);
      expect(first.errors).toEqual([]);
      expect(second.errors).toEqual([]);
      first.stop();
      await new Promise((r) => setTimeout(r, 300));
      const fourth = collect(clients[2].client, q);
      await new Promise((r) => setTimeout(r, 500));
      expect(fourth.errors).toEqual([]);
      fourth.stop();
      second.stop();
    } finally {
      for (const c of clients) await c.client.dispose();
      await quota.close();
    }
  });

  it('subscriptions obey the operation limits too (depth over WebSocket)', async () => {
    const token = await tokenFor('li.police');
    const c = liveClient(api.url, { authorization: `Bearer ${token}` });
    try {
      const sub = collect(c.client, `subscription { entityChanged(region: "440304") { entity { ... on Person { employers(first: 1) { nodes { legalRepresentative { employers(first: 1) { nodes { code } } } } } } } } }`);
      await sub.ended(5_000);
      expect(JSON.stringify(sub.errors)).toMatch(/OPERATION_TOO_DEEP/);
    } finally {
      await c.client.dispose();
    }
  });

  it('exports: a department past its daily quota gets QUOTA_EXCEEDED and no job is written', async () => {
    const [{ n }] = await api.stores.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM export_job WHERE department = 'SZ-GHZY' AND created_at > now() - interval '24 hours'`);
    const quota = await startTestApi((c) => ({ ...c, limits: { ...c.limits, exportsPerDepartmentPerDay: n + 1, exportsRunningPerDepartment: 100 } }));
    try {
      const planner = { ...bearer(await tokenFor('he.planning')), 'x-purpose': 'URBAN_PLANNING' };
      const start = `mutation ($input: ExportInput!) { startExport(input: $input) { id state } }`;
      const input = { dataset: 'ghzy-building', format: 'CSV' };
      const first = await gql(quota.url, start, { input }, planner);
      expect(first.errors).toBeUndefined();
      const second = await gql(quota.url, start, { input }, planner);
      expect(second.errors?.[0].extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'exportsPerDepartmentPerDay', limit: n + 1 });
      const [{ after }] = await api.stores.sql.query<{ after: number }>(`SELECT count(*)::int AS after FROM export_job WHERE department = 'SZ-GHZY' AND created_at > now() - interval '24 hours'`);
      expect(after).toBe(n + 1);
    } finally {
      await quota.close();
    }
  });
});

describe('persisted-operation allow-list and introspection', () => {
  const listed = `query Districts { regions(level: DISTRICT) { code name } }`;

  it('enforce: listed operations run (by text or by id alone); anything else is OPERATION_NOT_ALLOWED before it is parsed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citycode-allow-'));
    const manifest = join(dir, 'ops.json');
    writeFileSync(manifest, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [manifestEntry(listed)] }));
    const locked = await startTestApi((c) => ({ ...c, persistedOperations: { mode: 'enforce', manifest } }));
    try {
      expect(codeOf((await post(locked.url, { query: listed }, steward)).json)).toBeUndefined();
      const byId = await post(locked.url, { extensions: { persistedQuery: { version: 1, sha256Hash: operationId(listed) } } }, steward);
      expect((((byId.json as Json).data as Json).regions as unknown[]).length).toBe(11);
      const other = await post(locked.url, { query: `{ regions(level: DISTRICT) { code } }` }, steward);
      expect(other.status).toBe(400);
      expect(codeOf(other.json)).toBe('OPERATION_NOT_ALLOWED');
      expect(codeOf((await post(locked.url, { query: 'not graphql at all {' }, steward)).json)).toBe('OPERATION_NOT_ALLOWED');
      expect(codeOf((await post(locked.url, [{ query: listed }, { query: '{ regions(level: DISTRICT) { name } }' }], steward)).json)).toBe('OPERATION_NOT_ALLOWED');
      expect(codeOf((await post(locked.url, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }, steward)).json)).toBe('OPERATION_NOT_ALLOWED');
      // GET carries the operation in the query string: checked the same way.
      const get = (q: string) => fetch(`${locked.url}/graphql?query=${encodeURIComponent(q)}`, { headers: { ...steward, 'apollo-require-preflight': 'true' } });
      const unlisted = await get('{ regions(level: DISTRICT) { code } }');
      expect(unlisted.status).toBe(400);
      expect(codeOf((await unlisted.json()) as Json)).toBe('OPERATION_NOT_ALLOWED');
      const listedGet = await get(listed);
      expect(((((await listedGet.json()) as Json).data as Json).regions as unknown[]).length).toBe(11);
      // Over WebSocket too.
      const ws = liveClient(locked.url, { authorization: steward.authorization });
      const sub = collect(ws.client, `subscription { entityChanged(region: "440304") { code } }`);
      await sub.ended(5_000);
      expect(JSON.stringify(sub.errors)).toMatch(/OPERATION_NOT_ALLOWED/);
      await ws.client.dispose();
    } finally {
      await locked.close();
    }
  });

  it('record: new operations are added to the manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citycode-allow-'));
    const manifest = join(dir, 'ops.json');
    const recording = await startTestApi((c) => ({ ...c, persistedOperations: { mode: 'record', manifest } }));
    try {
      await post(recording.url, { query: listed }, steward);
      await post(recording.url, { query: listed }, steward);
      const written = JSON.parse(readFileSync(manifest, 'utf8')) as { operations: { id: string; name: string }[] };
      expect(written.operations).toEqual([expect.objectContaining({ id: operationId(listed), name: 'Districts', type: 'query' })]);
    } finally {
      await recording.close();
    }
  });

  it('introspection off: __schema is INTROSPECTION_DISABLED, __type still answers; GraphiQL is not served', async () => {
    const closed = await startTestApi((c) => ({ ...c, http: { ...c.http, introspection: false } }));
    try {
      const schema = await post(closed.url, { query: '{ __schema { types { name } } }' }, steward);
      expect(codeOf(schema.json)).toBe('INTROSPECTION_DISABLED');
      const type = await post(closed.url, { query: '{ __type(name: "Person") { name } }' }, steward);
      expect(((type.json as Json).data as Json).__type).toEqual({ name: 'Person' });
      expect((await fetch(`${closed.url}/graphiql`)).status).toBe(404);
      expect((await fetch(`${api.url}/graphiql`)).status).toBe(200);
    } finally {
      await closed.close();
    }
  });

  it('every example operation of client/operations is within the default limits', () => {
    const schema = buildSchema(readFileSync(fromRoot('schema', 'city.graphql'), 'utf8'));
    const ops = readdirSync(fromRoot('client', 'operations')).filter((f) => f.endsWith('.graphql'));
    expect(ops.length).toBeGreaterThanOrEqual(3);
    for (const f of ops) {
      const document = parse(readFileSync(fromRoot('client', 'operations', f), 'utf8'));
      expect([f, validate(schema, document, limitRules(DEFAULT_REQUEST_LIMITS))]).toEqual([f, []]);
      for (const d of document.definitions) {
        if (d.kind !== Kind.OPERATION_DEFINITION) continue;
        const cost = operationCost(schema, { ...document, definitions: [d] }, d.name?.value, { residents: 100, first: 100 }, [costEstimator(DEFAULT_REQUEST_LIMITS.defaultListSize)]);
        expect([d.name?.value, cost <= DEFAULT_REQUEST_LIMITS.maxCost]).toEqual([d.name?.value, true]);
      }
    }
  });

  it('the development defaults are the documented ones', () => {
    expect(DEFAULT_REQUEST_LIMITS).toMatchObject({ maxDepth: 12, maxCost: 20_000, maxAliases: 30, maxBatch: 10, maxBodyBytes: 1_048_576 });
  });
});
