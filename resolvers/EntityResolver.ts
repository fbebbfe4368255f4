import { Arg, Args, Ctx, FieldResolver, Float, ID, Info, Query, Resolver, Root } from 'type-graphql';
import { GraphQLResolveInfo, GraphQLScalarType } from 'graphql';
import { regionsByLevel, regionByAdminCode } from '../graph/entities';
import type { GeoJsonGeometry, SpatialFeature } from '../spatial/features';
import type { AncestorRecord } from '../graph/relations';
import { KindPageArgsType, PageArgsType } from './args';
import { requireCityCode } from './codes';
import type { RequestContext } from './context';
import { ancestorProperties } from './lookahead';
import { entityAhead, MaybePromise, relationConnection, relationOne } from './relations';
import { GeoJSONScalar } from './scalars';
import { CityObjectConnection, EnterpriseConnection, EntityConnection, PersonConnection } from './types/connection';
import type { ConnectionShape } from './types/connection';
import { Ancestor, RegionLevel } from './types/hierarchy';
import { CityObject, Enterprise, Entity, Person, toEntity } from './types/entity';
import { badInput } from '../core/errors';
import { decryptIdNumber, piiKeys } from '../domain/pii';
import { attributeProvenance } from './provenance';
import { ProvenanceType } from './types/lineage';

/** A value read from the feature of `code`: at once when PostgreSQL has already answered for it. */
function featureOf<T>(ctx: RequestContext, code: string, read: (feature: SpatialFeature | null) => T): MaybePromise<T> {
  const inHand = ctx.loaders.featureInHand(code);
  return inHand !== undefined ? read(inHand) : ctx.loaders.feature.load(code).then(read);
}

function asAncestors(found: AncestorRecord[]): Ancestor[] {
  return found.map((a) => ({ depth: a.depth, object: toEntity(a.entity) })).filter((a): a is Ancestor => a.object instanceof CityObject);
}

async function loadEntity(ctx: RequestContext, code: string): Promise<Entity | null> {
  const record = await ctx.loaders.entity.load(code);
  return record ? toEntity(record) : null;
}

@Resolver(() => Entity)
export class EntityQueryResolver {
  @Query(() => Entity, { nullable: true, description: '按城市码查询任一实体 (人、企、物)' })
  entity(@Arg('code', () => ID) code: string, @Ctx() ctx: RequestContext): Promise<Entity | null> {
    return loadEntity(ctx, requireCityCode(code));
  }

  @Query(() => Person, { nullable: true, description: '按城市码查询自然人' })
  async person(@Arg('code', () => ID) code: string, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): Promise<Person | null> {
    return (await entityAhead(ctx, requireCityCode(code, 'code', 'PERSON'), info)) as Person | null;
  }

  @Query(() => Enterprise, { nullable: true, description: '按城市码查询法人和其他组织' })
  async enterprise(@Arg('code', () => ID) code: string, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): Promise<Enterprise | null> {
    return (await entityAhead(ctx, requireCityCode(code, 'code', 'ENTERPRISE'), info)) as Enterprise | null;
  }

  @Query(() => CityObject, { nullable: true, description: '按城市码查询城市实体 (物)' })
  async cityObject(@Arg('code', () => ID) code: string, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): Promise<CityObject | null> {
    return (await entityAhead(ctx, requireCityCode(code, 'code', 'OBJECT'), info)) as CityObject | null;
  }

  @Query(() => CityObject, { nullable: true, description: '按行政区划代码查询区域 (区 6 位 / 街道 9 位 / 社区 12 位)' })
  async region(@Arg('regionCode', () => String) regionCode: string, @Ctx() ctx: RequestContext): Promise<CityObject | null> {
    if (!/^(\d{6}|\d{9}|\d{12})$/.test(regionCode)) {
      throw badInput(`"${regionCode.slice(0, 20)}" is not a region code`, 'Pass a 6-digit district, 9-digit street or 12-digit community code.', {
        argument: 'regionCode',
      });
    }
    const record = await regionByAdminCode(ctx.stores.graph, regionCode, ctx.access.graphScope());
    return record ? (toEntity(record) as CityObject) : null;
  }

