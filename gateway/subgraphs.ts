import { printSubgraphSchema } from '@apollo/subgraph';
import { readFileSync } from 'node:fs';
import { fromRoot } from '../core/paths';
import { buildCitySubgraphSchemaSync } from '../api/subgraph';

/**
 * The subgraphs of the supergraph: where each one's SDL comes from, where it listens by
 * default (the routing URL written into the committed supergraph), and the environment variable
 * that overrides that URL at run time. Adding a district = one entry here + `npm run generate`.
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

export const SUBGRAPHS: readonly SubgraphEntry[] = [
  { name: 'city', sdlFile: 'schema/subgraphs/city.graphql', defaultUrl: 'http://127.0.0.1:4000/graphql', urlEnv: 'CITY_SUBGRAPH_URL' },
  { name: 'futian', sdlFile: 'districts/futian/schema.graphql', defaultUrl: 'http://127.0.0.1:4401/graphql', urlEnv: 'FUTIAN_SUBGRAPH_URL' },
];

export const SUPERGRAPH_FILE = 'schema/supergraph.graphql';

/** The city subgraph's SDL as the code builds it now (what schema/subgraphs/city.graphql must hold). */
export function citySubgraphSdl(): string {
  return printSubgraphSchema(buildCitySubgraphSchemaSync());
}

export function readSdl(entry: SubgraphEntry): string {
  return readFileSync(fromRoot(entry.sdlFile), 'utf8');
}

/**
 * Where the gateway sends a subgraph's fetches: its env variable, else (for the city and 福田)
 * the port variables the processes themselves read, else the supergraph's routing URL.
 */
export function subgraphUrl(name: string, routingUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const entry = SUBGRAPHS.find((s) => s.name === name);
  const explicit = entry ? env[entry.urlEnv] : env[`${name.toUpperCase()}_SUBGRAPH_URL`];
  if (explicit) return explicit;
  const host = env.HOST || '127.0.0.1';
  if (name === 'city' && env.PORT) return `http://${host}:${env.PORT}/graphql`;
  if (name === 'futian' && env.FUTIAN_PORT) return `http://${host}:${env.FUTIAN_PORT}/graphql`;
  if (routingUrl) return routingUrl;
  if (entry) return entry.defaultUrl;
  throw new Error(`no URL for subgraph "${name}": set ${name.toUpperCase()}_SUBGRAPH_URL`);
}
