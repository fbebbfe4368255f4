import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RELEASED_AS, type ReleaseDescriptors } from '../../policy/release';
import type { EntityValue } from '../../query/entities';
import { Entity } from './entityTypes';

export enum LineageDirectionEnum {
  UPSTREAM = 'UPSTREAM',
  DOWNSTREAM = 'DOWNSTREAM',
  BOTH = 'BOTH',
}
registerEnumType(LineageDirectionEnum, { name: 'LineageDirection', description: '血缘方向: 上游 / 下游 / 双向' });

export enum ConflictChoiceEnum {
  A = 'A',
  B = 'B',
}
registerEnumType(ConflictChoiceEnum, { name: 'ConflictChoice', description: '裁决数据打架时采用的一方' });

@ObjectType({ description: '数据集字段及其对应的实体属性 (字段级血缘)' })
export class DatasetFieldType {
  @Field(() => String) name!: string;
  @Field(() => String) type!: string;
  @Field(() => String, { nullable: true, description: '该字段供给的实体属性, 如 Person.phone' }) attribute!: string | null;
  @Field(() => String, { nullable: true }) label!: string | null;
}

@ObjectType({ description: '数据集的来源 (派生关系)' })
export class DerivationType {
  @Field(() => String) dataset!: string;
  @Field(() => String, { description: '派生作业' }) job!: string;
}

@ObjectType({ description: '已登记的数据集 (数据资源目录)' })
export class DatasetType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: '提供部门代码' }) department!: string;
  @Field(() => String, { description: '提供部门' }) departmentName!: string;
  @Field(() => String) topic!: string;
  @Field(() => String, { description: '数据域' }) domain!: string;
  @Field(() => String, { description: '生效级别 (就高从严: 不低于来源, 除非经批准降级)' }) level!: string;
  @Field(() => String, { description: '登记时声明的级别' }) declaredLevel!: string;
  @Field(() => String, { description: '按来源就高得到的级别' }) inheritedLevel!: string;
  @Field(() => String, { nullable: true, description: '经批准的较低级别' }) approvedLevel!: string | null;
  @Field(() => Float, { description: '更新周期 (天)' }) cadenceDays!: number;
  @Field(() => String, { description: '实体类型 (Person / Enterprise / CityObject)' }) entity!: string;
  @Field(() => [String], { description: '本数据集为权威来源的属性 (一数一源)' }) authoritative!: string[];
  @Field(() => [DatasetFieldType]) fields!: DatasetFieldType[];
  @Field(() => [DerivationType]) derivedFrom!: DerivationType[];
  @Field(() => String) registeredAt!: string;
  @Field(() => String) description!: string;
}

@ObjectType({ description: '血缘节点: 数据集、数据集字段或实体属性' })
export class LineageNodeType {
  @Field(() => ID, { description: 'dataset:<id> / field:<dataset>.<field> / attribute:<Type.field>' }) id!: string;
  @Field(() => String, { description: 'DATASET / FIELD / ATTRIBUTE / INDICATOR' }) kind!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) label!: string | null;
  @Field(() => String, { nullable: true }) department!: string | null;
  @Field(() => String, { nullable: true }) departmentName!: string | null;
  @Field(() => String, { nullable: true }) level!: string | null;
  @Field(() => Boolean, { description: '来源数据集尚未登记 (占位)' }) placeholder!: boolean;
}

@ObjectType({ description: '血缘路径上的一个节点及其跳数' })
export class LineageEntryType {
  @Field(() => LineageNodeType) node!: LineageNodeType;
  @Field(() => Int, { description: '距起点的跳数' }) hops!: number;
  @Field(() => LineageDirectionEnum) direction!: LineageDirectionEnum;
  @Field(() => String, { description: '上一跳的节点' }) via!: string;
  @Field(() => String, { description: 'FEEDS / HAS_FIELD / DERIVED_FROM' }) relation!: string;
  @Field(() => String, { nullable: true, description: '派生作业' }) job!: string | null;
}

@ObjectType({ description: '血缘查询结果' })
export class LineageType {
  @Field(() => LineageNodeType, { nullable: true, description: '起点 (未知节点为空)' }) root!: LineageNodeType | null;
  @Field(() => [LineageEntryType]) entries!: LineageEntryType[];
  @Field(() => [LineageNodeType], { description: '属性的权威来源数据集 (含部门)' }) authoritativeSources!: LineageNodeType[];
  @Field(() => Boolean, { description: '时间预算用尽, 结果不完整' }) partial!: boolean;
  @Field(() => Int) depth!: number;
}

@ObjectType({ description: '数据打架: 两个来源对同一属性给出不同的值' })
export class ConflictType {
  /** How the values are released (policy/release.ts RELEASED_AS). */
  [RELEASED_AS]?: ReleaseDescriptors;

  @Field(() => ID) id!: string;
  @Field(() => String, { description: '实体城市码' }) entity!: string;
  @Field(() => String) entityType!: string;
  @Field(() => String) attribute!: string;
  @Field(() => String, { nullable: true, description: '来源 A 的值 (按调用方对该属性的授权脱敏或隐去)' }) valueA!: string | null;
  @Field(() => String) datasetA!: string;
  @Field(() => String) recordA!: string;
  @Field(() => String, { nullable: true }) atA!: string | null;
  @Field(() => String, { nullable: true }) valueB!: string | null;
  @Field(() => String) datasetB!: string;
  @Field(() => String) recordB!: string;
  @Field(() => String, { nullable: true }) atB!: string | null;
  @Field(() => String, { description: '当前采用的数据集' }) winnerDataset!: string;
  @Field(() => String, { description: 'AUTHORITATIVE (权威来源优先) / MOST_RECENT (最近优先)' }) rule!: string;
  @Field(() => String, { description: 'OPEN / RESOLVED' }) status!: string;
  @Field(() => String, { nullable: true }) resolvedBy!: string | null;
  @Field(() => String, { nullable: true }) resolution!: string | null;
  @Field(() => String) createdAt!: string;
}