  @Query(() => [CityObject], { description: '某一层级的区域 (市域、城区、街道、社区), 可限定上级区域' })
  async regions(
    @Arg('level', () => RegionLevel) level: RegionLevel,
    @Arg('within', () => ID, { nullable: true, description: '上级区域的城市码' }) within: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<CityObject[]> {
    const parent = within ? requireCityCode(within, 'within', 'OBJECT') : null;
    const records = await regionsByLevel(ctx.stores.graph, level, parent, ctx.access.graphScope());
    return records.map(toEntity).filter((e): e is CityObject => e instanceof CityObject);
  }
}

const PROVENANCE_DESCRIPTION = '属性值的来源: 数据集、部门、记录、时间 (与该属性同样受授权约束: 属性不可读则报 FORBIDDEN_FIELD, 脱敏则值同样脱敏)';
const ATTRIBUTE_DESCRIPTION = '属性名, 如 phone、residence (或 Person.phone)';

/** `provenance(attribute:)` on every entity type: the same answer as the query, for this entity. */
@Resolver(() => Entity)
export class EntityProvenanceResolver {
  @FieldResolver(() => ProvenanceType, { nullable: true, description: PROVENANCE_DESCRIPTION })
  provenance(
    @Root() entity: Entity,
    @Arg('attribute', () => String, { description: ATTRIBUTE_DESCRIPTION }) attribute: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ProvenanceType | null> {
    const type = entity instanceof Person ? 'Person' : entity instanceof Enterprise ? 'Enterprise' : 'CityObject';
    return attributeProvenance(ctx, type, entity.code, entity.stored, attribute);
  }
}

@Resolver(() => Person)
export class PersonResolver {
  @FieldResolver(() => String, { nullable: true, description: '公民身份号码 (仅授权可见明文, 否则按策略脱敏)' })
  idNumber(@Root() person: Person): string | null {
    // Decrypted here only; the policy guard has already decided allow / mask / deny for this field.
    return person.idCipher ? decryptIdNumber(person.idCipher, piiKeys().encryptionKey) : null;
  }

  @FieldResolver(() => CityObject, { nullable: true, description: '居住的房屋 (套间)' })
  residence(@Root() person: Person, @Ctx() ctx: RequestContext): MaybePromise<CityObject | null> {
    return relationOne<CityObject>(ctx, 'residence', person.code);
  }

  @FieldResolver(() => CityObject, { nullable: true, description: '户籍登记地 (社区)' })
  registeredAt(@Root() person: Person, @Ctx() ctx: RequestContext): MaybePromise<CityObject | null> {
    return relationOne<CityObject>(ctx, 'registeredAt', person.code);
  }

