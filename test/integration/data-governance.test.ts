import { walkLineage } from '../../ingest/lineage';
import { landmarkCode } from '../../seed/city';
import { registerPoints } from '../../spatial/registration';
import { startTestApi, TestApi, gql } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * The governance API over ingested data, against the demo city that `npm test` seeds (the seed
 * ingests the demo files of six departments through the ingestion path): stewards only, values
 * masked per the caller's grants, row scope inside Cypher, audited changes, lineage with hops.
 */
type Json = Record<string, unknown>;

describe('data governance over ingested data', () => {
  let api: TestApi;
  const as = async (user: string, query: string, variables: Json = {}, purpose = 'DATA_GOVERNANCE') =>
    gql<Json>(api.url, query, variables, { ...bearer(await tokenFor(user)), 'x-purpose': purpose });

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('governance queries are for data stewards only', async () => {
    for (const q of ['{ conflicts { totalCount } }', '{ lineage(node: "Person.residence") { partial } }', '{ reviewQueue { id } }', '{ datasetQuality { dataset } }', '{ datasets { id } }']) {
      const police = await as('li.police', q, {}, 'PUBLIC_SECURITY');
      expect([q, police.errors?.[0]?.extensions?.code]).toEqual([q, 'FORBIDDEN']);
      const anonymous = await gql<Json>(api.url, q);
      expect([q, anonymous.errors?.[0]?.extensions?.code]).toEqual([q, 'FORBIDDEN']);
    }
  });

  it('lists conflicts with both values and sources, masked to what the steward may read', async () => {
    const q = `{ conflicts(dataset: "zjj-tenancy", first: 50) { totalCount nodes { id entity attribute valueA datasetA recordA valueB datasetB recordB winnerDataset rule status } } }`;
    const masked = await as('gov.steward', q);
    expect(masked.errors).toBeUndefined();
    const page = masked.data!.conflicts as { totalCount: number; nodes: Json[] };
    expect(page.totalCount).toBeGreaterThan(50);
    const phone = page.nodes.find((n) => n.attribute === 'Person.phone')!;
    expect(phone).toMatchObject({ datasetA: 'gaj-population', datasetB: 'zjj-tenancy', winnerDataset: 'gaj-population', rule: 'AUTHORITATIVE', status: 'OPEN' });
    // gov.steward's clearance is L2: the L3 phone numbers come masked.
    expect(phone.valueA).toMatch(/^\d{3}\*{4}\d{4}$/);
    const clear = await as('zhang.data', q);
    const same = (clear.data!.conflicts as { nodes: Json[] }).nodes.find((n) => n.id === phone.id)!;
    expect(same.valueA).toMatch(/^1\d{10}$/);
    expect(same.valueB).toMatch(/^1\d{10}$/);
    expect(same.valueA).not.toBe(same.valueB);
    const residence = page.nodes.find((n) => n.attribute === 'Person.residence');
    if (residence) expect(residence).toMatchObject({ winnerDataset: 'gaj-population', rule: 'AUTHORITATIVE' });
  });

  it('shows the lineage of a person’s residence: authoritative dataset with its department, upstream path with hop counts', async () => {
    const r = await as('gov.steward', `{ lineage(node: "Person.residence", depth: 5) { root { id } partial depth authoritativeSources { id name department departmentName } entries { hops relation job via node { id kind department departmentName level } } } }`);
    expect(r.errors).toBeUndefined();
    const l = r.data!.lineage as { root: Json; partial: boolean; authoritativeSources: Json[]; entries: { hops: number; relation: string; job: string | null; node: Json }[] };
    expect(l.root).toEqual({ id: 'attribute:Person.residence' });
    expect(l.partial).toBe(false);
    expect(l.authoritativeSources).toEqual([{ id: 'dataset:gaj-population', name: '实有人口登记', department: 'SZ-GAJ', departmentName: '市公安局' }]);
    const hop = (id: string) => l.entries.find((e) => e.node.id === id);
    expect(hop('field:gaj-population.house_code')).toMatchObject({ hops: 1, relation: 'FEEDS' });
    expect(hop('dataset:gaj-population')).toMatchObject({ hops: 2, relation: 'HAS_FIELD', node: { departmentName: '市公安局', level: 'L3' } });
    expect(hop('dataset:gaj-household')).toMatchObject({ hops: 3, relation: 'DERIVED_FROM', job: '实有人口采集 (户籍 + 居住登记)' });
    expect(hop('dataset:zsj-population-base')).toMatchObject({ hops: 2, node: { departmentName: '市政务服务数据管理局', level: 'L3' } });
    // Each node once, at its smallest hop count.
    expect(new Set(l.entries.map((e) => e.node.id)).size).toBe(l.entries.length);

    const down = await as('gov.steward', `{ lineage(node: "gaj-household", direction: DOWNSTREAM, depth: 10) { entries { hops node { id } } } }`);
    const ids = (down.data!.lineage as { entries: { hops: number; node: Json }[] }).entries.map((e) => [e.node.id, e.hops]);
    expect(ids).toEqual(expect.arrayContaining([['dataset:gaj-population', 1], ['dataset:zsj-population-base', 2], ['attribute:Person.residence', 3]]));

    const unknown = await as('gov.steward', `{ lineage(node: "no-such-dataset") { root { id } entries { hops } partial } }`);
    expect(unknown.data!.lineage).toEqual({ root: null, entries: [], partial: false });
    // When the time budget runs out, the answer so far comes back marked partial instead of an error.
    const timedOut = await walkLineage(api.stores.graph, 'Person.residence', { direction: 'UPSTREAM', depth: 10, budgetMs: 0 });
    expect(timedOut).toMatchObject({ partial: true, entries: [] });
    expect(timedOut.root?.lid).toBe('attribute:Person.residence');
    const deep = await as('gov.steward', `{ lineage(node: "Person.residence", depth: 11) { partial } }`);
    expect(deep.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'depth' });
  });

  it('registering derived datasets is audited, cycles are walked once, levels follow the sources unless approved lower', async () => {
    const def = (id: string, from: string, level: string) =>
      JSON.stringify({
        id, name: `测试派生 ${id}`, department: 'SZ-ZSJ', topic: '测试', domain: 'POPULATION', level, cadence: 'MONTHLY', entity: 'Person', classCode: '010000',
        recordKey: 'k', fields: [{ name: 'k', type: 'string' }, { name: 'phone', type: 'phone', attribute: 'Person.phone' }], derivedFrom: [{ dataset: from, job: '测试作业' }],
      });
    const register = `mutation ($d: String!) { registerDataset(definition: $d, reason: "集成测试") { id level inheritedLevel } }`;
    const police = await as('li.police', register, { d: def('test-cycle-x', 'gaj-population', 'L1') }, 'PUBLIC_SECURITY');
    expect(police.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const x = await as('gov.steward', register, { d: def('test-cycle-x', 'gaj-population', 'L1') });
    expect(x.data!.registerDataset).toEqual({ id: 'test-cycle-x', level: 'L3', inheritedLevel: 'L3' });
    await as('gov.steward', register, { d: def('test-cycle-y', 'test-cycle-x', 'L1') });
    await as('gov.steward', register, { d: def('test-cycle-x', 'test-cycle-y', 'L1') }); // x ← y ← x: a cycle
    const cyc = await as('gov.steward', `{ lineage(node: "test-cycle-x", direction: BOTH, depth: 10) { partial entries { hops direction node { id } } } }`);
    const entries = (cyc.data!.lineage as { entries: { hops: number; direction: string; node: Json }[] }).entries;
    expect(entries.filter((e) => e.direction === 'UPSTREAM').map((e) => e.node.id)).toEqual(['dataset:test-cycle-y']);
    const bad = await as('gov.steward', register, { d: '{"id": "x"' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'definition' });

    const approve = `mutation ($l: String!) { approveDatasetLevel(dataset: "zsj-population-base", level: $l, reason: "聚合脱敏评估 2026-01") { id level declaredLevel inheritedLevel approvedLevel } }`;
    const lowered = await as('gov.steward', approve, { l: 'L2' });
    expect(lowered.data!.approveDatasetLevel).toEqual({ id: 'zsj-population-base', level: 'L2', declaredLevel: 'L2', inheritedLevel: 'L3', approvedLevel: 'L2' });
    const restored = await as('gov.steward', approve, { l: 'L3' });
    expect((restored.data!.approveDatasetLevel as Json).level).toBe('L3');
    await api.services.audit!.flush();
    const rows = await api.stores.sql.query<{ operation_name: string }>(
      `SELECT operation_name FROM audit_log WHERE decision = 'GOVERNANCE' AND operation_name IN ('registerDataset', 'approveDatasetLevel') AND at > now() - interval '5 minutes'`,
    );
    expect(rows.filter((r) => r.operation_name === 'approveDatasetLevel').length).toBeGreaterThanOrEqual(2);
    expect(rows.filter((r) => r.operation_name === 'registerDataset').length).toBeGreaterThanOrEqual(3);
    await api.stores.graph.write(`MATCH (d:Dataset) WHERE d.id IN ['test-cycle-x', 'test-cycle-y'] OPTIONAL MATCH (d)-[:HAS_FIELD]->(f) DETACH DELETE f, d`);
  });

  it('provenance of a value names the dataset, its department, the record and the time, under the attribute’s permission', async () => {
    const list = await as('zhang.data', `{ conflicts(dataset: "zjj-tenancy", first: 200) { nodes { entity attribute winnerDataset recordA valueA } } }`);
    const c = (list.data!.conflicts as { nodes: Json[] }).nodes.find((n) => n.attribute === 'Person.phone' && n.winnerDataset === 'gaj-population')!;
    const q = `query ($c: String!) { provenance(code: $c, attribute: "phone") { attribute value dataset datasetName department departmentName record at authoritative } }`;
    const p = await as('li.police', q, { c: c.entity as string }, 'PUBLIC_SECURITY');
    expect(p.errors).toBeUndefined();
    expect(p.data!.provenance).toEqual({
      attribute: 'Person.phone',
      value: c.valueA,
      dataset: 'gaj-population',
      datasetName: '实有人口登记',
      department: 'SZ-GAJ',
      departmentName: '市公安局',
      record: c.recordA,
      at: '2026-01-05T00:00:00.000Z',
      authoritative: true,
    });
    // Without a purpose the L3 phone is masked, and so is the value its provenance shows.
    const noPurpose = await gql<Json>(api.url, q, { c: c.entity as string }, bearer(await tokenFor('li.police')));
    expect((noPurpose.data!.provenance as Json).value).toMatch(/^\d{3}\*{4}\d{4}$/);
    // 市水务局 has no population grant: the phone is denied, and so is its provenance.
    const water = await as('wu.water', q, { c: c.entity as string }, 'WATER_ADMIN');
    expect(water.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', field: 'Person.phone' });
    expect(water.data?.provenance ?? null).toBeNull();
    const wrong = await as('li.police', `{ provenance(code: "${c.entity as string}", attribute: "uscc") { value } }`, {}, 'PUBLIC_SECURITY');
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'attribute' });
  });

  it('the change feed pages with a cursor and stays inside the caller’s district', async () => {
    const q = `query ($after: String) { changes(since: "2026-01-01T00:00:00Z", domain: "POPULATION", first: 50, after: $after) { endCursor hasNextPage nodes { code changedAt entity { code districtCode } } } }`;
    const first = await as('wang.futian', q, { after: null }, 'GRID_GOVERNANCE');
    expect(first.errors).toBeUndefined();
    const p1 = first.data!.changes as { endCursor: string; hasNextPage: boolean; nodes: { code: string; entity: Json }[] };
    expect(p1.nodes.length).toBe(50);
    expect(p1.nodes.every((n) => n.entity.districtCode === '440304')).toBe(true);
    const second = await as('wang.futian', q, { after: p1.endCursor }, 'GRID_GOVERNANCE');
    const p2 = second.data!.changes as { nodes: { code: string; entity: Json }[] };
    expect(p2.nodes.every((n) => n.entity.districtCode === '440304')).toBe(true);
    expect(p2.nodes.some((n) => p1.nodes.some((m) => m.code === n.code))).toBe(false);
    const city = await as('zhang.data', q, { after: null });
    const districts = new Set((city.data!.changes as { nodes: { entity: Json }[] }).nodes.map((n) => n.entity.districtCode));
    expect(districts.size).toBeGreaterThan(1);
  });

  it('a doubtful match waits for a steward, who accepts it onto the candidate', async () => {
    const [p] = await api.stores.graph.read<{ code: string; name: string }>(
      `MATCH (p:Person) WHERE p.name IS NOT NULL AND NOT EXISTS { (:SourceRecord)-[:MAPS_TO]->(p) }
       WITH p ORDER BY p.code LIMIT 500
       MATCH (q:Person {name: p.name}) WITH p, count(q) AS same WHERE same = 1
       RETURN p.code AS code, p.name AS name LIMIT 1`,
    );
    const key = 'zjj-tenancy|TEST-REVIEW-1';
    await api.stores.graph.write(`MATCH (s:SourceRecord {key: $key}) DETACH DELETE s`, { key });
    await api.stores.graph.write(`MATCH (c:ReviewCase {key: $key}) DELETE c`, { key });
    const ingest = `mutation ($r: [String!]!) { ingestRecords(dataset: "zjj-tenancy", records: $r) { read matched new review rejected } }`;
    const record = JSON.stringify({ contract_no: 'TEST-REVIEW-1', name: p.name, signed_at: '2026-03-01T00:00:00Z' });
    const other = await as('li.police', ingest, { r: [record] }, 'PUBLIC_SECURITY');
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const invalid = await as('liu.housing', ingest, { r: [record, '{"contract_no": "X"}'] }, 'HOUSING_ADMIN');
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', rejections: ['2: name is required'] });
    const ok = await as('liu.housing', ingest, { r: [record] }, 'HOUSING_ADMIN');
    expect(ok.data!.ingestRecords).toEqual({ read: 1, matched: 0, new: 0, review: 1, rejected: 0 });
    const queue = await as('zhang.data', `{ reviewQueue(dataset: "zjj-tenancy") { id candidate score status values } }`);
    const rc = (queue.data!.reviewQueue as Json[]).find((r) => r.id === key)!;
    expect(rc).toMatchObject({ candidate: p.code, status: 'OPEN' });
    expect(JSON.parse(rc.values as string)).toEqual({ 'Person.name': p.name });
    const decided = await as('gov.steward', `mutation { decideReview(id: "${key}", accept: true, reason: "电话核实") { id status } }`);
    expect(decided.data!.decideReview).toEqual({ id: key, status: 'ACCEPTED' });
    const [edge] = await api.stores.graph.read<{ code: string; method: string }>(
      `MATCH (:SourceRecord {key: $key})-[m:MAPS_TO]->(e) RETURN e.code AS code, m.method AS method`,
      { key },
    );
    expect(edge).toEqual({ code: p.code, method: 'REVIEW' });
    await api.stores.graph.write(`MATCH (s:SourceRecord {key: $key}) DETACH DELETE s`, { key });
    await api.stores.graph.write(`MATCH (c:ReviewCase {key: $key}) DELETE c`, { key });
  });

  it('a steward resolves a conflict; the chosen value and its source become the attribute’s', async () => {
    const list = await as('zhang.data', `{ conflicts(dataset: "zjj-tenancy", first: 200) { nodes { id entity attribute valueA valueB winnerDataset } } }`);
    const c = (list.data!.conflicts as { nodes: Json[] }).nodes.find((n) => n.attribute === 'Person.phone' && n.winnerDataset === 'gaj-population')!;
    const resolve = `mutation ($id: String!, $c: ConflictChoice!) { resolveConflict(id: $id, choose: $c, reason: "本人电话核实") { status winnerDataset resolvedBy } }`;
    const police = await as('li.police', resolve, { id: c.id, c: 'B' }, 'PUBLIC_SECURITY');
    expect(police.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const provenance = `{ provenance(code: "${c.entity as string}", attribute: "phone") { value dataset departmentName resolvedBy } }`;
    const b = await as('gov.steward', resolve, { id: c.id, c: 'B' });
    expect(b.data!.resolveConflict).toEqual({ status: 'RESOLVED', winnerDataset: 'zjj-tenancy', resolvedBy: 'gov.steward' });
    expect((await as('zhang.data', provenance)).data!.provenance).toEqual({ value: c.valueB, dataset: 'zjj-tenancy', departmentName: '市住房建设局', resolvedBy: 'gov.steward' });
    // And back: the seeded value, from 市公安局 (the demo city stays as seeded for the other tests).
    await as('gov.steward', resolve, { id: c.id, c: 'A' });
    expect((await as('zhang.data', provenance)).data!.provenance).toEqual({ value: c.valueA, dataset: 'gaj-population', departmentName: '市公安局', resolvedBy: 'gov.steward' });
    await api.services.audit!.flush();
    const [audited] = await api.stores.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE decision = 'GOVERNANCE' AND operation_name = 'resolveConflict' AND $1 = ANY(entity_codes)`,
      [c.entity],
    );
    expect(audited.n).toBeGreaterThanOrEqual(2);
  });

  it('reports quality per dataset and department', async () => {
    const r = await as(
      'gov.steward',
      `{ datasetQuality { dataset records completeness matchRate conflicts registrationRate lastIngest ageDays cadenceDays fresh } departmentQuality { department records } }`,
    );
    const q = new Map((r.data!.datasetQuality as Json[]).map((d) => [d.dataset, d]));
    expect(q.get('swj-device')).toMatchObject({ records: 300, completeness: 1, matchRate: 1, registrationRate: 1, cadenceDays: 0.0417 });
    // Fresh means ingested within the cadence (an hour for REALTIME), measured from the last ingest:
    // the demo seed may be older than that on a long-lived database, so the rule is checked, not the clock.
    const device = q.get('swj-device')!;
    const age = (Date.now() - Date.parse(device.lastIngest as string)) / 86_400_000;
    expect(Math.abs((device.ageDays as number) - age)).toBeLessThan(0.01);
    expect(device.fresh).toBe((device.ageDays as number) <= 0.0417);
    expect(q.get('gaj-population')).toMatchObject({ records: 2040 });
    expect((q.get('zjj-tenancy')!.conflicts as number) > 0).toBe(true);
    const d = new Map((r.data!.departmentQuality as Json[]).map((x) => [x.department, x]));
    expect(d.get('SZ-ZJJ')!.records).toBeGreaterThanOrEqual(1100);
  });

  it('registers points in space: inside a footprint, else the nearest building, else the district’s nearest community', async () => {
    const [civic, open, sea] = await registerPoints(api.stores.sql, [
      { lon: 114.059, lat: 22.5453 }, // 深圳市民中心
      { lon: 114.1, lat: 22.56 }, // 福田, far from any seeded building
      { lon: 120, lat: 30 }, // outside Shenzhen
    ]);
    expect(civic).toMatchObject({ code: landmarkCode('CIVIC_CENTER'), level: 'BUILDING', inside: true, districtCode: '440304' });
    expect(open).toMatchObject({ level: 'COMMUNITY', districtCode: '440304' });
    expect(open!.communityCode).toMatch(/^440304\d{6}$/);
    expect(sea).toBeNull();
  });
});
