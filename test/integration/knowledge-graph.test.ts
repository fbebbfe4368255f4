import { createHash } from 'node:crypto';
import { parseCityCode } from '../../domain/citycode';
import { landmarkCode, planDemoCity } from '../../seed/city';
import type { CityPlan, SeedNode } from '../../seed/plan';
import { gql as rawGql, GraphQLResponse, startTestApi, TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

// The demo city is seeded by `npm test` before jest starts; the plan is the same city in memory.
let api: TestApi;
let plan: CityPlan;
// These tests are about the graph, not permissions: they read as the city data bureau's steward
// with the DATA_GOVERNANCE purpose (see test/integration/permissions.test.ts for the rest).
let asSteward: Record<string, string> = {};

function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  return rawGql<T>(url, query, variables, { ...asSteward, ...headers });
}
const civicCenter = landmarkCode('CIVIC_CENTER');

const firstPerson = (): SeedNode => plan.nodes.find((n) => n.labels.includes('Person') && n.citizenId?.slice(6, 8) === '19')!;

beforeAll(async () => {
  api = await startTestApi();
  // This file counts the round trips of single queries: the change feed's outbox poll (once a
  // second, and on every NOTIFY from other test files' writes) must not land in the windows.
  await api.services.feed.stop();
  plan = planDemoCity();
  asSteward = { ...bearer(await tokenFor('zhang.data')), 'x-purpose': 'DATA_GOVERNANCE' };
});
afterAll(() => api.close());

describe('entities by city code', () => {
  it('returns a building with its ancestors up to the city, nearest first', async () => {
    const res = await gql<{ cityObject: { name: string; ancestors: { depth: number; object: { objectKind: string; regionCode: string } }[] } }>(
      api.url,
      `query ($code: ID!) { cityObject(code: $code) { name ancestors { depth object { objectKind regionCode } } } }`,
      { code: civicCenter },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.cityObject.name).toBe('深圳市民中心');
    expect(res.data?.cityObject.ancestors).toEqual([
      { depth: 1, object: { objectKind: 'COMMUNITY', regionCode: '440304008001' } },
      { depth: 2, object: { objectKind: 'STREET', regionCode: '440304008' } },
      { depth: 3, object: { objectKind: 'DISTRICT', regionCode: '440304' } },
      { depth: 4, object: { objectKind: 'CITY', regionCode: '440300' } },
    ]);
  });

  it('returns a person, with kind, class and fields from the graph', async () => {
    const p = firstPerson();
    const res = await gql<{ person: Record<string, unknown> }>(
      api.url,
      `query ($code: ID!) { person(code: $code) { code kind name classCode classLabel issuedBy sex birthDate } }`,
      { code: p.code },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.person).toEqual({
      code: p.code,
      kind: 'PERSON',
      name: p.props.name,
      classCode: '010000',
      classLabel: '自然人',
      issuedBy: '440300',
      sex: p.props.sex,
      birthDate: p.props.birthDate,
    });
  });

  it('refuses malformed codes and codes of the wrong kind with BAD_USER_INPUT and the reason', async () => {
    const typo = civicCenter.slice(0, 10) + (civicCenter[10] === '1' ? '2' : '1') + civicCenter.slice(11);
    const bad = await gql(api.url, `query ($c: ID!) { entity(code: $c) { code } }`, { c: typo });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CHECK', argument: 'code' });
    const short = await gql(api.url, `query ($c: ID!) { entity(code: $c) { code } }`, { c: '4403' });
    expect(short.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'LENGTH' });
    const wrongKind = await gql(api.url, `query ($c: ID!) { person(code: $c) { code } }`, { c: civicCenter });
    expect(wrongKind.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'WRONG_KIND' });
  });
});

