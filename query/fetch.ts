import type { GraphQLResolveInfo } from 'graphql';
import type { RelationName, RelationPage } from '../graph/relations';
import type { SpatialFeature } from '../spatial/features';
import type { QueryContext } from './context';
import { asEntity, entitiesOf, type EntityValue } from './entities';
import { toConnection, type ConnectionShape } from './pagination';
import { connectionPlan, entityPlan, toOnePlan } from './plan';

/**
 * What the schema's entity fields ask of the query layer: an entity by code with what its query
 * selects below it, one page of a relation, the single target of a to-one relation. Everything
 * goes through the request's loaders (batched, row-scoped) and the plans of query/plan.ts.
 */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  kinds?: string[] | null;
}

/** A value, or a promise of it where it still has to be fetched. */
export type MaybePromise<T> = T | Promise<T>;

function connectionOf(page: RelationPage): ConnectionShape<EntityValue> {
  return toConnection(entitiesOf(page.items), page.totalCount, page.hasNextPage);
}

/**
 * One page of a relation of one parent, batched with its siblings by the request's loaders; a
 * plain value when look-ahead already fetched it, so that its subtree completes without promises.
 */
export function relationConnection(
  ctx: QueryContext,
  relation: RelationName,
  parentCode: string,
  args: PageArgs,
  info?: GraphQLResolveInfo,
): MaybePromise<ConnectionShape<EntityValue>> {
  if (args.kinds && args.kinds.length > 0) ctx.release.assertCanUse('CityObject.objectKind', 'filter');
  const plan = connectionPlan(relation, args, info, ctx.release);
  const inHand = ctx.loaders.relationInHand(plan, parentCode);
  if (inHand) return connectionOf(inHand);
  return ctx.loaders.relation(plan).load(parentCode).then(connectionOf);
}

/** The single target of a to-one relation (e.g. an enterprise's legal representative), or null. */
export function relationOne(ctx: QueryContext, relation: RelationName, parentCode: string): MaybePromise<EntityValue | null> {
  const plan = toOnePlan(relation);
  const only = (page: RelationPage): EntityValue | null => (page.items.length ? asEntity(page.items[0]) : null);
  const inHand = ctx.loaders.relationInHand(plan, parentCode);
  return inHand ? only(inHand) : ctx.loaders.relation(plan).load(parentCode).then(only);
}

/** An entity by code, with what the query selects below it fetched in the same statement. */
export async function entityAhead(ctx: QueryContext, code: string, info: GraphQLResolveInfo): Promise<EntityValue | null> {
  const plan = entityPlan(info, ctx.release);
  // The geometry comes from PostgreSQL: ask for it now, alongside the graph statement.
  if (plan.geometry) ctx.loaders.feature.load(code).catch(() => undefined);
  const record = await ctx.loaders.entityWith(plan.entity).load(code);
  return record ? asEntity(record) : null;
}

/** An entity by code (whole, through the caller's row scope), or null. */
export async function entityByCode(ctx: QueryContext, code: string): Promise<EntityValue | null> {
  const record = await ctx.loaders.entity.load(code);
  return record ? asEntity(record) : null;
}

/** A value read from the feature of `code`: at once when PostgreSQL has already answered for it. */
export function featureOf<T>(ctx: QueryContext, code: string, read: (feature: SpatialFeature | null) => T): MaybePromise<T> {
  const inHand = ctx.loaders.featureInHand(code);
  return inHand !== undefined ? read(inHand) : ctx.loaders.feature.load(code).then(read);
}
