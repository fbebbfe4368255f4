import type { RelationName } from '../graph/relations';
import type { RequestContext } from './context';
import type { GraphQLResolveInfo } from 'graphql';
import { nestedRelations, pageRequest } from './lookahead';
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
  const page = pageRequest(args);
  const result = await ctx.loaders.relation(relation, page, info ? nestedRelations(info) : []).load(parentCode);
  const nodes = result.items.map(toEntity).filter((e): e is T => e !== null);
  return toConnection(nodes, result.totalCount, result.hasNextPage);
}

/** The single target of a to-one relation (e.g. an enterprise's legal representative), or null. */
export async function relationOne<T extends Entity = Entity>(
  ctx: RequestContext,
  relation: RelationName,
  parentCode: string,
): Promise<T | null> {
  const result = await ctx.loaders.relation(relation, { first: 1, after: null, kinds: null }).load(parentCode);
  return result.items.length ? (toEntity(result.items[0]) as T | null) : null;
}
