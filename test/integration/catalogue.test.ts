import { refreshCatalogue } from '../../ingest/catalogue';
import { loadPolicyDir } from '../../store/policy';
import { planDemoCity } from '../../seed/city';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * 数据资源目录 against the real services: every kind, attribute and dataset, searchable in Chinese
 * (names, synonyms, descriptions), by catalogue key and by city code, filtered and paged, with
 * descriptions shown per level through the release gate.
 */
type Json = Record<string, unknown>;
interface Entry {
  key: string;
  kind: string;
  name: string;
  description: string | null;
  department: string | null;
  departmentName: string | null;
  domain: string;
  level: string;
  authoritativeDataset: string | null;
  authoritativeDepartment: string | null;
  cadenceDays: number | null;
  fresh: boolean | null;
  rowCount: number | null;
  quality: Json | null;
  entityKind: string | null;
}
interface Page {
  totalCount: number;
  nodes: Entry[];
  endCursor: string | null;
  hasNextPage: boolean;
}

const FIELDS = 'key kind name description department departmentName domain level authoritativeDataset authoritativeDepartment cadenceDays fresh rowCount quality { completeness matchRate conflicts } entityKind';
const QUERY = `query ($search: String, $kind: CatalogueKind, $domain: String, $department: String, $level: String, $first: Int, $after: String) {
  catalogue(search: $search, kind: $kind, domain: $domain, department: $department, level: $level, first: $first, after: $after) { totalCount endCursor hasNextPage nodes { ${FIELDS} } }
}`;

let api: TestApi;
const headers = new Map<string, Record<string, string>>();

async function as(user: string | null, variables: Json) {
  const h = user ? (headers.get(user) ?? bearer(await tokenFor(user))) : {};
  if (user) headers.set(user, h);
  return gql<{ catalogue: Page }>(api.url, QUERY, variables, h);
}

beforeAll(async () => {
  api = await startTestApi();
  await refreshCatalogue(api.stores, loadPolicyDir());
});
afterAll(async () => api?.close());

