import { ArgsType, Field, Int } from 'type-graphql';

@ArgsType()
export class PageArgsType {
  @Field(() => Int, { nullable: true, description: '每页数量 (默认 20, 最多 500)' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: '上一页的 pageInfo.endCursor' })
  after?: string | null;
}

@ArgsType()
export class KindPageArgsType extends PageArgsType {
  @Field(() => [String], { nullable: true, description: '只返回这些对象类别, 如 ["BUILDING", "DEVICE"]' })
  kinds?: string[] | null;
}
