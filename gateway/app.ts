import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { Fetcher } from '@apollo/utils.fetcher';
import express, { Express } from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { errorFormatter, formatError as cityFormatError } from '../api/app';
import { allowList } from '../api/allowList';
import { introspectionRule, limitRules } from '../api/limits';
import { httpHardening } from '../api/observability';
import { batchLimit, bodyErrors, rateLimits } from '../api/requestGuards';
import { loadConfig, type Config } from '../core/config';
import type { Auth } from '../api/auth';
import { CityCodeError } from '../core/errors';
import { logger } from '../core/logger';
import { fromRoot } from '../core/paths';
import type { Subject } from '../core/subject';
import { PURPOSE_HEADER } from '../policy/engine';
import { Limits, measureOperation, planCost, tooCostlyError, tooDeepError } from './limits';
import { SUPERGRAPH_FILE, subgraphUrl } from './subgraphs';

/**
 * The federation gateway (docs/federation.md): @apollo/gateway over the committed supergraph
 * (schema/supergraph.graphql). It verifies the caller's Keycloak token itself (api/auth.ts: a
 * bad token never reaches a subgraph), forwards Authorization and X-Purpose to every subgraph
 * fetch (each subgraph verifies it again and applies its own policy), bounds every fetch with a
 * timeout, and refuses over-deep and over-costly operations (gateway/limits.ts).
 */
export interface GatewayContext {
  requestId: string;
  subject: Subject;
  authorization: string | null;
  purpose: string | null;
}

export interface GatewaySettings {
  limits: Limits;
  /** Per subgraph fetch, ms: a subgraph that does not answer in time counts as down. */
  subgraphTimeoutMs: number;
  supergraphSdl?: string;
  env?: NodeJS.ProcessEnv;
  /** The process's configuration (request limits, CORS, mode); default loadConfig('api'). */
  config?: Config;
}

export function gatewayTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GATEWAY_SUBGRAPH_TIMEOUT_MS;
  if (raw === undefined || raw === '') return 5000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`GATEWAY_SUBGRAPH_TIMEOUT_MS must be a positive integer, got "${raw}"`);
  return value;
}

const FAILED_FETCH = /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|fetch failed|socket hang up|aborted|timeout/i;

