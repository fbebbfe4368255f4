import { seedCity } from '../../seed/city';
import { startTestApi, TestApi } from '../support/services';

// `npm test` seeds the demo city before jest starts; seeding it again must change nothing.
describe('demo seed', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  async function census() {
    const [graph] = await api.stores.graph.read<{ nodes: number; rels: number; persons: number; ids: number }>(
      `CALL () { MATCH (n) RETURN count(n) AS nodes }
       CALL () { MATCH ()-[r]->() RETURN count(r) AS rels }
       CALL () { MATCH (p:Person) RETURN count(p) AS persons }
       CALL () { MATCH (x:ExternalId) RETURN count(x) AS ids }
       RETURN nodes, rels, persons, ids`,
    );
    const [sql] = await api.stores.sql.query<{ features: number; digest: string }>(
      `SELECT (SELECT count(*)::int FROM spatial_feature WHERE source = 'seed') AS features,
              (SELECT md5(string_agg(city_code || ST_AsText(geom), ',' ORDER BY city_code)) FROM spatial_feature WHERE source = 'seed') AS digest`,
    );
    return { ...graph, ...sql };
  }

  it('is idempotent: a second run leaves every count and every geometry as it was', async () => {
    const before = await census();
    expect(before.persons).toBeGreaterThanOrEqual(20_000);
    const summary = await seedCity(api.stores, 'demo');
    expect(summary.nodes).toBeGreaterThan(40_000);
    expect(await census()).toEqual(before);
  }, 180_000);
});