describe('多码融合: resolveCode', () => {
  const RESOLVE = `query ($s: IdentifierScheme!, $v: String!) { resolveCode(scheme: $s, value: $v) { scheme cityCode conforming warnings entity { code kind } } }`;

  it('resolves a citizen ID (18 and legacy 15 digits) to the person, by keyed hash only', async () => {
    const p = firstPerson();
    const id = p.citizenId!;
    const full = await gql<{ resolveCode: { cityCode: string; entity: { kind: string } } }>(api.url, RESOLVE, { s: 'CITIZEN_ID', v: id });
    expect(full.errors).toBeUndefined();
    expect(full.data?.resolveCode.cityCode).toBe(p.code);
    expect(full.data?.resolveCode.entity.kind).toBe('PERSON');
    const legacy = id.slice(0, 6) + id.slice(8, 17);
    const old = await gql<{ resolveCode: { cityCode: string; warnings: string[] } }>(api.url, RESOLVE, { s: 'CITIZEN_ID', v: legacy });
    expect(old.data?.resolveCode.cityCode).toBe(p.code);
    expect(old.data?.resolveCode.warnings.length).toBeGreaterThan(0);
  });

  it('never stores an ID number in clear in Neo4j', async () => {
    const ids = plan.nodes.filter((n) => n.citizenId).slice(0, 200).map((n) => n.citizenId!);
    const rows = await api.stores.graph.read<{ n: number }>(
      `MATCH (n) WHERE any(k IN keys(n) WHERE n[k] IN $ids) RETURN count(n) AS n`,
      { ids },
    );
    expect(rows[0].n).toBe(0);
    // Seeded persons (ingestion adds persons of its own, marked createdBy: their dataset).
    const hashed = await api.stores.graph.read<{ n: number }>(
      `MATCH (:ExternalId {scheme: 'CITIZEN_ID'})-[:IDENTIFIES]->(p:Person) WHERE p.idCipher STARTS WITH 'v1:' AND p.createdBy IS NULL RETURN count(p) AS n`,
    );
    expect(hashed[0].n).toBe(plan.nodes.filter((n) => n.citizenId).length);
    // Ingested persons with an ID number hold it the same way: an HMAC look-up key and a v1 cipher.
    const ingested = await api.stores.graph.read<{ n: number; withCipher: number }>(
      `MATCH (:ExternalId {scheme: 'CITIZEN_ID'})-[:IDENTIFIES]->(p:Person) WHERE p.createdBy IS NOT NULL
       RETURN count(p) AS n, count(CASE WHEN p.idCipher STARTS WITH 'v1:' THEN 1 END) AS withCipher`,
    );
    expect(ingested[0].withCipher).toBe(ingested[0].n);
  });

  it.each(['USCC', 'BUILDING_CODE', 'HOUSE_CODE', 'DEVICE_CODE', 'PARKING_CODE'] as const)('resolves a %s to its entity', async (scheme) => {
    const x = plan.externalIds.find((e) => e.scheme === scheme)!;
    const res = await gql<{ resolveCode: { cityCode: string; conforming: boolean } }>(api.url, RESOLVE, { s: scheme, v: x.value });
    expect(res.errors).toBeUndefined();
    expect(res.data?.resolveCode.cityCode).toBe(x.code);
    expect(res.data?.resolveCode.conforming).toBe(true);
  });

  it('answers a valid but unknown identifier with no code, and a corrupted one with BAD_USER_INPUT', async () => {
    const unknown = await gql<{ resolveCode: { cityCode: string | null } }>(api.url, RESOLVE, { s: 'CITIZEN_ID', v: '11010519491231002X' });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.resolveCode.cityCode).toBeNull();
    const corrupted = await gql(api.url, RESOLVE, { s: 'USCC', v: '91350100M000100Y4' });
    expect(corrupted.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'LENGTH' });
  });
});

