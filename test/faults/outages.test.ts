import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAudit } from '../../audit/verify';
import { loadConfig } from '../../core/config';
import { fromRoot } from '../../core/paths';
import { ingestRun } from '../../graph/ingest';
import { fileDigest, ingestFile } from '../../ingest/pipeline';
import { landmarkCode, planDemoCity } from '../../seed/city';
import { closeStores, openStores, type Stores } from '../../store/stores';
import { cleanTestDataset, personRows, placedResidents, registerTestDataset, snapshot, testDatasetId, unregisterTestDataset, writePersonCsv } from '../support/ingestFixtures';
import { collect, liveClient } from '../support/live';
import { eventually, metric, startLoad, startService, stopService, type Sample } from '../support/outage';
import { freePort, NodeProcess } from '../support/processes';
import { bearer, tokenFor } from '../support/tokens';

/**
 * Faults, by really stopping the services (infra/<service>.sh stop) under load, against a real
 * API process (dist/api/server.js): requests fail fast with UNAVAILABLE (no hang, no 500), the
 * process stays up with bounded memory and recovers by itself; an open subscription keeps
 * delivering afterwards; an ingest, an export and a return-flow delivery interrupted by a stop
 * end in the same state as an uninterrupted one; SIGTERM drains requests in flight; the audit
 * chain verifies after all of it. Runs alone, after every other test (infra/run.sh, CITYCODE_FAULTS=1).
 */
type Json = Record<string, unknown>;
jest.setTimeout(600_000);

const plan = planDemoCity();
const NS = 'S';
const rows = personRows(NS, 2);
const futianStreet = plan.nodes.find((n) => n.labels.includes('Person') && n.props.districtCode === '440304' && typeof n.props.streetCode === 'string')!.props.streetCode as string;

let stores: Stores;
let api: NodeProcess;
let futian: NodeProcess;
let steward: Record<string, string>;
let police: Record<string, string>;
let residents: string[] = [];

const NEO4J_READ = { query: `query ($code: ID!) { entity(code: $code) { code name } }`, variables: { code: landmarkCode('CIVIC_CENTER') } };
const PG_READ = {
  query: `query ($p: GeoJSON!) { objectsWithin(polygon: $p, first: 5) { nodes { code } } }`,
  variables: { p: { type: 'Polygon', coordinates: [[[114.04, 22.53], [114.07, 22.53], [114.07, 22.56], [114.04, 22.56], [114.04, 22.53]]] } },
};

async function gqlAt(url: string, body: Json, headers: Record<string, string>): Promise<{ status: number; json: { data?: Json | null; errors?: { message: string; extensions?: Json }[] } }> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  return { status: res.status, json: (await res.json()) as { data?: Json | null; errors?: { message: string; extensions?: Json }[] } };
}

async function answers(body: Json, headers = steward): Promise<boolean> {
  const r = await gqlAt(api.url, body, headers);
  return r.status === 200 && !r.json.errors;
}

let round = 0;
async function changePhones(): Promise<string> {
  round++;
  const phone = `1997${String(round).padStart(3, '0')}0000`;
  const records = [JSON.stringify({ record_id: `${NS}-fault-${round}`, id_number: rows[0].idNumber, name: rows[0].name, phone, updated_at: new Date(Date.UTC(2026, 7, 1, 0, round)).toISOString() })];
  const res = await gqlAt(api.url, { query: `mutation ($r: [String!]!) { ingestRecords(dataset: "${testDatasetId(NS)}", records: $r) { matched } }`, variables: { r: records } }, police);
  expect(res.json.errors).toBeUndefined();
  return phone;
}

