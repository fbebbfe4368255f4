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
import { GraphQLError, Kind, parse, specifiedRules, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import type { RequestLimits } from '../core/config';
import { CityCodeError } from '../core/errors';
import { costEstimator, limitRules, operationCost, tooCostly } from './limits';
import { notAllowed, type AllowList } from './allowList';
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
  /** Ids of this connection's running operations (for the department's quota). */
  active: Set<string>;
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

/**
 * The limits of HTTP operations (api/limits.ts) and the allow-list (api/allowList.ts) for
 * operations over WebSocket, and the quota of open subscriptions per department
 * (QUOTA_SUBSCRIPTIONS_PER_DEPARTMENT, this process).
 */
class SubscriptionGate {
  private readonly byDepartment = new Map<string, number>();
  private readonly rules;
  private readonly estimators;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: RequestLimits,
    private readonly allowed: AllowList | null,
    rules: readonly ValidationRule[],
  ) {
    this.rules = [...specifiedRules, ...rules];
    this.estimators = [costEstimator(limits.defaultListSize)];
  }

  /** The parsed operation, or the errors that refuse it. */
  admit(connection: Connection, id: string, payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null }): DocumentNode | readonly GraphQLError[] {
    if (this.allowed && !this.allowed.admitsText(payload.query)) return [notAllowed()];
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: this.limits.maxTokens });
    } catch (err) {
      return [err instanceof GraphQLError ? err : new GraphQLError(String(err))];
    }
    const invalid = validate(this.schema, document, this.rules);
    if (invalid.length) return invalid;
    const cost = operationCost(this.schema, document, payload.operationName ?? undefined, payload.variables ?? {}, this.estimators);
    if (cost > this.limits.maxCost) return [tooCostly(cost, this.limits.maxCost)];
    const department = connection.subject.department ?? 'anonymous';
    const open = this.byDepartment.get(department) ?? 0;
    if (open >= this.limits.subscriptionsPerDepartment) {
      return [
        new CityCodeError('QUOTA_EXCEEDED', `${department} has ${open} open subscriptions; its quota is ${this.limits.subscriptionsPerDepartment}`, 'Close subscriptions the department no longer needs, or ask the operators for a larger quota.', {
          quota: 'subscriptionsPerDepartment',
          limit: this.limits.subscriptionsPerDepartment,
        }),
      ];
    }
    this.byDepartment.set(department, open + 1);
    connection.active.add(id);
    return document;
  }

  /** An operation ended (completed by either side, or its connection closed). */
  release(connection: Connection | undefined, id: string): void {
    if (!connection?.active.delete(id)) return;
    const department = connection.subject.department ?? 'anonymous';
    const open = (this.byDepartment.get(department) ?? 1) - 1;
    if (open > 0) this.byDepartment.set(department, open);
    else this.byDepartment.delete(department);
  }
}

export function attachSubscriptions(
  server: Server,
  schema: GraphQLSchema,
  stores: Stores,
  services: AppServices,
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
  limits: RequestLimits,
  /** The allow-list and the validation rules of HTTP operations (api/app.ts): the same here. */
  guard: { allowed: AllowList | null; rules: readonly ValidationRule[] } = { allowed: null, rules: limitRules(limits) },
): Subscriptions {
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: limits.maxBodyBytes });
  const gate = new SubscriptionGate(schema, limits, guard.allowed, guard.rules);
  const serving = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      connectionInitWaitTimeout: 10_000,
      onSubscribe: (ctx, id, payload) => {
        const connection = ctx.extra.connection!;
        const admitted = gate.admit(connection, id, payload);
        if (Array.isArray(admitted)) return admitted as GraphQLError[];
        return { schema, document: admitted as DocumentNode, operationName: payload.operationName, variableValues: payload.variables };
      },
      onComplete: (ctx, id) => gate.release(ctx.extra.connection, id),
      onClose: (ctx) => {
        const connection = ctx.extra.connection;
        for (const id of [...(connection?.active ?? [])]) gate.release(connection, id);
      },
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
          ctx.extra.connection = { authorization, purpose, subject, active: new Set() };
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
