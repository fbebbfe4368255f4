import fc from 'fast-check';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { CityCodeError } from '../../core/errors';
import { fromRoot } from '../../core/paths';
import { readIfcModel } from '../../ingest/ifc';
import { ingestFile } from '../../ingest/pipeline';
import { landmarkCode } from '../../seed/city';
import { cleanTestDataset, registerTestDataset, snapshot, testDatasetId, unregisterTestDataset } from '../support/ingestFixtures';
import { startTestApi, TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * Hostile input (docs/security.md, "Hostile input"): every argument of every query and mutation
 * that takes text gets fast-check's strings, injection strings for Cypher and SQL, lone surrogates,
 * control characters and 100 kB values; GeoJSON oversized, self-intersecting, deeply nested and in
 * the wrong CRS; ingest rows and CSV files, IFC files, schedules, invalid UTF-8 bytes and forged
 * tokens. Nothing may answer 500, show a stack trace, or change any data: it runs after the
 * integration tests (CITYCODE_FAULTS=1), beside only the permission properties, which write
 * nothing it compares (reads add audit rows, which it leaves out), so that what it compares is
 * changed by nobody else.
 */
type Json = Record<string, unknown>;
const SEED = 20261204;
const RUNS = Number(process.env.CITYCODE_FUZZ_RUNS ?? 12);

const INJECTIONS = [
  "' OR '1'='1",
  "' OR 1=1 --",
  "'; DROP TABLE audit_log; --",
  "1; DELETE FROM export_job; --",
  "1' UNION SELECT passwd FROM pg_shadow --",
  '") DETACH DELETE n //',
  "'}) MATCH (n) DETACH DELETE n //",
  '` RETURN 1 //',
  'MATCH (n) DETACH DELETE n',
  '$code',
  '{code: "x"} ',
  '\\u0000',
  '\u0000',
  '%',
  '_',
  '*',
  '\\',
  '../../../../etc/passwd',
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '4403000100002590931470',
  '440300010000259093147X',
  '９９９',
  '\uD800',
  'a\uDFFFb',
  '\u202E\u0041',
  ' ',
  '',
];

const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9X]{1,40}$/) },
  { weight: 1, arbitrary: fc.constant('城'.repeat(50_000)) },
);

const schema: GraphQLSchema = buildSchema(readFileSync(fromRoot('schema', 'city.graphql'), 'utf8'));
let api: TestApi;
let steward: Record<string, string>;
let futianSteward: Record<string, string>;

/**
 * Everything hostile requests could change: Neo4j's counts and the content of PostgreSQL's tables.
 * Logs kept on purpose are left out: the audit trail, usage and change logs, and ingest runs (an
 * IngestRun node records each file an ingest was given, refused ones included).
 */
