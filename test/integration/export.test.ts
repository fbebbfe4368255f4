import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trustedPublicKeys } from '../../audit/keys';
import { fromRoot } from '../../core/paths';
import { ImportRefused, importExport, writeImported } from '../../districts/futian/imports';
import { futianConfig } from '../../districts/futian/config';
import { FutianStore } from '../../districts/futian/store';
import { checkExport, createExport, ExportInterrupted, fileOf, runExport } from '../../exchange/export';
import { jobById } from '../../sharing/exports';
import { createOracle } from '../support/permissionOracle';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * 批量共享 / 离线交换 against the real services: exports of a grant's rows, of a kind in a region
 * and of a dataset, in NDJSON, CSV and GeoJSON, released as the requester's queries are, with a
 * signed manifest that verifies (and a changed byte that does not); an export interrupted after a
 * page is written but before it is recorded ends with the same file as an uninterrupted one; a
 * district imports each format and writes it back byte for byte; bad input stores nothing.
 */
type Json = Record<string, unknown>;
const oracle = createOracle();
const futianPersons = oracle.plan.nodes.filter((n) => n.labels.includes('Person') && n.props.districtCode === '440304');
let api: TestApi;
let futian: FutianStore;
const tokens = new Map<string, string>();
async function headers(user: string, purpose?: string): Promise<Record<string, string>> {
  if (!tokens.has(user)) tokens.set(user, await tokenFor(user));
  return { ...bearer(tokens.get(user)!), ...(purpose ? { 'x-purpose': purpose } : {}) };
}
async function as(user: string, query: string, variables: Json = {}, purpose?: string) {
  return gql<Json>(api.url, query, variables, await headers(user, purpose));
}
const START = `mutation ($input: ExportInput!) { startExport(input: $input) { id state sourceKind } }`;
const JOB = `query ($id: ID!) { exportJob(id: $id) { id state rows bytes sha256 grants error fileUrl manifestUrl } }`;

async function finished(user: string, id: string, purpose?: string): Promise<Json> {
  for (let i = 0; i < 600; i++) {
    const job = (await as(user, JOB, { id }, purpose)).data!.exportJob as Json;
    if (job.state === 'DONE' || job.state === 'FAILED') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`export ${id} did not finish`);
}

async function exportAs(user: string, purpose: string | undefined, input: Json): Promise<{ job: Json; manifest: string; data: string }> {
  const started = await as(user, START, { input }, purpose);
  expect(started.errors).toBeUndefined();
  const id = (started.data!.startExport as Json).id as string;
  const job = await finished(user, id, purpose);
  expect(job).toMatchObject({ state: 'DONE', error: null });
  const stored = (await jobById(api.stores.sql, id))!;
  const paths = fileOf(api.services.exports.dir, stored);
  return { job, manifest: paths.manifest, data: paths.data };
}

const tmp = mkdtempSync(join(tmpdir(), 'citycode-export-'));

beforeAll(async () => {
  api = await startTestApi((c) => c, { exportRunner: undefined }, {});
  futian = new FutianStore(futianConfig().postgres);
}, 60_000);
afterAll(async () => {
  await futian.pool.query(`DELETE FROM futian.imported_file WHERE export_id LIKE 'ex-%'`);
  await futian.close();
  await api?.close();
});