  @FieldResolver(() => EnterpriseConnection, { nullable: true, description: '任职单位' })
  employers(@Root() person: Person, @Args() args: PageArgsType, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<ConnectionShape<Enterprise>> {
    return relationConnection<Enterprise>(ctx, 'employers', person.code, args, info);
  }

  @FieldResolver(() => EnterpriseConnection, { nullable: true, description: '担任法定代表人的企业' })
  representedEnterprises(
    @Root() person: Person,
    @Args() args: PageArgsType,
    @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<ConnectionShape<Enterprise>> {
    return relationConnection<Enterprise>(ctx, 'representedEnterprises', person.code, args, info);
  }

  @FieldResolver(() => CityObjectConnection, { nullable: true, description: '拥有的房屋、车位' })
  owns(@Root() person: Person, @Args() args: KindPageArgsType, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<ConnectionShape<CityObject>> {
    return relationConnection<CityObject>(ctx, 'owns', person.code, args, info);
  }
}

@Resolver(() => Enterprise)
export class EnterpriseResolver {
  @FieldResolver(() => Person, { nullable: true, description: '法定代表人' })
  legalRepresentative(@Root() enterprise: Enterprise, @Ctx() ctx: RequestContext): MaybePromise<Person | null> {
    return relationOne<Person>(ctx, 'legalRepresentative', enterprise.code);
  }

  @FieldResolver(() => CityObject, { nullable: true, description: '注册地 (建筑物)' })
  registeredAt(@Root() enterprise: Enterprise, @Ctx() ctx: RequestContext): MaybePromise<CityObject | null> {
    return relationOne<CityObject>(ctx, 'registeredAt', enterprise.code);
  }

  @FieldResolver(() => PersonConnection, { nullable: true, description: '从业人员' })
  employees(@Root() enterprise: Enterprise, @Args() args: PageArgsType, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<ConnectionShape<Person>> {
    return relationConnection<Person>(ctx, 'employees', enterprise.code, args, info);
  }

  @FieldResolver(() => CityObjectConnection, { nullable: true, description: '拥有的房屋、车位' })
  owns(@Root() enterprise: Enterprise, @Args() args: KindPageArgsType, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<ConnectionShape<CityObject>> {
    return relationConnection<CityObject>(ctx, 'owns', enterprise.code, args, info);
  }
}

@Resolver(() => CityObject)
export class CityObjectResolver {
  @FieldResolver(() => GeoJSONScalar as GraphQLScalarType, { nullable: true, description: '几何 (GeoJSON, EPSG:4490)' })
  geometry(@Root() object: CityObject, @Ctx() ctx: RequestContext): MaybePromise<GeoJsonGeometry | null> {
    return featureOf(ctx, object.code, (f) => f?.geometry ?? null);
  }

  @FieldResolver(() => Float, { nullable: true, description: '高度 (米)' })
  heightM(@Root() object: CityObject, @Ctx() ctx: RequestContext): MaybePromise<number | null> {
    return featureOf(ctx, object.code, (f) => f?.heightM ?? null);
  }

  @FieldResolver(() => CityObject, { nullable: true, description: '上级对象 (所在社区、建筑物、构件……)' })
  parent(@Root() object: CityObject, @Ctx() ctx: RequestContext): MaybePromise<CityObject | null> {
    return relationOne<CityObject>(ctx, 'parent', object.code);
  }

  @FieldResolver(() => [Ancestor], { nullable: true, description: '全部上级, 由近及远, 直到市域' })
  ancestors(@Root() object: CityObject, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<Ancestor[]> {
    const found = ctx.loaders.ancestors(object.code, ancestorProperties(info));
    return Array.isArray(found) ? asAncestors(found) : found.then(asAncestors);
  }

  @FieldResolver(() => CityObjectConnection, { nullable: true, description: '直接下级 (可按类别筛选)' })
  children(@Root() object: CityObject, @Args() args: KindPageArgsType, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<ConnectionShape<CityObject>> {
    return relationConnection<CityObject>(ctx, 'children', object.code, args, info);
  }

  @FieldResolver(() => CityObjectConnection, { nullable: true, description: '其中的一切 (任意深度): 社区里的建筑物、房屋、构件、设备……' })
  contents(@Root() object: CityObject, @Args() args: KindPageArgsType, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<ConnectionShape<CityObject>> {
    return relationConnection<CityObject>(ctx, 'contents', object.code, args, info);
  }

  @FieldResolver(() => PersonConnection, { nullable: true, description: '居住人口 (房屋; 建筑物则含其全部房屋)' })
  residents(@Root() object: CityObject, @Args() args: PageArgsType, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<ConnectionShape<Person>> {
    return relationConnection<Person>(ctx, 'residents', object.code, args, info);
  }

  @FieldResolver(() => EnterpriseConnection, { nullable: true, description: '注册在此的企业' })
  registeredEnterprises(
    @Root() object: CityObject,
    @Args() args: PageArgsType,
    @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<ConnectionShape<Enterprise>> {
    return relationConnection<Enterprise>(ctx, 'registeredEnterprises', object.code, args, info);
  }

  @FieldResolver(() => CityObjectConnection, { nullable: true, description: '安装在此的物联设备' })
  devices(@Root() object: CityObject, @Args() args: PageArgsType, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<ConnectionShape<CityObject>> {
    return relationConnection<CityObject>(ctx, 'devices', object.code, args, info);
  }

  @FieldResolver(() => EntityConnection, { nullable: true, description: '权利人 (人或企)' })
  owners(@Root() object: CityObject, @Args() args: PageArgsType, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo): MaybePromise<ConnectionShape<Entity>> {
    return relationConnection<Entity>(ctx, 'owners', object.code, args, info);
  }
}
