import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { Express } from 'express';
import type { GraphQLFormattedError } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { Config } from '../core/config';
import { logger } from '../core/logger';
import type { RequestContext } from '../resolvers/context';
import { createLoaders } from '../resolvers/loaders';
import { buildCitySchema } from '../resolvers/schema';
import { graphiqlRouter } from './graphiql';
import { readiness } from './health';
import type { Stores } from './stores';

const KNOWN_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAVAILABLE',
  'UNAUTHENTICATED',
  'FORBIDDEN_FIELD',
  'FORBIDDEN_FILTER',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Errors we raised on purpose go out as they are; anything else is logged and hidden. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && KNOWN_CODES.has(code)) return formatted;
  logger.error({ err: error, path: formatted.path }, 'unexpected error in a resolver');
  return {
    message: 'Internal error; it has been logged',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', hint: 'Retry; if it persists, report the time and the query.' },
  };
}

export interface CityApp {
  app: Express;
  apollo: ApolloServer<RequestContext>;
}

export async function createApp(stores: Stores, config: Config): Promise<CityApp> {
  const schema = await buildCitySchema();
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeS: Math.round(process.uptime()) });
  });
  app.get('/readyz', async (_req, res) => {
    const result = await readiness(stores, config);
    res.status(result.status === 'ready' ? 200 : 503).json(result);
  });
  app.use(graphiqlRouter());
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        return { requestId, stores, loaders: createLoaders(stores), log: logger.child({ requestId }) };
      },
    }),
  );
  return { app, apollo };
}
