import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CityObject } from './entity';

export enum RegionLevel {
  CITY = 'CITY',
  DISTRICT = 'DISTRICT',
  STREET = 'STREET',
  COMMUNITY = 'COMMUNITY',
}
registerEnumType(RegionLevel, { name: 'RegionLevel', description: '区域层级: 市域 / 城区 / 街道 / 社区' });

@ObjectType({ description: '上级对象及其距离 (1 = 直接上级)' })
export class Ancestor {
  @Field(() => Int)
  depth!: number;

  @Field(() => CityObject)
  object!: CityObject;
}
