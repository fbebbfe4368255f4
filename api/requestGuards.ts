/**
 * The HTTP side of the request limits (docs/security.md, "Limits"): body size, batched operations,
 * per-address and per-subject rate limits. Each refusal answers JSON `{ errors: [{ message,
 * extensions: { code, hint } }] }` with its own code and HTTP status, so a client tells them apart.
 * Rates are counted in this process's memory (rate-limiter-flexible): N API processes behind a
 * balancer allow N times the figure (docs/operations.md).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RequestLimits } from '../core/config';
import type { Subject } from '../core/subject';

/** Counts a refusal by its code (metrics). */
export type CountRefusal = (code: string) => void;

export function refuse(res: Response, status: number, code: string, message: string, hint: string, extra: Record<string, unknown> = {}, count?: CountRefusal): void {
  count?.(code);
  if (res.headersSent) return;
  res.status(status).json({ errors: [{ message, extensions: { code, hint, ...extra } }] });
}

/** express.json's failures (body too large, not JSON, wrong charset) as our errors, never a stack page. */
export function bodyErrors(limits: RequestLimits, count?: CountRefusal) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    const type = (err as { type?: string })?.type;
    if (type === 'entity.too.large') {
      return refuse(res, 413, 'PAYLOAD_TOO_LARGE', `The request body is over ${limits.maxBodyBytes} bytes`, 'Send a smaller request: fewer operations, shorter variables; bulk data goes through ingest or exports.', {
        maxBodyBytes: limits.maxBodyBytes,
      }, count);
    }
    if (type === 'entity.parse.failed' || type === 'charset.unsupported' || type === 'encoding.unsupported' || err instanceof SyntaxError) {
      return refuse(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON', 'Send UTF-8 JSON: {"query": "...", "variables": {...}}.');
    }
    if ((err as { status?: number })?.status === 400) {
      return refuse(res, 400, 'BAD_REQUEST', 'The request body could not be read', 'Send UTF-8 JSON: {"query": "...", "variables": {...}}.');
    }
    next(err);
  };
}

/** Refuses a batched request (a JSON array) of more than maxBatch operations, or of none. */
export function batchLimit(limits: RequestLimits, count?: CountRefusal): RequestHandler {
  return (req, res, next) => {
    if (!Array.isArray(req.body)) return next();
    const n = req.body.length;
    if (n === 0 || n > limits.maxBatch) {
      const allowed = limits.maxBatch > 0 ? `1 to ${limits.maxBatch} are allowed` : 'batched requests are not accepted here';
      return refuse(res, 400, 'BATCH_TOO_LARGE', `The batch holds ${n} operations; ${allowed}`, 'Send fewer operations per request, or one per request.', {
        operations: n,
        maxBatch: limits.maxBatch,
      }, count);
    }
    next();
  };
}

export interface RateLimits {
  /** Per client address (before authentication). */
  byAddress: RequestHandler;
  /** Per subject (after authentication): anonymous callers count by address. */
  bySubject(subjectOf: (req: Request) => Subject): RequestHandler;
}

function limiter(points: number, windowS: number): RateLimiterMemory | null {
  return points > 0 ? new RateLimiterMemory({ points, duration: windowS }) : null;
}

function guard(rl: RateLimiterMemory | null, keyOf: (req: Request) => string, who: string, limits: RequestLimits, points: number, count?: CountRefusal): RequestHandler {
  return (req, res, next) => {
    if (!rl) return next();
    rl.consume(keyOf(req)).then(
      () => next(),
      (rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) return next(rejection);
        const retryS = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        res.setHeader('retry-after', String(retryS));
        refuse(res, 429, 'RATE_LIMITED', `Too many requests from this ${who}: at most ${points} per ${limits.rateWindowS} s`, `Retry after ${retryS} s, and spread requests out (batch codes into one query).`, {
          retryAfterS: retryS,
          limit: points,
          windowS: limits.rateWindowS,
        }, count);
      },
    );
  };
}

export function rateLimits(limits: RequestLimits, count?: CountRefusal): RateLimits {
  const address = limiter(limits.ratePerIp, limits.rateWindowS);
  const subject = limiter(limits.ratePerSubject, limits.rateWindowS);
  const ip = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
  return {
    byAddress: guard(address, ip, 'address', limits, limits.ratePerIp, count),
    bySubject: (subjectOf) =>
      guard(
        subject,
        (req) => {
          const s = subjectOf(req);
          return s.anonymous ? `ip:${ip(req)}` : `sub:${s.id}`;
        },
        'subject',
        limits,
        limits.ratePerSubject,
        count,
      ),
  };
}
