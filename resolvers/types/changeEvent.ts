import { Field, ID, ObjectType } from 'type-graphql';
import type { EntityValue } from '../../query/entities';
import { Entity } from './entityTypes';

@ObjectType({ description: '实时推送的变更事件: 变更的实体 (按订阅方授权放行), 变更的属性, 续订游标' })
export class ChangeEventType {
  @Field(() => String, { description: '续订游标: 断线后以 after 传回, 不丢不重' }) cursor!: string;
  @Field(() => ID, { description: '事件序号 (全局, 按提交顺序)' }) id!: string;
  @Field(() => String, { description: '变更时间 (ISO)' }) at!: string;
  @Field(() => ID) code!: string;
  @Field(() => String) kind!: string;
  @Field(() => String) domain!: string;
  @Field(() => String, { nullable: true, description: '带来变更的数据集' }) dataset!: string | null;
  @Field(() => String, { description: 'INGEST 入库 / GOVERNANCE 数据打架裁决' }) source!: string;
  @Field(() => [String], { description: '变更的属性中订阅方可读的 (如 Person.phone)' }) fields!: string[];
  @Field(() => Entity, { description: '实体的当前值, 按订阅方的授权放行 (脱敏、拒绝同查询)' }) entity!: EntityValue;
}
