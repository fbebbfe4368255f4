import 'reflect-metadata';
import express from 'express';
import { loadConfig } from '../core/config';
import { logger } from '../core/logger';
import { openStores } from '../store/stores';

/**
 * The floor for the GraphQL benchmark: the same reads as the benchmark's GraphQL queries, run
 * directly through neo4j-driver and pg behind a bare HTTP route, with no GraphQL, no resolvers,
 * no DataLoaders. GraphQL's cost is measured as a ratio to this.
 *   GET /floor/building?code=…   building + geometry + 10 residents + 3 employers each
 *   GET /floor/near?lon=…&lat=…  objects within 500 m (codes, names, kinds)
 */
async function main(): Promise<void> {
  const stores = openStores(loadConfig());
  const app = express();
  app.disable('etag'); // as the API: no hash of every response body

  app.get('/floor/building', async (req, res) => {
    const code = String(req.query.code ?? '');
    const [graph, geometry] = await Promise.all([
      stores.graph.read(
        `MATCH (b:Entity {code: $code})
         CALL (b) {
           MATCH (b)<-[:PART_OF*0..1]-(:CityObject)<-[:RESIDES_IN]-(p:Person)
           WITH DISTINCT p ORDER BY p.code LIMIT 10
           CALL (p) {
             MATCH (p)-[:EMPLOYED_BY]->(e:Enterprise)
             WITH e ORDER BY e.code LIMIT 3
             RETURN collect({code: e.code, name: e.name, uscc: e.uscc, industry: e.industry}) AS employers
           }
           RETURN collect({code: p.code, name: p.name, employers: employers}) AS residents
         }
         CALL (b) {
           MATCH path = (b)-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON*1..8]->(a:CityObject)
           RETURN collect({depth: length(path), code: a.code, name: a.name, objectKind: a.objectKind}) AS ancestors
         }
         RETURN b {.code, .name, .objectKind, .address, .buildingCode, .floors} AS building, residents, ancestors`,
        { code },
      ),
      stores.sql.query(
        `SELECT ST_AsGeoJSON(geom, 7, 0)::json AS geometry, height_m FROM spatial_feature WHERE city_code = $1`,
        [code],
      ),
    ]);
    res.json({ ...graph[0], geometry: geometry[0] ?? null });
  });

  app.get('/floor/near', async (req, res) => {
    const lon = Number(req.query.lon);
    const lat = Number(req.query.lat);
    const rows = await stores.sql.query<{ city_code: string }>(
      `SELECT city_code FROM spatial_feature
        WHERE ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4490)::geography, 500)
        ORDER BY city_code LIMIT 50`,
      [lon, lat],
    );
    const nodes = await stores.graph.read(
      `UNWIND $codes AS code MATCH (o:Entity {code: code}) RETURN o.code AS code, o.name AS name, o.objectKind AS objectKind`,
      { codes: rows.map((r) => r.city_code) },
    );
    res.json({ nodes });
  });

  // The peers' queries (bench/peers/run.ts): the nested by-code read under a district grant
  // (every row's districtCode in the caller's districts), and the near search as citycode runs it.
  app.get('/floor/peer-building', async (req, res) => {
    const code = String(req.query.code ?? '');
    const districts = String(req.query.districts ?? '').split(',');
    const rows = await stores.graph.read(
      `MATCH (b:CityObject {code: $code}) WHERE b.districtCode IN $districts
       CALL (b) {
         MATCH (b)<-[:PART_OF*0..1]-(:CityObject)<-[:RESIDES_IN]-(p:Person) WHERE p.districtCode IN $districts
         WITH DISTINCT p ORDER BY p.code LIMIT 10
         CALL (p) {
           MATCH (p)-[:EMPLOYED_BY]->(e:Enterprise) WHERE e.districtCode IN $districts
           WITH e ORDER BY e.code LIMIT 3
           RETURN collect(e {.code, .name, .uscc, .industry}) AS employers
         }
         RETURN collect(p {.code, .name, employers: employers}) AS residents
       }
       CALL (b) {
         MATCH path = (b)-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON*1..8]->(a:CityObject) WHERE a.districtCode IN $districts
         WITH a ORDER BY length(path)
         RETURN collect(a {.code, .name, .objectKind}) AS ancestors
       }
       RETURN b {.code, .name, .objectKind, .address, .buildingCode, .floors, ancestors: ancestors, residents: residents} AS building`,
      { code, districts },
    );
    res.json({ building: rows[0]?.building ?? null });
  });

  app.get('/floor/peer-near', async (req, res) => {
    const [row] = await stores.sql.query<{ totalCount: number; codes: string[] }>(
      `WITH matched AS (
         SELECT city_code FROM spatial_feature
          WHERE ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4490)::geography, 500)
            AND kind NOT IN ('Person', 'Enterprise', 'PublicFacility'))
       SELECT (SELECT count(*) FROM matched)::int AS "totalCount", ARRAY(SELECT city_code FROM matched ORDER BY city_code LIMIT 50) AS codes`,
      [Number(req.query.lon), Number(req.query.lat)],
    );
    res.json(row);
  });

  const port = Number(process.env.FLOOR_PORT || 4100);
  app.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => logger.info({ port }, 'benchmark floor listening'));
}

main().catch((err) => {
  logger.fatal({ err }, 'floor failed');
  process.exit(1);
});
