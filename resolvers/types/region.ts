import { registerEnumType } from 'type-graphql';

export enum RegionLevel {
  CITY = 'CITY',
  DISTRICT = 'DISTRICT',
  STREET = 'STREET',
  COMMUNITY = 'COMMUNITY',
}
registerEnumType(RegionLevel, { name: 'RegionLevel', description: '区域层级: 市域 / 城区 / 街道 / 社区' });
