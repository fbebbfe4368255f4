/**
 * GraphQL subscriptions over WebSocket (graphql-ws, protocol graphql-transport-ws) on the API's own
 * HTTP server and path (/graphql). The caller signs in with the connection's parameters
 * (`{ authorization: 'Bearer <token>', 'x-purpose': 'GRID_GOVERNANCE' }`), decided as the HTTP
 * header is (api/auth.ts); every event is released through the caller's gate at delivery
 * (exchange/subscriptions.ts); a caller whose token stops being valid (expired, session ended,
 * user disabled) has the connection closed with 4401 at its next event.
 */
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Kind, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { operationHash } from '../audit/chain';
import { logger } from '../core/logger';
import type { Subject } from '../core/subject';
import { isPurpose } from '../policy/engine';
import { Release, UnrestrictedRelease } from '../policy/release';
import { createLoaders } from '../query/loaders';
import type { RequestContext } from '../resolvers/context';
import type { LiveCaller } from '../exchange/subscriptions';
import type { Stores } from '../store/stores';
import { AuthError } from './auth';
import type { AppServices } from './services';

/** Close codes (graphql-ws keeps 4400-4499 for such): the reason text starts with the error code. */
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_BAD_REQUEST = 4400;

interface Connection {
  authorization: string | undefined;
  purpose: string | null;
  subject: Subject;
}

/** What a connection keeps besides graphql-ws's own (socket, request). */
type Extra = { connection?: Connection };

function param(params: Readonly<Record<string, unknown>> | undefined, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = params?.[n];
    if (typeof v === 'string') return v;
  }
  return undefined;
}

/** The close reason (at most 123 bytes): `CODE: message`. */
function reason(code: string, message: string): string {
  const text = `${code}: ${message}`;
  return Buffer.byteLength(text) <= 123 ? text : Buffer.from(text).subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '') + '...';
}

export interface Subscriptions {
  /** Open WebSocket connections. */
  readonly connections: number;
  close(): Promise<void>;
}

export function attachSubscriptions(server: Server, schema: GraphQLSchema, stores: Stores, services: AppServices, formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError): Subscriptions {
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 1024 * 1024 });
  const serving = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams;
        const authorization = param(params, 'authorization', 'Authorization');
        const rawPurpose = param(params, 'x-purpose', 'X-Purpose');
        try {
          const subject = await services.auth.subjectOfAuthorization(authorization);
          let purpose: string | null = null;
          if (rawPurpose !== undefined && rawPurpose.trim() !== '') {
            purpose = rawPurpose.trim().toUpperCase();
            if (!isPurpose(services.policy.current(), purpose)) {
              ctx.extra.socket.close(CLOSE_BAD_REQUEST, reason('BAD_USER_INPUT', `unknown purpose ${rawPurpose.slice(0, 40)} in x-purpose`));
              return false;
            }
          }
          ctx.extra.connection = { authorization, purpose, subject };
          return true;
        } catch (err) {
          if (err instanceof AuthError) {
            ctx.extra.socket.close(CLOSE_UNAUTHENTICATED, reason(err.code, err.message));
            return false;
          }
          throw err;
        }
      },
      context: (ctx, _id, payload, args) => {
        const connection = ctx.extra.connection!;
        const socket = ctx.extra.socket;
        const named = args.document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!payload.operationName || d.name?.value === payload.operationName));
        const operation = { hash: operationHash(payload.query, payload.variables ?? null), name: named?.name?.value ?? 'subscription' };
        const caller: LiveCaller = {
          purpose: connection.purpose,
          enforcement: services.enforcement,
          policy: () => services.policy.current(),
          subject: async () => {
            try {
              return await services.auth.subjectOfAuthorization(connection.authorization);
            } catch (err) {
              if (err instanceof AuthError) socket.close(CLOSE_UNAUTHENTICATED, reason(err.code, err.message));
              throw err;
            }
          },
          record: (release) => {
            if (!services.audit || !release.hasAuditEntries) return;
            for (const entry of release.auditEntries(operation)) services.audit.record(entry);
          },
          unrestricted: (policy, subject) => new UnrestrictedRelease(policy, subject, null),
        };
        const release = services.enforcement
          ? new Release(services.policy.current(), connection.subject, connection.purpose)
          : new UnrestrictedRelease(services.policy.current(), connection.subject, null);
        const context: RequestContext = {
          requestId: randomUUID(),
          stores,
          services,
          subject: connection.subject,
          release,
          loaders: createLoaders(stores, release.graphScope()),
          log: logger.child({ subscription: operation.name, subject: connection.subject.username }),
          live: { feed: services.feed, caller },
        };
        return context;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e.originalError ?? e)),
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        return { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e.originalError ?? e)) };
      },
    },
    wss,
  );
  return {
    get connections() {
      return wss.clients.size;
    },
    async close() {
      for (const c of wss.clients) c.close(1001, 'server shutting down');
      await serving.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
