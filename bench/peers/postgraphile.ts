/**
 * PostGraphile 5 over the same PostgreSQL + PostGIS tables, as a peer (bench/peers/run.ts).
 *   PEER_PORT=N node dist/bench/peers/postgraphile.js
 * It serves the schema `peers` (created by run.ts): `objects_near(lon, lat, radius_m)`, a SQL
 * function over public.spatial_feature with the same predicate and order as citycode's
 * objectsNear (ST_DWithin on geography, city objects only, ordered by city code), exposed by PostGraphile as a
 * connection with totalCount: PostGraphile's documented way to add a spatial query.
 */
import { createServer, Server } from 'node:http';
import { postgraphile } from 'postgraphile';

// PostGraphile's subpath exports need moduleResolution node16 for their types; the project
// compiles with node10, so these three are loaded at run time (the exports map resolves them).
/* eslint-disable @typescript-eslint/no-require-imports */
const { makePgService } = require('postgraphile/adaptors/pg') as {
  makePgService(options: { connectionString: string; schemas: string[]; poolConfig?: { max: number } }): never;
};
const { grafserv } = require('postgraphile/grafserv/node') as { grafserv: Parameters<ReturnType<typeof postgraphile>['createServ']>[0] };
const { PostGraphileAmberPreset } = require('postgraphile/presets/amber') as { PostGraphileAmberPreset: never };
/* eslint-enable @typescript-eslint/no-require-imports */

export const PEERS_SCHEMA_SQL = `
  CREATE SCHEMA IF NOT EXISTS peers;
  CREATE OR REPLACE FUNCTION peers.objects_near(lon float8, lat float8, radius_m float8)
    RETURNS TABLE (city_code text, kind text)
    LANGUAGE sql STABLE AS $$
      SELECT f.city_code, f.kind FROM public.spatial_feature f
       WHERE ST_DWithin(f.geom::geography, ST_SetSRID(ST_MakePoint(lon, lat), 4490)::geography, radius_m)
         AND f.kind NOT IN ('Person', 'Enterprise', 'PublicFacility')
       ORDER BY f.city_code
    $$;
`;

async function main(): Promise<void> {
  const port = Number(process.env.PEER_PORT ?? process.argv[2] ?? 4312);
  const env = process.env;
  const connectionString = `postgres://${env.PG_USER ?? 'citycode'}:${env.PG_PASSWORD ?? 'citycode-dev'}@${env.PG_HOST ?? '127.0.0.1'}:${env.PG_PORT ?? 55432}/${env.PG_DATABASE ?? 'citycode'}`;
  const pgl = postgraphile({
    extends: [PostGraphileAmberPreset],
    pgServices: [makePgService({ connectionString, schemas: ['peers'], poolConfig: { max: 20 } })],
    grafserv: { port, host: '127.0.0.1', graphiql: false },
    grafast: { explain: false },
  });
  const serv = pgl.createServ(grafserv) as unknown as { addTo(server: Server): Promise<void> };
  const server = createServer();
  await serv.addTo(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  process.stdout.write(`postgraphile peer on http://127.0.0.1:${port}/graphql\n`);
  process.once('SIGTERM', () => {
    server.close();
    void Promise.resolve(pgl.release()).then(() => process.exit(0));
  });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
