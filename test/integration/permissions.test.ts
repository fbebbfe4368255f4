import { planDemoCity } from '../../seed/city';
import type { CityPlan, SeedNode } from '../../seed/plan';
import { gql, startTestApi, TestApi } from '../support/services';
import { DEFAULT_REQUEST_LIMITS } from '../../core/config';
import { bearer, tokenFor } from '../support/tokens';

// Same queries, different departments: clear, masked, denied, and scoped (分层分域分主题分权).
let api: TestApi;
let plan: CityPlan;
const who: Record<string, Record<string, string>> = {};

const personIn = (district: string, nth = 0): SeedNode =>
  plan.nodes.filter((n) => n.labels.includes('Person') && n.props.districtCode === district && n.citizenId)[nth];

beforeAll(async () => {
  api = await startTestApi();
  plan = planDemoCity();
  const as = async (user: string, purpose: string) => ({ ...bearer(await tokenFor(user)), 'x-purpose': purpose });
  who.data = await as('zhang.data', 'PUBLIC_SERVICE');
  who.police = await as('li.police', 'PUBLIC_SECURITY');
  who.futian = await as('wang.futian', 'GRID_GOVERNANCE');
  who.market = await as('zhao.market', 'MARKET_SUPERVISION');
});
afterAll(() => api.close());

const PERSONS = `query ($a: ID!, $b: ID!) {
  a: person(code: $a) { code name phone idNumber birthDate }
  b: person(code: $b) { code name }
}`;

type PersonsResult = {
  a: { code: string; name: string | null; phone: string | null; idNumber: string | null; birthDate: string | null } | null;
  b: { code: string; name: string | null } | null;
};

