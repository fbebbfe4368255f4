import DataLoader from 'dataloader';
import type { Stores } from '../store/stores';
import { datasetsByIds, StoredDataset } from '../graph/datasets';
import { EntityRecord, entitiesByCodes } from '../graph/entities';
import { codesByExternalIds, ExternalIdKey, externalIdKey } from '../graph/identifiers';
import { AncestorRecord, ancestorsOf, EntityPlan, entitiesWithPlan, RelationPage, RelationPlan, relationPages } from '../graph/relations';
import { GraphScope, UNRESTRICTED } from '../graph/scope';
import { SpatialFeature, featuresByCodes } from '../spatial/features';

/**
 * Per-request DataLoaders: every look-up within one request is batched into one round trip per
 * store and per shape of request (relation plan, entity plan), whatever the size of the result.
 * A loader that fetched more than it was asked (look-ahead, query/plan.ts) primes the
 * loaders that will be asked for it, so those ask nothing of the database.
 */
export interface Loaders {
  entity: DataLoader<string, EntityRecord | null>;
  /** An entity together with what the query asks of it next (one statement for all of it). */
  entityWith(plan: EntityPlan): DataLoader<string, EntityRecord | null>;
  feature: DataLoader<string, SpatialFeature | null>;
  /**
   * The ancestors of a city object with at least the stored properties `props` (null: all), from
   * what a by-code statement fetched ahead when that covers them, else in a batch of their own.
   */
  ancestors(code: string, props: readonly string[] | null): AncestorRecord[] | Promise<AncestorRecord[]>;
  /**
   * What is already in hand, to answer without a promise (a field that returns a plain value lets
   * graphql-js complete its subtree synchronously): the page of `plan` for `parent`, fetched ahead
   * or loaded earlier in this request, else undefined.
   */
  relationInHand(plan: RelationPlan, parent: string): RelationPage | undefined;
  /** The feature of `code` when its batch has answered (null: none), else undefined. */
  featureInHand(code: string): SpatialFeature | null | undefined;
  externalId: DataLoader<ExternalIdKey, string | null, string>;
  /** One loader per relation × page × count × properties; the plan's nested relations are fetched ahead. */
  relation(plan: RelationPlan): DataLoader<string, RelationPage>;
  /** Registered datasets by id (provenance: name and department of a value's source). */
  dataset: DataLoader<string, StoredDataset | null>;
}

const EMPTY_PAGE: RelationPage = { totalCount: 0, items: [], hasNextPage: false };

/**
 * Loader keys by plan: plans are kept from one request to the next (query/planCache.ts), so
 * each is turned into its key once.
 */
const shapes = new WeakMap<RelationPlan | EntityPlan, string>();
function memoShape<P extends RelationPlan | EntityPlan>(plan: P, shapeOf: (plan: P) => string): string {
  let shape = shapes.get(plan);
  if (shape === undefined) {
    shape = shapeOf(plan);
    shapes.set(plan, shape);
  }
  return shape;
}

/** What a relation page holds (relation, page, count, properties): its loader's key. */
const relationShape = (plan: RelationPlan): string =>
  memoShape(plan, (p) => JSON.stringify([p.relation, p.page, p.count, p.props, p.more !== false]));

/** Everything an entity plan fetches: its loader's key. */
const entityShape = (plan: EntityPlan): string => memoShape(plan, (p) => JSON.stringify(p));

/** True when records with the properties `have` (null: all) hold every property of `need`. */
function covers(have: readonly string[] | null, need: readonly string[] | null): boolean {
  return have === null || (need !== null && need.every((p) => have.includes(p)));
}

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const index = new Map<K, V>();
  for (const row of rows) index.set(keyOf(row), row);
  return keys.map((k) => index.get(k) ?? null);
}

/** One planned statement a request ran: what it fetched, for how many codes (query/explain.ts prints them). */
export type PlannedStep = { what: 'entity'; plan: EntityPlan; codes: number } | { what: 'relation'; plan: RelationPlan; codes: number };

/**
 * Loaders that only ever return rows inside `scope` (the caller's row scope per domain);
 * `observe` hears of every planned statement they run.
 */
