/**
 * The look-ups a city-scale run is checked and measured with (test/integration/city-scale.test.ts,
 * bench/scale.ts): GraphQL text, variables for the i-th case, and what the generator says the
 * answer must contain. Cases are spread over the whole city by index, so a run at any scale
 * touches rows from the first to the last part.
 */
import type { ScaleCity } from './city';

/** The nested by-code query (also the serving benchmarks'): a building, its ancestors, 10 residents and 3 employers each. */
export const BUILDING_QUERY = `query ($code: ID!) {
  cityObject(code: $code) {
    code name objectKind address buildingCode floors heightM geometry
    ancestors { depth object { code name objectKind } }
    residents(first: 10) { nodes { code name employers(first: 3) { nodes { code name uscc industry } } } }
  }
}`;

export const PERSON_QUERY = `query ($code: ID!) { person(code: $code) { code name sex birthDate } }`;

export const CHILDREN_QUERY = `query ($code: ID!, $after: String) {
  cityObject(code: $code) {
    children(first: 5, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { code name objectKind } }
  }
}`;

export const NEAR_QUERY = `query ($lon: Float!, $lat: Float!) {
  objectsNear(lon: $lon, lat: $lat, radiusM: 500, first: 50) { totalCount nodes { code name objectKind } }
}`;

export const WITHIN_QUERY = `query ($polygon: GeoJSON!) {
  objectsWithin(polygon: $polygon, first: 50) { totalCount nodes { code objectKind } }
}`;

export const LINEAGE_QUERY = `query { lineage(node: "Person.residence", depth: 3) { partial root { id } entries { hops node { id kind } } } }`;

export const RESOLVE_QUERY = `query ($value: String!) { resolveCode(scheme: HOUSE_CODE, value: $value) { cityCode } }`;

export type LookupName = 'by-code' | 'nested by-code' | 'relation paging' | 'near 500 m' | 'within polygon' | 'lineage' | 'resolve house code';

export interface LookupCase {
  name: LookupName;
  query: string;
  variables: Record<string, unknown>;
}

/** Spread index k of n over [0, size). */
const spread = (k: number, n: number, size: number) => Math.min(size - 1, Math.floor(((k + 0.5) * size) / n));

/** A small square (±150 m) around a building's first corner, as GeoJSON. */
function squareAround(lon: number, lat: number): { type: 'Polygon'; coordinates: number[][][] } {
  const d = 0.0015;
  return {
    type: 'Polygon',
    coordinates: [
      [
        [lon - d, lat - d],
        [lon + d, lat - d],
        [lon + d, lat + d],
        [lon - d, lat + d],
        [lon - d, lat - d],
      ],
    ],
  };
}

/** Case k of n for a look-up: the same k always gives the same case at a given scale. */
export function lookupCase(city: ScaleCity, name: LookupName, k: number, n: number): LookupCase {
  const c = city.counts;
  switch (name) {
    case 'by-code':
      return { name, query: PERSON_QUERY, variables: { code: city.person(spread(k, n, c.persons)).code } };
    case 'nested by-code':
      return { name, query: BUILDING_QUERY, variables: { code: city.buildingCodeOf(spread(k, n, c.buildings)) } };
    case 'relation paging':
      return { name, query: CHILDREN_QUERY, variables: { code: city.buildingCodeOf(spread(k, n, c.buildings)) } };
    case 'near 500 m': {
      const [lon, lat] = city.building(spread(k, n, c.buildings)).footprint.coordinates[0][0];
      return { name, query: NEAR_QUERY, variables: { lon, lat } };
    }
    case 'within polygon': {
      const [lon, lat] = city.building(spread(k, n, c.buildings)).footprint.coordinates[0][0];
      return { name, query: WITHIN_QUERY, variables: { polygon: squareAround(lon, lat) } };
    }
    case 'lineage':
      return { name, query: LINEAGE_QUERY, variables: {} };
    case 'resolve house code': {
      const r = spread(k, n, c.rooms);
      return { name, query: RESOLVE_QUERY, variables: { value: city.room(r, city.buildingCodeForRoom(r)).houseCode } };
    }
  }
}

export const LOOKUPS: readonly LookupName[] = ['by-code', 'nested by-code', 'relation paging', 'near 500 m', 'within polygon', 'lineage', 'resolve house code'];
