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
