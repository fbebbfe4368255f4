import DataLoader from 'dataloader';
import type { Stores } from '../api/stores';
import { EntityRecord, entitiesByCodes } from '../graph/entities';
import { SpatialFeature, featuresByCodes } from '../spatial/features';

/**
 * Per-request DataLoaders: every look-up by key within one request is batched into a single
 * round trip per store, whatever the size of the result.
 */
export interface Loaders {
  entity: DataLoader<string, EntityRecord | null>;
  feature: DataLoader<string, SpatialFeature | null>;
}

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const index = new Map<K, V>();
  for (const row of rows) index.set(keyOf(row), row);
  return keys.map((k) => index.get(k) ?? null);
}

export function createLoaders(stores: Stores): Loaders {
  return {
    entity: new DataLoader(async (codes) => byKey(codes, await entitiesByCodes(stores.graph, codes), (r) => r.code)),
    feature: new DataLoader(async (codes) => byKey(codes, await featuresByCodes(stores.sql, codes), (r) => r.cityCode)),
  };
}