async function dataState(): Promise<Json> {
  const [graph] = await api.stores.graph.read<{ nodes: number; rels: number }>('CALL () { MATCH (n) WHERE NOT n:IngestRun RETURN count(n) AS nodes } CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes, rels');
  const tables = await api.stores.sql.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'partman', 'tiger', 'topology')
        AND tablename NOT LIKE 'audit%' AND tablename NOT LIKE 'reading%' AND tablename NOT IN ('spatial_ref_sys', 'usage_event', 'change_event')
      ORDER BY 1`,
  );
  const sql: Json = {};
  for (const { name } of tables) {
    const [row] = await api.stores.sql.query<{ n: number; h: string | null }>(`SELECT count(*)::int AS n, md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS h FROM ${name} t`);
    sql[name] = `${row.n}:${row.h}`;
  }
  return { graph, sql };
}

/** A value that passes the type for an argument we are not fuzzing (so the fuzzed one is what is tested). */
function plausible(type: GraphQLInputType, name: string): unknown {
  const t = getNullableType(type) as GraphQLInputType;
  if (isListType(t)) return [plausible(t.ofType as GraphQLInputType, name)];
  if (isEnumType(t)) return t.getValues()[0].value;
  if (isInputObjectType(t)) {
    return Object.fromEntries(
      Object.values(t.getFields())
        .filter((f) => isNonNullType(f.type))
        .map((f) => [f.name, plausible(f.type, f.name)]),
    );
  }
  if (name === 'purpose') return 'GRID_GOVERNANCE';
  if (name === 'cron') return '0 2 * * *';
  switch (getNamedType(t).name) {
    case 'Int':
      return 5;
    case 'Float':
      return name === 'lat' ? 22.54 : name === 'lon' ? 114.05 : 100;
    case 'Boolean':
      return false;
    case 'ID':
      return landmarkCode('CIVIC_CENTER');
    case 'GeoJSON':
    case 'JSON':
      return { type: 'Point', coordinates: [114.05, 22.54] };
    default:
      return 'x';
  }
}

const TEXT_TYPES = new Set(['String', 'ID', 'GeoJSON', 'JSON', 'DateTime']);

/** Paths to every text-taking spot of an argument: the argument itself, or a field of its input object. */
function textSpots(arg: GraphQLArgument): string[][] {
  const t = getNullableType(arg.type) as GraphQLInputType;
  const named = getNamedType(t);
  if (TEXT_TYPES.has(named.name)) return [[]];
  if (isInputObjectType(named)) {
    return Object.values(named.getFields())
      .filter((f) => TEXT_TYPES.has(getNamedType(f.type).name))
      .map((f) => [f.name]);
  }
  return [];
}

function selectionOf(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  return isObjectType(named) || isInterfaceType(named) || isUnionType(named) ? ' { __typename }' : '';
}

function setAt(value: unknown, path: string[], leaf: unknown, type: GraphQLInputType): unknown {
  if (path.length === 0) return isListType(getNullableType(type)) ? [leaf] : leaf;
  const obj = { ...(value as Json) };
  const field = (getNamedType(type) as import('graphql').GraphQLInputObjectType).getFields()[path[0]];
  obj[path[0]] = isListType(getNullableType(field.type)) ? [leaf] : leaf;
  return obj;
}

interface Target {
  label: string;
  op: 'query' | 'mutation';
  field: GraphQLField<unknown, unknown>;
  arg: GraphQLArgument;
  path: string[];
}

/** Mutations whose text arguments would be stored as written (reasons, notes) are fuzzed with a hostile id beside them, so nothing is valid to store. */
const targets: Target[] = [];
for (const [op, root] of [
  ['query', schema.getQueryType()!],
  ['mutation', schema.getMutationType()!],
] as const) {
  for (const field of Object.values(root.getFields())) {
    for (const arg of field.args) for (const path of textSpots(arg)) targets.push({ label: `${op} ${field.name}(${[arg.name, ...path].join('.')})`, op, field, arg, path });
  }
}

async function send(body: unknown, headers: Record<string, string>, raw?: Buffer): Promise<{ status: number; text: string }> {
  const res = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw ?? JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

function expectSafe(label: string, r: { status: number; text: string }): void {
  // No 500, no internal error, no stack trace or file path in the answer.
  expect([label, r.status < 500]).toEqual([label, true]);
  expect([label, r.text.includes('INTERNAL_SERVER_ERROR')]).toEqual([label, false]);
  expect([label, /\bat \S+ \(|node_modules|\.ts:\d+|\.js:\d+|stacktrace/i.test(r.text)]).toEqual([label, false]);
}

let before: Json;
beforeAll(async () => {
  api = await startTestApi();
  steward = { ...bearer(await tokenFor('zhang.data')), 'x-purpose': 'DATA_GOVERNANCE' };
  futianSteward = bearer(await tokenFor('lin.futian'));
  await cleanTestDataset(api.stores, 'E');
  await registerTestDataset(api.stores, 'E');
  before = await dataState();
}, 120_000);

afterAll(async () => {
  await cleanTestDataset(api.stores, 'E');
  await unregisterTestDataset(api.stores, 'E');
  await api?.close();
});

describe('every text argument of every query and mutation', () => {
  it(`has targets to fuzz (${targets.length})`, () => {
    expect(targets.length).toBeGreaterThan(60);
    // Among them the ones the issue names.
    for (const must of ['query entity(code)', 'query resolveCode(value)', 'query objectsWithin(polygon)', 'query catalogue(search)', 'query usageTrail(after)', 'mutation createReturnFlow(input.cron)', 'mutation ingestRecords(records)']) {
      expect(targets.map((t) => t.label)).toContain(must);
    }
  });

  it.each(targets.map((t) => [t.label, t] as const))('%s', async (_label, target) => {
    const vars = Object.fromEntries(target.field.args.map((a) => [a.name, plausible(a.type, a.name)]));
    const defs = target.field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
    const call = target.field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
    const text = `${target.op} Fuzz${defs ? `(${defs})` : ''} { ${target.field.name}${call ? `(${call})` : ''}${selectionOf(target.field)} }`;
    // Mutations run as the 福田 steward for return flows (its department's), else as the city's steward.
    const headers = target.field.name.includes('ReturnFlow') ? futianSteward : steward;
    await fc.assert(
      fc.asyncProperty(hostileText, async (value) => {
        let variables = { ...vars, [target.arg.name]: setAt(vars[target.arg.name], target.path, value, target.arg.type) };
        // An id beside free text: nothing addressed exists, so nothing may be stored.
        if (target.op === 'mutation') {
          for (const a of target.field.args) if (a !== target.arg && getNamedType(a.type).name === 'ID') variables = { ...variables, [a.name]: `no-such-${a.name}` };
          if (target.field.name === 'ingestRecords' && target.arg.name === 'records') variables = { ...variables, dataset: `${value}-no-such-dataset`.slice(0, 200) };
        }
        const r = await send({ query: text, variables }, headers);
        expectSafe(target.label, r);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

describe('GeoJSON', () => {
  const within = `query ($p: GeoJSON!) { objectsWithin(polygon: $p, first: 5) { totalCount nodes { code } } }`;
  const ring = (n: number) => Array.from({ length: n + 1 }, (_, i) => [114.05 + 0.01 * Math.cos((2 * Math.PI * (i % n)) / n), 22.54 + 0.01 * Math.sin((2 * Math.PI * (i % n)) / n)]);
  let nested: unknown = [114.05, 22.54];
  for (let i = 0; i < 2_000; i++) nested = [nested];
  const cases: [string, unknown][] = [
    ['oversized (40,000 vertices)', { type: 'Polygon', coordinates: [ring(40_000)] }],
    ['self-intersecting (bow tie)', { type: 'Polygon', coordinates: [[[114.04, 22.53], [114.07, 22.56], [114.07, 22.53], [114.04, 22.56], [114.04, 22.53]]] }],
    ['deeply nested arrays', { type: 'Polygon', coordinates: nested }],
    ['wrong CRS (EPSG:3857 metres)', { type: 'Polygon', crs: { type: 'name', properties: { name: 'EPSG:3857' } }, coordinates: [[[12696000, 2576000], [12699000, 2576000], [12699000, 2579000], [12696000, 2576000]]] }],
    ['coordinates out of range', { type: 'Polygon', coordinates: [[[514.0, 122.5], [515, 122.5], [515, 123.5], [514, 122.5]]] }],
    ['not closed', { type: 'Polygon', coordinates: [[[114.04, 22.53], [114.07, 22.53], [114.07, 22.56]]] }],
    ['NaN and strings', { type: 'Polygon', coordinates: [[['NaN', 22.53], [null, 1], [114.07, 'x'], [114.04, 22.53]]] }],
    ['wrong type', { type: 'FeatureCollection', features: [] }],
    ['a string', 'POLYGON((114 22, 115 22, 115 23, 114 22))'],
  ];
  it.each(cases)('%s is refused with BAD_USER_INPUT and a hint, or answered; never a 500', async (_name, polygon) => {
    const r = await send({ query: within, variables: { p: polygon } }, steward);
    expectSafe(_name, r);
    const json = JSON.parse(r.text) as { errors?: { extensions: { code: string; hint?: string } }[] };
    if (json.errors) {
      expect(['BAD_USER_INPUT', 'PAYLOAD_TOO_LARGE']).toContain(json.errors[0].extensions.code);
      expect(json.errors[0].extensions.hint ?? '').not.toBe('');
    }
  });
});

describe('bytes that are not UTF-8, and bodies that are not JSON', () => {
  const bodies: [string, Buffer][] = [
    ['invalid UTF-8 inside a string', Buffer.concat([Buffer.from('{"query":"{ entity(code: \\"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xa0, 0xa1]), Buffer.from('\\") { code } }"}')])],
    ['invalid UTF-8 in a variable', Buffer.concat([Buffer.from('{"query":"query ($c: ID!) { entity(code: $c) { code } }","variables":{"c":"'), Buffer.from([0xed, 0xa0, 0x80, 0xf8]), Buffer.from('"}}')])],
    ['a UTF-16 body', Buffer.from('{"query":"{ __typename }"}', 'utf16le')],
    ['NUL bytes', Buffer.from('{"query":"{ __typename }\u0000"}')],
    ['truncated JSON', Buffer.from('{"query":"{ __typ')],
    ['JSON of a number', Buffer.from('42')],
    ['a deeply nested JSON body', Buffer.from(`{"query":"{ __typename }","variables":${'['.repeat(5_000)}${']'.repeat(5_000)}}`)],
  ];
  it.each(bodies)('%s: a clear refusal or an answer, never a 500', async (name, raw) => {
    const r = await send(null, steward, raw);
    expectSafe(name, r);
  });

  it('readings (POST /iot/readings) in hostile JSON and NDJSON are refused reading by reading, never a 500', async () => {
    const water = bearer(await tokenFor('wu.water'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.jsonValue(), fc.record({ device: hostileText, metric: hostileText, value: fc.oneof(fc.double(), hostileText), at: hostileText })), { maxLength: 20 }), async (batch) => {
        const res = await fetch(`${api.url}/iot/readings`, { method: 'POST', headers: { 'content-type': 'application/json', ...water }, body: JSON.stringify(batch) });
        const text = await res.text();
        expectSafe('iot/readings', { status: res.status, text });
      }),
      { numRuns: RUNS * 2, seed: SEED },
    );
    const ndjson = await fetch(`${api.url}/iot/readings`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...water }, body: Buffer.concat([Buffer.from('{"device":"x"\n'), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('[[[\n')]) });
    expectSafe('iot/readings ndjson', { status: ndjson.status, text: await ndjson.text() });
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'citycode-hostile-'));

  it('hostile CSV files (--all-or-nothing) write nothing and end in a clear refusal or a summary', async () => {
    const row = fc.array(fc.oneof(hostileText, fc.constant('"'), fc.constant('\r\n'), fc.constant(',,,')), { minLength: 1, maxLength: 8 });
    const start = await snapshot(api.stores, 'E');
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 12 }), fc.boolean(), async (rows, header) => {
        const file = join(dir, 'hostile.csv');
        const lines = rows.map((r) => r.join(','));
        writeFileSync(file, `${header ? 'record_id,id_number,name,phone,updated_at\n' : ''}${lines.join('\n')}`);
        try {
          await ingestFile(api.stores, { dataset: testDatasetId('E'), file, batchSize: 50, allOrNothing: true });
        } catch (err) {
          expect(err).toBeInstanceOf(CityCodeError);
        }
        const now = await snapshot(api.stores, 'E');
        expect(now.counts).toEqual(start.counts);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('damaged IFC files are BAD_USER_INPUT with a hint, never a crash', async () => {
    const good = readFileSync(fromRoot('datasets', 'samples', 'futian-office.ifc'));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: good.length - 1 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.boolean(), async (at, garbage, truncate) => {
        const bytes = truncate ? Buffer.concat([good.subarray(0, at), Buffer.from(garbage)]) : Buffer.concat([good.subarray(0, at), Buffer.from(garbage), good.subarray(at + garbage.length)]);
        try {
          await readIfcModel(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(CityCodeError);
          expect((err as CityCodeError).extensions.code).toBe('BAD_USER_INPUT');
        }
      }),
      { numRuns: RUNS * 2, seed: SEED },
    );
    await expect(readIfcModel(Buffer.from('not an IFC file'))).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('tokens', () => {
  let token: string;
  beforeAll(async () => {
    token = await tokenFor('li.police');
  });
  const status = async (authorization: string) => (await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query: '{ __typename }' }) })).status;
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it('the genuine token is accepted (control)', async () => {
    expect(await status(`Bearer ${token}`)).toBe(200);
  });

  it('forged variants are 401 (400 when not a bearer token at all), never accepted, never a 500', async () => {
    const [h, p, s] = token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Json;
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Json;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signWith = (hd: Json, pl: Json) => {
      const body = `${b64(hd)}.${b64(pl)}`;
      return `${body}.${createSign('RSA-SHA256').update(body).sign(privateKey).toString('base64url')}`;
    };
    const now = Math.floor(Date.now() / 1000);
    const forged: [string, string][] = [
      ['alg none, no signature', `${b64({ ...header, alg: 'none' })}.${p}.`],
      ['alg none, old signature', `${b64({ ...header, alg: 'none' })}.${p}.${s}`],
      ['expired (exp in the past, re-signed by another key)', signWith(header, { ...payload, exp: now - 60 })],
      ['wrongly signed (another key, same kid)', signWith(header, payload)],
      ['wrong issuer (payload changed, signature kept)', `${h}.${b64({ ...payload, iss: 'http://evil.example/realms/citycode' })}.${s}`],
      ['wrong audience (payload changed, signature kept)', `${h}.${b64({ ...payload, aud: 'someone-else' })}.${s}`],
      ['expired (payload changed, signature kept)', `${h}.${b64({ ...payload, exp: now - 3600 })}.${s}`],
    ];
    for (const [name, t] of forged) expect([name, await status(`Bearer ${t}`)]).toEqual([name, 401]);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.string({ minLength: 1, maxLength: 4 }), async (at, insert) => {
        const mutated = token.slice(0, at) + insert + token.slice(at + insert.length);
        if (mutated === token) return;
        const st = await status(`Bearer ${mutated}`);
        expect([mutated.slice(0, 0), st === 401 || st === 400]).toEqual(['', true]);
      }),
      { numRuns: RUNS * 3, seed: SEED },
    );
  });
});

describe('after all of it', () => {
  it('no data changed', async () => {
    expect(await dataState()).toEqual(before);
  });
});
