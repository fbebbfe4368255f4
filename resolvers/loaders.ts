import DataLoader from 'dataloader';
import type { Stores } from '../api/stores';
import { EntityRecord, entitiesByCodes } from '../graph/entities';
import { codesByExternalIds, ExternalIdKey, externalIdKey } from '../graph/identifiers';
import { AncestorRecord, ancestorsOf, PageRequest, RelationName, RelationPage, relationPages } from '../graph/relations';
import { GraphScope, UNRESTRICTED } from '../graph/scope';
import { SpatialFeature, featuresByCodes } from '../spatial/features';

/**
 * Per-request DataLoaders: every look-up within one request is batched into one round trip per
 * store and per shape of request (relation × page arguments), whatever the size of the result.
 */
export interface Loaders {
  entity: DataLoader<string, EntityRecord | null>;
  feature: DataLoader<string, SpatialFeature | null>;
  ancestors: DataLoader<string, AncestorRecord[]>;
  externalId: DataLoader<ExternalIdKey, string | null, string>;
  relation(name: RelationName, page: PageRequest): DataLoader<string, RelationPage>;
}

const EMPTY_PAGE: RelationPage = { totalCount: 0, items: [], hasNextPage: false };

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const index = new Map<K, V>();
  for (const row of rows) index.set(keyOf(row), row);
  return keys.map((k) => index.get(k) ?? null);
}

/** Loaders that only ever return rows inside `scope` (the caller's row scope per domain). */
export function createLoaders(stores: Stores, scope: GraphScope = UNRESTRICTED): Loaders {
  const entity = new DataLoader<string, EntityRecord | null>(async (codes) =>
    byKey(codes, await entitiesByCodes(stores.graph, codes, scope), (r) => r.code),
  );
  const relationLoaders = new Map<string, DataLoader<string, RelationPage>>();

  return {
    entity,
    feature: new DataLoader(async (codes) => byKey(codes, await featuresByCodes(stores.sql, codes), (r) => r.cityCode)),
    ancestors: new DataLoader(async (codes) => {
      const found = await ancestorsOf(stores.graph, codes, scope);
      return codes.map((c) => found.get(c) ?? []);
    }),
    externalId: new DataLoader(
      async (keys) => {
        const found = await codesByExternalIds(stores.graph, keys);
        return keys.map((k) => found.get(externalIdKey(k)) ?? null);
      },
      { cacheKeyFn: externalIdKey },
    ),
    relation(name, page) {
      const shape = JSON.stringify([name, page.first, page.after, page.kinds]);
      let loader = relationLoaders.get(shape);
      if (!loader) {
        loader = new DataLoader(async (parents) => {
          const pages = await relationPages(stores.graph, name, parents, page, scope);
          // The targets are now known: later look-ups of them by code cost no round trip.
          for (const p of pages.values()) for (const item of p.items) entity.prime(item.code, item);
          return parents.map((code) => pages.get(code) ?? EMPTY_PAGE);
        });
        relationLoaders.set(shape, loader);
      }
      return loader;
    },
  };
}
