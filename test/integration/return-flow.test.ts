import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadSigningKey, trustedPublicKeys } from '../../audit/keys';
import { checkManifest, signManifest, type SignedManifest } from '../../exchange/manifest';
import { ReturnFlowScheduler } from '../../exchange/returnFlow';
import { createFutianApp, type FutianApp } from '../../districts/futian/app';
import { futianConfig } from '../../districts/futian/config';
import { FutianStore } from '../../districts/futian/store';
import { cleanTestDataset, personRows, placedResidents, registerTestDataset, testDatasetId, unregisterTestDataset } from '../support/ingestFixtures';
import { createOracle } from '../support/permissionOracle';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, serviceToken, tokenFor } from '../support/tokens';

/**
 * 数据回流 against the real services: 福田's steward sets up a schedule; a delivery of 福田's
 * population rows — only 福田's, only as FT-GOV's grants allow (phones in clear for grid
 * governance, birth dates to the year, no ID numbers) — is pushed to the 福田 subgraph's endpoint
 * and lands in its schema; later deliveries carry only what changed since the flow's cursor; a
 * delivery that cannot be pushed is retried and loses nothing; files verify against their signed
 * manifests; bad input and foreign callers are refused with a code and change nothing.
 */
type Json = Record<string, unknown>;
const NS = 'R';
const DATASET = testDatasetId(NS);
const oracle = createOracle();
const futianPersons = oracle.plan.nodes.filter((n) => n.labels.includes('Person') && n.props.districtCode === '440304');
const streetOf = (district: string) => oracle.plan.nodes.find((n) => n.labels.includes('Person') && n.props.districtCode === district && typeof n.props.streetCode === 'string')!.props.streetCode as string;

let api: TestApi;
let futian: { store: FutianStore; served: FutianApp; server: Server; url: string } | null = null;
let residents: string[] = [];
const rows = personRows(NS, 2);
const tokens = new Map<string, string>();

async function as(user: string, query: string, variables: Json = {}) {
  if (!tokens.has(user)) tokens.set(user, await tokenFor(user));
  return gql<Json>(api.url, query, variables, bearer(tokens.get(user)!));
}

const config = futianConfig();
let futianPort = 0;
async function startFutian(): Promise<void> {
  const store = new FutianStore(config.postgres);
  const served = await createFutianApp(store, config);
  const server: Server = await new Promise((resolve) => {
    const s = served.app.listen(futianPort, '127.0.0.1', () => resolve(s));
  });
  futianPort = (server.address() as AddressInfo).port;
  futian = { store, served, server, url: `http://127.0.0.1:${futianPort}` };
}
async function stopFutian(): Promise<void> {
  if (!futian) return;
  futian.server.closeAllConnections();
  await new Promise((resolve) => futian!.server.close(resolve));
  await futian.served.apollo.stop();
  await futian.store.close();
  futian = null;
}

const FLOW = `id district department domain cron purpose target enabled snapshotDone cursor nextRunAt attempt lastStatus lastError
  deliveries { id status attempt trigger snapshot fromCursor toCursor rows sha256 location error }`;
const CREATE = `mutation ($input: ReturnFlowInput!) { createReturnFlow(input: $input) { ${FLOW} } }`;
const RUN = `mutation ($id: ID!) { runReturnFlow(id: $id) { ${FLOW} } }`;
type Flow = { id: string; cursor: string; attempt: number; lastStatus: string; lastError: string | null; nextRunAt: string; snapshotDone: boolean; deliveries: Json[] };

const phoneOf = (round: number, i: number) => `1997${String(round).padStart(3, '0')}000${i}`;
/** The residents' phones after round `round`, by code. */
const phonesAfter = (round: number) => Object.fromEntries(residents.map((code, i) => [code, phoneOf(round, i)]));
const returnedPhones = async () => Object.fromEntries((await futian!.store.returnedRows(residents)).map((r) => [r.code, r.values.phone]));

async function newPhones(round: number): Promise<void> {
  const records = rows.map((r, i) =>
    JSON.stringify({ record_id: `${NS}-u${round}-${i}`, id_number: r.idNumber, name: r.name, phone: phoneOf(round, i), updated_at: new Date(Date.UTC(2026, 6, 1, 0, round)).toISOString() }),
  );
  const res = await as('li.police', `mutation ($r: [String!]!) { ingestRecords(dataset: "${DATASET}", records: $r) { matched } }`, { r: records });
  expect(res.data!.ingestRecords).toEqual({ matched: 2 });
}

