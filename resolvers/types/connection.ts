import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import { CityObject, Enterprise, Entity, Person } from './entity';

@ObjectType({ description: '分页信息' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: '传给 after 以取下一页' })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  totalCount: number;
  nodes: T[];
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
}

/** A cursor connection type for one node type: totalCount, nodes, edges, pageInfo. */
function connectionOf<T extends object>(name: string, node: ClassType<T> | (abstract new () => T)) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `${name} 分页结果` })
  class Connection implements ConnectionShape<T> {
    @Field(() => Int, { description: '符合条件的总数 (不受分页影响)' })
    totalCount!: number;

    @Field(() => [node])
    nodes!: T[];

    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return Connection;
}

export const EntityConnection = connectionOf('Entity', Entity);
export const PersonConnection = connectionOf('Person', Person);
export const EnterpriseConnection = connectionOf('Enterprise', Enterprise);
export const CityObjectConnection = connectionOf('CityObject', CityObject);
