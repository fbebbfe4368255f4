import 'reflect-metadata';
import type { Server } from 'node:http';
import net from 'node:net';
import { ConfigError, loadConfig } from '../core/config';
import { loadSigningKey } from '../audit/keys';
import { piiKeys } from '../domain/pii';
import { serialKey } from '../registry/issuing';
import { logger } from '../core/logger';
import { createApp } from './app';
import { startServices, stopServices } from './services';
import { closeStores, openStores } from '../store/stores';

/** The city subgraph's HTTP server: /graphql (and its subscriptions over WebSocket), /graphiql, /healthz, /readyz. */
/**
 * Production refuses the development keys at start, not at their first use: the serial key of
 * city codes, the PII keys and the audit signing key each throw when unset or public.
 */
function productionPreflight(): void {
  const problems: string[] = [];
  for (const check of [() => serialKey(), () => piiKeys(), () => loadSigningKey()]) {
    try {
      check();
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length) throw new ConfigError(problems);
}

async function main(): Promise<void> {
  const config = loadConfig('api');
  if (config.mode === 'production') productionPreflight();
  const stores = openStores(config);
  const services = await startServices(stores, config);
  const { app, apollo, attachSubscriptions, draining } = await createApp(stores, config, services);
  // A deep accept backlog: a thousand clients connecting at once must queue, not be reset.
  const server: Server = app.listen({ port: config.port, host: config.host, backlog: 4096 }, () => {
    logger.info({ url: `http://${config.host}:${config.port}/graphql` }, 'citycode API listening');
  });
  // Idle keep-alive connections are kept longer than clients and balancers keep theirs (60 s is
  // the common balancer default), so the client side always closes first: a server closing at the
  // moment a client reuses the connection would answer that request with a reset.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const subscriptions = attachSubscriptions(server);
  server.on('error', (err) => {
    logger.fatal({ err }, 'cannot listen');
    process.exit(1);
  });

  // Graceful shutdown (docs/operations.md, "Stop"): /readyz answers 503 at once so the balancer
  // sends no more. For SHUTDOWN_DRAIN_MS (SIGTERM; none on Ctrl-C) the listener still accepts and
  // answers, with `Connection: close`: a request sent just before the signal may still sit in the
  // kernel's accept queue, and closing the listener then would reset it. Then the listener closes,
  // requests in flight finish, subscriptions are closed with 1001 (clients reconnect elsewhere and
  // resume from their cursor), the audit queue is flushed, the stores close. Bounded by
  // SHUTDOWN_GRACE_MS; past it the connections still open are cut, counted in the log, exit 1.
  let stopping = false;
  const grace = Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000);
  const drainFor = (signal: string) => (signal === 'SIGINT' ? 0 : Math.min(Number(process.env.SHUTDOWN_DRAIN_MS ?? 3_000), grace / 2));
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    draining.value = true;
    const drainMs = drainFor(signal);
    logger.info({ signal, drainMs, graceMs: grace }, 'shutting down: draining requests in flight');
    setTimeout(() => {
      logger.warn({ graceMs: grace }, 'shutdown took longer than the grace period; exiting');
      process.exit(1);
    }, grace).unref();
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    // The listener closes. Idle connections are closed now and then every half second: one
    // accepted at the last moment may not have sent (or the process may not yet have read) its
    // request, and is closed only once it is answered. (http.Server's own close() would close the
    // idle ones once, at once, hence net.Server's.)
    const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
    server.closeIdleConnections();
    const sweep = setInterval(() => server.closeIdleConnections(), 500);
    await subscriptions.close().catch((err) => logger.warn({ err }, 'closing subscriptions failed'));
    // In flight: wait for them, but leave a second of the grace period for the stores.
    const inTime = await Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), Math.max(0, grace - drainMs - 1_000)).unref())]);
    clearInterval(sweep);
    if (!inTime) {
      const open = await new Promise<number>((resolve) => server.getConnections((_err, n) => resolve(n ?? 0)));
      logger.warn({ connections: open, graceMs: grace }, 'requests still in flight at the end of the grace period are cut');
    }
    server.closeAllConnections();
    await apollo.stop().catch((err) => logger.warn({ err }, 'apollo stop failed'));
    await stopServices(services);
    await closeStores(stores);
    logger.info('stopped');
    process.exit(inTime ? 0 : 1);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  logger.fatal({ err }, 'citycode API failed to start');
  process.exit(1);
});
