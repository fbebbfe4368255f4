import DataLoader from 'dataloader';
import type { Stores } from '../api/stores';
import { EntityRecord, entitiesByCodes } from '../graph/entities';
import { codesByExternalIds, ExternalIdKey, externalIdKey } from '../graph/identifiers';
import { AncestorRecord, ancestorsOf, NestedRelation, PageRequest, RelationName, RelationPage, relationPages } from '../graph/relations';
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
  /** One loader per (relation, page, look-ahead); see resolvers/lookahead.ts. */
  relation(name: RelationName, page: PageRequest, nested?: readonly NestedRelation[]): DataLoader<string, RelationPage>;
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

  const relation = (name: RelationName, page: PageRequest, nested: readonly NestedRelation[] = []): DataLoader<string, RelationPage> => {
    const shape = JSON.stringify([name, page.first, page.after, page.kinds, nested]);
    let loader = relationLoaders.get(shape);
    if (!loader) {
      loader = new DataLoader(async (parents) => {
        const pages = await relationPages(stores.graph, name, parents, page, scope, nested);
        for (const p of pages.values()) {
          // The targets are now known: later look-ups of them by code cost no round trip.
          for (const item of p.items) entity.prime(item.code, item);
          // Nested pages fetched ahead answer the nested fields' loaders.
          for (const [code, perRelation] of p.nested ?? []) {
            for (const n of nested) {
              const nestedPage = perRelation.get(n.relation);
              if (!nestedPage) continue;
              relation(n.relation, n.page).prime(code, nestedPage);
              for (const item of nestedPage.items) entity.prime(item.code, item);
            }
          }
        }
        return parents.map((code) => pages.get(code) ?? EMPTY_PAGE);
      });
      relationLoaders.set(shape, loader);
    }
    return loader;
  };

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
    relation,
  };
}