/** What must hold of the samples sent while a service was down. */
function expectFailFast(samples: Sample[], from: number, to: number, service: string): void {
  const during = samples.filter((s) => s.at >= from && s.at <= to);
  expect(during.length).toBeGreaterThan(5);
  // No hang, no 500, no internal error: either an answer or UNAVAILABLE.
  expect(during.filter((s) => s.status === 0)).toEqual([]);
  expect(during.filter((s) => s.status >= 500 && !s.codes.every((c) => c === 'UNAVAILABLE'))).toEqual([]);
  expect(during.flatMap((s) => s.codes).filter((c) => c !== 'UNAVAILABLE')).toEqual([]);
  const failed = during.filter((s) => s.codes.length > 0);
  expect(failed.length).toBeGreaterThan(0);
  // Fast: no failed request waited for the whole client timeout; most in a few seconds.
  const slowest = Math.max(...failed.map((s) => s.ms));
  expect([service, slowest < 8_000]).toEqual([service, true]);
}

beforeAll(async () => {
  stores = openStores(loadConfig());
  await cleanTestDataset(stores, NS);
  await registerTestDataset(stores, NS);
  residents = await placedResidents(stores, NS, rows, [{ districtCode: '440304', streetCode: futianStreet }]);
  const futianPort = await freePort();
  futian = new NodeProcess('福田 subgraph', 'districts/futian/server.js', futianPort, { FUTIAN_PORT: String(futianPort) }, ['futian']);
  await futian.start();
  const apiPort = await freePort();
  api = new NodeProcess('city API', 'api/server.js', apiPort, {
    PORT: String(apiPort),
    CITYCODE_RETURN_FLOW_TICK_MS: '0',
    FUTIAN_RETURN_FLOW_URL: `${futian.url}/return-flow`,
    CITYCODE_AUDIT_CHECKPOINT_MS: '3600000',
    // Exports pause 3 s after each page, so a database stop lands between their first and last page.
    CITYCODE_EXPORT_THROTTLE_MS: '3000',
    LOG_LEVEL: 'error',
  });
  await api.start();
  steward = { ...bearer(await tokenFor('zhang.data')), 'x-purpose': 'DATA_GOVERNANCE' };
  police = { ...bearer(await tokenFor('li.police')), 'x-purpose': 'PUBLIC_SECURITY' };
}, 300_000);

afterAll(async () => {
  // Whatever a failed test left stopped is started again, so later runs find the services up.
  for (const s of ['neo4j', 'postgres', 'keycloak'] as const) await startService(s).catch(() => undefined);
  await stores.sql.query(`DELETE FROM return_flow_delivery WHERE flow IN (SELECT id FROM return_flow WHERE department = 'FT-GOV' AND purpose = 'GRID_GOVERNANCE' AND cron = '0 3 * * *')`).catch(() => undefined);
  await stores.sql.query(`DELETE FROM return_flow WHERE department = 'FT-GOV' AND purpose = 'GRID_GOVERNANCE' AND cron = '0 3 * * *'`).catch(() => undefined);
  await cleanTestDataset(stores, NS);
  await unregisterTestDataset(stores, NS);
  await api?.stop();
  await futian?.stop();
  await closeStores(stores);
}, 300_000);

/** Work that runs into a store's outage: prepared before the load, started just before the stop, waited for while the store is down, checked after it returns. */
interface CutWork {
  prepare(): Promise<void>;
  start(): Promise<void>;
  whileDown(): Promise<void>;
  afterReturn(): Promise<void>;
}

/**
 * A store stopped under load (8 clients): requests fail fast with UNAVAILABLE while it is down,
 * /readyz names it and /healthz is fine, the process stays up with bounded memory, it recovers by
 * itself, the last seconds of load succeed, a subscription opened before the outage delivers a
 * change made after it, and no audit entry is lost. `work` runs into the same outage.
 */
