import { Field, ID, InputType, ObjectType } from 'type-graphql';

@ObjectType({ description: '使用留痕中的一个属性' })
export class UsageFieldType {
  @Field(() => String, { description: '目录编码, 如 Person.phone' }) key!: string;
  @Field(() => String, { description: '中文名称' }) label!: string;
}

@InputType({ description: '使用留痕筛选' })
export class UsageFilterInput {
  @Field(() => String, { nullable: true, description: '实体城市码' }) code!: string | null;
  @Field(() => String, { nullable: true, description: '属性, 如 Person.phone' }) attribute!: string | null;
  @Field(() => String, { nullable: true, description: '读取方部门代码' }) department!: string | null;
  @Field(() => String, { nullable: true, description: '读取人账号, 如 zhang.data' }) user!: string | null;
  @Field(() => String, { nullable: true, description: '用途' }) purpose!: string | null;
  @Field(() => String, { nullable: true, description: '授权 id' }) grant!: string | null;
  @Field(() => String, { nullable: true, description: '子图: city / futian' }) subgraph!: string | null;
  @Field(() => String, { nullable: true, description: 'ALLOW / MASK / DENY' }) decision!: string | null;
  @Field(() => String, { nullable: true, description: '起始时间 (ISO, 含)' }) from!: string | null;
  @Field(() => String, { nullable: true, description: '截止时间 (ISO, 不含)' }) to!: string | null;
}

@ObjectType({ description: '使用留痕: 谁、何时、为何用途、依据哪项授权、从哪个子图读取或被拒绝了哪些实体的哪些属性' })
export class UsageEntryType {
  @Field(() => ID, { description: '审计链序号' }) id!: string;
  @Field(() => String) at!: string;
  @Field(() => String, { nullable: true, description: '读取人 (账号)' }) username!: string | null;
  @Field(() => String, { nullable: true }) department!: string | null;
  @Field(() => String, { nullable: true }) departmentName!: string | null;
  @Field(() => String, { nullable: true }) purpose!: string | null;
  @Field(() => String, { nullable: true }) purposeLabel!: string | null;
  @Field(() => String, { nullable: true, description: '操作名' }) operation!: string | null;
  @Field(() => String, { description: 'ALLOW 明文 / MASK 脱敏 / DENY 拒绝' }) decision!: string;
  @Field(() => String, { description: '作出决定的授权 (或规则)' }) grant!: string;
  @Field(() => String, { nullable: true }) policyVersion!: string | null;
  @Field(() => String, { description: '子图: city / futian' }) subgraph!: string;
  @Field(() => [String], { description: '实体城市码' }) entityCodes!: string[];
  @Field(() => [UsageFieldType]) fields!: UsageFieldType[];
  @Field(() => String, { nullable: true, description: '拒绝的原因' }) reason!: string | null;
}

@ObjectType()
export class UsagePageType {
  @Field(() => [UsageEntryType]) nodes!: UsageEntryType[];
  @Field(() => String, { nullable: true, description: '下一页的 after' }) endCursor!: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
}

@ObjectType({ description: '谁查看了我的数据: 哪个部门、何时、为何用途、依据哪项授权、看了我的哪些信息 (不含经办人姓名和他人信息)' })
export class MyDataUsageType {
  @Field(() => ID) id!: string;
  @Field(() => String) at!: string;
  @Field(() => String, { nullable: true }) department!: string | null;
  @Field(() => String, { nullable: true, description: '部门名称' }) departmentName!: string | null;
  @Field(() => String, { nullable: true }) purpose!: string | null;
  @Field(() => String, { nullable: true, description: '用途名称' }) purposeLabel!: string | null;
  @Field(() => String, { description: 'ALLOW 明文 / MASK 脱敏 / DENY 拒绝' }) decision!: string;
  @Field(() => String, { description: '依据的授权' }) grant!: string;
  @Field(() => String, { description: '子图: city / futian' }) subgraph!: string;
  @Field(() => [UsageFieldType], { description: '我的哪些信息' }) fields!: UsageFieldType[];
}

@ObjectType()
export class MyDataUsagePageType {
  @Field(() => [MyDataUsageType]) nodes!: MyDataUsageType[];
  @Field(() => String, { nullable: true }) endCursor!: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
}