@ObjectType()
export class ConflictPageType {
  @Field(() => Int) totalCount!: number;
  @Field(() => [ConflictType]) nodes!: ConflictType[];
  @Field(() => String, { nullable: true, description: '下一页的 after' }) endCursor!: string | null;
}

@ObjectType({ description: '待人工复核的疑似匹配' })
export class ReviewCaseType {
  /** How the record key and values are released (policy/release.ts RELEASED_AS). */
  [RELEASED_AS]?: ReleaseDescriptors;

  @Field(() => ID) id!: string;
  @Field(() => String) dataset!: string;
  @Field(() => String) recordKey!: string;
  @Field(() => Int) line!: number;
  @Field(() => String, { description: '候选实体城市码' }) candidate!: string;
  @Field(() => Float, { description: 'Fellegi-Sunter 得分' }) score!: number;
  @Field(() => String) status!: string;
  @Field(() => String, { nullable: true, description: '源记录的值 (JSON, 按调用方授权脱敏)' }) values!: string | null;
}

@ObjectType({ description: '源记录及其 MAPS_TO 边' })
export class SourceRecordType {
  /** How the record key is released (policy/release.ts RELEASED_AS). */
  [RELEASED_AS]?: ReleaseDescriptors;

  @Field(() => ID) id!: string;
  @Field(() => String) recordKey!: string;
  @Field(() => Int) line!: number;
  @Field(() => String, { description: 'MAPPED / REVIEW' }) status!: string;
  @Field(() => String, { nullable: true, description: 'DETERMINISTIC / PROBABILISTIC / NEW / REVIEW …' }) method!: string | null;
  @Field(() => Float, { nullable: true }) score!: number | null;
  @Field(() => String, { nullable: true, description: '匹配时间' }) at!: string | null;
  @Field(() => String, { nullable: true, description: '映射到的实体 (调用方不可见时为空)' }) entityCode!: string | null;
  @Field(() => String, { nullable: true, description: '空间配准到的建筑物' }) registeredTo!: string | null;
}

@ObjectType({ description: '数据集质量' })
export class DatasetQualityType {
  @Field(() => String) dataset!: string;
  @Field(() => String) department!: string;
  @Field(() => Int) records!: number;
  @Field(() => Float, { nullable: true, description: '完整性: 已填映射字段 / 映射字段' }) completeness!: number | null;
  @Field(() => Float, { nullable: true, description: '匹配率: 匹配到已有实体的记录 / 记录' }) matchRate!: number | null;
  @Field(() => Int, { description: '待复核' }) reviewOpen!: number;
  @Field(() => Int) conflicts!: number;
  @Field(() => Int) openConflicts!: number;
  @Field(() => Int, { description: '有位置的记录' }) located!: number;
  @Field(() => Int, { description: '已空间配准的记录' }) registered!: number;
  @Field(() => Float, { nullable: true, description: '空间配准率' }) registrationRate!: number | null;
  @Field(() => String, { nullable: true }) lastIngest!: string | null;
  @Field(() => Float, { nullable: true, description: '距最近一次入库 (天)' }) ageDays!: number | null;
  @Field(() => Float) cadenceDays!: number;
  @Field(() => Boolean, { description: '及时性: 最近一次入库在更新周期内' }) fresh!: boolean;
}

@ObjectType({ description: '部门数据质量' })
export class DepartmentQualityType {
  @Field(() => String) department!: string;
  @Field(() => String) departmentName!: string;
  @Field(() => Int) datasets!: number;
  @Field(() => Int) records!: number;
  @Field(() => Float, { nullable: true }) completeness!: number | null;
  @Field(() => Float, { nullable: true }) matchRate!: number | null;
  @Field(() => Int) conflicts!: number;
  @Field(() => Float, { nullable: true }) registrationRate!: number | null;
  @Field(() => Int, { description: '在更新周期内的数据集' }) freshDatasets!: number;
}

@ObjectType({ description: '变更的实体 (数据回流)' })
export class ChangeType {
  @Field(() => String) code!: string;
  @Field(() => String) changedAt!: string;
  @Field(() => Entity, { nullable: true }) entity!: EntityValue | null;
}

@ObjectType()
export class ChangePageType {
  @Field(() => [ChangeType]) nodes!: ChangeType[];
  @Field(() => String, { nullable: true, description: '下一页的 after' }) endCursor!: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
}

@ObjectType({ description: '数据集登记结果' })
export class DatasetRegistrationType {
  @Field(() => String) id!: string;
  @Field(() => String) level!: string;
  @Field(() => String) inheritedLevel!: string;
}

@ObjectType({ description: '小批量入库结果' })
export class IngestResultType {
  @Field(() => String) dataset!: string;
  @Field(() => Int) read!: number;
  @Field(() => Int) matched!: number;
  @Field(() => Int) new!: number;
  @Field(() => Int) review!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => Int) conflicts!: number;
  @Field(() => Int) rejected!: number;
  @Field(() => [String], { description: '被拒记录: 序号与原因' }) rejections!: string[];
}
