/**
 * What operators see and what browsers are told (docs/operations.md, "Monitor"):
 *   - Prometheus metrics (prom-client) at /metrics: requests, errors by code, latency, database
 *     pool use, audit lag and queue, open subscriptions, refusals by limit, and the process's own
 *     (heap, RSS, event-loop lag, GC);
 *   - one structured access-log line per request (pino-http): method, route, status, duration,
 *     subject, request id; never the body or the token;
 *   - security headers (helmet) and the CORS allow-list (cors).
 */
import cors from 'cors';
import type { Express, Request, RequestHandler } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../core/config';
import { logger } from '../core/logger';
import type { Stores } from '../store/stores';
import type { AuditWriter } from '../audit/writer';

export interface Metrics {
  registry: Registry;
  /** Counts a GraphQL error by its code (api/app.ts formatError). */
  graphqlError(code: string): void;
  /** Counts a refusal by a limit (code: RATE_LIMITED, OPERATION_TOO_COSTLY, …). */
  refused(code: string): void;
}

/** Routes as labels: the path's first segment, so ids never make new series. */
function routeOf(req: Request): string {
  const first = req.originalUrl.split('?')[0].split('/')[1] ?? '';
  return ['graphql', 'exports', 'iot', 'console', 'graphiql', 'healthz', 'readyz', 'metrics', 'return-flow'].includes(first) ? `/${first}` : 'other';
}

export function createMetrics(stores: Stores, audit: () => AuditWriter | null, subscriptions: () => number): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'citycode-api' });
  collectDefaultMetrics({ register: registry, prefix: 'citycode_' });
  const errors = new Counter({ name: 'citycode_graphql_errors_total', help: 'GraphQL errors returned, by extensions.code', labelNames: ['code'], registers: [registry] });
  const refusals = new Counter({ name: 'citycode_refusals_total', help: 'Requests refused by a limit or quota, by code', labelNames: ['code'], registers: [registry] });
  new Gauge({
    name: 'citycode_db_pool_connections',
    help: 'Database connections by store and state (in use, idle, waiting for one)',
    labelNames: ['store', 'state'],
    registers: [registry],
    collect() {
      const pool = stores.sql.pool;
      this.set({ store: 'postgres', state: 'in_use' }, pool.totalCount - pool.idleCount);
      this.set({ store: 'postgres', state: 'idle' }, pool.idleCount);
      this.set({ store: 'postgres', state: 'waiting' }, pool.waitingCount);
      this.set({ store: 'neo4j', state: 'in_use' }, stores.graph.inUse);
    },
  });
  new Gauge({
    name: 'citycode_audit_lag_seconds',
    help: 'How long the oldest audit entry not yet written has waited',
    registers: [registry],
    collect() {
      this.set((audit()?.lagMs ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'citycode_audit_queue_entries',
    help: 'Audit entries waiting to be written',
    registers: [registry],
    collect() {
      this.set(audit()?.metrics.queueDepth ?? 0);
    },
  });
  new Gauge({
    name: 'citycode_audit_dropped_entries',
    help: 'Audit entries dropped since start (must stay 0)',
    registers: [registry],
    collect() {
      this.set(audit()?.metrics.dropped ?? 0);
    },
  });
  new Gauge({
    name: 'citycode_subscription_connections',
    help: 'Open subscription (WebSocket) connections',
    registers: [registry],
    collect() {
      this.set(subscriptions());
    },
  });
  return {
    registry,
    graphqlError: (code) => errors.inc({ code }),
    refused: (code) => refusals.inc({ code }),
  };
}

/** Request count and latency by route, method and status; the access log. */
export function accessLog(registry: Registry): RequestHandler[] {
  const requests = new Counter({ name: 'citycode_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'citycode_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'citycode_http_requests_in_flight', help: 'HTTP requests received and not yet answered', registers: [registry] });
  const measure: RequestHandler = (req, res, next) => {
    const end = latency.startTimer();
    inFlight.inc();
    let done = false;
    const settle = () => {
      if (done) return;
      done = true;
      inFlight.dec();
    };
    res.on('finish', () => {
      settle();
      const route = routeOf(req);
      end({ route });
      requests.inc({ route, method: req.method, status: String(res.statusCode) });
    });
    res.on('close', settle);
    next();
  };
  const log = pinoHttp({
    logger: logger.child({ module: 'access' }),
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    // Probes and scrapes are not traffic.
    autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes((req as Request).path ?? req.url ?? '') },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, url: req.url.split('?')[0], remoteAddress: req.remoteAddress }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customProps: (req) => ({ subject: (req as Request & { citycodeSubject?: string }).citycodeSubject }),
  });
  return [measure, log];
}

/**
 * Security headers and the CORS allow-list. The console and GraphiQL are served by this app, so
 * their scripts and styles come from 'self'; GraphiQL's page loads its assets from the app too.
 */
export function httpHardening(config: Config): RequestHandler[] {
  const origins = new Set(config.http.corsOrigins);
  return [
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'script-src': ["'self'", "'unsafe-inline'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'connect-src': ["'self'", config.keycloak.url, 'ws:', 'wss:'],
          'frame-src': ["'self'", config.keycloak.url],
          'worker-src': ["'self'", 'blob:'],
          // Only where TLS is terminated in front of the app: over plain HTTP (development) the
          // upgrade would send the console's frames and requests to an https:// nobody serves.
          'upgrade-insecure-requests': config.mode === 'production' ? [] : null,
        },
      },
      // HSTS only where TLS is terminated in front of the app (production).
      strictTransportSecurity: config.mode === 'production' ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      crossOriginEmbedderPolicy: false,
    }),
    cors({
      origin: (origin, done) => done(null, origin !== undefined && origins.has(origin)),
      allowedHeaders: ['authorization', 'content-type', 'x-purpose', 'x-request-id', 'apollographql-client-name', 'apollo-require-preflight'],
      maxAge: 600,
    }),
  ];
}

/** Constant-time comparison of a presented secret with the expected one. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** GET /metrics: open on loopback; elsewhere only with METRICS_TOKEN as a bearer token. */
export function metricsRoute(app: Express, registry: Registry): void {
  const token = process.env.METRICS_TOKEN;
  app.get('/metrics', async (req, res) => {
    const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '');
    const authorised = token ? sameSecret(req.headers.authorization ?? '', `Bearer ${token}`) : loopback;
    if (!authorised) {
      res.status(403).json({ error: 'metrics are for the monitoring system', code: 'FORBIDDEN', hint: 'Scrape from the host, or set METRICS_TOKEN and send it as a bearer token.' });
      return;
    }
    res.setHeader('content-type', registry.contentType);
    res.end(await registry.metrics());
  });
}
