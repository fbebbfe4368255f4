import type { RelationName } from '../graph/relations';
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

/** One page of a relation of one parent, batched with its siblings by the request's loaders. */
export async function relationConnection<T extends Entity = Entity>(
  ctx: RequestContext,
  relation: RelationName,
  parentCode: string,
  args: PageArgs,
  info?: GraphQLResolveInfo,
): Promise<ConnectionShape<T>> {
  if (args.kinds && args.kinds.length > 0) ctx.access.assertCanUse('CityObject.objectKind', 'filter');
  const plan = connectionPlan(relation, args, info, lookaheadPolicy(ctx));
  const result = await ctx.loaders.relation(plan).load(parentCode);
  const nodes = result.items.map(toEntity).filter((e): e is T => e !== null);
  return toConnection(nodes, result.totalCount, result.hasNextPage);
}

/** The single target of a to-one relation (e.g. an enterprise's legal representative), or null. */
export async function relationOne<T extends Entity = Entity>(
  ctx: RequestContext,
  relation: RelationName,
  parentCode: string,
): Promise<T | null> {
  const result = await ctx.loaders.relation({ relation, page: ONE, count: false, props: null, nested: [], more: false }).load(parentCode);
  return result.items.length ? (toEntity(result.items[0]) as T | null) : null;
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
  const record = await ctx.loaders.entityWith({ label: plan.label, props: plan.props, ancestors: plan.ancestors, ancestorProps: plan.ancestorProps, relations: plan.relations }).load(code);
  return record ? toEntity(record) : null;
}
