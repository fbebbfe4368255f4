import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { badInput } from '../core/errors';
import { KINDS, KIND_NAMES } from '../domain/model';
import { regionByAdminCode, regionsByLevel } from '../graph/entities';
import { asEntity, entitiesOf, type EntityValue } from '../query/entities';
import { entityByCode } from '../query/fetch';
import { requireCityCode } from './codes';
import type { RequestContext } from './context';
import { RegionLevel } from './types/region';
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
