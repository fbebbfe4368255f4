import { GraphQLScalarType } from 'graphql';
import { Arg, Ctx, FieldResolver, Float, ID, Query, Resolver, Root } from 'type-graphql';
import { badInput } from '../core/errors';
import type { GeoJsonGeometry } from '../spatial/features';
import type { RequestContext } from './context';
import { GeoJSONScalar } from './scalars';
import { CityObject, Entity, toEntity } from './types/entity';

const MAX_CODE_LENGTH = 64;

@Resolver(() => Entity)
export class EntityResolver {
  @Query(() => Entity, { nullable: true, description: '按城市码查询实体' })
  async entity(@Arg('code', () => ID) code: string, @Ctx() ctx: RequestContext): Promise<Entity | null> {
    if (code.trim() === '' || code.length > MAX_CODE_LENGTH) {
      throw badInput(`"${code.slice(0, 80)}" is not a city code`, 'Pass the 22-character city code of an entity.', {
        argument: 'code',
      });
    }
    const record = await ctx.loaders.entity.load(code);
    return record ? toEntity(record) : null;
  }
}

@Resolver(() => CityObject)
export class CityObjectResolver {
  @FieldResolver(() => GeoJSONScalar as GraphQLScalarType, { nullable: true, description: '几何 (GeoJSON, EPSG:4490)' })
  async geometry(@Root() object: CityObject, @Ctx() ctx: RequestContext): Promise<GeoJsonGeometry | null> {
    return (await ctx.loaders.feature.load(object.code))?.geometry ?? null;
  }

  @FieldResolver(() => Float, { nullable: true, description: '高度 (米)' })
  async heightM(@Root() object: CityObject, @Ctx() ctx: RequestContext): Promise<number | null> {
    return (await ctx.loaders.feature.load(object.code))?.heightM ?? null;
  }
}
