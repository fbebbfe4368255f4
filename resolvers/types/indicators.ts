import { Field, Float, ObjectType } from 'type-graphql';
import { INDICATORS, indicatorKey } from '../../domain/indicators';

/**
 * Indicators in GraphQL (指标): `Indicator` has one field per shipped definition, named as its
 * catalogue key (`Indicator.housingRooms`), so that each value is released through the gate as
 * that key for the region it describes (OUTPUT_FIELDS: 'attribute'); a definition added to
 * domain/indicators.ts is a field here without an edit.
 */
@ObjectType('Indicator', { description: '指标值: 一个区域 (市/区/街道/社区/网格) 在一个周期的各项指标; 每项按其数据域和级别经发布闸门' })
export class IndicatorType {
  @Field(() => String, { description: '区域的城市码' }) region!: string;
  @Field(() => String, { description: '层级: CITY DISTRICT STREET COMMUNITY GRID' }) level!: string;
  @Field(() => String, { description: '区域代码 (区 6 位、街道 9 位、社区 12 位、网格 14 位)' }) regionCode!: string;
  @Field(() => String, { nullable: true, description: '周期 (YYYY-MM-DD; 无计算结果时为空)' }) period!: string | null;
}

/** The field name of a definition on `Indicator` (its catalogue key without the type). */
export const indicatorField = (id: string): string => indicatorKey(id).slice('Indicator.'.length);

for (const d of INDICATORS) {
  Field(() => Float, { nullable: true, description: `${d.name} (${d.unit}) — ${d.scene}, ${d.owner}` })(IndicatorType.prototype, indicatorField(d.id));
}

@ObjectType('IndicatorDefinition', { description: '指标定义: 名称、责任部门、口径 (对图谱 / PostGIS / 物联读数的声明式汇总)、单位、周期、级别和所读数据集' })
export class IndicatorDefinitionType {
  @Field(() => String) id!: string;
  @Field(() => String, { description: '目录键 Indicator.<id>' }) key!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: '场景: HOUSING PARKING EMERGENCY GRID_GOVERNANCE PUBLIC_SERVICE ECONOMY' }) scene!: string;
  @Field(() => String, { description: '责任部门' }) owner!: string;
  @Field(() => String) unit!: string;
  @Field(() => String, { description: 'DAILY / MONTHLY' }) cadence!: string;
  @Field(() => String) domain!: string;
  @Field(() => String) level!: string;
  @Field(() => String, { description: '口径 (JSON: numerator, denominator, scale)' }) formula!: string;
  @Field(() => [String], { description: '所读数据集 (血缘)' }) datasets!: string[];
}

@ObjectType('IndicatorPoint', { description: '指标历史中的一个值' })
export class IndicatorPointType {
  @Field(() => String) period!: string;
  @Field(() => Float, { nullable: true, description: '值 (经发布闸门)' }) value!: number | null;
}
