import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { badInput, CityCodeError } from '../core/errors';
import { KINDS, KIND_NAMES } from '../domain/model';
import { countsByRegion, entitiesByName, regionByAdminCode, regionsByLevel } from '../graph/entities';
import { asEntity, entitiesOf, type EntityValue } from '../query/entities';
import { entityByCode } from '../query/fetch';
import { requireCityCode } from './codes';
import type { RequestContext } from './context';
import { RegionLevel, RegionStatsType } from './types/region';
import { FieldAccessType } from './types/fieldAccess';
import { attributesOf, isKindName, relationFieldsOf } from '../domain/modelIndex';
import { Entity, KIND_TYPES } from './types/entityTypes';

/** Entities by code and regions by level (the by-code query of each kind is derived below). */
@Resolver()
export class EntityQueryResolver {
  @Query(() => Entity, { nullable: true, description: '按城市码查询任一实体 (人、企、物)' })
  entity(@Arg('code', () => ID) code: string, @Ctx() ctx: RequestContext): Promise<EntityValue | null> {
    return entityByCode(ctx, requireCityCode(code));
  }

  @Query(() => KIND_TYPES.CityObject, { nullable: true, description: '按行政区划代码查询区域 (区 6 位 / 街道 9 位 / 社区 12 位)' })
  async region(@Arg('regionCode', () => String) regionCode: string, @Ctx() ctx: RequestContext): Promise<EntityValue | null> {
    if (!/^(\d{6}|\d{9}|\d{12})$/.test(regionCode)) {
      throw badInput(`"${regionCode.slice(0, 20)}" is not a region code`, 'Pass a 6-digit district, 9-digit street or 12-digit community code.', {
        argument: 'regionCode',
      });
    }
    const record = await regionByAdminCode(ctx.stores.graph, regionCode, ctx.release.graphScope());
    return record ? asEntity(record) : null;
  }

  @Query(() => [KIND_TYPES.CityObject], { description: '某一层级的区域 (市域、城区、街道、社区), 可限定上级区域' })
  async regions(
    @Arg('level', () => RegionLevel) level: RegionLevel,
    @Arg('within', () => ID, { nullable: true, description: '上级区域的城市码' }) within: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<EntityValue[]> {
    const parent = within ? requireCityCode(within, 'within', 'OBJECT') : null;
    return entitiesOf(await regionsByLevel(ctx.stores.graph, level, parent, ctx.release.graphScope()), 'CityObject');
  }

  @Query(() => [Entity], {
    description:
      '按名称检索实体 (名称包含检索词, 最短的在前, 最多 50 个): 只检索调用方对其全部可见行都能明文读取名称的类别 (如自然人姓名仅限有相应授权者), 只返回调用方范围内的实体',
  })
  async entitiesByName(
    @Arg('name', () => String, { description: '检索词 (至少 2 个字符)' }) name: string,
    @Arg('first', () => Int, { nullable: true, description: '默认 20, 最多 50' }) first: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<EntityValue[]> {
    const text = name.trim();
    if ([...text].length < 2 || text.length > 64) {
      throw badInput('name must be 2 to 64 characters', 'Give at least two characters of the name (e.g. 福田 or 科技).', { argument: 'name' });
    }
    const n = first ?? 20;
    if (!Number.isInteger(n) || n < 1 || n > 50) throw badInput(`first ${n} is out of range`, 'Ask for 1 to 50 entities.', { argument: 'first' });
    // A name look-up is a filter on the name: only kinds whose name this caller reads in clear on
    // every row it sees (FORBIDDEN_FILTER otherwise), so a masked name cannot be probed.
    const kinds = KIND_NAMES.filter((kind) => {
      try {
        ctx.release.assertCanUse(`${kind}.name`, 'lookup');
        return true;
      } catch (err) {
        if (err instanceof CityCodeError) return false;
        throw err;
      }
    });
    return entitiesOf(await entitiesByName(ctx.stores.graph, kinds, text, n, ctx.release.graphScope()));
  }

  @Query(() => [FieldAccessType], {
    description: '我的字段权限: 某类实体的每个属性与关系, 调用方以当前用途读取时是明文、脱敏还是拒绝 (只有策略, 不含数据; 不记入使用留痕)',
  })
  myFieldAccess(@Arg('kind', () => String, { description: 'Person / Enterprise / CityObject / PublicFacility' }) kind: string, @Ctx() ctx: RequestContext): FieldAccessType[] {
    if (!isKindName(kind)) throw badInput(`${kind.slice(0, 40)} is not a kind of the city model`, `Use one of ${KIND_NAMES.join(', ')}.`, { argument: 'kind' });
    const fields = [...attributesOf(kind).map((a) => ({ key: a.key, field: a.field })), ...relationFieldsOf(kind).map((r) => ({ key: r.key, field: r.field }))];
    return fields.map(({ key, field }) => {
      const rule = ctx.release.rule(key);
      const d = rule.decision;
      return { key, field, effect: d.effect, byRow: rule.rowDependent, requiredLevel: d.requiredLevel, policy: d.policy, reason: d.reason, betterWithPurposes: d.acceptablePurposes ?? [] };
    });
  }

  @Query(() => [RegionStatsType], { description: '区域统计: 某一层级 (城区、街道、社区) 各区域的人、企、物、设施数量, 只计调用方范围内可见的实体' })
  async regionStats(@Arg('level', () => RegionLevel) level: RegionLevel, @Ctx() ctx: RequestContext): Promise<RegionStatsType[]> {
    if (level === RegionLevel.CITY) throw badInput('regionStats counts districts, streets or communities', 'Ask for level DISTRICT, STREET or COMMUNITY.', { argument: 'level' });
    const scope = ctx.release.graphScope();
    const [regions, counts] = await Promise.all([
      regionsByLevel(ctx.stores.graph, level, null, scope),
      countsByRegion(ctx.stores.graph, level, KIND_NAMES, scope),
    ]);
    const n = new Map(counts.map((c) => [`${c.regionCode}/${c.kind}`, c.n]));
    const out: RegionStatsType[] = [];
    for (const region of entitiesOf(regions, 'CityObject')) {
      const of = (kind: string) => n.get(`${String(region.props.regionCode)}/${kind}`) ?? 0;
      out.push({ region, persons: of('Person'), enterprises: of('Enterprise'), cityObjects: of('CityObject'), publicFacilities: of('PublicFacility') });
    }
    return out;
  }
}

/**
 * One by-code query per kind of the city model (`person(code:)`, `cityObject(code:)` …): declared
 * here from the model, bound to the query layer by resolvers/bindings.ts.
 */
export class KindQueries {}
for (const kind of KIND_NAMES) {
  const { field, description } = KINDS[kind].byCode;
  const descriptor: PropertyDescriptor = {
    value: () => {
      throw new Error(`${field} is bound by resolvers/bindings.ts`);
    },
    writable: true,
    configurable: true,
  };
  Object.defineProperty(KindQueries.prototype, field, descriptor);
  Arg('code', () => ID)(KindQueries.prototype, field, 0);
  Query(() => KIND_TYPES[kind], { nullable: true, description })(KindQueries.prototype, field, descriptor);
}
Resolver()(KindQueries);
