import { verifyAudit } from '../../audit/verify';
import { loadConfig } from '../../core/config';
import { BUILDING_QUERY } from '../../seed/scale/lookups';
import { SqlStore } from '../../store/postgres';
import { GraphStore } from '../../store/neo4j';
import { freePort, NodeProcess } from '../support/processes';
import { gql } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * Past one machine (issue 17, docs/scaling.md): two stateless API processes over the same stores,
 * with requests spread over both as a load balancer would. Both answer alike (plans and decision
 * caches are per process and keyed by what they depend on), and their concurrent audit writers
 * keep one chain: no gap, no fork, every request of both processes in it.
 */
const config = loadConfig();
let sql: SqlStore;
let graph: GraphStore;
const apis: NodeProcess[] = [];
let headers: Record<string, string>;
let codes: string[];

beforeAll(async () => {
  sql = new SqlStore(config.postgres);
  graph = new GraphStore(config.neo4j);
  codes = (
    await graph.read<{ code: string }>(
      `MATCH (b:CityObject {objectKind: 'BUILDING', usage: '住宅'}) WHERE EXISTS { (b)<-[:PART_OF]-()<-[:RESIDES_IN]-() } RETURN b.code AS code ORDER BY b.code LIMIT 40`,
    )
  ).map((r) => r.code);
  for (const name of ['api-a', 'api-b']) {
    const port = await freePort();
    // The scaling switches (docs/scaling.md) that can run here: the routing URI on one process and
    // the direct one on the other, and a read pool for searches (PG_READ_HOST) on the second,
    // pointed at the single server, which stands in for its replica.
    const bolt = config.neo4j.uri.split(':').pop();
    const env: Record<string, string> =
      name === 'api-a'
        ? { NEO4J_URI: `neo4j://127.0.0.1:${bolt}` }
        : { NEO4J_URI: `bolt://127.0.0.1:${bolt}`, PG_READ_HOST: config.postgres.host, PG_READ_PORT: String(config.postgres.port) };
    apis.push(new NodeProcess(name, 'api/server.js', port, { PORT: String(port), ...env }));
  }
  await Promise.all(apis.map((a) => a.start()));
  headers = { ...bearer(await tokenFor('zhang.data')), 'x-purpose': 'PUBLIC_SERVICE' };
}, 120_000);

afterAll(async () => {
  await Promise.all(apis.map((a) => a.stop()));
  await sql?.close();
  await graph?.close();
});

describe('two API processes behind one address', () => {
  it('answer every nested by-code query alike, whichever process takes it', async () => {
    const answers = await Promise.all(
      codes.flatMap((code) => apis.map(async (api) => ({ code, api: api.name, body: await gql(api.url, BUILDING_QUERY, { code }, headers) }))),
    );
    for (const code of codes) {
      const [a, b] = answers.filter((x) => x.code === code);
      expect(a.body.errors).toBeUndefined();
      expect((a.body.data as { cityObject: { code: string } }).cityObject.code).toBe(code);
      expect(b.body).toEqual(a.body);
    }
  });

  it('answer spatial searches alike when one reads from its read pool (PG_READ_HOST)', async () => {
    const points = await sql.query<{ lon: number; lat: number }>(
      `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM spatial_feature WHERE kind = 'BUILDING' ORDER BY city_code LIMIT 10`,
    );
    const near = `query ($lon: Float!, $lat: Float!) { objectsNear(lon: $lon, lat: $lat, radiusM: 500, first: 20) { totalCount nodes { code name objectKind } } }`;
    for (const p of points) {
      const [a, b] = await Promise.all(apis.map((api) => gql<{ objectsNear: { totalCount: number } }>(api.url, near, p, headers)));
      expect(a.errors).toBeUndefined();
      expect(a.data!.objectsNear.totalCount).toBeGreaterThan(0);
      expect(b).toEqual(a);
    }
  });

  it('keep one audit chain while both write concurrently: valid, no gap, every request in it', async () => {
    const before = Number((await sql.query<{ n: string | null }>('SELECT max(id) AS n FROM audit_log'))[0].n ?? 0);
    const rounds = 5;
    // Requests interleaved on both processes at once, as a round-robin balancer sends them.
    const bodies = await Promise.all(
      Array.from({ length: rounds }, (_, r) => codes.map((code, i) => gql(apis[(i + r) % 2].url, BUILDING_QUERY, { code }, headers))).flat(),
    );
    expect(bodies.every((b) => !b.errors)).toBe(true);
    // Each request's entry reaches the chain within the writers' flush interval.
    let after = before;
    for (let i = 0; i < 50 && after - before < bodies.length; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = Number((await sql.query<{ n: string | null }>('SELECT max(id) AS n FROM audit_log'))[0].n ?? 0);
    }
    expect(after - before).toBeGreaterThanOrEqual(bodies.length);
    const verified = await verifyAudit(sql, { fromId: Math.max(1, before - 5) });
    expect(verified).toMatchObject({ ok: true });
    expect(verified.checkedRows).toBeGreaterThanOrEqual(after - before);
    // No gap: ids are dense over the range both wrote.
    const [dense] = await sql.query<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE id > $1 AND id <= $2', [before, after]);
    expect(Number(dense.n)).toBe(after - before);
  });
});