describe('bulk export (批量共享)', () => {
  let grantExport: { job: Json; manifest: string; data: string };

  it('福田 exports the rows of its grant as NDJSON: exactly its residents, released as its queries show them, with a manifest that verifies', async () => {
    grantExport = await exportAs('wang.futian', 'GRID_GOVERNANCE', { grant: 'ft-population', format: 'NDJSON' });
    const lines = readFileSync(grantExport.data, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { code: string; kind: string; values: Json });
    expect(lines.length).toBe(futianPersons.length);
    expect(grantExport.job).toMatchObject({ rows: futianPersons.length, grants: expect.arrayContaining([expect.stringMatching(/^ft-population@v\d+/)]) });
    const planned = new Map(futianPersons.map((p) => [p.code, p.props]));
    for (const l of lines.slice(0, 200)) {
      const p = planned.get(l.code)!;
      expect(l.kind).toBe('Person');
      expect(l.values).toMatchObject({ name: p.name, phone: p.phone ?? null, birthDate: typeof p.birthDate === 'string' ? p.birthDate.slice(0, 4) : null });
      expect(l.values).not.toHaveProperty('idNumber');
    }
    // In code order, one line per row.
    expect(lines.map((l) => l.code)).toEqual([...lines.map((l) => l.code)].sort());
    // The same values as the department's own query.
    const q = await as('wang.futian', `query ($c: ID!) { person(code: $c) { name phone birthDate } }`, { c: lines[7].code }, 'GRID_GOVERNANCE');
    expect(q.data!.person).toEqual({ name: lines[7].values.name, phone: lines[7].values.phone, birthDate: lines[7].values.birthDate });

    const check = await checkExport(grantExport.manifest, trustedPublicKeys());
    expect(check).toMatchObject({ ok: true, signature: 'VALID', rows: futianPersons.length, sha256: grantExport.job.sha256 });
    expect(check.manifest).toMatchObject({ source: { kind: 'EXPORT' }, requester: { department: 'FT-GOV', username: 'wang.futian' }, purpose: 'GRID_GOVERNANCE', file: { encoding: 'NDJSON' } });
    // The CLI says the same; a changed byte fails it.
    expect(execFileSync(process.execPath, [fromRoot('dist', 'tools', 'citycode.js'), 'verify-export', grantExport.manifest]).toString()).toMatch(/^OK: EXPORT ex-\d+: \d+ rows/);
    const changed = join(tmp, 'changed.ndjson');
    writeFileSync(changed, readFileSync(grantExport.data, 'utf8').replace(/"phone":"1/, '"phone":"2'));
    const bad = await checkExport(grantExport.manifest, trustedPublicKeys(), changed);
    expect(bad.ok).toBe(false);
    expect(bad.problems.join(' ')).toMatch(/sha256/);
  });

  it('the file and manifest are downloaded by the department and the committee only, and each download is audited', async () => {
    const url = `${api.url}${grantExport.job.fileUrl as string}`;
    const own = await fetch(url, { headers: await headers('wang.futian') });
    expect(own.status).toBe(200);
    const body = Buffer.from(await own.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(grantExport.job.sha256);
    expect((await fetch(url, { headers: await headers('zhang.data') })).status).toBe(200);
    const other = await fetch(url, { headers: await headers('chen.nanshan') });
    expect([other.status, ((await other.json()) as Json).code]).toEqual([404, 'NOT_FOUND']);
    expect((await fetch(url)).status).toBe(404);
    await api.services.audit!.flush();
    const [{ n }] = await api.stores.sql.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE operation_name = 'downloadExport' AND detail->>'export' = $1`, [
      (grantExport.job.id as string),
    ]);
    expect(Number(n)).toBe(2);
  });

  it('GeoJSON of a kind in a region, CSV of a dataset; each verifies and a district imports and writes it back byte for byte', async () => {
    const geo = await exportAs('he.planning', 'URBAN_PLANNING', { kind: 'CityObject', region: '440304', format: 'GEOJSON' });
    const collection = JSON.parse(readFileSync(geo.data, 'utf8')) as { type: string; features: { id: string; geometry: unknown; properties: Json }[] };
    expect(collection.type).toBe('FeatureCollection');
    expect(collection.features.length).toBe(geo.job.rows);
    expect(collection.features.length).toBeGreaterThan(1000);
    expect(collection.features.filter((f) => f.geometry !== null).length).toBeGreaterThan(100);
    const csv = await exportAs('he.planning', 'URBAN_PLANNING', { dataset: 'ghzy-building', format: 'CSV' });
    const header = readFileSync(csv.data, 'utf8').split('\n')[0];
    expect(header.startsWith('code,kind,')).toBe(true);

    for (const e of [grantExport, geo, csv]) {
      expect((await checkExport(e.manifest, trustedPublicKeys())).ok).toBe(true);
      const imported = await importExport(futian, e.manifest);
      expect(imported.rows).toBe(e.job.rows);
      const again = join(tmp, `again-${imported.exportId}`);
      expect(await writeImported(futian, imported.exportId, again)).toBe(e.job.rows);
      expect(createHash('sha256').update(readFileSync(again)).digest('hex')).toBe(e.job.sha256);
    }
  });

  it('a district refuses to import a file that is not its manifest’s, and stores nothing', async () => {
    const changed = join(tmp, 'changed-import.ndjson');
    writeFileSync(changed, readFileSync(grantExport.data, 'utf8').replace(/"phone":"1/, '"phone":"2'));
    const [{ n: before }] = (await futian.pool.query<{ n: string }>('SELECT count(*) AS n FROM futian.imported_row')).rows;
    await expect(importExport(futian, grantExport.manifest, changed)).rejects.toBeInstanceOf(ImportRefused);
    const [{ n: after }] = (await futian.pool.query<{ n: string }>('SELECT count(*) AS n FROM futian.imported_row')).rows;
    expect(after).toBe(before);
  });

  it('an export interrupted after writing a page, before recording it, resumes to the same file as an uninterrupted run', async () => {
    const police = { id: 'u-police', username: 'li.police', department: 'SZ-GAJ', departmentName: '市公安局', clearance: 'L4' as const, districtScope: [], roles: [], serviceAccount: false, anonymous: false };
    const input = { dataset: null, grant: null, kind: 'Person', region: null, fields: ['name', 'phone', 'districtCode'], format: 'CSV' as const, purpose: 'PUBLIC_SECURITY' };
    const deps = api.services.exports;
    const whole = await createExport(deps, police, input);
    const done = (await runExport(deps, whole.id))!;
    expect(done.rows).toBeGreaterThanOrEqual(20_000);

    const cut = await createExport(deps, police, input);
    await expect(runExport(deps, cut.id, { interruptAfterRows: 7_500 })).rejects.toBeInstanceOf(ExportInterrupted);
    const halfway = (await jobById(api.stores.sql, cut.id))!;
    // Killed: still RUNNING under its lease, 7 pages recorded, the 8th page written to disk but not recorded.
    expect(halfway).toMatchObject({ state: 'RUNNING', rows: 7_000 });
    expect(readFileSync(fileOf(deps.dir, halfway).data).length).toBeGreaterThan(halfway.bytes);
    // Another process may not take it while the lease holds…
    expect(await runExport(deps, cut.id)).toBeNull();
    // …and does once it has run out.
    await api.stores.sql.query(`UPDATE export_job SET lease_until = now() - interval '1 second' WHERE id = $1`, [cut.id]);
    const resumed = (await runExport(deps, cut.id))!;
    expect(resumed).toMatchObject({ state: 'DONE', rows: done.rows, bytes: done.bytes, sha256: done.sha256 });
  }, 120_000);

  it('refuses bad input with a code and stores nothing', async () => {
    const [{ n: before }] = await api.stores.sql.query<{ n: string }>('SELECT count(*) AS n FROM export_job');
    const cases: [string, string, string | undefined, Json, Json][] = [
      ['unknown dataset', 'he.planning', undefined, { dataset: 'no-such-dataset', format: 'NDJSON' }, { code: 'BAD_USER_INPUT', argument: 'dataset' }],
      ['expired grant', 'sun.transport', 'TRANSPORT_ADMIN', { grant: 'jtj-population-chunyun-2025', format: 'NDJSON' }, { code: 'BAD_USER_INPUT', argument: 'grant', grant: 'EXPIRED' }],
      ['foreign grant', 'wang.futian', 'GRID_GOVERNANCE', { grant: 'gaj-population', format: 'NDJSON' }, { code: 'FORBIDDEN', argument: 'grant', grant: 'FOREIGN' }],
      ['unknown grant', 'wang.futian', 'GRID_GOVERNANCE', { grant: 'req-ar-999999', format: 'NDJSON' }, { code: 'BAD_USER_INPUT', argument: 'grant' }],
      ['wrong purpose for the grant', 'wang.futian', 'EMERGENCY', { grant: 'ft-population', format: 'NDJSON' }, { code: 'BAD_USER_INPUT', argument: 'purpose' }],
      ['two sources', 'he.planning', undefined, { dataset: 'ghzy-building', kind: 'CityObject', format: 'NDJSON' }, { code: 'BAD_USER_INPUT' }],
      ['GeoJSON of persons', 'li.police', 'PUBLIC_SECURITY', { kind: 'Person', format: 'GEOJSON' }, { code: 'BAD_USER_INPUT', argument: 'format' }],
      ['bad region', 'he.planning', undefined, { kind: 'CityObject', region: '999999', format: 'NDJSON' }, { code: 'BAD_USER_INPUT', argument: 'region' }],
      ['unknown field', 'he.planning', undefined, { kind: 'CityObject', fields: ['name', 'shoeSize'], format: 'NDJSON' }, { code: 'BAD_USER_INPUT', argument: 'fields[1]' }],
      ['a filter it may not use', 'he.planning', undefined, { kind: 'Person', region: '440304', format: 'NDJSON' }, { code: 'FORBIDDEN_FILTER' }],
    ];
    for (const [what, user, purpose, input, extensions] of cases) {
      const r = await as(user, START, { input }, purpose);
      expect([what, r.errors?.[0].extensions]).toEqual([what, expect.objectContaining({ hint: expect.any(String), ...extensions })]);
    }
    const anonymous = await gql<Json>(api.url, START, { input: { kind: 'CityObject', format: 'NDJSON' } });
    expect(anonymous.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const [{ n: after }] = await api.stores.sql.query<{ n: string }>('SELECT count(*) AS n FROM export_job');
    expect(after).toBe(before);
  });
});
