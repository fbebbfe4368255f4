import { GraphQLError } from 'graphql';

/**
 * Error codes the API returns in `extensions.code`. Each error also carries a `hint` that says
 * what the caller can do about it.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'FORBIDDEN_FIELD'
  | 'FORBIDDEN_FILTER'
  | 'UNCLASSIFIED_FIELD'
  | 'ILLEGAL_TRANSITION'
  | 'CONFLICT'
  | 'OPERATION_TOO_DEEP'
  | 'OPERATION_TOO_COSTLY'
  | 'TOO_MANY_ALIASES'
  | 'TOO_MANY_DIRECTIVES'
  | 'BATCH_TOO_LARGE'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'QUOTA_EXCEEDED'
  | 'OPERATION_NOT_ALLOWED'
  | 'INTROSPECTION_DISABLED'
  | 'TIMEOUT'
  | 'INTERNAL_SERVER_ERROR';

export class CityCodeError extends GraphQLError {
  constructor(code: ErrorCode, message: string, hint: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, hint, ...extra } });
    this.name = 'CityCodeError';
  }
}

export function badInput(message: string, hint: string, extra: Record<string, unknown> = {}): CityCodeError {
  return new CityCodeError('BAD_USER_INPUT', message, hint, extra);
}

/** pg-pool's error when every pooled connection stayed busy for the whole acquisition timeout. */
const POOL_EXHAUSTED = /^timeout exceeded when trying to connect$/;

export function unavailable(service: string, cause?: unknown): CityCodeError {
  const detail = cause instanceof Error ? cause.message : undefined;
  if (detail && POOL_EXHAUSTED.test(detail)) {
    return new CityCodeError(
      'UNAVAILABLE',
      `${service} is busy: no pooled connection became free in time`,
      'The API is overloaded right now; retry with a backoff. The request was refused, not half-done.',
      { service, reason: 'POOL_EXHAUSTED' },
    );
  }
  return new CityCodeError(
    'UNAVAILABLE',
    `${service} is unavailable`,
    'A backing service is down or unreachable; retry shortly. /readyz says which one.',
    { service, ...(detail ? { detail } : {}) },
  );
}

/** A statement that ran past its deadline (DB_TIMEOUT_MS): cancelled, nothing of it kept. */
export function timedOut(service: string): CityCodeError {
  return new CityCodeError(
    'TIMEOUT',
    `${service} did not finish the request in time`,
    'Ask for less (smaller pages, a smaller region) or retry later; the statement was cancelled and nothing of it was kept.',
    { service, http: { status: 503 } },
  );
}

const NEO4J_TIMED_OUT = new Set(['Neo.ClientError.Transaction.TransactionTimedOut', 'Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration']);

/** True when neo4j-driver reports a transaction stopped by its timeout. */
export function isNeo4jTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && NEO4J_TIMED_OUT.has(code);
}

/** True when pg reports a statement cancelled by statement_timeout, or its client-side query_timeout. */
export function isPostgresTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : '';
  return code === '57014' || /^Query read timeout$/.test(message);
}

const NEO4J_UNAVAILABLE = new Set(['ServiceUnavailable', 'SessionExpired', 'Neo.TransientError.General.DatabaseUnavailable']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P03', '08006', '08001']);

/** True when an error from neo4j-driver means the database could not be reached. */
export function isNeo4jUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (NEO4J_UNAVAILABLE.has(code) || NETWORK_CODES.has(code));
}

/** True when an error from pg means the database could not be reached. */
export function isPostgresUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : '';
  return (
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/.test(message)
  );
}
