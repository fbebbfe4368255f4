import { Arg, Args, ClassType, Field, Float, ID, Int, InterfaceType, ObjectType, Query, registerEnumType } from 'type-graphql';
import { ENTITY_INTERFACE, KINDS, KIND_NAMES, MEASURES, PROVENANCE_FIELD, type KindName, type ValueType } from '../../domain/model';
import { INTERFACE_FIELDS, attributesOf, relationFieldsOf, type RelationFieldInfo } from '../../domain/modelIndex';
import type { EntityValue } from '../../query/entities';
import { KindPageArgsType, PageArgsType } from '../args';
import { GeoJSONScalar } from '../scalars';
import { ProvenanceType } from './provenance';
import { MEASURE_FIELDS } from './readings';

/**
 * The GraphQL entity types, derived from the city model (domain/model.ts) when the schema is
 * built: the `Entity` interface, one object type per kind with its attributes and relation fields,
 * a connection type per kind, and `Ancestor`. These classes only declare the shape; the fields are
 * bound to the query layer by resolvers/bindings.ts and put behind the release gate by
 * resolvers/guard.ts. Adding an attribute, a relation or a kind is an edit of the model, not here.
 */
/** TypeGraphQL's type function (`() => String`, `() => [Ancestor]`), which it does not export by name. */
type ReturnTypeFunc = Parameters<typeof Query>[0];

export enum EntityKind {
  PERSON = 'PERSON',
  ENTERPRISE = 'ENTERPRISE',
  OBJECT = 'OBJECT',
}
registerEnumType(EntityKind, { name: 'EntityKind', description: '实体类别: 人 / 企 / 物' });

const SCALARS: Record<ValueType, ReturnTypeFunc> = {
  ID: () => ID,
  String: () => String,
  Int: () => Int,
  Float: () => Float,
  GeoJSON: () => GeoJSONScalar,
  EntityKind: () => EntityKind,
};

/** A method field: a placeholder TypeGraphQL can declare arguments on (resolvers/bindings.ts binds the real resolver). */
function methodField(proto: object, name: string): PropertyDescriptor {
  const descriptor: PropertyDescriptor = {
    value: () => {
      throw new Error(`${name} is bound by resolvers/bindings.ts`);
    },
    writable: true,
    configurable: true,
  };
  Object.defineProperty(proto, name, descriptor);
  return descriptor;
}

/** Anything that has a city code (城市码). */
@InterfaceType('Entity', { description: ENTITY_INTERFACE.label, resolveType: (value: { __typename?: string }) => value.__typename })
export abstract class Entity {}

for (const [name, shape] of Object.entries(ENTITY_INTERFACE.fields)) {
  Field(SCALARS[shape.type], { nullable: !('required' in shape && shape.required), description: shape.description })(Entity.prototype, name);
}
{
  const descriptor = methodField(Entity.prototype, PROVENANCE_FIELD.name);
  Arg('attribute', () => String, { description: '属性名, 如 phone、residence (或 Person.phone)' })(Entity.prototype, PROVENANCE_FIELD.name, 0);
  Field(() => ProvenanceType, { nullable: true, description: PROVENANCE_FIELD.description })(Entity.prototype, PROVENANCE_FIELD.name, descriptor);
}

/** One class per kind, named as the kind (its GraphQL type and Neo4j label). */
export const KIND_TYPES = {} as Record<KindName, ClassType>;
for (const kind of KIND_NAMES) {
  const cls = { [kind]: class extends Entity {} }[kind];
  ObjectType(kind, { implements: Entity, description: KINDS[kind].description })(cls);
  for (const a of attributesOf(kind)) {
    if (INTERFACE_FIELDS.includes(a.field)) continue;
    Field(SCALARS[a.decl.type], { nullable: !a.decl.required, description: a.decl.description ?? a.decl.label })(cls.prototype, a.field);
  }
  KIND_TYPES[kind] = cls;
}

@ObjectType({ description: '分页信息' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: '传给 after 以取下一页' })
  endCursor!: string | null;
}

/** A cursor connection type for one node type: totalCount, nodes, edges, pageInfo. */
function connectionOf(name: string, node: () => ClassType): ClassType {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(node)
    node!: EntityValue;
  }

  @ObjectType(`${name}Connection`, { description: `${name} 分页结果` })
  class Connection {
    @Field(() => Int, { description: '符合条件的总数 (不受分页影响)' })
    totalCount!: number;

    @Field(() => [node()])
    nodes!: EntityValue[];

    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return Connection;
}

const CONNECTIONS = {} as Record<KindName | 'Entity', ClassType>;
for (const kind of [...KIND_NAMES, 'Entity' as const]) {
  CONNECTIONS[kind] = connectionOf(kind, () => (kind === 'Entity' ? (Entity as unknown as ClassType) : KIND_TYPES[kind]));
}

@ObjectType({ description: '上级对象及其距离 (1 = 直接上级)' })
export class Ancestor {
  @Field(() => Int)
  depth!: number;

  @Field(() => KIND_TYPES.CityObject)
  object!: EntityValue;
}

function targetType(r: RelationFieldInfo): ReturnTypeFunc {
  const target = r.target === 'Entity' ? (Entity as unknown as ClassType) : KIND_TYPES[r.target];
  switch (r.shape) {
    case 'one':
      return () => target;
    case 'many':
      return () => CONNECTIONS[r.target];
    case 'ancestors':
      return () => [Ancestor];
  }
}

// Relation fields last: their types are the kinds and connections above.
for (const kind of KIND_NAMES) {
  const proto = KIND_TYPES[kind].prototype as object;
  for (const r of relationFieldsOf(kind)) {
    const descriptor = methodField(proto, r.field);
    if (r.shape === 'many') Args(() => (r.kindsFilter ? KindPageArgsType : PageArgsType))(proto, r.field, 0);
    Field(targetType(r), { nullable: true, description: r.decl.description ?? r.decl.label })(proto, r.field, descriptor);
  }
}

// Measure fields (物联读数) of the kinds the model gives them to.
for (const [key, m] of Object.entries(MEASURES)) {
  const [kind, field] = key.split('.') as [KindName, keyof typeof MEASURE_FIELDS];
  const shape = MEASURE_FIELDS[field];
  if (!shape || !KIND_TYPES[kind]) throw new Error(`measure ${key} has no GraphQL shape (resolvers/types/readings.ts)`);
  const proto = KIND_TYPES[kind].prototype as object;
  const descriptor = methodField(proto, field);
  Args(shape.args)(proto, field, 0);
  Field(shape.returns, { nullable: true, description: m.label })(proto, field, descriptor);
}

/** Every class the schema must know even where no query returns it directly. */
export const ENTITY_TYPES: ClassType[] = [...Object.values(KIND_TYPES), ...Object.values(CONNECTIONS), Ancestor, PageInfo];

/** The connection type of a kind (for queries that answer a page of one kind). */
export function connectionType(kind: KindName | 'Entity'): ClassType {
  return CONNECTIONS[kind];
}
