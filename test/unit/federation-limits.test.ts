import { buildSchema, parse } from 'graphql';
import type { QueryPlan } from '@apollo/query-planner';
import { DEFAULT_LIMITS, limitsFromEnv, measureOperation, planCost, tooCostlyError, tooDeepError } from '../../gateway/limits';

const schema = buildSchema(`
  type Query { building(code: ID!): Building, buildings: [Building!]! }
  type Building { code: ID!, name: String, parent: Building, residents(first: Int): PersonConnection, events(first: Int): [Event!] }
  type PersonConnection { totalCount: Int!, nodes: [Person!]! }
  type Person { code: ID!, name: String }
  type Event { id: ID! }
`);

const measure = (query: string, variables: Record<string, unknown> = {}) => measureOperation(schema, parse(query), undefined, variables, { defaultListSize: 20 });

describe('operation depth', () => {
  it('counts field nesting, fragments expanded, __typename aside', () => {
    expect(measure('{ building(code: "x") { code } }').depth).toBe(2);
    expect(measure('{ building(code: "x") { parent { parent { code __typename } } } }').depth).toBe(4);
    expect(measure('query { building(code: "x") { ...P } } fragment P on Building { parent { ... on Building { parent { code } } } }').depth).toBe(4);
  });
});

describe('operation cost', () => {
  it('multiplies by `first` (a connection page counted once) and by the default size for other lists', () => {
    // building 1, residents 1, nodes 10, name 10
    expect(measure('{ building(code: "x") { residents(first: 10) { nodes { name } } } }').fieldCost).toBe(22);
    // buildings 1, code 20
    expect(measure('{ buildings { code } }').fieldCost).toBe(21);
    // first from a variable
    expect(measure('query ($n: Int) { building(code: "x") { events(first: $n) { id } } }', { n: 5 }).fieldCost).toBe(1 + 1 + 5);
  });

  it('records the multiplier at each response path, aliases included', () => {
    const m = measure('{ b: buildings { r: residents(first: 3) { nodes { code } } } }');
    expect(m.multipliers.get('b')).toBe(20);
    expect(m.multipliers.get('b.r')).toBe(60);
    expect(m.multipliers.get('b.r.nodes')).toBe(60);
  });
});

describe('query-plan cost', () => {
  it('adds fetchCost per fetch, weighted by the multiplier at its Flatten path', () => {
    const m = measure('{ buildings { residents(first: 10) { nodes { code } } } }');
    const plan = {
      kind: 'QueryPlan',
      node: {
        kind: 'Sequence',
        nodes: [
          { kind: 'Fetch', serviceName: 'city', operation: '', operationKind: 'query', operationName: undefined },
          { kind: 'Flatten', path: ['buildings', '@', 'residents', 'nodes', '@'], node: { kind: 'Fetch', serviceName: 'district', operation: '', operationKind: 'query', operationName: undefined } },
        ],
      },
    } as unknown as QueryPlan;
    // city fetch: 5 × 1; district fetch under 20 buildings × 10 residents: 5 × 200
    expect(planCost(plan, m, 5)).toEqual({ fetches: 2, cost: 5 + 1000 });
  });

  it('visits parallel, condition and defer nodes', () => {
    const fetch = { kind: 'Fetch', serviceName: 's', operation: '', operationKind: 'query', operationName: undefined };
    const plan = { kind: 'QueryPlan', node: { kind: 'Parallel', nodes: [fetch, { kind: 'Condition', condition: 'x', ifClause: fetch, elseClause: fetch }] } } as unknown as QueryPlan;
    expect(planCost(plan, measure('{ buildings { code } }'), 2)).toEqual({ fetches: 3, cost: 6 });
  });
});

describe('limit errors and settings', () => {
  it('say what is wrong with a code and a hint', () => {
    const deep = tooDeepError(14, DEFAULT_LIMITS);
    expect(deep.extensions).toMatchObject({ code: 'OPERATION_TOO_DEEP', depth: 14, maxDepth: DEFAULT_LIMITS.maxDepth });
    expect(String(deep.extensions.hint)).toMatch(/nested/);
    const costly = tooCostlyError(30_000, 4, DEFAULT_LIMITS);
    expect(costly.extensions).toMatchObject({ code: 'OPERATION_TOO_COSTLY', cost: 30_000, fetches: 4, maxCost: DEFAULT_LIMITS.maxCost });
  });

  it('come from the environment, with documented defaults, and refuse nonsense', () => {
    expect(limitsFromEnv({})).toEqual(DEFAULT_LIMITS);
    expect(limitsFromEnv({ GATEWAY_MAX_DEPTH: '8', GATEWAY_MAX_COST: '500' })).toMatchObject({ maxDepth: 8, maxCost: 500 });
    expect(() => limitsFromEnv({ GATEWAY_MAX_DEPTH: 'deep' })).toThrow(/GATEWAY_MAX_DEPTH must be a positive integer/);
  });
});
