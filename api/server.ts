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
  // sends no more; the listener closes; requests in flight finish (their connections are told to
  // close); subscriptions are closed with 1001 (clients reconnect elsewhere and resume from their
  // cursor); the audit queue is flushed; then the stores close. Bounded by SHUTDOWN_GRACE_MS.
  let stopping = false;
  const grace = Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000);
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    draining.value = true;
    logger.info({ signal }, 'shutting down: draining requests in flight');
    setTimeout(() => {
      logger.warn({ graceMs: grace }, 'shutdown took longer than the grace period; exiting');
      process.exit(1);
    }, grace).unref();
    // The listener closes at once. Idle connections are closed a moment later and then every
    // half second: one accepted just before the close may not have sent (or the process may not
    // yet have read) its request, and closing it at once would cut that request. (http.Server's
    // own close() closes idle connections at once, hence net.Server's.)
    const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
    const sweep = setInterval(() => server.closeIdleConnections(), 500);
    await subscriptions.close().catch((err) => logger.warn({ err }, 'closing subscriptions failed'));
    // In flight: wait for them, but not longer than most of the grace period.
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, Math.max(0, grace - 3000)).unref())]);
    clearInterval(sweep);
    server.closeAllConnections();
    await apollo.stop().catch((err) => logger.warn({ err }, 'apollo stop failed'));
    await stopServices(services);
    await closeStores(stores);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  logger.fatal({ err }, 'citycode API failed to start');
  process.exit(1);
});
