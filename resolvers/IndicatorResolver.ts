import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { badInput, CityCodeError } from '../core/errors';
import { INDICATORS, indicatorKey, periodOf, SCENES, type IndicatorDefinition } from '../domain/indicators';
import { indicatorDatasets } from '../graph/indicators';
import { indicatorSeries, indicatorValuesOf } from '../indicators/store';
import { RELEASED_AS, type ReleaseDescriptors } from '../policy/release';
import { entityByCode } from '../query/fetch';
import type { EntityValue } from '../query/entities';
import { requireCityCode } from './codes';
import type { RequestContext } from './context';
import { indicatorField, IndicatorDefinitionType, IndicatorPointType, IndicatorType } from './types/indicators';

/**
 * 指标: the values of a region (city, district, street, community, grid) for a period, one
 * indicator's history, and the definitions with the datasets they read. Each value is released
 * as its own catalogue key `Indicator.<id>` for the region's row (resolvers/guard.ts).
 */
const LEVELS: Record<string, (p: Readonly<Record<string, unknown>>) => unknown> = {
  CITY: (p) => p.regionCode ?? '440300',
  DISTRICT: (p) => p.regionCode,
  STREET: (p) => p.regionCode,
  COMMUNITY: (p) => p.regionCode,
  GRID: (p) => p.gridCode,
};
const BY_ID = new Map(INDICATORS.map((d) => [d.id, d]));
const PERIOD = /^\d{4}-\d{2}-\d{2}$/;

async function regionOf(ctx: RequestContext, code: string): Promise<{ region: EntityValue; level: string; regionCode: string }> {
  const region = await entityByCode(ctx, requireCityCode(code, 'region', 'OBJECT'));
  const level = String(region?.props.objectKind ?? '');
  const regionCode = region ? LEVELS[level]?.(region.props) : undefined;
  if (!region || typeof regionCode !== 'string') {
    throw new CityCodeError('NOT_FOUND', `No region ${code.slice(0, 40)} you may see`, 'Give the city code of the city, a district, street, community or grid (see regions).', { argument: 'region' });
  }
  return { region, level, regionCode };
}

function period(value: string | null | undefined, argument: string): string | null {
  if (value === null || value === undefined) return null;
  if (!PERIOD.test(value) || Number.isNaN(Date.parse(value))) throw badInput(`${argument} ${value.slice(0, 20)} is not a date`, 'Give a period as YYYY-MM-DD.', { argument });
  return value;
}

function definitionOf(id: string): IndicatorDefinition {
  const d = BY_ID.get(id) ?? INDICATORS.find((x) => indicatorKey(x.id) === id || indicatorKey(x.id) === `Indicator.${id}`);
  if (!d) throw badInput(`indicator ${id.slice(0, 64)} is not defined`, 'List the definitions with indicatorDefinitions.', { argument: 'indicator' });
  return d;
}

@Resolver()
export class IndicatorResolver {
  @Query(() => IndicatorType, { description: '指标值: 一个区域在一个周期 (默认最近一次计算) 的各项指标; 每项按其数据域和级别经发布闸门' })
  async indicators(
    @Arg('region', () => ID, { description: '市、区、街道、社区或网格的城市码' }) code: string,
    @Arg('period', () => String, { nullable: true, description: 'YYYY-MM-DD; 默认最近一期' }) periodArg: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<IndicatorType> {
    const { region, level, regionCode } = await regionOf(ctx, code);
    const found = await indicatorValuesOf(ctx.stores.sql, regionCode, INDICATORS.map((d) => d.id), period(periodArg, 'period'));
    const at = { code: region.code, props: region.props };
    const out: Record<string | symbol, unknown> = { region: region.code, level, regionCode, period: found.period };
    const descriptors: Record<string, ReleaseDescriptors[string]> = { region: null, level: null, regionCode: null, period: null };
    for (const d of INDICATORS) {
      const field = indicatorField(d.id);
      out[field] = found.values.get(d.id) ?? null;
      descriptors[field] = { key: indicatorKey(d.id), at };
    }
    out[RELEASED_AS] = descriptors;
    return out as unknown as IndicatorType;
  }

  @Query(() => [IndicatorPointType], { description: '指标历史: 一项指标在一个区域的各期值' })
  async indicatorHistory(
    @Arg('indicator', () => String, { description: '指标 id (如 housing_rooms) 或目录键' }) id: string,
    @Arg('region', () => ID) code: string,
    @Arg('from', () => String, { nullable: true, description: 'YYYY-MM-DD; 默认一年前' }) from: string | null,
    @Arg('to', () => String, { nullable: true, description: 'YYYY-MM-DD; 默认今天' }) to: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<IndicatorPointType[]> {
    const d = definitionOf(id);
    const { region, regionCode } = await regionOf(ctx, code);
    // Periods are days of 北京时间 (periodOf): from 16:00 UTC on, today's period is tomorrow's UTC date.
    const today = periodOf({ cadence: 'DAILY' }, new Date());
    const end = period(to, 'to') ?? today;
    const start = period(from, 'from') ?? new Date(Date.parse(end) - 366 * 86_400_000).toISOString().slice(0, 10);
    const rows = await indicatorSeries(ctx.stores.sql, d.id, regionCode, start, end);
    const at = { code: region.code, props: region.props };
    return rows.map((r) => ({ ...r, [RELEASED_AS]: { period: null, value: { key: indicatorKey(d.id), at } } }) as unknown as IndicatorPointType);
  }

  @Query(() => [IndicatorDefinitionType], { description: '指标定义 (指标体系): 口径、责任部门、级别和所读数据集' })
  async indicatorDefinitions(
    @Arg('scene', () => String, { nullable: true, description: `场景: ${Object.keys(SCENES).join(' ')}` }) scene: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<IndicatorDefinitionType[]> {
    if (scene !== null && !Object.hasOwn(SCENES, scene)) throw badInput(`scene ${scene.slice(0, 40)} is not a scene`, `Use one of ${Object.keys(SCENES).join(', ')}.`, { argument: 'scene' });
    const defs = INDICATORS.filter((d) => scene === null || d.scene === scene);
    const datasets = await indicatorDatasets(ctx.stores.graph, defs.map((d) => `indicator:${indicatorKey(d.id)}`));
    return defs.map((d) => ({
      id: d.id,
      key: indicatorKey(d.id),
      name: d.name,
      scene: d.scene,
      owner: d.owner,
      unit: d.unit,
      cadence: d.cadence,
      domain: d.domain,
      level: d.level,
      formula: JSON.stringify({ numerator: d.numerator, denominator: d.denominator ?? null, scale: d.scale ?? 1 }),
      datasets: datasets.get(`indicator:${indicatorKey(d.id)}`) ?? [],
    }));
  }
}
