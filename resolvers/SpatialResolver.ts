import { GraphQLResolveInfo, GraphQLScalarType } from 'graphql';
import { Arg, Args, Ctx, Float, ID, Info, Query, Resolver } from 'type-graphql';
import { badInput, CityCodeError } from '../core/errors';
import { KIND_NAMES } from '../domain/model';
import { assertBbox, assertRadius } from '../spatial/limits';
import { inAdministrativeArea, inRegion, intersectingBbox, SpatialPage, SpatialSearchOptions, spatialScopeOf, withinPolygon, withinRadius } from '../spatial/queries';
import { assertGeometry } from '../spatial/validate';
import { KindPageArgsType } from './args';
import { requireCityCode } from './codes';
import type { RequestContext } from './context';
import { entitiesOf, type EntityValue } from '../query/entities';
import { decodeCursor, pageSize, toConnection, type ConnectionShape } from '../query/pagination';
import { connectionEntityPlan } from '../query/plan';
import { GeoJSONScalar } from './scalars';
import { connectionType } from './types/entityTypes';

/** The feature kinds of entities that are not city objects (a facility's feature has its kind's name). */
const NOT_CITY_OBJECTS = KIND_NAMES.filter((k) => k !== 'CityObject');

/**
 * Page, kinds and the caller's row scope. A spatial search filters on geometry (and kinds on
 * objectKind), so both must be readable in clear (FORBIDDEN_FILTER otherwise).
 */
function searchOptions(ctx: RequestContext, args: KindPageArgsType): SpatialSearchOptions {
  ctx.release.assertCanUse('CityObject.geometry', 'filter');
  const kinds = args.kinds && args.kinds.length ? args.kinds : undefined;
  if (kinds) ctx.release.assertCanUse('CityObject.objectKind', 'filter');
  const scope = ctx.release.graphScope();
  return {
    first: pageSize(args.first),
    after: decodeCursor(args.after) ?? undefined,
    kinds,
    // Only city objects: the features of other kinds (public facilities) are answered by their own fields.
    excludeKinds: NOT_CITY_OBJECTS,
    scope: spatialScopeOf(scope.kinds.CityObject),
    deviceScope: spatialScopeOf(scope.objectKinds.DEVICE),
  };
}

/**
 * Loads the objects of a spatial page (one round trip), with what the query selects of them
 * planned ahead as for a by-code field: only the properties and nested relations it reads.
 */
async function toObjects(ctx: RequestContext, page: SpatialPage, info: GraphQLResolveInfo): Promise<ConnectionShape<EntityValue>> {
  const ahead = connectionEntityPlan(info, ctx.release);
  if (ahead.geometry) ctx.loaders.feature.loadMany(page.codes).catch(() => undefined);
  const records = await ctx.loaders.entityWith(ahead.entity).loadMany(page.codes);
  return toConnection(entitiesOf(records, 'CityObject'), page.totalCount, page.hasNextPage);
}

@Resolver()
export class SpatialResolver {
  @Query(() => connectionType('CityObject'), { description: '多边形内的城市实体 (GeoJSON Polygon/MultiPolygon, EPSG:4490)' })
  async objectsWithin(
    @Arg('polygon', () => GeoJSONScalar as GraphQLScalarType) polygon: unknown,
    @Args() args: KindPageArgsType,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ConnectionShape<EntityValue>> {
    // withinPolygon checks the polygon's validity (self-intersection …) in its own statement.
    return toObjects(ctx, await withinPolygon(ctx.stores.sql, polygon, searchOptions(ctx, args)), info);
  }

  @Query(() => connectionType('CityObject'), { description: '某点周边 N 米内的城市实体' })
  async objectsNear(
    @Arg('lon', () => Float, { description: '经度 (EPSG:4490)' }) lon: number,
    @Arg('lat', () => Float, { description: '纬度 (EPSG:4490)' }) lat: number,
    @Arg('radiusM', () => Float, { description: '半径 (米)' }) radiusM: number,
    @Args() args: KindPageArgsType,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ConnectionShape<EntityValue>> {
    assertGeometry({ type: 'Point', coordinates: [lon, lat] }, { allowed: ['Point'] });
    assertRadius(radiusM);
    return toObjects(ctx, await withinRadius(ctx.stores.sql, { lon, lat }, radiusM, searchOptions(ctx, args)), info);
  }

  @Query(() => connectionType('CityObject'), { description: '区域 (按其城市码) 范围内的城市实体' })
  async objectsInRegion(
    @Arg('region', () => ID, { description: '区域的城市码' }) region: string,
    @Args() args: KindPageArgsType,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ConnectionShape<EntityValue>> {
    const code = requireCityCode(region, 'region', 'OBJECT');
    const record = await ctx.loaders.entity.load(code);
    // Outside the caller's scope a region is as unknown as a code never issued: nothing about it
    // (not even whether it has a boundary) may come back.
    if (!record) {
      throw new CityCodeError('NOT_FOUND', `No region ${code}`, "Give the city code of a region or building you can see (e.g. from regions(level:) or cityObject).", {
        argument: 'region',
      });
    }
    const level = record.props.objectKind;
    if ((level === 'STREET' || level === 'COMMUNITY') && typeof record.props.regionCode === 'string') {
      // Streets and communities have no boundary polygons: their members are the registered ones.
      const area = { level, regionCode: record.props.regionCode, exceptCode: code } as const;
      return toObjects(ctx, await inAdministrativeArea(ctx.stores.sql, area, searchOptions(ctx, args)), info);
    }
    return toObjects(ctx, await inRegion(ctx.stores.sql, code, searchOptions(ctx, args)), info);
  }

  @Query(() => connectionType('CityObject'), { description: '与矩形范围相交的城市实体' })
  async objectsInBbox(
    @Arg('bbox', () => [Float], { description: '[最小经度, 最小纬度, 最大经度, 最大纬度]' }) bbox: number[],
    @Args() args: KindPageArgsType,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ConnectionShape<EntityValue>> {
    if (bbox.length !== 4) {
      throw badInput(`bbox needs 4 numbers, got ${bbox.length}`, 'Pass [minLon, minLat, maxLon, maxLat].', { argument: 'bbox' });
    }
    const box = bbox as [number, number, number, number];
    assertBbox(box);
    return toObjects(ctx, await intersectingBbox(ctx.stores.sql, box, searchOptions(ctx, args)), info);
  }
}
