import { readFileSync } from 'node:fs';
import { trustedPublicKeys } from '../../audit/keys';
import { checkExport, fileOf } from '../../exchange/export';
import { jobById } from '../../sharing/exports';
import { cleanTestDataset, personRows, placedResidents, registerTestDataset, testDatasetId, unregisterTestDataset } from '../support/ingestFixtures';
import { collect, liveClient } from '../support/live';
import { createOracle } from '../support/permissionOracle';
import { DEMO_RESIDENT } from '../support/residents';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * The story of docs/sharing.md, end to end against the real services: 市应急管理局 finds residents'
 * phones in the catalogue, asks for those of 福田 for 网格治理; 福田's steward and the committee
 * approve; its query returns them; a subscription brings a resident's new phone; an export of the
 * grant's rows verifies against its manifest; the resident sees the read in "who read my data";
 * the grant expires and access stops — on every path.
 */
type Json = Record<string, unknown>;
const NS = 'S';
const oracle = createOracle();
const futianPersons = oracle.plan.nodes.filter((n) => n.labels.includes('Person') && n.props.districtCode === '440304');
const FUTIAN_STREET = futianPersons.find((n) => typeof n.props.streetCode === 'string')!.props.streetCode as string;
const masked = (phone: string) => `${phone.slice(0, 3)}****${phone.slice(7)}`;

let api: TestApi;
const tokens = new Map<string, string>();
async function headers(user: string, purpose?: string) {
  if (!tokens.has(user)) tokens.set(user, await tokenFor(user));
  return { ...bearer(tokens.get(user)!), ...(purpose ? { 'x-purpose': purpose } : {}) };
}
async function as(user: string, query: string, variables: Json = {}, purpose?: string) {
  return gql<Json>(api.url, query, variables, await headers(user, purpose));
}
const PHONE = `query ($c: ID!) { person(code: $c) { phone } }`;
const phoneOf = async (code: string) => ((await as('qian.emergency', PHONE, { c: code }, 'GRID_GOVERNANCE')).data!.person as Json).phone;

const rows = personRows(NS, 1);
let newcomer = '';
async function newPhone(round: number): Promise<string> {
  const phone = `1997777${String(round).padStart(4, '0')}`;
  const r = rows[0];
  const res = await as('li.police', `mutation ($r: [String!]!) { ingestRecords(dataset: "${testDatasetId(NS)}", records: $r) { matched } }`, {
    r: [JSON.stringify({ record_id: `${NS}-story-${round}`, id_number: r.idNumber, name: r.name, phone, updated_at: new Date(Date.UTC(2026, 8, 1, 0, round)).toISOString() })],
  });
  expect(res.data!.ingestRecords).toEqual({ matched: 1 });
  await api.services.feed.caughtUp();
  return phone;
}

beforeAll(async () => {
  api = await startTestApi((c) => c, {}, { databasePolicy: true });
  await cleanTestDataset(api.stores, NS);
  await registerTestDataset(api.stores, NS);
  [newcomer] = await placedResidents(api.stores, NS, rows, [{ districtCode: '440304', streetCode: FUTIAN_STREET }]);
}, 60_000);

afterAll(async () => {
  await cleanTestDataset(api.stores, NS);
  await unregisterTestDataset(api.stores, NS);
  await api?.close();
});