async function outageUnderLoad(service: 'neo4j' | 'postgres', read: Json, work?: CutWork): Promise<void> {
  expect(await answers(read)).toBe(true);
  const live = liveClient(api.url, { authorization: police.authorization, 'x-purpose': 'PUBLIC_SECURITY' });
  const sub = collect<{ entityChanged: { code: string; entity: { phone: string } | null } }>(live.client, `subscription ($codes: [ID!]) { entityChanged(codes: $codes) { code entity { ... on Person { phone } } } }`, { codes: [residents[0]] });
  await changePhones();
  await sub.waitFor(1, 15_000);
  await work?.prepare();

  const rssBefore = await metric(api.url, 'citycode_process_resident_memory_bytes');
  const load = startLoad(api.url, [{ body: NEO4J_READ, headers: steward }, { body: PG_READ, headers: steward }], 8);
  await new Promise((r) => setTimeout(r, 2_000));
  await work?.start();
  await stopService(service);
  const downFrom = load.now();
  let downTo: number;
  let rssDown: number;
  try {
    await work?.whileDown();
    // At least 8 s of load against the stopped store.
    await new Promise((r) => setTimeout(r, Math.max(0, 8_000 - (load.now() - downFrom))));
    // /readyz names the service that is down; /healthz (the process) is fine.
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { services: Record<string, { up: boolean }> }).services[service].up).toBe(false);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    rssDown = await metric(api.url, 'citycode_process_resident_memory_bytes');
    downTo = load.now();
  } finally {
    await startService(service);
  }
  const recoveredIn = await eventually(async () => (await answers(read)) && (await answers(service === 'neo4j' ? PG_READ : NEO4J_READ)), 60_000, `the API answering again after ${service} returned`);
  await new Promise((r) => setTimeout(r, 2_000));
  await load.stop();

  expect(api.alive).toBe(true);
  expectFailFast(load.samples, downFrom + 500, downTo, service);
  // Bounded memory: the outage did not make the process grow by more than 150 MB.
  expect(rssDown - rssBefore).toBeLessThan(150 * 1024 * 1024);
  expect(recoveredIn).toBeLessThan(60_000);
  // The last seconds of load succeeded again.
  const tail = load.samples.filter((s) => s.at > load.now() - 1_500);
  expect(tail.length).toBeGreaterThan(0);
  expect(tail.every((s) => s.status === 200 && s.codes.length === 0)).toBe(true);

  // The subscription opened before the outage delivers changes made after it.
  const phone = await changePhones();
  const events = await sub.waitFor(2, 30_000);
  expect(events[events.length - 1].entityChanged).toMatchObject({ code: residents[0], entity: { phone } });
  sub.stop();
  await live.client.dispose();

  // Nothing of the audit was lost: the queue emptied, nothing dropped.
  await eventually(async () => (await metric(api.url, 'citycode_audit_queue_entries')) === 0, 30_000, 'the audit queue emptying');
  expect(await metric(api.url, 'citycode_audit_dropped_entries')).toBe(0);

  await work?.afterReturn();
}

describe('postgres stopped under load', () => {
  it('requests fail fast with UNAVAILABLE while it is down, the server stays up with bounded memory, and recovers by itself; subscriptions resume', async () => {
    await outageUnderLoad('postgres', PG_READ);
  });
});

