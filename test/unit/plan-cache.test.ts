import { buildSchema, execute, getArgumentValues, GraphQLObjectType, GraphQLResolveInfo, parse } from 'graphql';
import type { PlanningPolicy } from '../../policy/release';
import { cachedPlan } from '../../query/planCache';

/**
 * A tiny schema whose `item` field plans like look-ahead does: it reads the `first` argument of
 * the `related` selection below it (maybe from a variable) and asks the policy whether
 * `Item.secret` may be read; the plan comes back as `item.plan`. Each `make` call is counted.
 */
let made = 0;
let allowed = new Set<string>();

const policy = (): PlanningPolicy => ({
  mayRead: (fieldKey) => allowed.has(fieldKey),
  mayFilterByKind: () => true,
  rowDependent: () => false,
});

function planOf(info: GraphQLResolveInfo, p: PlanningPolicy) {
  made++;
  const itemType = info.schema.getType('Item') as GraphQLObjectType;
  const related = info.fieldNodes[0].selectionSet?.selections.find((s) => s.kind === 'Field' && s.name.value === 'related');
  const first = related && related.kind === 'Field' ? (getArgumentValues(itemType.getFields().related, related, info.variableValues).first as number | undefined) : undefined;
  return { first: first ?? null, secret: p.mayRead('Item.secret') };
}

const rootValue = {
  item: (_args: unknown, _ctx: unknown, info: GraphQLResolveInfo) => ({ plan: cachedPlan(info, policy(), 'item', planOf) }),
};
const itemSchema = buildSchema(`
  type Plan { first: Int secret: Boolean }
  type Item { plan: Plan code: String related(first: Int): [Item] secret: String }
  type Query { item(code: String): Item }
`);

async function run(document: ReturnType<typeof parse>, variables: Record<string, unknown>) {
  const res = await execute({ schema: itemSchema, document, rootValue, variableValues: variables });
  expect(res.errors).toBeUndefined();
  return (res.data as { item: { plan: { first: number | null; secret: boolean } } }).item.plan;
}

beforeEach(() => {
  made = 0;
  allowed = new Set(['Item.secret']);
});

describe('look-ahead plans kept across requests', () => {
  const text = `query ($code: String, $n: Int) { item(code: $code) { plan { first secret } related(first: $n) { code } } }`;

  it('makes a plan once for one document, whatever the variables it does not read', async () => {
    const document = parse(text);
    expect(await run(document, { code: 'a', n: 5 })).toEqual({ first: 5, secret: true });
    expect(await run(document, { code: 'b', n: 5 })).toEqual({ first: 5, secret: true });
    expect(await run(document, { code: 'c', n: 5 })).toEqual({ first: 5, secret: true });
    expect(made).toBe(1);
  });

  it('makes it again when a variable it read changes, and keeps both variants', async () => {
    const document = parse(text);
    expect(await run(document, { code: 'a', n: 5 })).toEqual({ first: 5, secret: true });
    expect(await run(document, { code: 'a', n: 7 })).toEqual({ first: 7, secret: true });
    expect(await run(document, { code: 'a' })).toEqual({ first: null, secret: true });
    expect(made).toBe(3);
    expect(await run(document, { code: 'z', n: 7 })).toEqual({ first: 7, secret: true });
    expect(await run(document, { code: 'z', n: 5 })).toEqual({ first: 5, secret: true });
    expect(made).toBe(3);
  });

  it('never hands one caller a plan made on another caller\'s different policy answer', async () => {
    const document = parse(text);
    expect(await run(document, { n: 5 })).toEqual({ first: 5, secret: true });
    allowed = new Set();
    expect(await run(document, { n: 5 })).toEqual({ first: 5, secret: false });
    expect(made).toBe(2);
    allowed = new Set(['Item.secret']);
    expect(await run(document, { n: 5 })).toEqual({ first: 5, secret: true });
    expect(made).toBe(2);
  });

  it('does not share plans between two parses of the same text', async () => {
    await run(parse(text), { n: 5 });
    await run(parse(text), { n: 5 });
    expect(made).toBe(2);
  });
});
