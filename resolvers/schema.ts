import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { CityObjectResolver, EntityResolver } from './EntityResolver';
import { CityObject } from './types/entity';

/** The city schema, built once per process from the TypeGraphQL classes. */
export async function buildCitySchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [EntityResolver, CityObjectResolver],
    orphanedTypes: [CityObject],
    validate: false,
  });
}
