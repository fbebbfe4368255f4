import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { buildSchema, buildSchemaSync, BuildSchemaOptions } from 'type-graphql';
import { CityObjectResolver, EnterpriseResolver, EntityProvenanceResolver, EntityQueryResolver, PersonResolver } from './EntityResolver';
import { DataGovernanceResolver } from './DataGovernanceResolver';
import { bindFieldParamsDirectly, resolveTypesDirectly } from './directParams';
import { guardSchema } from './fieldGuard';
import { GovernanceResolver } from './GovernanceResolver';
import { ResolveCodeResolver } from './ResolveCodeResolver';
import { SpatialResolver } from './SpatialResolver';
import { CityObject, Enterprise, Person } from './types/entity';

const OPTIONS: BuildSchemaOptions = {
  resolvers: [EntityQueryResolver, EntityProvenanceResolver, PersonResolver, EnterpriseResolver, CityObjectResolver, ResolveCodeResolver, SpatialResolver, GovernanceResolver, DataGovernanceResolver],
  orphanedTypes: [Person, Enterprise, CityObject],
  validate: false,
};

/** The city schema, built once per process from the TypeGraphQL classes. */
export async function buildCitySchema(): Promise<GraphQLSchema> {
  // Every field of every type passes the policy guard (allow / mask / deny, audit bookkeeping);
  // field resolvers and interface types resolve without TypeGraphQL's async steps (resolvers/directParams.ts).
  return guardSchema(resolveTypesDirectly(bindFieldParamsDirectly(await buildSchema(OPTIONS))));
}

export function buildCitySchemaSync(): GraphQLSchema {
  return guardSchema(resolveTypesDirectly(bindFieldParamsDirectly(buildSchemaSync(OPTIONS))));
}
