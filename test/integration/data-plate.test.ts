import { DATA_PLATE, PLATE_KINDS, PLATE_OF_DOMAIN } from '../../domain/model';
import { validateCitizenCode } from '../../domain/identifiers/citizenCode';
import { planDemoCity } from '../../seed/city';
import { GRIDS_PER_COMMUNITY } from '../../seed/grids';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * The data plate (docs/data-plate.md) on the seeded city: every one of the ten kinds has a
 * registered dataset whose records were ingested through the pipeline and mapped to city codes;
 * the new kinds (public-management events, points of interest) are queryable with their relations;
 * economy attributes pass the release gate by level; 市民码 resolves to a person's city code
 * without exposing the ID number; 福田's generated grids tile its district and hold its buildings.
 */
let api: TestApi;
const plan = planDemoCity();
type Json = Record<string, unknown>;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api?.close());

describe('ten kinds of data, each from a registered dataset', () => {
  it('every plate kind has a dataset with ingested records mapped to city codes', async () => {
    const rows = await api.stores.graph.read<{ id: string; definition: string; mapped: number }>(
      `MATCH (d:Dataset) WHERE d.definition IS NOT NULL
       OPTIONAL MATCH (sr:SourceRecord {dataset: d.id})-[:MAPS_TO]->(:Entity)
       RETURN d.id AS id, d.definition AS definition, count(sr) AS mapped`,
    );
    const byPlate = new Map<string, { id: string; mapped: number }[]>();
    for (const r of rows) {
      const def = JSON.parse(r.definition) as { plate?: string; domain: string };
      const plate = def.plate ?? PLATE_OF_DOMAIN[def.domain];
      byPlate.set(plate, [...(byPlate.get(plate) ?? []), { id: r.id, mapped: Number(r.mapped) }]);
    }
    expect(PLATE_KINDS).toHaveLength(10);
    for (const kind of PLATE_KINDS) {
      const datasets = byPlate.get(kind) ?? [];
      expect({ kind: DATA_PLATE[kind].label, ingested: datasets.some((d) => d.mapped > 0) }).toEqual({ kind: DATA_PLATE[kind].label, ingested: true });
    }
  });

  it('public-management events of the three types carry their subject, region and grid', async () => {
    const rows = await api.stores.graph.read<{ type: string; n: number; withSubject: number; withDistrict: number; withGrid: number }>(
      `MATCH (e:ManagementEvent)
       OPTIONAL MATCH (e)-[:CONCERNS]->(s)
       RETURN e.eventType AS type, count(DISTINCT e) AS n, count(DISTINCT CASE WHEN s IS NOT NULL THEN e END) AS withSubject,
              count(DISTINCT CASE WHEN e.districtCode IS NOT NULL THEN e END) AS withDistrict,
              count(DISTINCT CASE WHEN e.gridCode IS NOT NULL THEN e END) AS withGrid
       ORDER BY type`,
    );
    const byType = Object.fromEntries(rows.map((r) => [r.type, { n: Number(r.n), withSubject: Number(r.withSubject), withDistrict: Number(r.withDistrict), withGrid: Number(r.withGrid) }]));
    expect(byType.INSPECTION).toMatchObject({ n: 120, withSubject: 120, withDistrict: 120 });
    expect(byType.PERMIT).toMatchObject({ n: 80, withSubject: 80, withDistrict: 80 });
    // 福田's grid events are registered to buildings there, so each lies in a grid.
    expect(byType.GRID_EVENT).toMatchObject({ n: 150, withDistrict: 150, withGrid: 150 });

    const [inspection] = await api.stores.graph.read<{ code: string; uscc: string }>(
      `MATCH (e:ManagementEvent {eventType: 'INSPECTION'})-[:CONCERNS]->(x:Enterprise) RETURN e.code AS code, x.uscc AS uscc ORDER BY e.caseNo LIMIT 1`,
    );
    const token = await tokenFor('zhang.data');
    const res = await gql<{ managementEvent: Json }>(
      api.url,
      `query($code: ID!) { managementEvent(code: $code) { code eventType caseNo status result enterprise { uscc } } }`,
      { code: inspection.code },
      { ...bearer(token), 'x-purpose': 'DATA_GOVERNANCE' },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.managementEvent).toMatchObject({ code: inspection.code, eventType: 'INSPECTION', caseNo: 'SJ202600000', enterprise: { uscc: inspection.uscc } });
    // Anonymous callers see what is public (L1), not the L2 status.
    const anon = await gql<{ managementEvent: Json }>(api.url, `query($code: ID!) { managementEvent(code: $code) { eventType status } }`, { code: inspection.code });
    expect(anon.data!.managementEvent).toEqual({ eventType: 'INSPECTION', status: null });
    expect(anon.errors!.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'FORBIDDEN_FIELD', field: 'ManagementEvent.status', requiredLevel: 'L2' })]);
  });

  it('open POIs keep source and licence and are matched to the building whose footprint covers them', async () => {
    const pois = await api.stores.graph.read<{ code: string; source: string; licence: string; building: string | null; registeredTo: string }>(
      `MATCH (sr:SourceRecord {dataset: 'osm-poi'})-[:MAPS_TO]->(p:PointOfInterest)
       OPTIONAL MATCH (p)-[:MATCHED_TO]->(b:CityObject)
       RETURN p.code AS code, p.source AS source, p.licence AS licence, b.code AS building, sr.registeredTo AS registeredTo`,
    );
    expect(pois).toHaveLength(200);
    for (const p of pois) expect(p).toMatchObject({ source: 'OpenStreetMap', licence: 'ODbL-1.0', building: p.registeredTo });
    const covered = await api.stores.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM spatial_feature WHERE kind = 'BUILDING' AND city_code = ANY($1::text[]) AND ST_GeometryType(geom) = 'ST_Polygon'`,
      [pois.map((p) => p.building)],
    );
    expect(covered[0].n).toBeGreaterThan(150);
    const res = await gql<{ pointOfInterest: Json }>(api.url, `query($c: ID!) { pointOfInterest(code: $c) { source licence building { code objectKind } } }`, { c: pois[0].code });
    expect(res.errors).toBeUndefined();
    expect(res.data!.pointOfInterest).toEqual({ source: 'OpenStreetMap', licence: 'ODbL-1.0', building: { code: pois[0].building, objectKind: 'BUILDING' } });
  });

  it('economy attributes pass the gate by their level: L3 only for a grant with a purpose', async () => {
    const e = plan.nodes.find((n) => n.labels.includes('Enterprise') && typeof n.props.uscc === 'string')!;
    const query = `query($c: ID!) { enterprise(code: $c) { taxCreditRating taxBand annualRevenueWan employeeCount } }`;
    const anon = await gql<{ enterprise: Json }>(api.url, query, { c: e.code });
    expect(anon.data!.enterprise).toEqual({ taxCreditRating: null, taxBand: null, annualRevenueWan: null, employeeCount: null });
    expect(anon.errors!.map((x) => (x.extensions as Json).field).sort()).toEqual(['Enterprise.annualRevenueWan', 'Enterprise.employeeCount', 'Enterprise.taxBand', 'Enterprise.taxCreditRating']);
    const token = await tokenFor('zhang.data');
    const res = await gql<{ enterprise: Json }>(api.url, query, { c: e.code }, { ...bearer(token), 'x-purpose': 'DATA_GOVERNANCE' });
    expect(res.errors).toBeUndefined();
    expect(res.data!.enterprise).toEqual({
      taxCreditRating: e.props.taxCreditRating,
      taxBand: e.props.taxBand,
      annualRevenueWan: e.props.annualRevenueWan,
      employeeCount: e.props.employeeCount,
    });
  });
});

describe('市民码', () => {
  it('resolves to the person it was issued to, and nothing in the answer carries the ID number', async () => {
    const person = plan.nodes.find((n) => n.labels.includes('Person') && n.citizenId)!;
    const citizenCode = String(person.props.citizenCode);
    expect(validateCitizenCode(citizenCode).ok).toBe(true);
    expect(citizenCode).not.toContain(person.citizenId!.slice(6, 14));
    const token = await tokenFor('zhang.data');
    const res = await gql<{ resolveCode: Json }>(
      api.url,
      `query($v: String!) { resolveCode(scheme: CITIZEN_CODE, value: $v) { scheme cityCode entity { code ... on Person { citizenCode } } } }`,
      { v: citizenCode.toLowerCase() },
      { ...bearer(token), 'x-purpose': 'DATA_GOVERNANCE' },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.resolveCode).toEqual({ scheme: 'CITIZEN_CODE', cityCode: person.code, entity: { code: person.code, citizenCode } });
    expect(JSON.stringify(res)).not.toContain(person.citizenId!);

    const bad = await gql(api.url, `{ resolveCode(scheme: CITIZEN_CODE, value: "SM44030000000000000") { cityCode } }`);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('grids (网格) of 福田', () => {
  it('tile the district: four grids per community, disjoint, their union the district', async () => {
    const communities = plan.nodes.filter((n) => n.props.objectKind === 'COMMUNITY' && n.props.districtCode === '440304').length;
    const [row] = await api.stores.sql.query<{ grids: number; overlap: number; area_gap: number }>(
      `WITH g AS (SELECT city_code, geom FROM grid_boundary WHERE district_code = '440304'),
            d AS (SELECT geom FROM spatial_feature WHERE kind = 'DISTRICT' AND district_code = '440304')
       SELECT (SELECT count(*)::int FROM g) AS grids,
              (SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0) FROM g a JOIN g b ON a.city_code < b.city_code AND ST_Intersects(a.geom, b.geom)) AS overlap,
              abs(ST_Area((SELECT ST_Union(geom) FROM g)::geography) - ST_Area((SELECT geom FROM d)::geography)) / ST_Area((SELECT geom FROM d)::geography) AS area_gap`,
    );
    expect(row.grids).toBe(communities * GRIDS_PER_COMMUNITY);
    expect(Number(row.overlap)).toBeLessThan(1); // m², shared edges only
    expect(Number(row.area_gap)).toBeLessThan(1e-5); // slivers of the clip, < 0.001 % of the district
  });

  it("every building's grid code (from the plan) is the grid polygon covering its footprint's centroid", async () => {
    const buildings = plan.nodes.filter((n) => n.props.objectKind === 'BUILDING' && n.props.districtCode === '440304');
    expect(buildings.length).toBeGreaterThan(50);
    const rows = await api.stores.sql.query<{ city_code: string; grid_code: string | null }>(
      `SELECT city_code, grid_code FROM spatial_feature WHERE kind = 'BUILDING' AND city_code = ANY($1::text[])`,
      [buildings.map((b) => b.code)],
    );
    const gridOf = new Map(rows.map((r) => [r.city_code, r.grid_code]));
    const disagreeing = buildings.filter((b) => gridOf.has(b.code) && gridOf.get(b.code) !== (b.props.gridCode ?? null));
    expect(disagreeing.map((b) => b.code)).toEqual([]);
    expect(buildings.filter((b) => b.props.gridCode).length).toBeGreaterThan(buildings.length * 0.9);
    // Rooms and residents inherit their building's grid; grid objects sit under their community.
    const [g] = await api.stores.graph.read<{ rooms: number; off: number; grids: number }>(
      `MATCH (r:CityObject {objectKind: 'ROOM', districtCode: '440304'})-[:PART_OF]->(b:CityObject {objectKind: 'BUILDING'})
       WITH count(r) AS rooms, count(CASE WHEN r.gridCode <> b.gridCode THEN 1 END) AS off
       MATCH (grid:CityObject {objectKind: 'GRID'})-[:WITHIN]->(c:CityObject {objectKind: 'COMMUNITY'}) WHERE grid.communityCode = c.regionCode
       RETURN rooms, off, count(grid) AS grids`,
    );
    expect(Number(g.rooms)).toBeGreaterThan(0);
    expect(Number(g.off)).toBe(0);
    expect(Number(g.grids)).toBe(plan.nodes.filter((n) => n.props.objectKind === 'GRID').length);
  });
});
