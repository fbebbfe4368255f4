import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: '属性值的来源 (数据集、记录、时间)' })
export class ProvenanceType {
  @Field(() => String) code!: string;
  @Field(() => String) attribute!: string;
  @Field(() => String, { nullable: true, description: '当前值 (按授权脱敏)' }) value!: string | null;
  @Field(() => String, { nullable: true }) dataset!: string | null;
  @Field(() => String, { nullable: true }) datasetName!: string | null;
  @Field(() => String, { nullable: true }) department!: string | null;
  @Field(() => String, { nullable: true }) departmentName!: string | null;
  @Field(() => String, { nullable: true }) record!: string | null;
  @Field(() => String, { nullable: true, description: '记录时间' }) at!: string | null;
  @Field(() => Boolean, { description: '来源是否为该属性的权威数据集' }) authoritative!: boolean;
  @Field(() => String, { nullable: true, description: '由数据管家裁决' }) resolvedBy!: string | null;
}
