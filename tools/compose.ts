import 'reflect-metadata';
import { composeSupergraph } from '../gateway/compose';
import { citySubgraphSdl, districtSdlOf, readSdl, SUBGRAPHS } from '../gateway/subgraphs';

/**
 * The city subgraph's SDL as the code builds it, composed with every served district's SDL as the
 * template renders it:
 * what `npm run generate` writes to schema/subgraphs/city.graphql and schema/supergraph.graphql.
 */
export function composeFromRepository(): ReturnType<typeof composeSupergraph> & { citySdl: string } {
  const citySdl = citySubgraphSdl();
  const outcome = composeSupergraph(
    SUBGRAPHS.map((s) => ({ name: s.name, url: s.defaultUrl, sdl: s.name === 'city' ? citySdl : (districtSdlOf(s.name) ?? readSdl(s)) })),
  );
  return { ...outcome, citySdl };
}