describe('the catalogue (数据资源目录)', () => {
  it('is for signed-in users', async () => {
    const r = await as(null, { search: '电话' });
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('finds an attribute by a synonym in Chinese, with its owner, level and authoritative source', async () => {
    const r = await as('he.planning', { search: '手机号' });
    expect(r.errors).toBeUndefined();
    expect(r.data!.catalogue.nodes[0]).toMatchObject({
      key: 'Person.phone',
      kind: 'ATTRIBUTE',
      name: '联系电话',
      domain: 'POPULATION',
      level: 'L3',
      department: 'SZ-GAJ',
      departmentName: '市公安局',
      authoritativeDataset: 'gaj-population',
      authoritativeDepartment: 'SZ-GAJ',
      entityKind: 'Person',
    });
  });

  it('ranks the exact key first, then names that start with the text, and finds a near miss', async () => {
    expect((await as('he.planning', { search: 'Person.phone' })).data!.catalogue.nodes.map((n) => n.key)).toEqual(['Person.phone']);
    const typo = await as('he.planning', { search: '联系电活' });
    expect(typo.data!.catalogue.nodes.map((n) => n.key)).toContain('Person.phone');
    const dataset = await as('he.planning', { search: '实有人口' });
    expect(dataset.data!.catalogue.nodes[0].key).toBe('dataset:gaj-population');
  });

  it('shows a description only to callers who may read data of that domain and level somewhere', async () => {
    const planner = (await as('he.planning', { search: 'Person.phone' })).data!.catalogue.nodes[0];
    const police = (await as('li.police', { search: 'Person.phone' })).data!.catalogue.nodes[0];
    expect(planner.description).toBeNull();
    expect(police.description).toEqual(expect.stringContaining('联系电话'));
    const building = (await as('he.planning', { search: 'CityObject.floors' })).data!.catalogue.nodes[0];
    expect(building.description).not.toBeNull();
  });

  it('describes datasets with their department, cadence, freshness, quality and row count', async () => {
    const r = await as('zhang.data', { search: 'dataset:gaj-population' });
    const d = r.data!.catalogue.nodes[0];
    expect(d).toMatchObject({ kind: 'DATASET', department: 'SZ-GAJ', domain: 'POPULATION', level: 'L3', cadenceDays: 1 });
    expect(d.rowCount).toBeGreaterThan(1000);
    expect(d.quality).toEqual({ completeness: expect.any(Number), matchRate: expect.any(Number), conflicts: expect.any(Number) });
    expect(typeof d.fresh).toBe('boolean');
  });

  it('counts each kind as the graph does', async () => {
    const r = await as('zhang.data', { kind: 'KIND', first: 10 });
    const counts = Object.fromEntries(r.data!.catalogue.nodes.map((n) => [n.key, n.rowCount]));
    const [persons] = await api.stores.graph.read<{ n: number }>('MATCH (p:Person) RETURN count(p) AS n');
    const [facilities] = await api.stores.graph.read<{ n: number }>('MATCH (f:PublicFacility) RETURN count(f) AS n');
    expect(counts['kind:Person']).toBe(persons.n);
    expect(counts['kind:PublicFacility']).toBe(facilities.n);
    // The plan's facilities, and the elderly-care homes 市民政局's dataset adds at seed time (one per public-service building, at most 120).
    const plan = planDemoCity();
    const planned = new Set(plan.nodes.filter((n) => n.labels.includes('PublicFacility')).map((n) => n.code));
    const rows = await api.stores.graph.read<{ code: string; type: string }>('MATCH (f:PublicFacility) RETURN f.code AS code, f.facilityType AS type');
    const ingested = rows.filter((r) => !planned.has(r.code));
    expect(ingested.length).toBe(Math.min(120, plan.nodes.filter((n) => n.props.objectKind === 'BUILDING' && n.props.usage === '公共服务').length));
    expect(new Set(ingested.map((r) => r.type))).toEqual(new Set(['ELDERLY_CARE']));
    expect(facilities.n).toBe(planned.size + ingested.length);
  });

  it('filters by kind, domain, department and level, and pages without overlap', async () => {
    const all = (await as('zhang.data', { kind: 'DATASET', domain: 'POPULATION', first: 100 })).data!.catalogue;
    expect(all.nodes.length).toBe(all.totalCount);
    expect(all.nodes.every((n) => n.kind === 'DATASET' && n.domain === 'POPULATION')).toBe(true);
    expect(all.nodes.map((n) => n.key)).toEqual(expect.arrayContaining(['dataset:gaj-population', 'dataset:ft-grid-survey']));
    const gaj = (await as('zhang.data', { department: 'SZ-GAJ', level: 'L4', first: 100 })).data!.catalogue.nodes;
    expect(gaj.map((n) => n.key)).toEqual(['Person.idNumber']);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: Page = (await as('zhang.data', { search: '人', first: 7, after })).data!.catalogue;
      seen.push(...page.nodes.map((n) => n.key));
      after = page.hasNextPage ? page.endCursor : null;
      pages++;
    } while (after && pages < 50);
    const total = (await as('zhang.data', { search: '人', first: 1 })).data!.catalogue.totalCount;
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(total);
    expect(pages).toBeGreaterThan(1);
  });

  it('finds what it holds about the kind of a city code', async () => {
    const facility = planDemoCity().nodes.find((n) => n.labels.includes('PublicFacility'))!;
    const r = await as('zhang.data', { search: facility.code, first: 100 });
    expect(r.data!.catalogue.nodes.length).toBeGreaterThan(5);
    expect(r.data!.catalogue.nodes.every((n) => n.entityKind === 'PublicFacility')).toBe(true);
  });

  it('refuses bad input with a code and a hint', async () => {
    for (const [variables, argument] of [
      [{ domain: 'WEATHER' }, 'domain'],
      [{ level: 'L9' }, 'level'],
      [{ after: 'bm90LWEtY3Vyc29y' }, 'after'],
      [{ first: 1000 }, 'first'],
    ] as const) {
      const r = await as('zhang.data', variables);
      expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument, hint: expect.any(String) } });
    }
  });
});
