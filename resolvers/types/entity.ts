import { Field, ID, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import type { EntityRecord } from '../../graph/entities';

export enum EntityKind {
  PERSON = 'PERSON',
  ENTERPRISE = 'ENTERPRISE',
  OBJECT = 'OBJECT',
}
registerEnumType(EntityKind, { name: 'EntityKind', description: '实体类别: 人 / 企 / 物' });

/** Anything that has a city code (城市码). */
@InterfaceType({
  description: '拥有城市码的实体 (人、企、物)',
  resolveType: (value: { __typename?: string }) => value.__typename,
})
export abstract class Entity {
  @Field(() => ID, { description: '城市码' })
  code!: string;

  @Field(() => EntityKind)
  kind!: EntityKind;

  @Field({ nullable: true, description: '名称' })
  name?: string;
}

@ObjectType({ implements: Entity, description: '城市实体 (物): 区域、建筑物、房屋、构件、设备、车位……' })
export class CityObject extends Entity {
  readonly __typename = 'CityObject';

  @Field({ description: '对象类别, 如 BUILDING, ROOM, DEVICE' })
  objectKind!: string;

  @Field({ nullable: true, description: '地址' })
  address?: string;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Maps a stored node to its GraphQL type, or null when the node is not an entity we expose. */
export function toEntity(record: EntityRecord): Entity | null {
  if (record.labels.includes('CityObject')) {
    const o = new CityObject();
    o.code = record.code;
    o.kind = EntityKind.OBJECT;
    o.name = str(record.props.name);
    o.objectKind = str(record.props.objectKind) ?? 'UNKNOWN';
    o.address = str(record.props.address);
    return o;
  }
  return null;
}