/** fetch with a deadline; a refused, reset or timed-out fetch becomes UNAVAILABLE naming the subgraph. */
function timedFetcher(name: string, timeoutMs: number): Fetcher {
  const fetcher = async (url: string, init?: Parameters<Fetcher>[1]) => {
    try {
      return await fetch(url, { ...(init as RequestInit), signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = `${(err as Error).name}: ${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
      if (!FAILED_FETCH.test(reason) && (err as Error).name !== 'TimeoutError') throw err;
      throw new CityCodeError(
        'UNAVAILABLE',
        `Subgraph "${name}" did not answer${(err as Error).name === 'TimeoutError' ? ` within ${timeoutMs} ms` : ''}; the fields it serves are missing from this response`,
        'The rest of the data is complete. Retry shortly; the gateway uses the subgraph again as soon as it answers.',
        { service: name, reason },
      );
    }
  };
  return fetcher as unknown as Fetcher;
}

class ForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(readonly serviceName: string, url: string, fetcher: Fetcher) {
    super({ url, fetcher });
  }

  /**
   * A subgraph that refuses the whole request over HTTP (400 unknown X-Purpose, 401 token,
   * 503 Keycloak unreachable) answers with our own error body: pass its message, code and hint
   * on instead of the bare "400: Bad Request".
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]): Promise<GraphQLError> {
    const fallback = await super.errorFromResponse(response);
    const body = (fallback.extensions.response as { body?: unknown } | undefined)?.body as { errors?: { message?: unknown; extensions?: Record<string, unknown> }[] } | undefined;
    const first = body?.errors?.[0];
    if (typeof first?.message !== 'string' || typeof first.extensions?.code !== 'string') return fallback;
    return new GraphQLError(first.message, { extensions: { ...first.extensions, service: this.serviceName, status: response.status } });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !context?.requestId) return;
    if (context.authorization) headers.set('authorization', context.authorization);
    if (context.purpose) headers.set(PURPOSE_HEADER, context.purpose);
    headers.set('x-request-id', context.requestId);
  }
}

/** Errors the gateway raised or passed on from a subgraph keep their code; others are hidden. */
export function gatewayFormatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code === 'OPERATION_TOO_DEEP' || code === 'OPERATION_TOO_COSTLY') return formatted;
  // A subgraph's own errors arrive with their code (FORBIDDEN_FIELD, FORBIDDEN, ...) and service name.
  return cityFormatError(formatted, error);
}

export interface GatewayApp {
  app: Express;
  apollo: ApolloServer<GatewayContext>;
  gateway: ApolloGateway;
}

export async function createGatewayApp(auth: Auth, settings: GatewaySettings): Promise<GatewayApp> {
  const env = settings.env ?? process.env;
  const supergraphSdl = settings.supergraphSdl ?? readFileSync(fromRoot(SUPERGRAPH_FILE), 'utf8');
  const limits = settings.limits;
  const log = logger.child({ component: 'gateway' });
  // The request limits of the city API that are not plan-aware (aliases, directives, tokens,
  // body, batch, rates, allow-list: api/limits.ts, api/requestGuards.ts), read the same way.
  const config = settings.config ?? loadConfig('api');

  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => new ForwardingDataSource(name, subgraphUrl(name, url, env), timedFetcher(name, settings.subgraphTimeoutMs)),
    // Query-plan-aware cost: every subgraph fetch, weighted by the entities it carries.
    experimental_didResolveQueryPlan: ({ queryPlan, requestContext }) => {
      const { document, request, schema } = requestContext as unknown as {
        document: Parameters<typeof measureOperation>[1];
        request: { operationName?: string; variables?: Record<string, unknown> };
        schema: Parameters<typeof measureOperation>[0];
      };
      const measure = measureOperation(schema, document, request.operationName, request.variables ?? {}, limits);
      const plan = planCost(queryPlan, measure, limits.fetchCost);
      const cost = measure.fieldCost + plan.cost;
      if (cost > limits.maxCost) throw tooCostlyError(cost, plan.fetches, limits);
    },
    logger: log,
  });

  // Depth and field cost before planning: an absurd operation is refused before the planner runs.
  const limitsPlugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, schema }) {
          const measure = measureOperation(schema, document, request.operationName, request.variables ?? {}, limits);
          if (measure.depth > limits.maxDepth) throw tooDeepError(measure.depth, limits);
          if (measure.fieldCost > limits.maxCost) throw tooCostlyError(measure.fieldCost, 0, limits);
        },
      };
    },
  };

  const apollo = new ApolloServer<GatewayContext>({
    // The server's own SIGTERM/SIGINT handler stops Apollo; Apollo's handler would race it and hang.
    stopOnTerminationSignals: false,
    gateway,
    formatError: errorFormatter(config.mode, undefined, gatewayFormatError),
    includeStacktraceInErrorResponses: false,
    introspection: true,
    validationRules: [...limitRules({ ...config.limits, maxDepth: Number.MAX_SAFE_INTEGER }), ...(config.http.introspection ? [] : [introspectionRule])],
    parseOptions: { maxTokens: config.limits.maxTokens },
    plugins: [ApolloServerPluginLandingPageDisabled(), limitsPlugin],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', component: 'gateway', uptimeS: Math.round(process.uptime()) });
  });
  app.use(...httpHardening(config));
  const rates = rateLimits(config.limits);
  const admit = allowList(config.persistedOperations);
  app.use(
    '/graphql',
    rates.byAddress,
    auth.middleware,
    rates.bySubject((req) => auth.subjectOf(req)),
    express.json({ limit: config.limits.maxBodyBytes }),
    bodyErrors(config.limits),
    // One operation per request at the gateway: each is planned across subgraphs on its own.
    batchLimit({ ...config.limits, maxBatch: 0 }),
    ...(admit ? [admit.middleware] : []),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        const purpose = req.header(PURPOSE_HEADER)?.trim();
        return {
          requestId,
          subject: auth.subjectOf(req),
          authorization: req.headers.authorization ?? null,
          purpose: purpose ? purpose : null,
        };
      },
    }),
  );
  return { app, apollo, gateway };
}

