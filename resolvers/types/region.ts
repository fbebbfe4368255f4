import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { EntityValue } from '../../query/entities';
import { Entity } from './entityTypes';

export enum RegionLevel {
  CITY = 'CITY',
  DISTRICT = 'DISTRICT',
  STREET = 'STREET',
  COMMUNITY = 'COMMUNITY',
}
registerEnumType(RegionLevel, { name: 'RegionLevel', description: '区域层级: 市域 / 城区 / 街道 / 社区' });

@ObjectType({ description: '区域统计: 调用方可见范围内各类实体的数量' })
export class RegionStatsType {
  @Field(() => Entity, { description: '区域 (城市实体; 其名称、代码等属性与任何实体一样经发布闸门)' }) region!: EntityValue;
  @Field(() => Int, { description: '自然人' }) persons!: number;
  @Field(() => Int, { description: '法人和其他组织' }) enterprises!: number;
  @Field(() => Int, { description: '城市实体 (物, 不含区域本身)' }) cityObjects!: number;
  @Field(() => Int, { description: '公共服务设施' }) publicFacilities!: number;
}
