import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLObjectType,
  GraphQLSchema,
  isListType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  valueFromASTUntyped,
  type GraphQLCompositeType,
} from 'graphql';
import type { PlanNode, QueryPlan } from '@apollo/query-planner';
import { CityCodeError } from '../core/errors';

/**
 * Depth and cost limits of the gateway, pure (docs/federation.md, "Limits").
 *
 * Depth: the deepest field nesting of the operation, fragments expanded (`__typename` aside).
 * Cost: every field costs 1 per time it will be resolved. A field with a `first` argument
 * multiplies what is under it by `first` (a connection's own `nodes` list is then not counted
 * again); any other list multiplies by `defaultListSize`. The gateway's query plan adds, for
 * every subgraph fetch, `fetchCost` times the number of entities the fetch is expected to carry
 * (the multiplier at its `Flatten` path): a cross-subgraph hop under a list of 100 buildings
 * costs 100 fetch units, not one.
 */
export interface Limits {
  maxDepth: number;
  maxCost: number;
  fetchCost: number;
  defaultListSize: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({ maxDepth: 12, maxCost: 20_000, fetchCost: 5, defaultListSize: 20 });

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
  return {
    maxDepth: intEnv(env, 'GATEWAY_MAX_DEPTH', DEFAULT_LIMITS.maxDepth),
    maxCost: intEnv(env, 'GATEWAY_MAX_COST', DEFAULT_LIMITS.maxCost),
    fetchCost: intEnv(env, 'GATEWAY_FETCH_COST', DEFAULT_LIMITS.fetchCost),
    defaultListSize: intEnv(env, 'GATEWAY_DEFAULT_LIST_SIZE', DEFAULT_LIMITS.defaultListSize),
  };
}

export interface OperationMeasure {
  depth: number;
  /** Cost of the fields alone. */
  fieldCost: number;
  /** Multiplier at each response path (`a.b.c`, aliases as in the response). */
  multipliers: Map<string, number>;
}

function operationOf(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
}

function rootType(schema: GraphQLSchema, op: OperationDefinitionNode): GraphQLObjectType | null | undefined {
  return op.operation === 'query' ? schema.getQueryType() : op.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
}

/** Walks the operation against the (API) schema; unknown fields count as leaves (validation reports them). */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> = {},
  limits: Pick<Limits, 'defaultListSize'> = DEFAULT_LIMITS,
): OperationMeasure {
  const op = operationOf(document, operationName);
  const root = op ? rootType(schema, op) : undefined;
  const multipliers = new Map<string, number>();
  if (!op || !root) return { depth: 0, fieldCost: 0, multipliers };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  let depth = 0;
  let cost = 0;
  const firstOf = (field: FieldNode): number | null => {
    const arg = field.arguments?.find((a) => a.name.value === 'first');
    if (!arg) return null;
    const value = valueFromASTUntyped(arg.value, variables);
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
  };

  const walk = (set: SelectionSetNode, type: GraphQLCompositeType, level: number, multiplier: number, path: string, pageCounted: boolean, seen: Set<string>) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(sel.name.value);
        if (!frag || seen.has(frag.name.value)) continue;
        const cond = schema.getType(frag.typeCondition.name.value);
        walk(frag.selectionSet, (cond as GraphQLCompositeType) ?? type, level, multiplier, path, pageCounted, new Set([...seen, frag.name.value]));
        continue;
      }
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        walk(sel.selectionSet, (cond as GraphQLCompositeType) ?? type, level, multiplier, path, pageCounted, seen);
        continue;
      }
      if (sel.name.value === '__typename') continue;
      const fieldDepth = level + 1;
      depth = Math.max(depth, fieldDepth);
      cost += multiplier;
      const responseName = sel.alias?.value ?? sel.name.value;
      const fieldPath = path ? `${path}.${responseName}` : responseName;
      const def = isObjectType(type) || isInterfaceType(type) ? type.getFields()[sel.name.value] : undefined;
      let childMultiplier = multiplier;
      let childPageCounted = false;
      const first = firstOf(sel);
      const isList = def ? isListType(getNullableType(def.type)) : false;
      if (first !== null) {
        childMultiplier = multiplier * first;
        // A connection's `nodes`/`edges` list is the page `first` already counted.
        childPageCounted = !isList;
      } else if (isList) {
        childMultiplier = pageCounted ? multiplier : multiplier * limits.defaultListSize;
      }
      multipliers.set(fieldPath, childMultiplier);
      const named = def ? getNamedType(def.type) : undefined;
      if (sel.selectionSet && named && (isObjectType(named) || isInterfaceType(named) || isUnionType(named))) {
        walk(sel.selectionSet, named, fieldDepth, childMultiplier, fieldPath, childPageCounted, seen);
      }
    }
  };
  walk(op.selectionSet, root, 0, 1, '', false, new Set());
  return { depth, fieldCost: cost, multipliers };
}

/** What the plan's fetches add: fetchCost × the multiplier at each fetch's Flatten path. */
export function planCost(plan: QueryPlan, measure: OperationMeasure, fetchCost: number): { fetches: number; cost: number } {
  let fetches = 0;
  let cost = 0;
  const visit = (node: PlanNode | undefined, path: string[]) => {
    if (!node) return;
    switch (node.kind) {
      case 'Fetch': {
        fetches++;
        const key = path.join('.');
        cost += fetchCost * (key ? (measure.multipliers.get(key) ?? 1) : 1);
        return;
      }
      case 'Flatten': {
        // Response names only: '@' marks list elements, '... on T' type conditions.
        const names = node.path.filter((p): p is string => typeof p === 'string' && p !== '@' && !p.startsWith('...') && !p.includes('|'));
        visit(node.node, [...path, ...names]);
        return;
      }
      case 'Sequence':
      case 'Parallel':
        for (const n of node.nodes) visit(n, path);
        return;
      case 'Condition':
        visit(node.ifClause, path);
        visit(node.elseClause, path);
        return;
      case 'Defer':
        visit(node.primary.node, path);
        for (const d of node.deferred) visit(d.node, path);
        return;
    }
  };
  const root = plan.node;
  if (root && root.kind === 'Subscription') {
    visit(root.primary, []);
    visit(root.rest, []);
  } else visit(root as PlanNode | undefined, []);
  return { fetches, cost };
}

export function tooDeepError(depth: number, limits: Limits): CityCodeError {
  return new CityCodeError(
    'OPERATION_TOO_DEEP',
    `Operation is ${depth} levels deep; the gateway allows at most ${limits.maxDepth}`,
    'Ask for fewer nested levels (split the query, or query the nested entities by code in a second request).',
    { depth, maxDepth: limits.maxDepth, http: { status: 400 } },
  );
}

export function tooCostlyError(cost: number, fetches: number, limits: Limits): CityCodeError {
  return new CityCodeError(
    'OPERATION_TOO_COSTLY',
    `Operation would cost ${cost} (fields × page sizes, plus ${fetches} subgraph fetch${fetches === 1 ? '' : 'es'}); the gateway allows at most ${limits.maxCost}`,
    'Ask for smaller pages (lower `first`), fewer nested lists, or fewer cross-subgraph fields under lists (docs/federation.md, "Limits").',
    { cost, fetches, maxCost: limits.maxCost, http: { status: 400 } },
  );
}
