import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum FlowTargetEnum {
  SUBGRAPH = 'SUBGRAPH',
  FILE = 'FILE',
}
registerEnumType(FlowTargetEnum, { name: 'ReturnFlowTarget', description: 'SUBGRAPH 推送至区子图的回流接口 / FILE 写为文件 (附签名清单)' });

@InputType({ description: '数据回流计划' })
export class ReturnFlowInput {
  @Field(() => String, { nullable: true, description: '区代码 (默认: 本区); 委员会须指明' }) district!: string | null;
  @Field(() => String, { description: '数据域: POPULATION / LEGAL_ENTITY / SPATIAL / PUBLIC_SERVICE' }) domain!: string;
  @Field(() => String, { description: 'cron 表达式 (分 时 日 月 周), 如 "0 2 * * *" = 每天 02:00; 至多每 5 分钟一次' }) cron!: string;
  @Field(() => String, { nullable: true, description: '时区 (默认 Asia/Shanghai)' }) timezone!: string | null;
  @Field(() => String, { description: '用途, 如 GRID_GOVERNANCE' }) purpose!: string;
  @Field(() => FlowTargetEnum) target!: FlowTargetEnum;
  @Field(() => Boolean, { defaultValue: true, description: '首次交付本区该数据域的全量 (否则只交付此后的变更)' }) snapshot!: boolean;
}

@ObjectType({ description: '一次回流交付' })
export class ReturnFlowDeliveryType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'RUNNING / SUCCEEDED / FAILED' }) status!: string;
  @Field(() => Int, { description: '第几次尝试' }) attempt!: number;
  @Field(() => String, { description: 'SCHEDULE / RETRY / MANUAL' }) trigger!: string;
  @Field(() => Boolean, { description: '全量 (首次) 交付' }) snapshot!: boolean;
  @Field(() => String) startedAt!: string;
  @Field(() => String, { nullable: true }) finishedAt!: string | null;
  @Field(() => String, { description: '起始游标 (变更序号)' }) fromCursor!: string;
  @Field(() => String, { nullable: true, description: '交付至的游标' }) toCursor!: string | null;
  @Field(() => Int, { nullable: true }) rows!: number | null;
  @Field(() => Int, { nullable: true }) bytes!: number | null;
  @Field(() => String, { nullable: true }) sha256!: string | null;
  @Field(() => String, { nullable: true, description: '文件路径或推送地址' }) location!: string | null;
  @Field(() => String, { nullable: true }) error!: string | null;
}

@ObjectType({ description: '数据回流计划及其状态' })
export class ReturnFlowType {
  @Field(() => ID) id!: string;
  @Field(() => String) district!: string;
  @Field(() => String, { description: '以其授权交付的区政府' }) department!: string;
  @Field(() => String) domain!: string;
  @Field(() => String) cron!: string;
  @Field(() => String) timezone!: string;
  @Field(() => String) purpose!: string;
  @Field(() => FlowTargetEnum) target!: FlowTargetEnum;
  @Field(() => Boolean) enabled!: boolean;
  @Field(() => Boolean, { description: '首次全量已交付' }) snapshotDone!: boolean;
  @Field(() => String, { description: '已交付至的变更序号 (last cursor)' }) cursor!: string;
  @Field(() => String) nextRunAt!: string;
  @Field(() => Int, { description: '当前交付已失败的次数 (重试中)' }) attempt!: number;
  @Field(() => String, { nullable: true }) lastRunAt!: string | null;
  @Field(() => String, { nullable: true, description: 'SUCCEEDED / RETRYING / FAILED' }) lastStatus!: string | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => String) createdBy!: string;
  @Field(() => String) createdAt!: string;
  @Field(() => [ReturnFlowDeliveryType], { description: '最近的交付, 新的在前' }) deliveries!: ReturnFlowDeliveryType[];
}
