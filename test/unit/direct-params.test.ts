import { GraphQLObjectType, GraphQLResolveInfo } from 'graphql';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, InputType, Int, ObjectType, Query, Resolver, Root, buildSchema } from 'type-graphql';
import { bindFieldParamsDirectly } from '../../resolvers/directParams';

@ObjectType()
class Box {
  @Field(() => String)
  code!: string;
}

@ArgsType()
class BoxPageArgs {
  @Field(() => Int, { nullable: true })
  first?: number | null;
}

@InputType()
class BoxFilter {
  @Field(() => String)
  colour!: string;
}

const seen: unknown[] = [];

@Resolver(() => Box)
class BoxResolver {
  @Query(() => Box)
  box(): Box {
    return Object.assign(new Box(), { code: 'b1' });
  }

  @FieldResolver(() => String)
  page(@Root() box: Box, @Args() args: BoxPageArgs, @Ctx() ctx: { tag: string }): string {
    seen.push(args);
    return `${box.code}:${args.first ?? '-'}:${ctx.tag}`;
  }

  @FieldResolver(() => String)
  label(@Root() box: Box, @Arg('prefix', () => String) prefix: string): string {
    return prefix + box.code;
  }

  @FieldResolver(() => String)
  filtered(@Root() box: Box, @Arg('filter', () => BoxFilter) filter: BoxFilter): string {
    return `${box.code}:${filter.colour}`;
  }
}

const info = {} as GraphQLResolveInfo;

async function boxFields() {
  const schema = bindFieldParamsDirectly(await buildSchema({ resolvers: [BoxResolver], validate: false }));
  return (schema.getType('Box') as GraphQLObjectType).getFields();
}

describe('field resolvers bound without TypeGraphQL\'s async argument step', () => {
  beforeEach(() => {
    seen.length = 0;
  });

  it('answers a field with @Args synchronously, with the arguments as an instance of their class', async () => {
    const fields = await boxFields();
    const box = Object.assign(new Box(), { code: 'b1' });
    const value = fields.page.resolve!(box, { first: 3 }, { tag: 't' }, info);
    expect(value).toBe('b1:3:t');
    expect(seen[0]).toBeInstanceOf(BoxPageArgs);
    expect(fields.label.resolve!(box, { prefix: 'p-' }, {}, info)).toBe('p-b1');
  });

  it('leaves to TypeGraphQL a root that is not of its class, and an input-object argument', async () => {
    const fields = await boxFields();
    const plainRoot = fields.page.resolve!({ code: 'b2' }, { first: 1 }, { tag: 't' }, info);
    expect(plainRoot).toBeInstanceOf(Promise);
    await expect(plainRoot).resolves.toBe('b2:1:t');
    const box = Object.assign(new Box(), { code: 'b3' });
    const withInput = fields.filtered.resolve!(box, { filter: { colour: 'red' } }, {}, info);
    expect(withInput).toBeInstanceOf(Promise);
    await expect(withInput).resolves.toBe('b3:red');
  });
});