beforeAll(async () => {
  await startFutian();
  api = await startTestApi((c) => ({ ...c, exchange: { ...c.exchange, districtEndpoints: { '440304': { subgraph: 'futian', url: `${futian!.url}/return-flow` } } } }), { returnFlowScheduler: null });
  await cleanTestDataset(api.stores, NS);
  await registerTestDataset(api.stores, NS);
  residents = await placedResidents(api.stores, NS, rows, [{ districtCode: '440304', streetCode: streetOf('440304') }]);
}, 60_000);

afterAll(async () => {
  await cleanTestDataset(api.stores, NS);
  await unregisterTestDataset(api.stores, NS);
  await futian?.store.pool.query(`DELETE FROM futian.returned_row WHERE code = ANY ($1)`, [residents]);
  await api?.close();
  await stopFutian();
});

describe('return flow (数据回流)', () => {
  let flow: Flow;

  it('福田 sets up a daily flow of its population to its subgraph; the first delivery is its rows as its grants allow', async () => {
    const created = await as('lin.futian', CREATE, { input: { domain: 'POPULATION', cron: '0 2 * * *', purpose: 'GRID_GOVERNANCE', target: 'SUBGRAPH' } });
    expect(created.errors).toBeUndefined();
    flow = created.data!.createReturnFlow as Flow;
    expect(flow).toMatchObject({ district: '440304', department: 'FT-GOV', enabled: true, snapshotDone: false, attempt: 0, lastStatus: null, deliveries: [] });
    // The next run is 02:00 Shanghai time.
    expect(new Date(flow.nextRunAt).getUTCHours()).toBe(18);

    const ran = await as('lin.futian', RUN, { id: flow.id });
    expect(ran.errors).toBeUndefined();
    flow = ran.data!.runReturnFlow as Flow;
    const expectedRows = futianPersons.length + residents.length;
    expect(flow).toMatchObject({ snapshotDone: true, lastStatus: 'SUCCEEDED', attempt: 0 });
    expect(flow.deliveries[0]).toMatchObject({ status: 'SUCCEEDED', snapshot: true, trigger: 'MANUAL', rows: expectedRows, error: null });

    // What arrived in 福田's schema: every 福田 person, nobody else, values as FT-GOV may see them.
    const { rows: arrived } = await futian!.store.pool.query<{ code: string; values: Json; delivery: string }>(
      `SELECT code, "values", delivery FROM futian.returned_row WHERE delivery = $1`,
      [`${flow.id}/${flow.deliveries[0].id}`],
    );
    expect(arrived.length).toBe(expectedRows);
    const planned = new Map(futianPersons.map((p) => [p.code, p.props]));
    for (const r of arrived.filter((x) => planned.has(x.code)).slice(0, 50)) {
      const p = planned.get(r.code)!;
      expect(r.values).toMatchObject({ name: p.name, phone: p.phone ?? null, districtCode: '440304' });
      expect(r.values.birthDate).toBe(typeof p.birthDate === 'string' ? p.birthDate.slice(0, 4) : null);
      expect(r.values).not.toHaveProperty('idNumber');
    }
    expect(arrived.every((r) => planned.has(r.code) || residents.includes(r.code))).toBe(true);
  });

  it('later deliveries carry only what changed since the cursor', async () => {
    const before = Number(flow.cursor);
    await newPhones(1);
    const ran = await as('lin.futian', RUN, { id: flow.id });
    flow = ran.data!.runReturnFlow as Flow;
    expect(Number(flow.cursor)).toBeGreaterThan(before);
    expect(flow.deliveries[0]).toMatchObject({ status: 'SUCCEEDED', snapshot: false, rows: 2, fromCursor: String(before), toCursor: flow.cursor });
    expect(await returnedPhones()).toEqual(phonesAfter(1));
    // Nothing changed since: an empty delivery, cursor kept.
    const again = (await as('lin.futian', RUN, { id: flow.id })).data!.runReturnFlow as Flow;
    expect(again.deliveries[0]).toMatchObject({ status: 'SUCCEEDED', rows: 0 });
  });

  it('a delivery that cannot be pushed is retried, keeps its cursor, and loses nothing', async () => {
    await newPhones(2);
    const cursor = flow.cursor;
    await stopFutian();
    const failed = (await as('lin.futian', RUN, { id: flow.id })).data!.runReturnFlow as Flow;
    expect(failed).toMatchObject({ lastStatus: 'RETRYING', attempt: 1, cursor });
    expect(failed.lastError).toMatch(/fetch failed|ECONNREFUSED|refused/i);
    expect(failed.deliveries[0]).toMatchObject({ status: 'FAILED', attempt: 1, rows: null });
    const retryIn = Date.parse(failed.nextRunAt) - Date.now();
    expect(retryIn).toBeGreaterThan(20_000);
    expect(retryIn).toBeLessThan(40_000);

    await startFutian();
    const retried = (await as('lin.futian', RUN, { id: flow.id })).data!.runReturnFlow as Flow;
    expect(retried).toMatchObject({ lastStatus: 'SUCCEEDED', attempt: 0 });
    expect(retried.deliveries[0]).toMatchObject({ status: 'SUCCEEDED', attempt: 2, rows: 2, fromCursor: cursor });
    expect(await returnedPhones()).toEqual(phonesAfter(2));
    flow = retried;
  });

  it('the scheduler runs a due flow once, however many processes look for it', async () => {
    await newPhones(4);
    await api.stores.sql.query(`UPDATE return_flow SET next_run_at = now() - interval '1 second' WHERE id = $1`, [flow.id]);
    const deps = api.services.returnFlows;
    await Promise.all([new ReturnFlowScheduler(deps, 60_000).tick(), new ReturnFlowScheduler(deps, 60_000).tick()]);
    const after = (await as('lin.futian', `query ($id: ID!) { returnFlow(id: $id) { ${FLOW} } }`, { id: flow.id })).data!.returnFlow as Flow;
    expect(after.deliveries.filter((d) => d.trigger === 'SCHEDULE')).toHaveLength(1);
    expect(after.deliveries[0]).toMatchObject({ trigger: 'SCHEDULE', status: 'SUCCEEDED', rows: 2 });
    expect(Date.parse(after.nextRunAt)).toBeGreaterThan(Date.now());
    expect(await returnedPhones()).toEqual(phonesAfter(4));
    flow = after;
  });

  it('a FILE flow writes NDJSON with a signed manifest that verifies', async () => {
    const created = (await as('lin.futian', CREATE, { input: { domain: 'POPULATION', cron: '@daily', purpose: 'GRID_GOVERNANCE', target: 'FILE', snapshot: false } })).data!.createReturnFlow as Flow;
    await newPhones(5);
    const ran = (await as('lin.futian', RUN, { id: created.id })).data!.runReturnFlow as Flow;
    const d = ran.deliveries[0] as { location: string; rows: number; sha256: string };
    expect(ran.lastError).toBeNull();
    expect(d.rows).toBe(2);
    expect(existsSync(d.location)).toBe(true);
    const bytes = readFileSync(d.location);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(d.sha256);
    const manifest = JSON.parse(readFileSync(d.location.replace(/\.ndjson$/, '.manifest.json'), 'utf8')) as SignedManifest;
    expect(checkManifest(manifest, trustedPublicKeys())).toBe('VALID');
    expect(manifest).toMatchObject({ file: { rows: 2, sha256: d.sha256 }, requester: { department: 'FT-GOV' }, purpose: 'GRID_GOVERNANCE', selection: { district: '440304', domain: 'POPULATION' } });
    expect(manifest.policy.grants.some((g) => g.startsWith('ft-population@'))).toBe(true);
    expect(checkManifest({ ...manifest, file: { ...manifest.file, rows: 3 } }, trustedPublicKeys())).toBe('BAD_SIGNATURE');
    const lines = bytes.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Json);
    expect(lines.map((l) => l.code).sort()).toEqual([...residents].sort());
  });

  it('each side sees its flows; others do not', async () => {
    const q = `query ($id: ID!) { returnFlow(id: $id) { id lastStatus } }`;
    expect((await as('zhang.data', q, { id: flow.id })).data!.returnFlow).toMatchObject({ id: flow.id });
    expect((await as('wang.futian', q, { id: flow.id })).data!.returnFlow).toMatchObject({ id: flow.id });
    expect((await as('chen.nanshan', q, { id: flow.id })).data!.returnFlow).toBeNull();
    const list = (await as('lin.futian', `{ returnFlows { id } }`)).data!.returnFlows as Json[];
    expect(list.map((f) => f.id)).toContain(flow.id);
    const run = await as('wang.futian', RUN, { id: flow.id });
    expect(run.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses a malformed schedule and other bad input with a code, and stores nothing', async () => {
    const [{ n: before }] = await api.stores.sql.query<{ n: string }>('SELECT count(*) AS n FROM return_flow');
    const input = (over: Json) => ({ input: { domain: 'POPULATION', cron: '0 2 * * *', purpose: 'GRID_GOVERNANCE', target: 'FILE', ...over } });
    for (const [over, argument] of [
      [{ cron: '61 2 * * *' }, 'cron'],
      [{ cron: '0 2 * *' }, 'cron'],
      [{ cron: '* * * * *' }, 'cron'],
      [{ cron: 'every day' }, 'cron'],
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ domain: 'WEATHER' }, 'domain'],
      [{ purpose: 'CURIOSITY' }, 'purpose'],
      [{ district: '440305' }, 'district'],
    ] as const) {
      const r = await as('lin.futian', CREATE, input(over));
      expect([argument, r.errors?.[0].extensions]).toEqual([argument, expect.objectContaining({ code: 'BAD_USER_INPUT', argument, hint: expect.any(String) })]);
    }
    // The committee may set one up for 南山, but 南山 has no subgraph endpoint to push to.
    const noEndpoint = await as('zhang.data', CREATE, input({ district: '440305', target: 'SUBGRAPH' }));
    expect(noEndpoint.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'target' });
    // Not a steward; not a district; grants that give no rows for that purpose.
    expect((await as('wang.futian', CREATE, input({}))).errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect((await as('gov.steward', CREATE, input({}))).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'district' });
    expect((await as('lin.futian', CREATE, input({ purpose: 'PUBLIC_SECURITY' }))).errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', argument: 'domain' });
    const [{ n: after }] = await api.stores.sql.query<{ n: string }>('SELECT count(*) AS n FROM return_flow');
    expect(after).toBe(before);
  });

  it('the 福田 endpoint takes deliveries only from the city platform, signed, whole', async () => {
    const url = `${futian!.url}/return-flow`;
    const file = readFileSync(`${api.config.exchange.dir}/return-flow/${flow.id}/${(flow.deliveries[0] as { id: string }).id}.ndjson`);
    const manifest = JSON.parse(readFileSync(`${api.config.exchange.dir}/return-flow/${flow.id}/${(flow.deliveries[0] as { id: string }).id}.manifest.json`, 'utf8')) as SignedManifest;
    const post = async (headers: Record<string, string>, body: Buffer, m: SignedManifest = manifest) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'x-citycode-manifest': Buffer.from(JSON.stringify(m)).toString('base64'), ...headers }, body });
    expect((await post({}, file)).status).toBe(401);
    const police = await post(bearer(await tokenFor('li.police')), file);
    expect([police.status, ((await police.json()) as Json).code]).toEqual([403, 'FORBIDDEN']);
    const platform = bearer(await serviceToken('svc-city-etl'));
    const forged = await post(platform, file, { ...manifest, source: { ...manifest.source, id: `${manifest.source.id}-forged` } });
    expect([forged.status, ((await forged.json()) as Json).code]).toEqual([400, 'BAD_SIGNATURE']);
    // A body that is not the manifest's file (one value changed) is refused whole.
    const { keyId: _k, signature: _s, ...unsigned } = manifest;
    void _k;
    void _s;
    const other = signManifest({ ...unsigned, source: { ...manifest.source, id: `${manifest.source.id}-tampered` } }, loadSigningKey());
    const tampered = await post(platform, Buffer.from(file.toString('utf8').replace(/"phone":"(\d+)"/, '"phone":"13800000000"')), other);
    expect([tampered.status, ((await tampered.json()) as Json).code]).toEqual([400, 'CHECKSUM_MISMATCH']);
    const { rows: receipts } = await futian!.store.pool.query('SELECT 1 FROM futian.return_flow_receipt WHERE delivery = $1', [other.source.id]);
    expect(receipts).toEqual([]);
    expect(await returnedPhones()).toEqual(phonesAfter(4));
    // A retry of a delivery already received is answered and not taken twice.
    const again = await post(platform, file);
    expect([again.status, await again.json()]).toEqual([200, { received: manifest.file.rows, duplicate: true }]);
  });
});
