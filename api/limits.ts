/**
 * What one GraphQL request may ask for (docs/security.md, "Limits"). Each limit refuses with its
 * own error code and a hint, before anything is resolved:
 *   - depth, aliases, directives: GraphQL Armor's validation rules (@escape.tech/graphql-armor-*),
 *     cached with the parsed document, so a repeated operation pays them once;
 *   - tokens: graphql-js's parser stops at maxTokens (parseOptions);
 *   - cost: graphql-query-complexity, with an estimator that knows `first:` and nesting (below);
 *   - batched operations, body size, rate: api/requestGuards.ts.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { getNamedType, getNullableType, GraphQLError, isListType, type DocumentNode, type GraphQLSchema, type ValidationContext, type ValidationRule } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { RequestLimits } from '../core/config';
import { CityCodeError } from '../core/errors';
import { MAX_PAGE } from '../spatial/limits';

/** Page types: a field returning one is multiplied by its `first` once; the page's own list is that page. */
const PAGE_TYPE = /(Connection|PageType)$/;

/**
 * The cost of a field: 1, plus its children's cost times how many times they resolve. A field with
 * `first` resolves its children `first` times (defaultListSize when `first` is left out); a list
 * field without `first` defaultListSize times, except the list of a page type (its page size was
 * counted where the page was asked for). Nested lists multiply: 100 buildings × 100 residents each
 * costs 10,000 residents.
 */
export function costEstimator(defaultListSize: number): ComplexityEstimator {
  return ({ field, args, type, childComplexity }) => {
    // A `first` above MAX_PAGE is refused by every resolver (BAD_USER_INPUT naming `first`), so it
    // is costed at MAX_PAGE: the caller gets that precise refusal rather than a cost one.
    const first = typeof args.first === 'number' && args.first > 0 ? Math.min(args.first, MAX_PAGE) : null;
    const hasFirst = field.args.some((a) => a.name === 'first');
    const returnsList = isListType(getNullableType(field.type));
    const returnsPage = PAGE_TYPE.test(getNamedType(field.type).name);
    let times = 1;
    if (hasFirst && (returnsPage || returnsList)) times = first ?? defaultListSize;
    else if (returnsList && !PAGE_TYPE.test(type.name)) times = defaultListSize;
    return 1 + times * childComplexity;
  };
}

function numberIn(message: string, pattern: RegExp): number | undefined {
  const m = pattern.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** Armor reports its refusal to the validation context; we report ours instead, with our code. */
function reportAs(make: (found: number | undefined) => CityCodeError, found: RegExp) {
  return {
    propagateOnRejection: false,
    exposeLimits: true,
    onReject: [(ctx: ValidationContext | null, err: GraphQLError) => ctx?.reportError(make(numberIn(err.message, found)))],
  };
}

export function tooDeep(depth: number | undefined, max: number): CityCodeError {
  return new CityCodeError(
    'OPERATION_TOO_DEEP',
    `Operation is ${depth ?? 'more than ' + max} levels deep; at most ${max} are allowed`,
    'Ask for fewer nested levels: split the query, or query the nested entities by code in a second request.',
    { depth, maxDepth: max, http: { status: 400 } },
  );
}

export function tooCostly(cost: number, max: number): CityCodeError {
  return new CityCodeError(
    'OPERATION_TOO_COSTLY',
    `Operation would cost ${cost} (fields × page sizes); at most ${max} is allowed`,
    'Ask for smaller pages (lower `first`), fewer nested lists, or split the query (docs/security.md, "Limits").',
    { cost, maxCost: max, http: { status: 400 } },
  );
}

/** A refusal for counting `what` (aliases, directives) past `max`, with our code. */
function tooMany(code: 'TOO_MANY_ALIASES' | 'TOO_MANY_DIRECTIVES', what: string, max: number, hint: string) {
  return reportAs(
    (n) => new CityCodeError(code, `Operation has ${n ?? `more than ${max}`} ${what}; at most ${max} are allowed`, hint, { found: n, limit: max, http: { status: 400 } }),
    /found (\d+)/,
  );
}

/** The validation rules of the limits (added to graphql-js's own). */
export function limitRules(limits: RequestLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...reportAs((d) => tooDeep(d, limits.maxDepth), /found (\d+)/) }),
    maxAliasesRule({ n: limits.maxAliases, ...tooMany('TOO_MANY_ALIASES', 'aliases', limits.maxAliases, 'Use fewer aliases: ask for a list (codes: [...]) instead of one aliased field per item.') }),
    maxDirectivesRule({ n: limits.maxDirectives, ...tooMany('TOO_MANY_DIRECTIVES', 'directives', limits.maxDirectives, 'Use fewer @include/@skip directives; send two operations instead.') }),
  ];
}

/**
 * Refuses an operation whose cost (costEstimator, with the request's variables) is above maxCost.
 * A cost depends on the document and its numeric variables only (page sizes), and Apollo hands
 * the same parsed document to every request with the same text: so it is kept per document and
 * numeric variables (at most 64 variants a document), and a hot operation is costed once.
 */
export function costLimitPlugin<T extends object>(limits: RequestLimits): ApolloServerPlugin<T> {
  const estimators = [costEstimator(limits.defaultListSize)];
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }: { request: { variables?: Record<string, unknown>; operationName?: string }; document: DocumentNode; schema: GraphQLSchema }) {
          const variables = request.variables ?? {};
          const key = `${request.operationName ?? ''}|${JSON.stringify(Object.entries(variables).filter(([, v]) => typeof v === 'number'))}`;
          let known = costs.get(document);
          let cost = known?.get(key);
          if (cost === undefined) {
            cost = operationCost(schema, document, request.operationName, variables, estimators);
            if (!known) costs.set(document, (known = new Map()));
            if (known.size < 64) known.set(key, cost);
          }
          if (cost > limits.maxCost) throw tooCostly(cost, limits.maxCost);
        },
      };
    },
  };
}

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
  estimators: ComplexityEstimator[],
): number {
  try {
    return getComplexity({ schema, query: document, operationName, variables, estimators });
  } catch (err) {
    // Variables that cannot be coerced: execution refuses them with BAD_USER_INPUT before
    // anything runs, so there is nothing to cost.
    if (err instanceof GraphQLError) return 0;
    throw err;
  }
}

/** Where introspection is off (production): `__schema` (the whole schema at once) is refused. */
export const introspectionRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value !== '__schema') return;
    context.reportError(
      new CityCodeError('INTROSPECTION_DISABLED', 'Introspection is disabled on this deployment', 'Read the published schema (schema/city.graphql) instead; operators enable it with CITYCODE_INTROSPECTION=on.', {
        http: { status: 400 },
      }),
    );
  },
});
