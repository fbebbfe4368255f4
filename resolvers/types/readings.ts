import { ArgsType, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/**
 * IoT readings in GraphQL (物联感知): the readings of a device (or the latest of every device in a
 * building, grid or region) and the hourly / daily aggregates of a building, grid or region. Both
 * are fields of CityObject whose values the release gate decides as `CityObject.readings` /
 * `CityObject.readingStats` (domain/model.ts MEASURES) for the object they are read on.
 */
export enum ReadingBucketSize {
  HOUR = 'HOUR',
  DAY = 'DAY',
}
registerEnumType(ReadingBucketSize, { name: 'ReadingBucketSize', description: '汇总粒度: 小时 / 日' });

@ObjectType('Reading', { description: '一条物联读数' })
export class ReadingType {
  @Field(() => ID, { description: '设备的城市码' }) device!: string;
  @Field(() => String, { description: '设备编码' }) deviceCode!: string;
  @Field(() => String, { description: '指标 (water_level, occupancy …)' }) metric!: string;
  @Field(() => String, { description: '单位' }) unit!: string;
  @Field(() => String, { description: '采集时间 (ISO 8601)' }) at!: string;
  @Field(() => Float) value!: number;
}

@ObjectType('ReadingBucket', { description: '一个时段的读数汇总' })
export class ReadingBucketType {
  @Field(() => String, { description: '时段开始 (ISO 8601)' }) start!: string;
  @Field(() => Int, { description: '读数条数' }) n!: number;
  @Field(() => Float) avg!: number;
  @Field(() => Float) min!: number;
  @Field(() => Float) max!: number;
}

@ArgsType()
export class ReadingsArgs {
  @Field(() => String, { nullable: true, description: '指标; 省略为全部' }) metric?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'true: 每台设备每项指标的最新读数 (建筑物、网格、区域取其中全部设备)' }) latest?: boolean | null;
  @Field(() => String, { nullable: true, description: '起 (含), ISO 8601; 默认 24 小时前' }) from?: string | null;
  @Field(() => String, { nullable: true, description: '止 (不含), ISO 8601; 默认现在' }) to?: string | null;
  @Field(() => Int, { nullable: true, description: '至多条数 (默认 500, 上限 5000)' }) first?: number | null;
}

@ArgsType()
export class ReadingStatsArgs {
  @Field(() => String, { description: '指标' }) metric!: string;
  @Field(() => String, { nullable: true, description: '起 (含), ISO 8601; 默认 24 小时前' }) from?: string | null;
  @Field(() => String, { nullable: true, description: '止 (不含), ISO 8601; 默认现在' }) to?: string | null;
  @Field(() => ReadingBucketSize, { nullable: true, description: '粒度 (默认 HOUR)' }) bucket?: ReadingBucketSize | null;
}

@ObjectType('ReadingAlert', { description: '阈值告警: 某设备的最新读数越过订阅的阈值' })
export class ReadingAlertType {
  @Field(() => ID, { description: '设备的城市码' }) device!: string;
  @Field(() => String) deviceCode!: string;
  @Field(() => String) metric!: string;
  @Field(() => String) unit!: string;
  @Field(() => String) at!: string;
  @Field(() => Float, { nullable: true, description: '读数 (经发布闸门: CityObject.readings)' }) value!: number | null;
  @Field(() => String, { description: 'ABOVE / BELOW' }) crossed!: string;
  @Field(() => Float) threshold!: number;
}

/** The GraphQL shape of each measure field of the city model (domain/model.ts MEASURES), by field name. */
export const MEASURE_FIELDS = {
  readings: { args: () => ReadingsArgs, returns: () => [ReadingType] },
  readingStats: { args: () => ReadingStatsArgs, returns: () => [ReadingBucketType] },
} as const;
