import { buildSchema, parse, validate } from 'graphql';
import { costEstimator, limitRules, operationCost } from '../../api/limits';
import { DEFAULT_REQUEST_LIMITS } from '../../core/config';

/** The cost estimator and the shape rules of api/limits.ts, on a small schema (pure). */
const schema = buildSchema(`
  type Query { building(code: ID!): Building, buildings(first: Int): BuildingConnection!, tags: [String!]! }
  type BuildingConnection { totalCount: Int!, nodes: [Building!]! }
  type Building { code: ID!, name: String, residents(first: Int): PersonConnection!, floors: [Floor!]! }
  type Floor { level: Int! }
  type PersonConnection { nodes: [Person!]! }
  type Person { code: ID!, name: String, employers(first: Int): EnterpriseConnection! }
  type EnterpriseConnection { nodes: [Enterprise!]! }
  type Enterprise { code: ID! }
`);
const cost = (q: string, variables: Record<string, unknown> = {}) => operationCost(schema, parse(q), undefined, variables, [costEstimator(20)]);

describe('cost (first-aware, nesting multiplies)', () => {
  it('a leaf costs 1; a page costs its size times what each item selects', () => {
    expect(cost('{ building(code: "x") { code } }')).toBe(2);
    // buildings: 1 + 10 × (totalCount 1 + nodes (1 + 1 × code 1)) — the page's own list is the page.
    expect(cost('{ buildings(first: 10) { nodes { code } } }')).toBe(1 + 10 * (1 + 1 + 1) - 10);
  });

  it('nested pages multiply, from the variables', () => {
    const q = 'query ($n: Int, $m: Int) { buildings(first: $n) { nodes { residents(first: $m) { nodes { code } } } } }';
    // residents: 1 + m × (nodes 1 + code 1); buildings: 1 + n × (nodes 1 + residents).
    expect(cost(q, { n: 2, m: 3 })).toBe(1 + 2 * (1 + (1 + 3 * 2)));
    expect(cost(q, { n: 20, m: 30 })).toBe(1 + 20 * (1 + (1 + 30 * 2)));
  });

  it('a page without first counts the default list size; a list without first too', () => {
    expect(cost('{ buildings { nodes { code } } }')).toBe(cost('{ buildings(first: 20) { nodes { code } } }'));
    expect(cost('{ building(code: "x") { floors { level } } }')).toBe(1 + 1 + 20 * 1);
  });

  it('a first above the largest page any resolver allows (500) costs as 500: the resolver refuses it precisely', () => {
    expect(cost('{ buildings(first: 100000) { nodes { code } } }')).toBe(cost('{ buildings(first: 500) { nodes { code } } }'));
  });

  it('variables of the wrong type cost nothing (execution refuses them)', () => {
    expect(cost('query ($n: Int) { buildings(first: $n) { nodes { code } } }', { n: 'many' })).toBe(0);
  });
});

describe('shape rules (GraphQL Armor) with our codes', () => {
  const codes = (q: string) => validate(schema, parse(q), limitRules({ ...DEFAULT_REQUEST_LIMITS, maxDepth: 3, maxAliases: 2, maxDirectives: 1 })).map((e) => e.extensions.code);
  it('depth, aliases and directives each have their own code', () => {
    expect(codes('{ buildings { nodes { code } } }')).toEqual([]);
    expect(codes('{ buildings { nodes { residents { nodes { code } } } } }')).toEqual(['OPERATION_TOO_DEEP']);
    expect(codes('{ a: tags b: tags c: tags }')).toEqual(['TOO_MANY_ALIASES']);
    expect(codes('{ tags @skip(if: false) @include(if: true) }')).toEqual(['TOO_MANY_DIRECTIVES']);
  });
  it('fragments are expanded for depth', () => {
    expect(codes('{ buildings { ...B } } fragment B on BuildingConnection { nodes { residents { nodes { code } } } }')).toEqual(['OPERATION_TOO_DEEP']);
  });
});