describe('four departments, one query', () => {
  let futian: SeedNode;
  let nanshan: SeedNode;
  beforeAll(() => {
    futian = personIn('440304');
    nanshan = personIn('440305');
  });

  it('市公安局 (public security) reads everything in clear, city-wide', async () => {
    const res = await gql<PersonsResult>(api.url, PERSONS, { a: futian.code, b: nanshan.code }, who.police);
    expect(res.errors).toBeUndefined();
    expect(res.data?.a).toEqual({
      code: futian.code,
      name: futian.props.name,
      phone: futian.props.phone,
      idNumber: futian.citizenId,
      birthDate: futian.props.birthDate,
    });
    expect(res.data?.b).toEqual({ code: nanshan.code, name: nanshan.props.name });
  });

  it('市政务服务数据管理局 (city data bureau) reads city-wide with ID numbers masked', async () => {
    const res = await gql<PersonsResult>(api.url, PERSONS, { a: futian.code, b: nanshan.code }, who.data);
    expect(res.errors).toBeUndefined();
    const id = futian.citizenId!;
    expect(res.data?.a?.idNumber).toBe(`${id.slice(0, 6)}********${id.slice(14)}`);
    expect(res.data?.a?.phone).toBe(futian.props.phone);
    expect(res.data?.b?.name).toBe(nanshan.props.name);
  });

  it('福田区人民政府 sees 福田 rows only, birth dates as years, ID numbers masked', async () => {
    const res = await gql<PersonsResult>(api.url, PERSONS, { a: futian.code, b: nanshan.code }, who.futian);
    expect(res.errors).toBeUndefined();
    const id = futian.citizenId!;
    expect(res.data?.a).toEqual({
      code: futian.code,
      name: futian.props.name,
      phone: futian.props.phone,
      idNumber: `${id.slice(0, 6)}********${id.slice(14)}`,
      birthDate: String(futian.props.birthDate).slice(0, 4),
    });
    // A 南山 resident is outside its scope: not there at all (no row, no error that confirms it).
    expect(res.data?.b).toBeNull();
  });

  it('市市场监管局 (market regulation) sees names, a masked phone, and is denied ID numbers', async () => {
    const res = await gql<PersonsResult>(api.url, PERSONS, { a: futian.code, b: nanshan.code }, who.market);
    const phone = String(futian.props.phone);
    expect(res.data?.a?.name).toBe(futian.props.name);
    expect(res.data?.a?.phone).toBe(`${phone.slice(0, 3)}****${phone.slice(7)}`);
    expect(res.data?.a?.idNumber).toBeNull();
    const denied = res.errors?.find((e) => e.path?.join('.') === 'a.idNumber');
    expect(denied?.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', field: 'Person.idNumber', requiredLevel: 'L4' });
    expect(typeof denied?.extensions?.policy).toBe('string');
  });

  it('without a declared purpose, a grant reaches L2 only: L3 masked, L4 denied naming the purposes that would do', async () => {
    const noPurpose = { authorization: who.police.authorization };
    const res = await gql<PersonsResult>(api.url, PERSONS, { a: futian.code, b: nanshan.code }, noPurpose);
    const phone = String(futian.props.phone);
    expect(res.data?.a?.name).toBe(futian.props.name);
    expect(res.data?.a?.phone).toBe(`${phone.slice(0, 3)}****${phone.slice(7)}`);
    expect(res.data?.a?.idNumber).toBeNull();
    const idError = res.errors?.find((e) => e.path?.join('.') === 'a.idNumber');
    expect(idError?.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', needsPurpose: true });
    expect(idError?.extensions?.acceptablePurposes).toContain('PUBLIC_SECURITY');
  });

  it('anonymous callers read L1 public data only', async () => {
    const res = await gql<PersonsResult>(api.url, PERSONS, { a: futian.code, b: nanshan.code });
    expect(res.data?.a?.code).toBe(futian.code);
    expect(res.data?.a?.name).toBeNull();
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(expect.arrayContaining(['FORBIDDEN_FIELD']));
  });

  it('an unknown purpose is refused with BAD_USER_INPUT', async () => {
    const res = await gql(api.url, PERSONS, { a: futian.code, b: nanshan.code }, { ...who.police, 'x-purpose': 'CURIOSITY' });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.data ?? null).toBeNull();
  });

  it('an invalid token is refused with HTTP 401 and WWW-Authenticate', async () => {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.token' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  });
});

describe('bypass attempts', () => {
  it('aliases and fragments do not escape the field decision', async () => {
    const p = personIn('440304', 1);
    const res = await gql<Record<string, Record<string, string | null> | null>>(
      api.url,
      `query ($c: ID!) {
        x: person(code: $c) { id1: idNumber secret: idNumber ...F }
        y: entity(code: $c) { ... on Person { idNumber } ...G }
      }
      fragment F on Person { again: idNumber }
      fragment G on Entity { ... on Person { phone } }`,
      { c: p.code },
      who.market,
    );
    expect(res.data?.x).toEqual({ id1: null, secret: null, again: null });
    expect(res.data?.y?.idNumber).toBeNull();
    expect(res.data?.y?.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
    const denied = res.errors!.filter((e) => e.extensions?.code === 'FORBIDDEN_FIELD').map((e) => e.path?.join('.'));
    expect(denied.sort()).toEqual(['x.again', 'x.id1', 'x.secret', 'y.idNumber']);
  });

  it('deep nesting through enterprises reaches no row outside the district', async () => {
    const enterprises = plan.nodes.filter((n) => n.labels.includes('Enterprise') && n.props.districtCode === '440304').slice(0, 20);
    // 20 enterprises × 50 employees × their employers × 50 employees each: far over the default
    // cost limit, which refuses it before anything runs; an API with the limit lifted (the test
    // API's) shows that even run, it reaches no row outside 福田.
    const limited = await startTestApi((c) => ({ ...c, limits: { ...c.limits, maxCost: DEFAULT_REQUEST_LIMITS.maxCost } }));
    const unlimited = api;
    const query = `query ($codes: [ID!]!) { ${enterprises
        .map(
          (_e, i) => `e${i}: enterprise(code: $codes_${i}) { legalRepresentative { code districtCode } employees(first: 50) { totalCount nodes { code districtCode employers { nodes { employees(first: 50) { nodes { districtCode } } } } } } }`,
        )
        .join('\n')} }`.replace('$codes: [ID!]!', enterprises.map((_e, i) => `$codes_${i}: ID!`).join(', '));
    const variables = Object.fromEntries(enterprises.map((e, i) => [`codes_${i}`, e.code]));
    const refused = await gql(limited.url, query, variables, who.futian);
    await limited.close();
    expect(refused.errors?.[0].extensions?.code).toBe('OPERATION_TOO_COSTLY');
    expect(refused.data).toBeUndefined();
    const res = await gql<{ enterprise: { legalRepresentative: { code: string; districtCode: string } | null; employees: { totalCount: number; nodes: { code: string; employers: { nodes: { employees: { nodes: { districtCode: string }[] } }[] } }[] } } }[]>(
      unlimited.url,
      query,
      variables,
      who.futian,
    );
    const text = JSON.stringify(res.data);
    const districts = [...text.matchAll(/"districtCode":"(\d+)"/g)].map((m) => m[1]);
    expect(districts.length).toBeGreaterThan(0);
    expect(new Set(districts)).toEqual(new Set(['440304']));
  });

  it('totalCount counts only rows in scope (no side channel)', async () => {
    const rows = await api.stores.graph.read<{ code: string; all: number; futian: number }>(
      `MATCH (e:Enterprise)<-[:EMPLOYED_BY]-(p:Person)
       WHERE e.districtCode = '440304'
       WITH e, count(p) AS all, count(CASE WHEN p.districtCode = '440304' THEN 1 END) AS futian
       WHERE all > futian AND futian > 0
       RETURN e.code AS code, all, futian ORDER BY all DESC LIMIT 1`,
    );
    const { code, all, futian } = rows[0];
    const asFutian = await gql<{ enterprise: { employees: { totalCount: number; nodes: unknown[] } } }>(
      api.url,
      `query ($c: ID!) { enterprise(code: $c) { employees(first: 500) { totalCount nodes { code } } } }`,
      { c: code },
      who.futian,
    );
    expect(asFutian.data?.enterprise.employees.totalCount).toBe(futian);
    expect(asFutian.data?.enterprise.employees.nodes).toHaveLength(futian);
    const asPolice = await gql<{ enterprise: { employees: { totalCount: number } } }>(
      api.url,
      `query ($c: ID!) { enterprise(code: $c) { employees(first: 1) { totalCount } } }`,
      { c: code },
      who.data,
    );
    expect(asPolice.data?.enterprise.employees.totalCount).toBe(all);
  });

  it('looking up an ID number one may not read in clear is FORBIDDEN_FILTER', async () => {
    const p = personIn('440304', 2);
    const q = `query ($v: String!) { resolveCode(scheme: CITIZEN_ID, value: $v) { cityCode } }`;
    const market = await gql(api.url, q, { v: p.citizenId }, who.market);
    expect(market.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN_FILTER', field: 'Person.idNumber' });
    const police = await gql<{ resolveCode: { cityCode: string } }>(api.url, q, { v: p.citizenId }, who.police);
    expect(police.data?.resolveCode.cityCode).toBe(p.code);
  });

  it('resolveCode does not confirm an entity outside the caller\'s scope', async () => {
    const enterprise = plan.externalIds.find((x) => x.scheme === 'USCC' && plan.nodes.find((n) => n.code === x.code)?.props.districtCode === '440305')!;
    const q = `query ($v: String!) { resolveCode(scheme: USCC, value: $v) { cityCode entity { code } } }`;
    // A district office sees its district only, public data included (its token's district_scope).
    const futian = await gql<{ resolveCode: { cityCode: string | null; entity: unknown } }>(api.url, q, { v: enterprise.value }, who.futian);
    expect(futian.errors).toBeUndefined();
    expect(futian.data?.resolveCode).toEqual({ cityCode: null, entity: null });
    const city = await gql<{ resolveCode: { cityCode: string | null } }>(api.url, q, { v: enterprise.value }, who.data);
    expect(city.data?.resolveCode.cityCode).toBe(enterprise.code);
  });

  it('spatial queries across the district border return only in-scope rows, with matching counts', async () => {
    // A radius around the 福田/南山 border at 深圳湾 reaches both districts.
    const q = `{ objectsNear(lon: 113.99, lat: 22.53, radiusM: 5000, first: 500) { totalCount nodes { code districtCode } } }`;
    const all = await gql<{ objectsNear: { totalCount: number; nodes: { districtCode: string }[] } }>(api.url, q, {}, who.data);
    const ft = await gql<{ objectsNear: { totalCount: number; nodes: { districtCode: string }[] } }>(api.url, q, {}, who.futian);
    expect(new Set(all.data!.objectsNear.nodes.map((n) => n.districtCode)).size).toBeGreaterThan(1);
    expect(ft.data!.objectsNear.nodes.every((n) => n.districtCode === '440304')).toBe(true);
    expect(ft.data!.objectsNear.totalCount).toBe(all.data!.objectsNear.nodes.filter((n) => n.districtCode === '440304').length);
  });

  it('objectsInRegion says nothing about a region outside the caller\'s scope', async () => {
    const nanshanDistrict = plan.nodes.find((n) => n.props.regionCode === '440305')!;
    const nanshanBuilding = plan.nodes.find((n) => n.props.objectKind === 'BUILDING' && n.props.districtCode === '440305')!;
    const neverIssued = nanshanBuilding.code.slice(0, 12) + '999999999';
    const q = `query ($r: ID!) { objectsInRegion(region: $r, first: 5) { totalCount } }`;
    const answers = [];
    for (const r of [nanshanDistrict.code, nanshanBuilding.code]) {
      const res = await gql(api.url, q, { r }, who.futian);
      answers.push({ code: res.errors?.[0].extensions?.code, message: res.errors?.[0].message.replace(r, 'X') });
    }
    expect(answers).toEqual([
      { code: 'NOT_FOUND', message: 'No region X' },
      { code: 'NOT_FOUND', message: 'No region X' },
    ]);
    // …exactly what a well-formed code that does not exist gets (check character aside).
    const unknown = await gql(api.url, q, { r: neverIssued }, who.futian);
    expect(['NOT_FOUND', 'BAD_USER_INPUT']).toContain(unknown.errors?.[0].extensions?.code);
    const city = await gql<{ objectsInRegion: { totalCount: number } }>(api.url, q, { r: nanshanDistrict.code }, who.data);
    expect(city.data?.objectsInRegion.totalCount).toBeGreaterThan(0);
  });

  it('IoT devices are IoT data: hidden from listings, counts, spatial searches and look-ups without an IoT grant', async () => {
    const [row] = await api.stores.graph.read<{ building: string; device: string }>(
      `MATCH (d:CityObject {objectKind: 'DEVICE'})-[:INSTALLED_ON]->(b:CityObject {objectKind: 'BUILDING'})
       RETURN b.code AS building, d.code AS device ORDER BY b.code LIMIT 1`,
    );
    const [counts] = await api.stores.graph.read<{ all: number; devices: number }>(
      `MATCH (:CityObject {code: $b})<-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON]-(x:CityObject)
       RETURN count(DISTINCT x) AS all, count(DISTINCT CASE WHEN x.objectKind = 'DEVICE' THEN x END) AS devices`,
      { b: row.building },
    );
    expect(counts.devices).toBeGreaterThan(0);
    const q = `query ($b: ID!, $d: ID!) {
      building: cityObject(code: $b) { children(first: 500) { totalCount nodes { code objectKind } } }
      device: cityObject(code: $d) { code }
    }`;
    type R = { building: { children: { totalCount: number; nodes: { code: string; objectKind: string }[] } }; device: { code: string } | null };
    const anonymous = await gql<R>(api.url, q, { b: row.building, d: row.device });
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data!.building.children.nodes.some((n) => n.objectKind === 'DEVICE')).toBe(false);
    expect(anonymous.data!.building.children.totalCount).toBe(counts.all - counts.devices);
    expect(anonymous.data!.device).toBeNull();
    const bureau = await gql<R>(api.url, q, { b: row.building, d: row.device }, who.data);
    expect(bureau.errors).toBeUndefined();
    expect(bureau.data!.building.children.totalCount).toBe(counts.all);
    expect(bureau.data!.building.children.nodes.filter((n) => n.objectKind === 'DEVICE').length).toBe(counts.devices);
    expect(bureau.data!.device).toEqual({ code: row.device });

    // Spatial searches: the same rule in SQL.
    const [where] = await api.stores.sql.query<{ lon: number; lat: number }>(
      'SELECT ST_X(ST_Centroid(geom)) AS lon, ST_Y(ST_Centroid(geom)) AS lat FROM spatial_feature WHERE city_code = $1',
      [row.device],
    );
    const near = `query ($lon: Float!, $lat: Float!) { objectsNear(lon: $lon, lat: $lat, radiusM: 200, first: 500) { totalCount nodes { code objectKind } } }`;
    type N = { objectsNear: { totalCount: number; nodes: { code: string; objectKind: string }[] } };
    const anonymousNear = await gql<N>(api.url, near, where);
    const bureauNear = await gql<N>(api.url, near, where, who.data);
    expect(anonymousNear.errors).toBeUndefined();
    expect(bureauNear.errors).toBeUndefined();
    const devicesNear = bureauNear.data!.objectsNear.nodes.filter((n) => n.objectKind === 'DEVICE').length;
    expect(devicesNear).toBeGreaterThan(0);
    expect(anonymousNear.data!.objectsNear.nodes.some((n) => n.objectKind === 'DEVICE')).toBe(false);
    expect(anonymousNear.data!.objectsNear.totalCount).toBe(bureauNear.data!.objectsNear.totalCount - devicesNear);
  });

  it('batched HTTP requests: each operation is released by its own gate, as if sent alone; large batches are refused', async () => {
    const p = plan.nodes.find((n) => n.labels.includes('Person') && typeof n.props.phone === 'string')!;
    const op = { query: `query ($c: ID!) { person(code: $c) { code idNumber phone } }`, variables: { c: p.code } };
    const post = (body: unknown) => fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...who.market }, body: JSON.stringify(body) });
    const alone = (await (await post(op)).json()) as Record<string, unknown>;
    const response = await post([op, { query: '{ __typename }' }, op]);
    expect(response.status).toBe(200);
    const answers = (await response.json()) as Record<string, unknown>[];
    expect(answers).toHaveLength(3);
    expect(answers[0]).toEqual(alone);
    expect(answers[2]).toEqual(alone);
    expect(answers[1]).toEqual({ data: { __typename: 'Query' } });
    expect(JSON.stringify(alone)).toMatch(/FORBIDDEN_FIELD/);
    const tooMany = await post(Array.from({ length: 11 }, () => ({ query: '{ __typename }' })));
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('BATCH_TOO_LARGE');
  });
});
