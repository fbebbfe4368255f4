import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ExportFormatEnum {
  NDJSON = 'NDJSON',
  CSV = 'CSV',
  GEOJSON = 'GEOJSON',
}
registerEnumType(ExportFormatEnum, { name: 'ExportFormat', description: 'NDJSON / CSV / GEOJSON (有位置的类别)' });

@InputType({ description: '批量导出: 一个数据集、本部门的一项授权所及的行, 或某类实体 (可限区域)' })
export class ExportInput {
  @Field(() => String, { nullable: true, description: '数据集 id: 其数据所对应的实体' }) dataset!: string | null;
  @Field(() => String, { nullable: true, description: '本部门的授权 id (如 req-ar-000001): 其范围内的行' }) grant!: string | null;
  @Field(() => String, { nullable: true, description: '实体类别, 如 CityObject' }) kind!: string | null;
  @Field(() => String, { nullable: true, description: '区 (6 位) 或街道 (9 位) 代码 (与 kind 同用)' }) region!: string | null;
  @Field(() => [String], { nullable: true, description: '属性 (与 kind 同用; 默认全部可存储属性)' }) fields!: string[] | null;
  @Field(() => ExportFormatEnum) format!: ExportFormatEnum;
}

@ObjectType({ description: '批量导出任务' })
export class ExportJobType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'QUEUED / RUNNING / DONE / FAILED' }) state!: string;
  @Field(() => ExportFormatEnum) format!: ExportFormatEnum;
  @Field(() => String, { description: 'DATASET / GRANT / SELECTION' }) sourceKind!: string;
  @Field(() => String, { description: '所选 (JSON)' }) source!: string;
  @Field(() => String, { nullable: true }) purpose!: string | null;
  @Field(() => String) requester!: string;
  @Field(() => String) department!: string;
  @Field(() => String) policyVersion!: string;
  @Field(() => Int, { description: '已写出的行' }) rows!: number;
  @Field(() => Int) bytes!: number;
  @Field(() => String, { nullable: true }) sha256!: string | null;
  @Field(() => [String], { description: '放行这些值的授权' }) grants!: string[];
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => String) createdAt!: string;
  @Field(() => String, { nullable: true }) finishedAt!: string | null;
  @Field(() => String, { nullable: true, description: '下载地址 (完成后; 携带令牌 GET)' }) fileUrl!: string | null;
  @Field(() => String, { nullable: true, description: '签名清单地址 (完成后)' }) manifestUrl!: string | null;
}
