import { readFileSync } from 'node:fs';
import { fromRoot } from '../core/paths';
import { FUTIAN, fieldName, typeName, type DistrictPlatform } from '../domain/districtPlatforms';

/**
 * A district subgraph's SDL: 福田's (districts/futian/schema.graphql, as first published) is the
 * template; another district's is it with the district's type and field names (LuohuGridEvent,
 * luohuGridEvents) and name. `npm run generate` writes each to schema/subgraphs/<slug>.graphql,
 * the district subgraphs serve it, and the gateway composes the served ones.
 */
export const FUTIAN_SDL_PATH = fromRoot('districts', 'futian', 'schema.graphql');

export function districtSdl(p: DistrictPlatform): string {
  const template = readFileSync(FUTIAN_SDL_PATH, 'utf8');
  if (p.slug === FUTIAN.slug) return template;
  return template
    .replace(/\bGridEvent/g, typeName(p, 'GridEvent'))
    .replace(/\bgridEvents\b/g, fieldName(p, 'gridEvents'))
    .replace(/\bgridEvent\b/g, fieldName(p, 'gridEvent'))
    .replaceAll('福田区', p.name)
    .replaceAll('福田', p.name);
}

/** Where a district's SDL is committed: 福田's is the template itself, the others' are generated from it. */
export const districtSdlFile = (p: DistrictPlatform): string => (p.slug === FUTIAN.slug ? 'districts/futian/schema.graphql' : `schema/subgraphs/${p.slug}.graphql`);
