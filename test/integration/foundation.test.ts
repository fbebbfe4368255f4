import { landmarkCode, seedCodeOf } from '../../seed/city';
import { migrateNeo4j, migratePostgres } from '../../store/migrate';
import { gql, startTestApi, TestApi } from '../support/services';
import { TcpProxy } from '../support/tcpProxy';

// The demo city is seeded by `npm test` before jest starts (infra/run.sh).
const CIVIC_CENTER_CODE = landmarkCode('CIVIC_CENTER');

const ENTITY = `query ($code: ID!) {
  entity(code: $code) { code kind name ... on CityObject { objectKind address heightM geometry } }
}`;

describe('foundation: one query reads Neo4j and PostGIS', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('returns the seeded building with its properties from Neo4j and its GeoJSON from PostGIS', async () => {
    const res = await gql<{ entity: Record<string, unknown> }>(api.url, ENTITY, { code: CIVIC_CENTER_CODE });
    expect(res.errors).toBeUndefined();
    expect(res.data?.entity).toEqual({
      code: CIVIC_CENTER_CODE,
      kind: 'OBJECT',
      name: '深圳市民中心',
      objectKind: 'BUILDING',
      address: '深圳市福田区莲花街道福中三路市民中心',
      heightM: 84,
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [114.0568, 22.5443],
            [114.0612, 22.5443],
            [114.0612, 22.5462],
            [114.0568, 22.5462],
            [114.0568, 22.5443],
          ],
        ],
      },
    });
  });

  it('the geometry is stored in EPSG:4490 and its area in metres is right', async () => {
    const rows = await api.stores.sql.query<{ srid: number; area: number }>(
      'SELECT ST_SRID(geom) AS srid, ST_Area(geom::geography) AS area FROM spatial_feature WHERE city_code = $1',
      [CIVIC_CENTER_CODE],
    );
    expect(rows[0].srid).toBe(4490);
    // 0.0044° of longitude × 0.0019° of latitude at 22.545°N ≈ 452.6 m × 210.4 m
    expect(rows[0].area).toBeGreaterThan(94_000);
    expect(rows[0].area).toBeLessThan(96_500);
  });

  it('answers null for an unknown code and BAD_USER_INPUT for an empty one', async () => {
    const unknown = await gql<{ entity: unknown }>(api.url, ENTITY, { code: seedCodeOf('440304', '200100', 999_999) });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.entity).toBeNull();
    const empty = await gql(api.url, ENTITY, { code: ' ' });
    expect(empty.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(empty.errors?.[0].extensions?.hint).toEqual(expect.any(String));
  });

  it('migrating again changes nothing', async () => {
    expect(await migratePostgres(api.stores.sql)).toEqual([]);
    expect(await migrateNeo4j(api.stores.graph)).toEqual([]);
  });

  it('GET /healthz is up and GET /readyz reports all three services', async () => {
    const health = await fetch(`${api.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${api.url}/readyz`);
    const body = (await ready.json()) as { status: string; services: Record<string, { up: boolean }> };
    expect(ready.status).toBe(200);
    expect(body.status).toBe('ready');
    expect(Object.keys(body.services).sort()).toEqual(['keycloak', 'neo4j', 'postgres']);
    expect(Object.values(body.services).every((s) => s.up)).toBe(true);
  });

  it('serves GraphiQL from local files to a browser', async () => {
    const page = await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/graphiql-assets/graphiql.min.js');
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${api.url}/graphiql-assets/graphiql.min.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });
});

describe('foundation: Neo4j going away and coming back', () => {
  const proxy = new TcpProxy(Number(process.env.NEO4J_BOLT_PORT || 7687));
  let api: TestApi;

  beforeAll(async () => {
    const port = await proxy.open();
    // bolt:// (direct) here: through neo4j:// the routing table would point the driver past the proxy.
    api = await startTestApi((c) => ({ ...c, neo4j: { ...c.neo4j, uri: `bolt://127.0.0.1:${port}` } }));
  });
  afterAll(async () => {
    await api.close();
    await proxy.cut();
  });

  it('turns /readyz 503 naming Neo4j within 5 s, answers UNAVAILABLE, and recovers without a restart', async () => {
    const ok = await gql<{ entity: { name: string } }>(api.url, ENTITY, { code: CIVIC_CENTER_CODE });
    expect(ok.data?.entity.name).toBe('深圳市民中心');

    await proxy.cut();
    const started = Date.now();
    const ready = await fetch(`${api.url}/readyz`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { services: Record<string, { up: boolean }> };
    expect(body.services.neo4j.up).toBe(false);
    expect(body.services.postgres.up).toBe(true);

    const queryStarted = Date.now();
    const down = await gql(api.url, ENTITY, { code: CIVIC_CENTER_CODE });
    expect(Date.now() - queryStarted).toBeLessThan(10_000);
    expect(down.errors?.[0].extensions?.code).toBe('UNAVAILABLE');
    expect(down.errors?.[0].extensions?.service).toBe('Neo4j');

    await proxy.open();
    let recovered = false;
    for (let i = 0; i < 40 && !recovered; i++) {
      const again = await gql<{ entity: { name: string } }>(api.url, ENTITY, { code: CIVIC_CENTER_CODE });
      recovered = again.data?.entity?.name === '深圳市民中心';
      if (!recovered) await new Promise((r) => setTimeout(r, 250));
    }
    expect(recovered).toBe(true);
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
  });
});
