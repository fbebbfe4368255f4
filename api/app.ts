import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { Express } from 'express';
import type { GraphQLFormattedError } from 'graphql';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Config } from '../core/config';
import { logger } from '../core/logger';
import type { RequestContext } from '../resolvers/context';
import { ensureCatalogue } from '../ingest/catalogue';
import { createLoaders } from '../query/loaders';
import { operationHash } from '../audit/chain';
import { buildCitySubgraphSchema } from './subgraph';
import { consoleRouter } from './console';
import { graphiqlRouter } from './graphiql';
import { jitExecution } from './jitExecutor';
import { readiness } from './health';
import { attachSubscriptions, type Subscriptions } from './subscriptions';
import { exportRoutes } from './exports';
import { readingRoutes } from './readings';
import type { AppServices } from './services';
import type { Stores } from '../store/stores';
import type { ApolloServerPlugin } from '@apollo/server';
import { CityCodeError } from '../core/errors';
import { isPurpose, PURPOSE_HEADER } from '../policy/engine';
import { Release, UnrestrictedRelease } from '../policy/release';

const KNOWN_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAVAILABLE',
  'UNAUTHENTICATED',
  'FORBIDDEN_FIELD',
  'FORBIDDEN_FILTER',
  'UNCLASSIFIED_FIELD',
  'ILLEGAL_TRANSITION',
  'CONFLICT',
  'FORBIDDEN',
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
  /** Serves subscriptions (graphql-ws) on the HTTP server the app listens on (api/subscriptions.ts). */
  attachSubscriptions(server: Server): Subscriptions;
}

/** Writes the request's audit entries once its response is ready (reads and denials alike). */
function auditPlugin(services: AppServices): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, request }) {
          if (!services.audit) return;
          if (!contextValue.release.hasAuditEntries) return;
          const entries = contextValue.release.auditEntries({
            hash: operationHash(request.query ?? '', request.variables ?? null),
            name: request.operationName ?? null,
          });
          for (const entry of entries) services.audit.record(entry);
        },
      };
    },
  };
}

function purposeOf(req: express.Request, services: AppServices): string | null {
  const raw = req.header(PURPOSE_HEADER);
  if (raw === undefined || raw.trim() === '') return null;
  const purpose = raw.trim().toUpperCase();
  if (!isPurpose(services.policy.current(), purpose)) {
    throw new CityCodeError('BAD_USER_INPUT', `Unknown purpose "${raw.slice(0, 40)}" in ${PURPOSE_HEADER}`, `Use one of the purpose codes of the policy (docs/permissions.md), e.g. PUBLIC_SECURITY.`, {
      argument: PURPOSE_HEADER,
      http: { status: 400 },
    });
  }
  return purpose;
}

export async function createApp(stores: Stores, config: Config, services: AppServices): Promise<CityApp> {
  // The city subgraph: the city schema plus _service/_entities for the federation gateway.
  const schema = await buildCitySubgraphSchema();
  const apollo = new ApolloServer<RequestContext>({
    // The server's own SIGTERM/SIGINT handler stops Apollo; Apollo's handler would race it and hang.
    stopOnTerminationSignals: false,
    // Hot operations run compiled (api/jitExecutor.ts); CITYCODE_EXECUTOR=graphql-js runs every
    // operation on graphql-js's executor instead.
    ...(config.executor === 'graphql-js' ? { schema } : { gateway: jitExecution(schema) }),
    formatError,
    includeStacktraceInErrorResponses: false,
    // No HTTP cache hints (responses depend on the caller's grants) and no inline traces (ftv1;
    // no Apollo usage reporting here): without either plugin, Apollo does not wrap every field
    // resolver for a per-field hook (docs/benchmarks.md).
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      auditPlugin(services),
    ],
  });
  await apollo.start();
  // A database the seed did not fill still gets its catalogue (数据资源目录), once, in the background.
  ensureCatalogue(stores, services.policy.current()).catch((err) => logger.warn({ err }, 'could not build the catalogue'));

  const app = express();
  app.disable('x-powered-by');
  // No ETag: a GraphQL answer depends on the caller's grants and is POSTed, never revalidated;
  // hashing every response body only costs CPU.
  app.disable('etag');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeS: Math.round(process.uptime()) });
  });
  app.get('/readyz', async (_req, res) => {
    const result = await readiness(stores, config);
    res.status(result.status === 'ready' ? 200 : 503).json(result);
  });
  app.use(graphiqlRouter());
  app.use(consoleRouter(config, () => services.policy.current()));
  app.use(exportRoutes(stores, services));
  app.use(readingRoutes(stores, services));
  app.use(
    '/graphql',
    services.auth.middleware,
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        const subject = services.auth.subjectOf(req);
        const release = services.enforcement
          ? new Release(services.policy.current(), subject, purposeOf(req, services))
          : new UnrestrictedRelease(services.policy.current(), subject, null);
        return {
          requestId,
          stores,
          services,
          subject,
          release,
          loaders: createLoaders(stores, release.graphScope()),
          log: logger.child({ requestId, subject: subject.username }),
        };
      },
    }),
  );
  return { app, apollo, attachSubscriptions: (server) => attachSubscriptions(server, schema, stores, services, formatError) };
}