export function createLoaders(stores: Stores, scope: GraphScope = UNRESTRICTED, observe?: (step: PlannedStep) => void): Loaders {
  const entity = new DataLoader<string, EntityRecord | null>(async (codes) =>
    byKey(codes, await entitiesByCodes(stores.graph, codes, scope), (r) => r.code),
  );
  const ancestorLoaders = new Map<string, DataLoader<string, AncestorRecord[]>>();
  const ancestorsAhead = new Map<string, { props: readonly string[] | null; list: AncestorRecord[] }>();
  const ancestors = (code: string, props: readonly string[] | null): AncestorRecord[] | Promise<AncestorRecord[]> => {
    const ahead = ancestorsAhead.get(code);
    if (ahead && covers(ahead.props, props)) return ahead.list;
    const shape = JSON.stringify(props);
    let loader = ancestorLoaders.get(shape);
    if (!loader) {
      loader = new DataLoader(async (codes) => {
        const found = await ancestorsOf(stores.graph, codes, scope, props);
        return codes.map((c) => found.get(c) ?? []);
      });
      ancestorLoaders.set(shape, loader);
    }
    return loader.load(code);
  };
  const relationLoaders = new Map<string, DataLoader<string, RelationPage>>();
  /** Pages in hand, by loader key and parent code. */
  const pagesInHand = new Map<string, Map<string, RelationPage>>();
  const keepPage = (plan: RelationPlan, parent: string, page: RelationPage): void => {
    const shape = relationShape(plan);
    let pages = pagesInHand.get(shape);
    if (!pages) {
      pages = new Map();
      pagesInHand.set(shape, pages);
    }
    if (!pages.has(parent)) {
      pages.set(parent, page);
      relation(plan).prime(parent, page);
    }
  };
  const featuresInHand = new Map<string, SpatialFeature | null>();
  const entityLoaders = new Map<string, DataLoader<string, EntityRecord | null>>();

  /** Answers ahead the loaders of what a page fetched by `plan` holds: its items and nested pages. */
  const primeContents = (plan: RelationPlan, page: RelationPage): void => {
    // Only whole records answer look-ups by code; projected ones serve their own fields only.
    if (plan.props === null) for (const item of page.items) entity.prime(item.code, item);
    for (const [code, perRelation] of page.nested ?? []) {
      for (const n of plan.nested) {
        const nestedPage = perRelation.get(n.relation);
        if (nestedPage) {
          keepPage(n, code, nestedPage);
          primeContents(n, nestedPage);
        }
      }
    }
  };

  /**
   * The loader of a relation page. Keyed by what its items carry (page, count, properties) but not
   * by the nested plans: look-ahead only saves round trips, so a page fetched with more (or less)
   * look-ahead answers a field just as well.
   */
  const relation = (plan: RelationPlan): DataLoader<string, RelationPage> => {
    const shape = relationShape(plan);
    let loader = relationLoaders.get(shape);
    if (!loader) {
      loader = new DataLoader(async (parents) => {
        observe?.({ what: 'relation', plan, codes: parents.length });
        const pages = await relationPages(stores.graph, plan, parents, scope);
        for (const page of pages.values()) primeContents(plan, page);
        return parents.map((code) => {
          const page = pages.get(code) ?? EMPTY_PAGE;
          keepPage(plan, code, page);
          return page;
        });
      });
      relationLoaders.set(shape, loader);
    }
    return loader;
  };

  const entityWith = (plan: EntityPlan): DataLoader<string, EntityRecord | null> => {
    const shape = entityShape(plan);
    let loader = entityLoaders.get(shape);
    if (!loader) {
      loader = new DataLoader(async (codes) => {
        observe?.({ what: 'entity', plan, codes: codes.length });
        const found = await entitiesWithPlan(stores.graph, codes, plan, scope);
        for (const row of found) {
          const record: EntityRecord = { code: row.code, labels: row.labels, props: row.props };
          if (!plan.props) entity.prime(row.code, record);
          if (row.ancestors) ancestorsAhead.set(row.code, { props: plan.ancestorProps ?? null, list: row.ancestors });
          plan.relations.forEach((r, i) => {
            keepPage(r, row.code, row.relations[i]);
            primeContents(r, row.relations[i]);
          });
        }
        return byKey(codes, found, (r) => r.code).map((r) => (r ? { code: r.code, labels: r.labels, props: r.props } : null));
      });
      entityLoaders.set(shape, loader);
    }
    return loader;
  };

  return {
    entity,
    entityWith,
    feature: new DataLoader(async (codes) => {
      const found = byKey(codes, await featuresByCodes(stores.sql, codes), (r) => r.cityCode);
      codes.forEach((code, i) => featuresInHand.set(code, found[i]));
      return found;
    }),
    featureInHand: (code) => featuresInHand.get(code),
    relationInHand: (plan, parent) => pagesInHand.get(relationShape(plan))?.get(parent),
    ancestors,
    externalId: new DataLoader(
      async (keys) => {
        const found = await codesByExternalIds(stores.graph, keys);
        return keys.map((k) => found.get(externalIdKey(k)) ?? null);
      },
      { cacheKeyFn: externalIdKey },
    ),
    relation,
    dataset: new DataLoader(async (ids) => {
      const found = await datasetsByIds(stores.graph, ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}
