import 'reflect-metadata';
import type { Server } from 'node:http';
import { loadConfig } from '../core/config';
import { logger } from '../core/logger';
import { createApp } from './app';
import { startServices, stopServices } from './services';
import { closeStores, openStores } from '../store/stores';

/** The city subgraph's HTTP server: /graphql (and its subscriptions over WebSocket), /graphiql, /healthz, /readyz. */
async function main(): Promise<void> {
  const config = loadConfig('api');
  const stores = openStores(config);
  const services = await startServices(stores, config);
  const { app, apollo, attachSubscriptions } = await createApp(stores, config, services);
  // A deep accept backlog: a thousand clients connecting at once must queue, not be reset.
  const server: Server = app.listen({ port: config.port, host: config.host, backlog: 4096 }, () => {
    logger.info({ url: `http://${config.host}:${config.port}/graphql` }, 'citycode API listening');
  });
  const subscriptions = attachSubscriptions(server);
  server.on('error', (err) => {
    logger.fatal({ err }, 'cannot listen');
    process.exit(1);
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Bounded: whatever still hangs after 10 s (a stuck client, a dead database) is cut off.
    setTimeout(() => {
      logger.warn('shutdown took over 10 s; exiting');
      process.exit(1);
    }, 10_000).unref();
    await subscriptions.close().catch((err) => logger.warn({ err }, 'closing subscriptions failed'));
    server.close();
    server.closeIdleConnections();
    await apollo.stop().catch((err) => logger.warn({ err }, 'apollo stop failed'));
    server.closeAllConnections();
    await stopServices(services);
    await closeStores(stores);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  logger.fatal({ err }, 'citycode API failed to start');
  process.exit(1);
});
