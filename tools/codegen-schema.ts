import 'reflect-metadata';
import { lexicographicSortSchema } from 'graphql';
import { buildCitySchemaSync } from '../resolvers/schema';

/** The city schema for graphql-codegen (codegen.yml loads this compiled file). */
export const schema = lexicographicSortSchema(buildCitySchemaSync());