describe('neo4j stopped under load, cutting work in progress', () => {
  const dir = mkdtempSync(join(tmpdir(), 'citycode-faults-'));
  const fileA = join(dir, 'a.csv');
  const fileB = join(dir, 'b.csv');

  // One Neo4j stop (each restart of Neo4j costs half a minute on these machines) is the outage
  // under load above and cuts three pieces of work at once: an ingest in the middle of its file,
  // an export between its pages, and a return-flow delivery. Each, resumed or retried, ends as an
  // uninterrupted run does.
  it('requests fail fast with UNAVAILABLE while it is down, the server stays up with bounded memory, and recovers by itself; subscriptions resume; an ingest cut mid-file, an export cut between its pages and a return-flow delivery failed end as uninterrupted runs do', async () => {
    const planner = { ...bearer(await tokenFor('he.planning')), 'x-purpose': 'URBAN_PLANNING' };
    const lin = bearer(await tokenFor('lin.futian'));
    for (const ns of ['A', 'B']) {
      await cleanTestDataset(stores, ns);
      await registerTestDataset(stores, ns);
    }
    writePersonCsv(fileA, personRows('A', 1_400));
    writePersonCsv(fileB, personRows('B', 1_400));
    const START = `mutation ($input: ExportInput!) { startExport(input: $input) { id state } }`;
    const JOB = `query ($id: ID!) { exportJob(id: $id) { id state rows sha256 error } }`;
    const input = { kind: 'CityObject', region: '440304', format: 'GEOJSON' };
    const jobOf = async (id: string) => (await gqlAt(api.url, { query: JOB, variables: { id } }, planner)).json.data!.exportJob as Json;
    const settle = async (id: string) => {
      let job: Json = {};
      await eventually(async () => {
        job = await jobOf(id);
        return job.state === 'DONE' || job.state === 'FAILED';
      }, 180_000, `export ${id} settling`);
      return job;
    };
    const startExport = async () => {
      const started = await gqlAt(api.url, { query: START, variables: { input } }, planner);
      expect(started.json.errors).toBeUndefined();
      return (started.json.data!.startExport as Json).id as string;
    };
    const FLOW = `id cursor lastStatus attempt deliveries { id status rows error }`;
    // The ingest CLI on file B, slowed to 4 s a batch of 200 (7 batches), and an export that
    // pauses 3 s after each page (CITYCODE_EXPORT_THROTTLE_MS).
    const { hash } = await fileDigest(fileB);
    const runId = `${testDatasetId('B')}|${hash}`;
    const args = [fromRoot('dist', 'ingest', 'cli.js'), '--dataset', testDatasetId('B'), fileB, '--batch-size', '200', '--json', '--no-progress'];
    const runCli = (extra: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [...args, ...extra], { env: { ...process.env, LOG_LEVEL: 'error', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });

    let clean: Awaited<ReturnType<typeof ingestFile>>;
    let reference: Json = {};
    let flowId = '';
    let RUN: Json = {};
    let first: ReturnType<typeof runCli>;
    let exportId = '';
    let interrupted: Awaited<ReturnType<typeof runCli>>;
    let failedExport: Json = {};
    let failedFlow: Json | null = null;
    try {
      await outageUnderLoad('neo4j', NEO4J_READ, {
        // The uninterrupted references: an ingest of file A, an export of 福田's city objects with
        // their geometry (3 pages of 1,000); and the return flow to run into the outage.
        async prepare() {
          clean = await ingestFile(stores, { dataset: testDatasetId('A'), file: fileA, batchSize: 200 });
          reference = await settle(await startExport());
          expect(reference).toMatchObject({ state: 'DONE', error: null });
          expect(reference.rows as number).toBeGreaterThan(2_000);
          const created = await gqlAt(api.url, { query: `mutation ($input: ReturnFlowInput!) { createReturnFlow(input: $input) { ${FLOW} } }`, variables: { input: { domain: 'POPULATION', cron: '0 3 * * *', purpose: 'GRID_GOVERNANCE', target: 'SUBGRAPH' } } }, lin);
          expect(created.json.errors).toBeUndefined();
          flowId = (created.json.data!.createReturnFlow as Json).id as string;
          RUN = { query: `mutation ($id: ID!) { runReturnFlow(id: $id) { ${FLOW} } }`, variables: { id: flowId } };
        },
        // The ingest first (its 7 batches take half a minute), then the export: the stop comes
        // within seconds of the export's first page, well before either could finish.
        async start() {
          first = runCli(['--throttle-ms', '4000']);
          await eventually(async () => ((await ingestRun(stores.graph, runId))?.lastBatch ?? -1) >= 2, 60_000, 'the ingest reaching batch 2');
          exportId = await startExport();
          await eventually(async () => ((await jobOf(exportId)).rows as number) >= 1_000, 60_000, 'the first page of the export written');
        },
        async whileDown() {
          interrupted = await first;
          failedExport = await settle(exportId);
          const ran = await gqlAt(api.url, RUN, lin);
          expect(ran.status).toBeLessThan(500);
          failedFlow = (ran.json.data?.runReturnFlow ?? null) as Json | null;
        },
        async afterReturn() {
          await eventually(() => answers(NEO4J_READ), 60_000, 'Neo4j answering');
          // The ingest: cut with UNAVAILABLE, run again it resumes after the last batch it wrote
          // and holds exactly what the clean run of the same rows holds.
          expect(interrupted.code).not.toBe(0);
          expect(`${interrupted.stdout}${interrupted.stderr}`).toMatch(/UNAVAILABLE|unavailable/);
          const rerun = await runCli([]);
          expect(rerun.code).toBe(0);
          const summary = JSON.parse(rerun.stdout) as Record<string, number>;
          expect(summary.resumedAtBatch).toBeGreaterThanOrEqual(3);
          const [a, b] = [await snapshot(stores, 'A'), await snapshot(stores, 'B')];
          expect(b.counts).toEqual(a.counts);
          expect(a.counts.created).toBe(clean.new);
          expect(b.records).toEqual(a.records);
          expect(b.entities).toEqual(a.entities);

          // The export: failed between its pages, resumed, the same rows and hash as the reference.
          expect(failedExport).toMatchObject({ state: 'FAILED' });
          expect(failedExport.rows as number).toBeGreaterThanOrEqual(1_000);
          expect(failedExport.rows as number).toBeLessThan(reference.rows as number);
          expect(String(failedExport.error)).toMatch(/unavailable/i);
          const resumed = await gqlAt(api.url, { query: `mutation ($id: ID!) { resumeExport(id: $id) { id state } }`, variables: { id: exportId } }, planner);
          expect(resumed.json.errors).toBeUndefined();
          expect(await settle(exportId)).toMatchObject({ state: 'DONE', error: null, rows: reference.rows, sha256: reference.sha256 });

          // The return flow: the failed delivery is retried; 福田 holds exactly the delivery's rows.
          if (failedFlow) expect(failedFlow).toMatchObject({ lastStatus: 'RETRYING', attempt: 1 });
          const retried = (await gqlAt(api.url, RUN, lin)).json.data!.runReturnFlow as { lastStatus: string; deliveries: { id: string; status: string; rows: number }[] };
          expect(retried.lastStatus).toBe('SUCCEEDED');
          const delivered = retried.deliveries[0];
          expect(delivered.status).toBe('SUCCEEDED');
          const [{ n }] = await stores.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM futian.returned_row WHERE delivery LIKE $1`, [`${flowId}/%`]);
          expect(n).toBe(delivered.rows);
          const persons = plan.nodes.filter((p) => p.labels.includes('Person') && p.props.districtCode === '440304').length;
          expect(delivered.rows).toBe(persons + residents.length);
          await stores.sql.query(`DELETE FROM futian.returned_row WHERE delivery LIKE $1`, [`${flowId}/%`]);
        },
      });
    } finally {
      for (const ns of ['A', 'B']) {
        await cleanTestDataset(stores, ns);
        await unregisterTestDataset(stores, ns);
      }
    }
  });
});

describe('keycloak stopped', () => {
  it('under load, known tokens keep working or get UNAVAILABLE (never 500, never a hang); after it returns new sign-ins work', async () => {
    expect(await answers(NEO4J_READ)).toBe(true);
    const load = startLoad(api.url, [{ body: NEO4J_READ, headers: steward }, { body: PG_READ, headers: police }], 8);
    await new Promise((r) => setTimeout(r, 1_000));
    await stopService('keycloak');
    const downFrom = load.now();
    try {
      await new Promise((r) => setTimeout(r, 8_000));
      expect((await fetch(`${api.url}/readyz`)).status).toBe(503);
    } finally {
      await startService('keycloak');
    }
    const downTo = load.now();
    await load.stop();
    const during = load.samples.filter((s) => s.at >= downFrom && s.at <= downTo);
    expect(during.length).toBeGreaterThan(5);
    expect(during.filter((s) => s.status === 0)).toEqual([]);
    expect(during.flatMap((s) => s.codes).filter((c) => c !== 'UNAVAILABLE')).toEqual([]);
    expect(during.filter((s) => s.status >= 500 && !s.codes.every((c) => c === 'UNAVAILABLE'))).toEqual([]);
    expect(Math.max(...during.map((s) => s.ms))).toBeLessThan(8_000);
    expect(api.alive).toBe(true);
    await eventually(async () => (await fetch(`${api.url}/readyz`)).status === 200, 60_000, 'ready again');
    // A user this file has not signed in yet: a new token from the restarted Keycloak.
    const fresh = bearer(await tokenFor('wu.water'));
    expect((await gqlAt(api.url, NEO4J_READ, fresh)).status).toBe(200);
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM: requests in flight finish with their answers, /readyz turns 503, the process exits 0', async () => {
    const port = await freePort();
    const draining = new NodeProcess('draining API', 'api/server.js', port, { PORT: String(port), CITYCODE_RETURN_FLOW_TICK_MS: '0', LOG_LEVEL: 'error', SHUTDOWN_GRACE_MS: '15000' });
    await draining.start();
    const slow = { query: `query ($p: GeoJSON!) { objectsWithin(polygon: $p, first: 200) { nodes { code name } } }`, variables: PG_READ.variables };
    const sent = Date.now();
    // Every request sent before the signal is answered in full: the listener keeps accepting for
    // the drain window (SHUTDOWN_DRAIN_MS, 3 s), so none waiting in the accept queue is reset.
    const outcome = (r: Promise<{ status: number; json: { errors?: unknown[] } }>) =>
      r.then(
        (res) => ({ status: res.status, errors: res.json.errors?.length ?? 0, cause: '', ms: Date.now() - sent }),
        (err: { name?: string; cause?: { code?: string } }) => ({ status: 0, errors: 1, cause: err.cause?.code ?? err.name ?? 'unknown', ms: Date.now() - sent }),
      );
    const inflight = Array.from({ length: 24 }, () => outcome(gqlAt(draining.url, slow, steward)));
    // In flight: received by the server (its gauge counts them; the scrape itself is one more).
    await eventually(async () => (await metric(draining.url, 'citycode_http_requests_in_flight')) >= 12, 10_000, 'requests in flight');
    const exit = draining.terminate();
    const signalled = Date.now() - sent;
    await new Promise((r) => setTimeout(r, 200));
    // In the drain window: /readyz is 503, and a request that still arrives is answered, with its
    // connection closed after it.
    const ready = await fetch(`${draining.url}/readyz`).then((r) => r.status, () => 0);
    const late = await fetch(`${draining.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...steward }, body: JSON.stringify(NEO4J_READ) });
    const lateBody = (await late.json()) as { errors?: unknown[] };
    const results = await Promise.all(inflight);
    expect({ signalled, failed: results.filter((r) => r.status !== 200 || r.errors > 0) }).toEqual({ signalled, failed: [] });
    expect(ready).toBe(503);
    expect([late.status, late.headers.get('connection'), lateBody.errors]).toEqual([200, 'close', undefined]);
    expect(await exit).toBe(0);
    // Gone: new connections are refused.
    await expect(fetch(`${draining.url}/healthz`)).rejects.toThrow();
  });
});

describe('the audit chain after all of it', () => {
  it('verifies from its first row: no gap, no fork', async () => {
    const result = await verifyAudit(stores.sql);
    expect(result).toMatchObject({ ok: true });
    expect(result.checkedRows).toBeGreaterThan(0);
  });
});