it('a department finds, asks for, is granted, uses — live, in bulk — residents’ phones in 福田; the resident sees it; the grant ends', async () => {
  // 1. The catalogue: 手机号 finds 联系电话 (Person.phone), L3, authoritative 市公安局.
  const found = await as('qian.emergency', `{ catalogue(search: "手机号") { nodes { key name level authoritativeDepartment } } }`);
  expect((found.data!.catalogue as { nodes: Json[] }).nodes[0]).toMatchObject({ key: 'Person.phone', name: '联系电话', level: 'L3', authoritativeDepartment: 'SZ-GAJ' });

  // 2. Before: masked.
  expect(await phoneOf(DEMO_RESIDENT.code)).toBe(masked(DEMO_RESIDENT.phone));

  // 3. The request: phones of 福田 for 网格治理, with a justification and an expiry.
  const expiresAt = new Date(Date.now() + 50_000).toISOString();
  const asked = await as('qian.emergency', `mutation ($input: AccessRequestInput!) { requestAccess(input: $input) { id state ownerDepartment needsCommittee } }`, {
    input: { attributes: ['Person.phone'], scopeKind: 'DISTRICTS', scopeCodes: ['440304'], purpose: 'GRID_GOVERNANCE', justification: '汛期网格联络: 福田区居民联系电话', expiresAt },
  });
  const request = asked.data!.requestAccess as { id: string };
  expect(asked.data!.requestAccess).toMatchObject({ state: 'SUBMITTED', ownerDepartment: 'FT-GOV', needsCommittee: true });

  // 4. 福田's steward approves as owner; the committee approves (L3).
  const MOVE = `mutation ($id: ID!, $reason: String!) { approveAccessRequest(id: $id, reason: $reason) { state grantId } }`;
  expect((await as('lin.futian', MOVE, { id: request.id, reason: '同意' })).data!.approveAccessRequest).toMatchObject({ state: 'OWNER_APPROVED' });
  const granted = (await as('zhang.data', MOVE, { id: request.id, reason: '委员会同意' })).data!.approveAccessRequest as { state: string; grantId: string };
  expect(granted).toMatchObject({ state: 'GRANTED', grantId: `req-${request.id}` });

  // 5. The department's query now returns phones as granted.
  const deadline = Date.now() + 5000;
  while ((await phoneOf(DEMO_RESIDENT.code)) !== DEMO_RESIDENT.phone && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await phoneOf(DEMO_RESIDENT.code)).toBe(DEMO_RESIDENT.phone);

  // 6. A subscription receives a change to one of them, in clear.
  const { client } = liveClient(api.url, { ...(await headers('qian.emergency')), 'x-purpose': 'GRID_GOVERNANCE' });
  const live = collect<{ entityChanged: Json }>(client, `subscription ($c: [ID!]) { entityChanged(codes: $c) { code fields entity { ... on Person { phone } } } }`, { c: [newcomer] });
  await new Promise((r) => setTimeout(r, 300));
  const first = await newPhone(1);
  const [event] = await live.waitFor(1);
  expect(event.entityChanged).toEqual({ code: newcomer, fields: ['Person.phone'], entity: { phone: first } });

  // 7. An export of the grant's rows verifies against its manifest.
  const started = await as('qian.emergency', `mutation ($input: ExportInput!) { startExport(input: $input) { id } }`, { input: { grant: granted.grantId, format: 'NDJSON' } }, 'GRID_GOVERNANCE');
  expect(started.errors).toBeUndefined();
  const exportId = (started.data!.startExport as { id: string }).id;
  let job = (await jobById(api.stores.sql, exportId))!;
  for (let i = 0; i < 300 && job.state !== 'DONE' && job.state !== 'FAILED'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    job = (await jobById(api.stores.sql, exportId))!;
  }
  expect(job).toMatchObject({ state: 'DONE', rows: futianPersons.length + 1 });
  const paths = fileOf(api.services.exports.dir, job);
  const check = await checkExport(paths.manifest, trustedPublicKeys());
  expect(check).toMatchObject({ ok: true, rows: futianPersons.length + 1 });
  expect(check.manifest.policy.grants).toContain(`${granted.grantId}@${check.manifest.policy.version}`);
  const line = readFileSync(paths.data, 'utf8').split('\n').find((l) => l.includes(DEMO_RESIDENT.code))!;
  expect(JSON.parse(line)).toEqual({ code: DEMO_RESIDENT.code, kind: 'Person', values: { phone: DEMO_RESIDENT.phone } });

  // 8. The resident sees the department's read in "who read my data".
  await api.services.audit!.flush();
  const mine = await as(DEMO_RESIDENT.username, `{ myDataUsage(first: 20) { nodes { departmentName purposeLabel grant decision fields { key label } } } }`);
  const reads = (mine.data!.myDataUsage as { nodes: Json[] }).nodes.filter((n) => n.grant === granted.grantId);
  expect(reads.length).toBeGreaterThanOrEqual(2); // the query and the export
  expect(reads[0]).toMatchObject({ departmentName: '市应急管理局', decision: 'ALLOW', fields: [{ key: 'Person.phone', label: '联系电话' }] });
  // 福田, the owner, sees the use of the grant it approved.
  const owner = await as('lin.futian', `query ($g: String) { usageTrail(filter: { grant: $g }, first: 5) { nodes { department grant } } }`, { g: granted.grantId });
  expect((owner.data!.usageTrail as { nodes: Json[] }).nodes[0]).toMatchObject({ department: 'SZ-YJGLJ', grant: granted.grantId });

  // 9. The grant expires and access stops: queries, subscriptions, exports.
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expiresAt) - Date.now()) + 200));
  expect(await phoneOf(DEMO_RESIDENT.code)).toBe(masked(DEMO_RESIDENT.phone));
  const second = await newPhone(2);
  const [, after] = await live.waitFor(2);
  expect(after.entityChanged).toEqual({ code: newcomer, fields: ['Person.phone'], entity: { phone: masked(second) } });
  const refused = await as('qian.emergency', `mutation ($input: ExportInput!) { startExport(input: $input) { id } }`, { input: { grant: granted.grantId, format: 'NDJSON' } }, 'GRID_GOVERNANCE');
  expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'grant' });
  expect((await as('qian.emergency', `query ($id: ID!) { accessRequest(id: $id) { state } }`, { id: request.id })).data!.accessRequest).toEqual({ state: 'EXPIRED' });
  live.stop();
  await client.dispose();
}, 120_000);
