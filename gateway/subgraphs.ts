import { printSubgraphSchema } from '@apollo/subgraph';
import { readFileSync } from 'node:fs';
import { fromRoot } from '../core/paths';
import { buildCitySubgraphSchemaSync } from '../api/subgraph';
import { DEPARTMENT_PLATFORMS, DISTRICT_PLATFORMS, type DistrictPlatform } from '../domain/districtPlatforms';
import { districtSdl, districtSdlFile } from './districtSdl';

/**
 * The subgraphs of the supergraph: where each one's SDL comes from, where it listens by
 * default (the routing URL written into the committed supergraph), and the environment variable
 * that overrides that URL at run time. The city, then the district platforms served in development
 * (domain/districtPlatforms.ts: adding a district = an entry there + `npm run generate`).
 */
export interface SubgraphEntry {
  name: string;
  /** The committed SDL file (relative to the repository root). */
  sdlFile: string;
  /** Routing URL of the committed supergraph (development default). */
  defaultUrl: string;
  /** Environment variable overriding the URL at run time. */
  urlEnv: string;
}

export const districtSubgraph = (p: DistrictPlatform): SubgraphEntry => ({
  name: p.slug,
  sdlFile: districtSdlFile(p),
  defaultUrl: `http://127.0.0.1:${p.defaultPort}/graphql`,
  urlEnv: `${p.envPrefix}_SUBGRAPH_URL`,
});

export const SUBGRAPHS: readonly SubgraphEntry[] = [
  { name: 'city', sdlFile: 'schema/subgraphs/city.graphql', defaultUrl: 'http://127.0.0.1:4000/graphql', urlEnv: 'CITY_SUBGRAPH_URL' },
  ...DISTRICT_PLATFORMS.filter((p) => p.served).map(districtSubgraph),
  // N: department platforms, each with its own SDL in districts/<slug>/schema.graphql.
  ...DEPARTMENT_PLATFORMS.map((d) => ({ name: d.slug, sdlFile: `districts/${d.slug}/schema.graphql`, defaultUrl: `http://127.0.0.1:${d.defaultPort}/graphql`, urlEnv: `${d.envPrefix}_SUBGRAPH_URL` })),
];

export const SUPERGRAPH_FILE = 'schema/supergraph.graphql';

/** The city subgraph's SDL as the code builds it now (what schema/subgraphs/city.graphql must hold). */
export function citySubgraphSdl(): string {
  return printSubgraphSchema(buildCitySubgraphSchemaSync());
}

/** A district's SDL as the template renders it now (what its committed file must hold). */
export function districtSdlOf(name: string): string | null {
  const p = DISTRICT_PLATFORMS.find((d) => d.slug === name);
  return p ? districtSdl(p) : null;
}

export function readSdl(entry: SubgraphEntry): string {
  return readFileSync(fromRoot(entry.sdlFile), 'utf8');
}

/**
 * Where the gateway sends a subgraph's fetches: its env variable, else (for the city and the
 * districts) the port variables the processes themselves read, else the supergraph's routing URL.
 */
export function subgraphUrl(name: string, routingUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const entry = SUBGRAPHS.find((s) => s.name === name);
  const explicit = entry ? env[entry.urlEnv] : env[`${name.toUpperCase()}_SUBGRAPH_URL`];
  if (explicit) return explicit;
  const host = env.HOST || '127.0.0.1';
  if (name === 'city' && env.PORT) return `http://${host}:${env.PORT}/graphql`;
  const platform = [...DISTRICT_PLATFORMS, ...DEPARTMENT_PLATFORMS].find((p) => p.slug === name);
  if (platform && env[`${platform.envPrefix}_PORT`]) return `http://${host}:${env[`${platform.envPrefix}_PORT`]}/graphql`;
  if (routingUrl) return routingUrl;
  if (entry) return entry.defaultUrl;
  throw new Error(`no URL for subgraph "${name}": set ${name.toUpperCase()}_SUBGRAPH_URL`);
}
