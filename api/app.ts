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
import { HeaderMap } from '@apollo/server';
import { costLimitPlugin, introspectionRule, limitRules } from './limits';
import { batchLimit, bodyErrors, rateLimits, refuse } from './requestGuards';
import { allowList } from './allowList';
import { accessLog, createMetrics, httpHardening, metricsRoute, type Metrics } from './observability';

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
  'OPERATION_TOO_DEEP',
  'OPERATION_TOO_COSTLY',
  'TOO_MANY_ALIASES',
  'TOO_MANY_DIRECTIVES',
  'BATCH_TOO_LARGE',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'OPERATION_NOT_ALLOWED',
  'INTROSPECTION_DISABLED',
  'TIMEOUT',
]);

/** Extensions that help a developer and tell an attacker too much: dropped in production. */
const DETAIL_EXTENSIONS = ['detail', 'stacktrace', 'exception'];

/**
 * Errors we raised on purpose go out as they are (in production without their `detail`);
 * anything else is logged and hidden. `count` sees every code that goes out (metrics).
 */
export function errorFormatter(
  mode: Config['mode'],
  count: (code: string) => void = () => undefined,
  base: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError = formatError,
) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const out = base(formatted, error);
    count(String(out.extensions?.code ?? 'NONE'));
    if (mode !== 'production') return out;
    const extensions = { ...(out.extensions ?? {}) };
    for (const key of DETAIL_EXTENSIONS) delete extensions[key];
    // No field names guessed for the caller ("Did you mean …"): over HTTP and WebSocket alike.
    return { ...out, message: out.message.replace(/ ?Did you mean .*$/, ''), extensions };
  };
}

/** Errors we raised on purpose go out as they are; anything else is logged and hidden. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  // A limit reported from a validation rule (api/limits.ts) keeps its own code: Apollo files
  // every validation error under GRAPHQL_VALIDATION_FAILED, with the rule's error as originalError.
  const original = error instanceof CityCodeError ? error : (error as { originalError?: unknown } | null)?.originalError;
  if (original instanceof CityCodeError && formatted.extensions?.code === 'GRAPHQL_VALIDATION_FAILED') {
    formatted = { ...formatted, extensions: { ...formatted.extensions, code: original.extensions.code } };
  }
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
  metrics: Metrics;
  /** Set when the process is shutting down: /readyz answers 503 and responses close their connections. */
  draining: { value: boolean };
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

/** Reads are refused while their audit entries could not be kept (fail closed: every use traceable). */
function auditSaturated(): CityCodeError {
  return new CityCodeError('UNAVAILABLE', 'The audit trail cannot keep up, so no data is released now', 'Retry shortly; the operators see it in /metrics (citycode_audit_queue_entries).', {
    service: 'audit',
    http: { status: 503 },
  });
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
  let openSubscriptions: () => number = () => 0;
  const metrics = createMetrics(stores, () => services.audit, () => openSubscriptions());
  const format = errorFormatter(config.mode, metrics.graphqlError);
  // The same rules for operations over HTTP and over WebSocket.
  const validationRules = [...limitRules(config.limits), ...(config.http.introspection ? [] : [introspectionRule])];
  const apollo = new ApolloServer<RequestContext>({
    // The server's own SIGTERM/SIGINT handler stops Apollo; Apollo's handler would race it and hang.
    stopOnTerminationSignals: false,
    // Hot operations run compiled (api/jitExecutor.ts); CITYCODE_EXECUTOR=graphql-js runs every
    // operation on graphql-js's executor instead.
    ...(config.executor === 'graphql-js' ? { schema } : { gateway: jitExecution(schema) }),
    formatError: format,
    includeStacktraceInErrorResponses: false,
    // __schema is answered only where introspection is on (api/limits.ts introspectionRule);
    // __type stays: the console reads field descriptions with it, and the SDL is public.
    introspection: true,
    // The limits of api/limits.ts: depth, aliases, directives as validation rules, tokens in the parser.
    validationRules,
    parseOptions: { maxTokens: config.limits.maxTokens },
    // No HTTP cache hints (responses depend on the caller's grants) and no inline traces (ftv1;
    // no Apollo usage reporting here): without either plugin, Apollo does not wrap every field
    // resolver for a per-field hook (docs/benchmarks.md).
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      costLimitPlugin<RequestContext>(config.limits),
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
  app.set('trust proxy', config.http.trustProxy);
  const draining = { value: false };
  app.use((_req, res, next) => {
    // While draining, no connection is kept alive for a next request.
    if (draining.value) res.setHeader('connection', 'close');
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeS: Math.round(process.uptime()) });
  });
  app.get('/readyz', async (_req, res) => {
    if (draining.value) return void res.status(503).json({ status: 'draining' });
    const result = await readiness(stores, config);
    res.status(result.status === 'ready' ? 200 : 503).json(result);
  });
  metricsRoute(app, metrics.registry);
  app.use(...accessLog(metrics.registry));
  app.use(...httpHardening(config));
  const rates = rateLimits(config.limits, metrics.refused);
  app.use(rates.byAddress);
  if (config.http.introspection) app.use(graphiqlRouter());
  app.use(consoleRouter(config, () => services.policy.current()));
  app.use(exportRoutes(stores, services));
  app.use(readingRoutes(stores, services));
  const contextOf = (req: express.Request): RequestContext => {
    if (services.audit?.saturated) throw auditSaturated();
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) ?? randomUUID();
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
  };
  const admit = allowList(config.persistedOperations);
  app.use(
    '/graphql',
    services.auth.middleware,
    rates.bySubject((req) => services.auth.subjectOf(req)),
    express.json({ limit: config.limits.maxBodyBytes }),
    bodyErrors(config.limits, metrics.refused),
    batchLimit(config.limits, metrics.refused),
    ...(admit ? [admit.middleware] : []),
    batchedOperations(apollo, contextOf),
    expressMiddleware(apollo, { context: async ({ req }) => contextOf(req) }),
  );
  return {
    app,
    apollo,
    metrics,
    draining,
    attachSubscriptions: (server) => {
      const subscriptions = attachSubscriptions(server, schema, stores, services, format, config.limits, { allowed: admit, rules: validationRules });
      openSubscriptions = () => subscriptions.connections;
      return subscriptions;
    },
  };
}

/**
 * A batched request (a JSON array, at most LIMIT_MAX_BATCH operations: batchLimit) runs each
 * operation as a request of its own, with its own context, so each has its own release and its
 * own audit entries; the answers come back in order. Single operations go on to Apollo's middleware.
 */
function batchedOperations(apollo: ApolloServer<RequestContext>, contextOf: (req: express.Request) => RequestContext): express.RequestHandler {
  return (req, res, next) => {
    if (!Array.isArray(req.body)) return next();
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(key, value);
    const run = async (body: unknown) => {
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers, search: '', body },
        context: async () => contextOf(req),
      });
      if (response.body.kind !== 'complete') return { errors: [{ message: 'Incremental delivery is not supported in a batch', extensions: { code: 'BAD_REQUEST' } }] };
      return JSON.parse(response.body.string) as unknown;
    };
    Promise.all((req.body as unknown[]).map(run)).then(
      (answers) => res.json(answers),
      (err: unknown) => {
        logger.error({ err }, 'batched request failed');
        refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal error; it has been logged', 'Retry; if it persists, report the time and the query.');
      },
    );
  };
}