describe('relations as cursor connections', () => {
  const EMPLOYEES = `query ($c: ID!, $first: Int, $after: String) {
    enterprise(code: $c) { employees(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { code } } }
  }`;
  type Page = { enterprise: { employees: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: { code: string }[] } } };

  it('pages an enterprise\'s employees: pages join to the full ordered list, totalCount on every page', async () => {
    const busiest = await api.stores.graph.read<{ code: string; n: number; codes: string[] }>(
      `MATCH (e:Enterprise)<-[:EMPLOYED_BY]-(p:Person) WITH e, p ORDER BY p.code
       WITH e, collect(p.code) AS codes RETURN e.code AS code, size(codes) AS n, codes ORDER BY n DESC, code LIMIT 1`,
    );
    const { code, n, codes } = busiest[0];
    expect(n).toBeGreaterThan(3);
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 20; i++) {
      const res: { data?: Page | null } = await gql<Page>(api.url, EMPLOYEES, { c: code, first: 2, after });
      const page = res.data!.enterprise.employees;
      expect(page.totalCount).toBe(n);
      seen.push(...page.nodes.map((x) => x.code));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(codes);
  });

  it('refuses a page over the maximum and a forged cursor', async () => {
    const e = plan.nodes.find((x) => x.labels.includes('Enterprise'))!;
    const big = await gql(api.url, EMPLOYEES, { c: e.code, first: 501 });
    expect(big.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first', max: 500 });
    const forged = await gql(api.url, EMPLOYEES, { c: e.code, after: 'bm90LWEtY3Vyc29y' });
    expect(forged.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });
});

describe('hierarchy', () => {
  it('lists the 11 district-level areas, 大鹏新区 and 深汕特别合作区 included', async () => {
    const res = await gql<{ regions: { name: string; regionCode: string }[] }>(api.url, `{ regions(level: DISTRICT) { name regionCode } }`);
    expect(res.data?.regions).toHaveLength(11);
    expect(res.data?.regions.map((r) => r.name)).toEqual(expect.arrayContaining(['福田区', '大鹏新区', '深汕特别合作区', '光明区']));
  });

  it('finds everything of a kind in a community, as Cypher counts it', async () => {
    const community = plan.nodes.find((n) => n.props.regionCode === '440304008001')!;
    const res = await gql<{ cityObject: { contents: { totalCount: number; nodes: { objectKind: string }[] } } }>(
      api.url,
      `query ($c: ID!) { cityObject(code: $c) { contents(kinds: ["BUILDING", "ROOM"], first: 500) { totalCount nodes { objectKind } } } }`,
      { c: community.code },
    );
    const direct = await api.stores.graph.read<{ n: number }>(
      `MATCH (:Entity {code: $c})<-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON*1..6]-(x:CityObject)
       WHERE x.objectKind IN ['BUILDING', 'ROOM'] RETURN count(DISTINCT x) AS n`,
      { c: community.code },
    );
    expect(res.data?.cityObject.contents.totalCount).toBe(direct[0].n);
    expect(direct[0].n).toBeGreaterThan(0);
    const kinds = res.data!.cityObject.contents.nodes.map((x) => x.objectKind);
    expect(kinds).toHaveLength(Math.min(direct[0].n, 500));
    expect(kinds.every((k) => k === 'BUILDING' || k === 'ROOM')).toBe(true);
  });

  it('every seeded city object and person is reachable from its district', async () => {
    // Seeded ones: entities created by ingestion (createdBy: their dataset) may lack a place.
    const orphans = await api.stores.graph.read<{ n: number }>(
      `MATCH (o:CityObject) WHERE NOT o:Region AND o.createdBy IS NULL
         AND NOT (o)-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON*1..6]->(:Region {level: 'DISTRICT'})
       RETURN count(o) AS n`,
    );
    expect(orphans[0].n).toBe(0);
    const homeless = await api.stores.graph.read<{ n: number }>(
      `MATCH (p:Person) WHERE p.createdBy IS NULL
         AND NOT (p)-[:RESIDES_IN|REGISTERED_AT]->()-[:WITHIN|LOCATED_IN|PART_OF*0..6]->(:Region {level: 'DISTRICT'})
       RETURN count(p) AS n`,
    );
    expect(homeless[0].n).toBe(0);
  });
});

describe('space', () => {
  it('every seeded object with geometry lies inside its district polygon', async () => {
    const rows = await api.stores.sql.query<{ outside: number; checked: number }>(
      `SELECT count(*) FILTER (WHERE NOT ST_CoveredBy(f.geom, d.geom))::int AS outside, count(*)::int AS checked
         FROM spatial_feature f
         JOIN spatial_feature d ON d.kind = 'DISTRICT' AND d.district_code = f.district_code
        WHERE f.kind <> 'DISTRICT' AND f.source = 'seed'`,
    );
    expect(rows[0].checked).toBeGreaterThan(5_000);
    expect(rows[0].outside).toBe(0);
  });

  it('objectsNear returns what ST_DWithin on geography returns', async () => {
    const [lon, lat] = [114.0590, 22.5453];
    const res = await gql<{ objectsNear: { totalCount: number; nodes: { code: string }[] } }>(
      api.url,
      `query { objectsNear(lon: ${lon}, lat: ${lat}, radiusM: 3000, kinds: ["BUILDING", "DEVICE"], first: 500) { totalCount nodes { code } } }`,
    );
    expect(res.errors).toBeUndefined();
    const direct = await api.stores.sql.query<{ city_code: string }>(
      `SELECT city_code FROM spatial_feature
        WHERE kind = ANY($1) AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($2, $3), 4490)::geography, 3000)
        ORDER BY city_code`,
      [['BUILDING', 'DEVICE'], lon, lat],
    );
    expect(direct.length).toBeGreaterThan(0);
    expect(res.data?.objectsNear.totalCount).toBe(direct.length);
    expect(res.data?.objectsNear.nodes.map((n) => n.code)).toEqual(direct.slice(0, 500).map((r) => r.city_code));
  });

  it('objectsInRegion of a community returns the objects registered in it, as SQL counts them', async () => {
    const community = plan.nodes.find((n) => n.props.regionCode === '440304008001')!;
    const res = await gql<{ objectsInRegion: { totalCount: number; nodes: { code: string }[] } }>(
      api.url,
      `query ($r: ID!) { objectsInRegion(region: $r, first: 500) { totalCount nodes { code } } }`,
      { r: community.code },
    );
    expect(res.errors).toBeUndefined();
    const direct = await api.stores.sql.query<{ city_code: string }>(
      `SELECT city_code FROM spatial_feature WHERE community_code = $1 AND city_code <> $2 ORDER BY city_code`,
      ['440304008001', community.code],
    );
    expect(direct.length).toBeGreaterThan(0);
    expect(res.data?.objectsInRegion.nodes.map((n) => n.code)).toEqual(direct.map((r) => r.city_code));
    expect(res.data?.objectsInRegion.totalCount).toBe(direct.length);
  });

  it('objectsInRegion of a district equals ST_Intersects with the district polygon', async () => {
    const district = plan.nodes.find((n) => n.props.regionCode === '440308')!;
    const res = await gql<{ objectsInRegion: { totalCount: number } }>(
      api.url,
      `query ($r: ID!) { objectsInRegion(region: $r, kinds: ["BUILDING"], first: 1) { totalCount } }`,
      { r: district.code },
    );
    const direct = await api.stores.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM spatial_feature f, spatial_feature d
        WHERE d.city_code = $1 AND f.kind = 'BUILDING' AND ST_Intersects(f.geom, d.geom)`,
      [district.code],
    );
    expect(direct[0].n).toBeGreaterThan(0);
    expect(res.data?.objectsInRegion.totalCount).toBe(direct[0].n);
  });

  it('refuses a self-intersecting polygon, broken GeoJSON and a radius over the limit with BAD_USER_INPUT', async () => {
    const bowTie = { type: 'Polygon', coordinates: [[[114.0, 22.5], [114.1, 22.6], [114.1, 22.5], [114.0, 22.6], [114.0, 22.5]]] };
    const q = `query ($p: GeoJSON!) { objectsWithin(polygon: $p) { totalCount } }`;
    const bow = await gql(api.url, q, { p: bowTie });
    expect(bow.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(bow.errors?.[0].message).toMatch(/Self-intersection/);
    const broken = await gql(api.url, q, { p: { type: 'Polygon', coordinates: [[[114.0, 22.5], [114.1, 22.6]]] } });
    expect(broken.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const far = await gql(api.url, `{ objectsNear(lon: 114.05, lat: 22.54, radiusM: 1000000) { totalCount } }`);
    expect(far.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('DataLoader batching', () => {
  const NESTED = `query ($region: ID!, $first: Int!) {
    objectsInRegion(region: $region, kinds: ["BUILDING"], first: $first) {
      nodes { code name geometry residents(first: 5) { nodes { code name employers(first: 3) { nodes { code name } } } } }
    }
  }`;

  async function roundTrips(first: number): Promise<{ trips: number; residents: number; employers: number }> {
    const futian = plan.nodes.find((n) => n.props.regionCode === '440304')!;
    const before = api.stores.graph.stats.roundTrips + api.stores.sql.stats.roundTrips;
    const res = await gql<{ objectsInRegion: { nodes: { residents: { nodes: { employers: { nodes: unknown[] } }[] } }[] } }>(
      api.url,
      NESTED,
      { region: futian.code, first },
    );
    expect(res.errors).toBeUndefined();
    const trips = api.stores.graph.stats.roundTrips + api.stores.sql.stats.roundTrips - before;
    const buildings = res.data!.objectsInRegion.nodes;
    const residents = buildings.flatMap((b) => b.residents.nodes);
    return { trips, residents: residents.length, employers: residents.flatMap((r) => r.employers.nodes).length };
  }

  it('uses the same number of round trips for 5 and for 50 buildings → residents → employers', async () => {
    const small = await roundTrips(5);
    const large = await roundTrips(50);
    expect(large.residents).toBeGreaterThan(small.residents);
    expect(large.employers).toBeGreaterThan(small.employers);
    expect(large.trips).toBe(small.trips);
    expect(large.trips).toBeLessThanOrEqual(6);
  });
});

describe('look-ahead', () => {
  it('fetches residents and their employers in one statement, and the result equals level-by-level loading', async () => {
    const building = plan.nodes.find((n) => n.props.objectKind === 'BUILDING' && n.props.usage === '住宅')!;
    const viaNodes = `query ($c: ID!) { cityObject(code: $c) { residents(first: 10) { totalCount nodes { code employers(first: 3) { totalCount nodes { code name } } } } } }`;
    // Two different page sizes for the nested field: ambiguous, so no look-ahead (one more trip).
    const ambiguous = `query ($c: ID!) { cityObject(code: $c) { residents(first: 10) { totalCount nodes { code employers(first: 3) { totalCount nodes { code name } } other: employers(first: 2) { totalCount } } } } }`;
    const trips = async (query: string) => {
      const before = api.stores.graph.stats.roundTrips;
      const res = await gql<{ cityObject: { residents: { nodes: { employers: unknown }[] } } }>(api.url, query, { c: building.code });
      expect(res.errors).toBeUndefined();
      return { trips: api.stores.graph.stats.roundTrips - before, data: res.data!.cityObject.residents.nodes.map((n) => n.employers) };
    };
    const ahead = await trips(viaNodes);
    const stepwise = await trips(ambiguous);
    expect(ahead.trips).toBe(1); // the building with its residents and their employers
    expect(stepwise.trips).toBe(3); // the building with its residents, employers(first: 3), employers(first: 2)
    expect(ahead.data).toEqual(stepwise.data);
  });

  it('answers an app\'s by-code query (ancestors, geometry, two levels of relations) with one graph and one SQL statement, counts included', async () => {
    const building = plan.nodes.filter((n) => n.props.objectKind === 'BUILDING' && n.props.usage === '住宅')[3];
    const query = `query ($c: ID!) { cityObject(code: $c) {
      code name geometry heightM
      ancestors { depth object { code objectKind } }
      residence: parent { code }
      residents(first: 4) { totalCount nodes { code residence { code } employers(first: 2) { totalCount nodes { code legalRepresentative { code } } } } }
    } }`;
    // The audit entries of the earlier tests' requests are written now, not inside the window counted.
    await api.services.audit?.flush();
    const before = { graph: api.stores.graph.stats.roundTrips, sql: api.stores.sql.stats.roundTrips, notifications: api.stores.graph.stats.notifications };
    type R = { code: string; residence: { code: string }; employers: { totalCount: number; nodes: { code: string; legalRepresentative: { code: string } | null }[] } };
    const res = await gql<{ cityObject: { ancestors: { depth: number }[]; geometry: unknown; residents: { totalCount: number; nodes: R[] } } }>(api.url, query, { c: building.code });
    expect(res.errors).toBeUndefined();
    expect(api.stores.graph.stats.roundTrips - before.graph).toBe(1);
    expect(api.stores.sql.stats.roundTrips - before.sql).toBe(1);
    // Neo4j answers the statement without notifications (no deprecated syntax, nothing to warn of).
    expect(api.stores.graph.stats.notifications - before.notifications).toBe(0);
    const b = res.data!.cityObject;
    expect(b.geometry).not.toBeNull();
    expect(b.ancestors.map((a) => a.depth)).toEqual([1, 2, 3, 4]); // community, street, district, city
    // Every count equals the same count made directly in Cypher.
    const [direct] = await api.stores.graph.read<{ residents: number }>(
      `MATCH (b:Entity {code: $c})<-[:PART_OF*0..1]-(:CityObject)<-[:RESIDES_IN]-(p:Person) RETURN count(DISTINCT p) AS residents`,
      { c: building.code },
    );
    expect(b.residents.totalCount).toBe(direct.residents);
    expect(b.residents.nodes.length).toBe(Math.min(4, direct.residents));
    for (const r of b.residents.nodes) {
      const [e] = await api.stores.graph.read<{ n: number }>(`MATCH (:Person {code: $c})-[:EMPLOYED_BY]->(e:Enterprise) RETURN count(DISTINCT e) AS n`, { c: r.code });
      expect(r.employers.totalCount).toBe(e.n);
      expect(r.residence.code).toMatch(/^\d{6}/);
      for (const emp of r.employers.nodes) expect(emp.legalRepresentative?.code).toMatch(/^\d{6}/);
    }
  });
});

describe('ancestors of deep objects', () => {
  it('lists each ancestor once at its shortest distance, nearest first, as Cypher computes it', async () => {
    const deep = plan.nodes.filter((n) => n.props.objectKind === 'PART').slice(0, 5);
    expect(deep.length).toBe(5);
    for (const part of deep) {
      const res = await gql<{ cityObject: { ancestors: { depth: number; object: { code: string } }[] } }>(
        api.url,
        `query ($c: ID!) { cityObject(code: $c) { ancestors { depth object { code } } } }`,
        { c: part.code },
      );
      expect(res.errors).toBeUndefined();
      const expected = await api.stores.graph.read<{ code: string; depth: number }>(
        `MATCH path = (:Entity {code: $c})-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON*1..8]->(a:CityObject)
         WITH a, min(length(path)) AS depth RETURN a.code AS code, depth ORDER BY depth, code`,
        { c: part.code },
      );
      expect(expected.length).toBeGreaterThanOrEqual(5); // component, building, community, street, district, city
      expect(res.data!.cityObject.ancestors.map((a) => ({ code: a.object.code, depth: a.depth }))).toEqual(expected);
    }
  });
});

describe('next-page probe', () => {
  it('fetches one target more only when pageInfo is selected; the nodes are the same either way', async () => {
    const building = plan.nodes.filter((n) => n.props.objectKind === 'BUILDING' && n.props.usage === '住宅')[5].code;
    const limits: unknown[] = [];
    const read = api.stores.graph.read.bind(api.stores.graph);
    const spy = jest.spyOn(api.stores.graph, 'read').mockImplementation((cypher, params = {}) => {
      if (cypher.includes('RESIDES_IN')) limits.push(params.l0);
      return read(cypher, params);
    });
    type R = { cityObject: { residents: { nodes: { code: string }[]; pageInfo?: { hasNextPage: boolean; endCursor: string } } } };
    try {
      const bare = await gql<R>(api.url, `query ($c: ID!) { cityObject(code: $c) { residents(first: 2) { nodes { code } } } }`, { c: building });
      const probed = await gql<R>(api.url, `query ($c: ID!) { cityObject(code: $c) { residents(first: 2) { nodes { code } pageInfo { hasNextPage endCursor } } } }`, { c: building });
      expect(bare.errors).toBeUndefined();
      expect(probed.errors).toBeUndefined();
      expect(probed.data!.cityObject.residents.nodes).toEqual(bare.data!.cityObject.residents.nodes);
      expect(bare.data!.cityObject.residents.nodes).toHaveLength(2);
      const [direct] = await read<{ n: number }>(
        `MATCH (b:Entity {code: $c})<-[:PART_OF*0..1]-(:CityObject)<-[:RESIDES_IN]-(p:Person) RETURN count(DISTINCT p) AS n`,
        { c: building },
      );
      expect(probed.data!.cityObject.residents.pageInfo!.hasNextPage).toBe(direct.n > 2);
      expect(limits.map(Number)).toEqual([2, 3]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('projection (only the stored properties the selection reads)', () => {
  const building = () => plan.nodes.filter((n) => n.props.objectKind === 'BUILDING' && n.props.usage === '住宅')[7].code;

  it('a typed by-code query returns the same values as the untyped one that reads whole nodes', async () => {
    const person = firstPerson().code;
    const fields = 'code kind classCode classLabel issuedBy name sex birthDate phone idNumber districtCode streetCode communityCode';
    const typed = await gql<{ person: Record<string, unknown> }>(api.url, `query ($c: ID!) { person(code: $c) { ${fields} } }`, { c: person });
    const whole = await gql<{ entity: Record<string, unknown> }>(api.url, `query ($c: ID!) { entity(code: $c) { ... on Person { ${fields} } } }`, { c: person });
    expect(typed.errors).toBeUndefined();
    expect(whole.errors).toBeUndefined();
    expect(typed.data!.person).toEqual(whole.data!.entity);
    expect(typed.data!.person.idNumber).toBe(firstPerson().citizenId);
    expect(typed.data!.person.phone).toMatch(/^1\d{10}$/);
  });

  it('two aliases of one relation with different selections each get the properties they read', async () => {
    const res = await gql<{ cityObject: { a: { nodes: { code: string }[] }; b: { nodes: { code: string; name: string; phone: string; birthDate: string }[] } } }>(
      api.url,
      `query ($c: ID!) { cityObject(code: $c) { a: residents(first: 3) { nodes { code } } b: residents(first: 3) { nodes { code name phone birthDate } } } }`,
      { c: building() },
    );
    expect(res.errors).toBeUndefined();
    const { a, b } = res.data!.cityObject;
    expect(b.nodes.map((n) => n.code)).toEqual(a.nodes.map((n) => n.code));
    const stored = await api.stores.graph.read<{ code: string; name: string; phone: string; birthDate: string }>(
      'UNWIND $codes AS c MATCH (p:Person {code: c}) RETURN p.code AS code, p.name AS name, p.phone AS phone, p.birthDate AS birthDate ORDER BY p.code',
      { codes: a.nodes.map((n) => n.code) },
    );
    expect(b.nodes.length).toBeGreaterThan(0);
    expect(b.nodes).toEqual(stored);
  });

  it('ancestors come projected with the by-code statement; an alias asking more of them gets it', async () => {
    type A = { depth: number; object: Record<string, unknown> };
    const stored = await api.stores.graph.read<{ depth: number; code: string; name: string; regionCode: string | null; objectKind: string }>(
      `MATCH path = (:Entity {code: $c})-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON*1..8]->(a:CityObject)
       WITH a, min(length(path)) AS depth RETURN depth, a.code AS code, a.name AS name, a.regionCode AS regionCode, a.objectKind AS objectKind ORDER BY depth`,
      { c: building() },
    );
    expect(stored.length).toBe(4);
    const before = api.stores.graph.stats.roundTrips;
    const one = await gql<{ cityObject: { ancestors: A[] } }>(api.url, `query ($c: ID!) { cityObject(code: $c) { name ancestors { depth object { name } } } }`, { c: building() });
    expect(one.errors).toBeUndefined();
    expect(api.stores.graph.stats.roundTrips - before).toBe(1);
    expect(one.data!.cityObject.ancestors).toEqual(stored.map((a) => ({ depth: a.depth, object: { name: a.name } })));
    // Two aliases: the statement fetches what both read, each gets its own fields right.
    const two = await gql<{ cityObject: { a: A[]; b: A[] } }>(
      api.url,
      `query ($c: ID!) { cityObject(code: $c) { a: ancestors { object { name } } b: ancestors { depth object { code regionCode objectKind } } } }`,
      { c: building() },
    );
    expect(two.errors).toBeUndefined();
    expect(two.data!.cityObject.a).toEqual(stored.map((a) => ({ object: { name: a.name } })));
    expect(two.data!.cityObject.b).toEqual(stored.map((a) => ({ depth: a.depth, object: { code: a.code, regionCode: a.regionCode, objectKind: a.objectKind } })));
    // Ancestors of objects reached through a relation (no look-ahead for them) read whole nodes.
    const nested = await gql<{ cityObject: { residents: { nodes: { residence: { ancestors: A[] } }[] } } }>(
      api.url,
      `query ($c: ID!) { cityObject(code: $c) { residents(first: 1) { nodes { residence { ancestors { depth object { name } } } } } } }`,
      { c: building() },
    );
    expect(nested.errors).toBeUndefined();
    const anc = nested.data!.cityObject.residents.nodes[0].residence.ancestors;
    expect(anc.slice(-4).map((a) => a.object.name)).toEqual(stored.map((a) => a.name));
  });

  it('a projected relation page never answers a later look-up of the whole entity by code', async () => {
    const first = await gql<{ cityObject: { residents: { nodes: { code: string }[] } } }>(
      api.url,
      `query ($c: ID!) { cityObject(code: $c) { residents(first: 1) { nodes { code } } } }`,
      { c: building() },
    );
    const resident = first.data!.cityObject.residents.nodes[0].code;
    // One request: the resident comes projected (code only) through the building, then whole by code.
    const res = await gql<{ cityObject: { residents: { nodes: { code: string }[] } }; entity: { phone: string; sex: string } }>(
      api.url,
      `query ($c: ID!, $p: ID!) { cityObject(code: $c) { residents(first: 1) { nodes { code } } } entity(code: $p) { ... on Person { phone sex } } }`,
      { c: building(), p: resident },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.entity.phone).toMatch(/^1\d{10}$/);
    expect(['M', 'F']).toContain(res.data!.entity.sex);
  });
});

describe('determinism', () => {
  it('the same seed plans the same city, code for code', () => {
    const digest = (p: CityPlan) => createHash('sha256').update(JSON.stringify(p)).digest('hex');
    expect(digest(planDemoCity())).toBe(digest(plan));
    expect(plan.nodes.every((n) => parseCityCode(n.code).ok)).toBe(true);
    expect(new Set(plan.nodes.map((n) => n.code)).size).toBe(plan.nodes.length);
  });
});
