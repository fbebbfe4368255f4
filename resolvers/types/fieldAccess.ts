import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: '调用方对某一属性的读取权限 (按当前用途与策略; 不含任何数据值)' })
export class FieldAccessType {
  @Field(() => String, { description: '目录编码, 如 Person.phone' }) key!: string;
  @Field(() => String, { description: '字段名, 如 phone' }) field!: string;
  @Field(() => String, { description: 'ALLOW 明文 / MASK 脱敏 / DENY 拒绝 (对调用方可见的每一行; byRow 时为范围外的行)' }) effect!: string;
  @Field(() => Boolean, { description: '是否按行决定 (如本辖区明文、其他脱敏)' }) byRow!: boolean;
  @Field(() => String, { description: '该属性的级别 L1-L4' }) requiredLevel!: string;
  @Field(() => String, { description: '作出决定的授权或规则, id@版本' }) policy!: string;
  @Field(() => String, { description: '原因' }) reason!: string;
  @Field(() => [String], { description: '声明其中某一用途可得到更好的决定' }) betterWithPurposes!: string[];
}
