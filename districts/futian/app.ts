import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { operationHash } from '../../audit/chain';
import { AuditWriter } from '../../audit/writer';
import { SqlStore } from '../../store/postgres';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express, { Express } from 'express';
import { parse, type GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import { formatError } from '../../api/app';
import { Auth, authConfigFromEnv, createAuth } from '../../api/auth';
import { logger } from '../../core/logger';
import { PURPOSE_HEADER } from '../../policy/engine';
import type { FutianConfig } from './config';
import { FUTIAN, type DistrictPlatform } from '../../domain/districtPlatforms';
import { createContext, FutianContext, resolversFor } from './resolvers';
import { districtSdl, FUTIAN_SDL_PATH } from '../../gateway/districtSdl';
import type { FutianStore } from './store';
import { returnFlowEndpoint } from './returnFlow';

export { FUTIAN_SDL_PATH };

/** A district's subgraph schema: its SDL (the template rendered for it) with its resolvers. */
export function buildDistrictSchema(p: DistrictPlatform): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: parse(districtSdl(p)), resolvers: resolversFor(p) }]);
}

export function buildFutianSchema(): GraphQLSchema {
  return buildDistrictSchema(FUTIAN);
}

export interface FutianApp {
  app: Express;
  apollo: ApolloServer<FutianContext>;
  /** The writer of the district's entries into the audit chain (closed when Apollo stops). */
  audit: AuditWriter;
}

/**
 * The 福田 subgraph over HTTP: /graphql (the same Keycloak bearer tokens as the city: verified
 * here again, never trusted from the gateway), /return-flow (the city's deliveries, 数据回流),
 * /healthz, /readyz.
 */
export async function createFutianApp(store: FutianStore, config: FutianConfig, auth: Auth = createAuth(authConfigFromEnv(config))): Promise<FutianApp> {
  const p = config.platform;
  // 使用留痕: the district's reads and denials go to the city's audit chain (same database), stamped with its slug.
  const auditSql = new SqlStore(config.postgres);
  const audit = new AuditWriter(auditSql, { subgraph: p.slug });
  const trailPlugin: ApolloServerPlugin<FutianContext> = {
    async serverWillStart() {
      return {
        async serverWillStop() {
          await audit.close();
          await auditSql.close();
        },
      };
    },
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, request }) {
          const operation = { hash: operationHash(request.query ?? '', request.variables ?? null), name: request.operationName ?? null };
          for (const entry of contextValue.trail.entries(operation)) audit.record(entry);
        },
      };
    },
  };
  const apollo = new ApolloServer<FutianContext>({
    // The server's own SIGTERM/SIGINT handler stops Apollo; Apollo's handler would race it and hang.
    stopOnTerminationSignals: false,
    schema: buildDistrictSchema(p),
    formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), trailPlugin],
  });
  await apollo.start();
  const log = logger.child({ subgraph: p.slug });

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', subgraph: p.slug, uptimeS: Math.round(process.uptime()) });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ready' });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', postgres: (err as Error).message });
    }
  });
  app.post('/return-flow', returnFlowEndpoint(store, auth, log, p.code));
  app.use(
    '/graphql',
    auth.middleware,
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        const subject = auth.subjectOf(req);
        const raw = req.header(PURPOSE_HEADER)?.trim().toUpperCase();
        return createContext(subject, raw ? raw : null, store, log.child({ requestId, subject: subject.username }), p);
      },
    }),
  );
  return { app, apollo, audit };
}
