import { INDICATORS, SCENES, indicatorKey } from '../../domain/indicators';
import { computeIndicators } from '../../indicators/compute';
import { IndicatorSchedule } from '../../indicators/schedule';
import { loadDatasetFiles } from '../../ingest/registry';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * 指标 against the real services: the shipped definitions (at least 100, every scene) computed for
 * every region of every level, each value equal to what Cypher or SQL run directly finds; history
 * by period; lineage from an indicator to the datasets it reads; GraphQL values released per
 * indicator key and per region row (a district officer reads the district's management indicators,
 * not another district's; the public reads L1 indicators only).
 */
type Json = Record<string, unknown>;
let api: TestApi;
const tokens = new Map<string, string>();
async function as(user: string | null, query: string, variables: Json = {}, purpose?: string) {
  if (user && !tokens.has(user)) tokens.set(user, await tokenFor(user));
  return gql<Json>(api.url, query, variables, { ...(user ? bearer(tokens.get(user)!) : {}), ...(purpose ? { 'x-purpose': purpose } : {}) });
}
const region = async (kind: string, code: string): Promise<string> => {
  const rows = await api.stores.graph.read<{ code: string }>(
    `MATCH (r:CityObject {objectKind: $k}) WHERE r.regionCode = $c OR r.gridCode = $c OR ($k = 'CITY') RETURN r.code AS code LIMIT 1`,
    { k: kind, c: code },
  );
  return rows[0].code;
};
const valueOf = async (id: string, regionCode: string): Promise<number | null> => {
  const rows = await api.stores.sql.query<{ value: number | null }>(
    `SELECT value FROM indicator_value WHERE indicator_id = $1 AND region_code = $2 ORDER BY period DESC LIMIT 1`,
    [id, regionCode],
  );
  expect(rows).toHaveLength(1);
  return rows[0].value;
};
const n = (v: unknown) => Number(v);

beforeAll(async () => {
  api = await startTestApi();
  await computeIndicators(api.stores, INDICATORS);
});
afterAll(async () => {
  await api.close();
});

describe('definitions', () => {
  it('ships at least 100 valid definitions across every scene the plan names, each with an owner, unit and level', () => {
    expect(INDICATORS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(INDICATORS.map((d) => d.scene))).toEqual(new Set(Object.keys(SCENES)));
    expect(new Set(INDICATORS.map((d) => d.id)).size).toBe(INDICATORS.length);
    for (const d of INDICATORS) expect([d.id, d.owner.length > 0, d.unit.length > 0]).toEqual([d.id, true, true]);
  });

  it('lists definitions with the datasets they read (lineage), and lineage walks from an indicator to its datasets', async () => {
    const r = await as('zhang.data', `{ indicatorDefinitions(scene: "ECONOMY") { id key owner formula datasets } }`);
    expect(r.errors).toBeUndefined();
    const defs = r.data!.indicatorDefinitions as { id: string; key: string; datasets: string[]; formula: string }[];
    const revenue = defs.find((d) => d.id === 'economy_revenue')!;
    expect(revenue.key).toBe('Indicator.economyRevenue');
    expect(revenue.datasets).toEqual(expect.arrayContaining(['swu-enterprise-tax', 'scjgj-enterprise']));
    expect(JSON.parse(revenue.formula)).toMatchObject({ numerator: { agg: 'sum', base: { store: 'graph', kind: 'Enterprise', attribute: 'annualRevenueWan' } } });
    const steward = await as('gov.steward', `{ lineage(node: "Indicator.gridEvents", depth: 3) { root { kind name } entries { node { id kind } hops } } }`, {}, 'DATA_GOVERNANCE');
    expect(steward.errors).toBeUndefined();
    const lineage = steward.data!.lineage as { root: { kind: string }; entries: { node: { id: string; kind: string }; hops: number }[] };
    expect(lineage.root.kind).toBe('INDICATOR');
    expect(lineage.entries.map((e) => e.node.id)).toEqual(expect.arrayContaining(['dataset:ft-grid-event', 'attribute:ManagementEvent.eventType']));
  });
});

describe('values for every region of every level', () => {
  it('computes every definition for the city, each district, street, community and grid', async () => {
    const [regions] = await api.stores.graph.read<{ n: number }>(
      `MATCH (r:CityObject) WHERE r.objectKind IN ['CITY', 'DISTRICT', 'STREET', 'COMMUNITY', 'GRID'] RETURN count(r) AS n`,
    );
    const rows = await api.stores.sql.query<{ level: string; n: number }>(
      `SELECT level, count(*)::int AS n FROM indicator_value WHERE period = (SELECT max(period) FROM indicator_value) GROUP BY level ORDER BY level`,
    );
    const total = rows.reduce((s, r) => s + r.n, 0);
    expect(total).toBe(INDICATORS.length * n(regions.n));
    expect(rows.map((r) => r.level).sort()).toEqual(['CITY', 'COMMUNITY', 'DISTRICT', 'GRID', 'STREET']);
  });

  it('equals what Cypher and SQL find directly', async () => {
    const [b] = await api.stores.graph.read<{ n: number }>(`MATCH (o:CityObject {objectKind: 'BUILDING', districtCode: '440304'}) RETURN count(o) AS n`);
    expect(await valueOf('housing_buildings', '440304')).toBe(n(b.n));

    const [rev] = await api.stores.graph.read<{ s: number }>(`MATCH (e:Enterprise) RETURN sum(e.annualRevenueWan) AS s`);
    expect(await valueOf('economy_revenue', '440300')).toBeCloseTo(n(rev.s), 3);

    const [fac] = await api.stores.graph.read<{ cap: number }>(`MATCH (f:PublicFacility {facilityType: 'SCHOOL', districtCode: '440305'}) RETURN sum(f.capacity) AS cap`);
    const [ppl] = await api.stores.graph.read<{ n: number }>(`MATCH (p:Person {districtCode: '440305'}) RETURN count(p) AS n`);
    expect(await valueOf('service_school_capacity_per_1000', '440305')).toBeCloseTo((n(fac.cap) / n(ppl.n)) * 1000, 6);

    // A grid with grid events: the closure rate is closed / all.
    const [grid] = await api.stores.graph.read<{ g: string; all: number; closed: number }>(
      `MATCH (e:ManagementEvent {eventType: 'GRID_EVENT'}) WHERE e.gridCode IS NOT NULL
       WITH e.gridCode AS g, count(e) AS all, count(CASE WHEN e.status = '办结' THEN 1 END) AS closed
       RETURN g, all, closed ORDER BY all DESC, g LIMIT 1`,
    );
    expect(await valueOf('grid_events_closure_rate', grid.g)).toBeCloseTo((n(grid.closed) / n(grid.all)) * 100, 6);

    const [area] = await api.stores.sql.query<{ a: number }>(`SELECT sum(ST_Area(geom::geography)) AS a FROM spatial_feature WHERE kind = 'BUILDING' AND district_code = '440304'`);
    expect(await valueOf('housing_footprint_area', '440304')).toBeCloseTo(Number(area.a), 1);

    const [avg] = await api.stores.sql.query<{ a: number | null }>(`SELECT avg(height_m) AS a FROM spatial_feature WHERE kind = 'BUILDING' AND street_code = (SELECT min(street_code) FROM spatial_feature WHERE kind = 'BUILDING')`);
    const [street] = await api.stores.sql.query<{ s: string }>(`SELECT min(street_code) AS s FROM spatial_feature WHERE kind = 'BUILDING'`);
    expect(await valueOf('housing_avg_height', street.s)).toBeCloseTo(Number(avg.a), 6);

    // No denominator rows: null, not a division by zero.
    const [empty] = await api.stores.sql.query<{ region_code: string }>(
      `SELECT region_code FROM indicator_value WHERE indicator_id = 'grid_events' AND level = 'GRID' AND value = 0 LIMIT 1`,
    );
    expect(await valueOf('grid_events_closure_rate', empty.region_code)).toBeNull();
  });

  it('keeps history: a second period adds values without touching the first', async () => {
    const yesterday = new Date(Date.now() - 86_400_000);
    const report = await computeIndicators(api.stores, INDICATORS.filter((d) => d.scene === 'GRID_GOVERNANCE'), yesterday);
    expect(report.values).toBe(report.definitions * report.regions);
    const district = await region('DISTRICT', '440304');
    const r = await as('zhang.data', `query ($r: ID!) { indicatorHistory(indicator: "grid_events", region: $r) { period value } }`, { r: district }, 'PUBLIC_SERVICE');
    expect(r.errors).toBeUndefined();
    const points = r.data!.indicatorHistory as { period: string; value: number }[];
    expect(points.length).toBeGreaterThanOrEqual(2);
    expect(points.map((p) => p.period)).toEqual([...points.map((p) => p.period)].sort());
    expect(points.at(-1)!.value).toBe(await valueOf('grid_events', '440304'));
  });
});

describe('the daily run', () => {
  it('computes a period once, in one process of several, and records the run', async () => {
    // A day no other test computes: 40 days ago, at noon 北京时间.
    const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 40 * 86_400_000 + 4 * 3_600_000);
    const period = day.toISOString().slice(0, 10);
    await api.stores.sql.query(`DELETE FROM indicator_run WHERE period = $1::date`, [period]);
    await api.stores.sql.query(`DELETE FROM indicator_value WHERE period = $1::date`, [period]);
    const a = new IndicatorSchedule(api.stores, () => loadDatasetFiles(), 0);
    const b = new IndicatorSchedule(api.stores, () => loadDatasetFiles(), 0);
    await Promise.all([a.tick(day), b.tick(day)]);
    await a.tick(day);
    const runs = await api.stores.sql.query<{ n: number; values_n: number }>(`SELECT count(*)::int AS n, max(values_n)::int AS values_n FROM indicator_run WHERE period = $1::date`, [period]);
    expect(runs[0].n).toBe(1);
    const [values] = await api.stores.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM indicator_value WHERE period = $1::date`, [period]);
    expect(values.n).toBe(runs[0].values_n);
    expect(values.n).toBeGreaterThan(INDICATORS.length * 100);
    await api.stores.sql.query(`DELETE FROM indicator_value WHERE period = $1::date`, [period]);
  });
});

describe('values through the release gate', () => {
  const Q = `query ($r: ID!) { indicators(region: $r) { regionCode level period housingBuildings gridEvents economyRevenue economyTaxBandT1 } }`;

  it('the public reads L1 indicators and is refused the others, each named', async () => {
    const r = await as(null, Q, { r: await region('DISTRICT', '440304') });
    const v = r.data!.indicators as Json;
    expect(v).toMatchObject({ regionCode: '440304', level: 'DISTRICT', housingBuildings: await valueOf('housing_buildings', '440304') });
    expect(v.gridEvents).toBeNull();
    expect(v.economyRevenue).toBeNull();
    const denied = (r.errors ?? []).map((e) => [e.path?.at(-1), e.extensions?.code]);
    expect(denied).toEqual(expect.arrayContaining([['gridEvents', 'FORBIDDEN_FIELD'], ['economyRevenue', 'FORBIDDEN_FIELD'], ['economyTaxBandT1', 'FORBIDDEN_FIELD']]));
  });

  it("decides per region row: 福田's officer reads 福田's grid indicators and is refused 南山's", async () => {
    const ft = await as('lin.futian', Q, { r: await region('DISTRICT', '440304') }, 'GRID_GOVERNANCE');
    expect((ft.data!.indicators as Json).gridEvents).toBe(await valueOf('grid_events', '440304'));
    expect((ft.errors ?? []).map((e) => e.path?.at(-1))).not.toContain('gridEvents');
    const ns = await as('lin.futian', Q, { r: await region('DISTRICT', '440305') }, 'GRID_GOVERNANCE');
    const v = ns.data?.indicators as Json | null;
    if (v) {
      expect(v.gridEvents).toBeNull();
      expect((ns.errors ?? []).map((e) => [e.path?.at(-1), e.extensions?.code])).toContainEqual(['gridEvents', 'FORBIDDEN_FIELD']);
    } else {
      expect(ns.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    }
  });

  it('the data bureau reads economy to L3 for DATA_GOVERNANCE', async () => {
    const r = await as('zhang.data', Q, { r: await region('CITY', '440300') }, 'DATA_GOVERNANCE');
    const v = r.data!.indicators as Json;
    expect(v.economyRevenue).toBeCloseTo((await valueOf('economy_revenue', '440300'))!, 3);
    expect(v.economyTaxBandT1).toBe(await valueOf('economy_tax_band_t1', '440300'));
  });

  it('refuses bad input with a code and a hint', async () => {
    const bad = await as('zhang.data', `{ indicatorHistory(indicator: "no_such", region: "x") { value } }`);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const scene = await as('zhang.data', `{ indicatorDefinitions(scene: "WEATHER") { id } }`);
    expect(scene.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'scene' });
    const key = indicatorKey('economy_tax_band_t1');
    expect(key).toBe('Indicator.economyTaxBandT1');
  });
});
