import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { buildSchema, buildSchemaSync, BuildSchemaOptions } from 'type-graphql';
import { bindModel } from './bindings';
import { AccessRequestResolver } from './AccessRequestResolver';
import { CatalogueResolver } from './CatalogueResolver';
import { DataGovernanceResolver } from './DataGovernanceResolver';
import { EntityQueryResolver, KindQueries } from './EntityResolver';
import { GovernanceResolver } from './GovernanceResolver';
import { IndicatorResolver } from './IndicatorResolver';
import { guardSchema } from './guard';
import { ExportResolver } from './ExportResolver';
import { ResolveCodeResolver } from './ResolveCodeResolver';
import { ReturnFlowResolver } from './ReturnFlowResolver';
import { SpatialResolver } from './SpatialResolver';
import { SubscriptionResolver } from './SubscriptionResolver';
import { UsageResolver } from './UsageResolver';
import { ENTITY_TYPES } from './types/entityTypes';

const OPTIONS: BuildSchemaOptions = {
  resolvers: [EntityQueryResolver, KindQueries, ResolveCodeResolver, SpatialResolver, GovernanceResolver, DataGovernanceResolver, CatalogueResolver, AccessRequestResolver, SubscriptionResolver, ReturnFlowResolver, ExportResolver, UsageResolver, IndicatorResolver],
  orphanedTypes: ENTITY_TYPES,
  validate: false,
  // Every subscription brings its own `subscribe` (the change outbox's feed, exchange/feed.ts);
  // TypeGraphQL's topic pub/sub is not used, and refuses to be.
  pubSub: {
    publish() {
      throw new Error('topic pub/sub is not used: subscriptions follow the change outbox (exchange/feed.ts)');
    },
    subscribe() {
      throw new Error('topic pub/sub is not used: subscriptions follow the change outbox (exchange/feed.ts)');
    },
  },
};

/**
 * The city schema: the TypeGraphQL types (entity types derived from the city model), their fields
 * bound to the query layer (resolvers/bindings.ts), every field behind the release gate
 * (resolvers/guard.ts, which refuses a schema with a field that has no decision).
 */
export async function buildCitySchema(): Promise<GraphQLSchema> {
  return guardSchema(bindModel(await buildSchema(OPTIONS)));
}

export function buildCitySchemaSync(): GraphQLSchema {
  return guardSchema(bindModel(buildSchemaSync(OPTIONS)));
}
