import type { RelationName, RelationPage, RelationPlan } from '../graph/relations';
import type { RequestContext } from './context';
import type { GraphQLResolveInfo } from 'graphql';
import { connectionPlan, entityPlan, LookaheadPolicy, ONE } from './lookahead';
import { toConnection } from './pagination';
import type { ConnectionShape } from './types/connection';
import { Entity, toEntity } from './types/entity';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  kinds?: string[] | null;
}

/** A value, or a promise of it where it still has to be fetched. */
export type MaybePromise<T> = T | Promise<T>;

function connectionOf<T extends Entity>(page: RelationPage): ConnectionShape<T> {
  const nodes = page.items.map(toEntity).filter((e): e is T => e !== null);
  return toConnection(nodes, page.totalCount, page.hasNextPage);
}

/**
 * One page of a relation of one parent, batched with its siblings by the request's loaders; a
 * plain value when look-ahead already fetched it, so that its subtree completes without promises.
 */
export function relationConnection<T extends Entity = Entity>(
  ctx: RequestContext,
  relation: RelationName,
  parentCode: string,
  args: PageArgs,
  info?: GraphQLResolveInfo,
): MaybePromise<ConnectionShape<T>> {
  if (args.kinds && args.kinds.length > 0) ctx.access.assertCanUse('CityObject.objectKind', 'filter');
  const plan = connectionPlan(relation, args, info, lookaheadPolicy(ctx));
  const inHand = ctx.loaders.relationInHand(plan, parentCode);
  if (inHand) return connectionOf<T>(inHand);
  return ctx.loaders.relation(plan).load(parentCode).then((page) => connectionOf<T>(page));
}

/** The plan of a to-one relation: one target, whole (one object per relation, so its loader key and statement are made once). */
const toOnePlans = new Map<RelationName, RelationPlan>();
export function toOnePlan(relation: RelationName): RelationPlan {
  let plan = toOnePlans.get(relation);
  if (!plan) {
    plan = Object.freeze({ relation, page: ONE, count: false, props: null, nested: [], more: false });
    toOnePlans.set(relation, plan);
  }
  return plan;
}

/** The single target of a to-one relation (e.g. an enterprise's legal representative), or null. */
export function relationOne<T extends Entity = Entity>(ctx: RequestContext, relation: RelationName, parentCode: string): MaybePromise<T | null> {
  const plan = toOnePlan(relation);
  const only = (page: RelationPage): T | null => (page.items.length ? (toEntity(page.items[0]) as T | null) : null);
  const inHand = ctx.loaders.relationInHand(plan, parentCode);
  return inHand ? only(inHand) : ctx.loaders.relation(plan).load(parentCode).then(only);
}

/** What look-ahead may fetch for this request (resolvers/lookahead.ts). */
export function lookaheadPolicy(ctx: RequestContext): LookaheadPolicy {
  return {
    mayRead: (fieldKey) => ctx.access.decide(fieldKey)?.effect !== 'DENY',
    mayFilterByKind: () => {
      try {
        ctx.access.assertCanUse('CityObject.objectKind', 'filter');
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** An entity by code, with what the query selects below it fetched in the same statement. */
export async function entityAhead(ctx: RequestContext, code: string, info: GraphQLResolveInfo): Promise<Entity | null> {
  const plan = entityPlan(info, lookaheadPolicy(ctx));
  // The geometry comes from PostgreSQL: ask for it now, alongside the graph statement.
  if (plan.geometry) ctx.loaders.feature.load(code).catch(() => undefined);
  const record = await ctx.loaders.entityWith(plan.entity).load(code);
  return record ? toEntity(record) : null;
}
