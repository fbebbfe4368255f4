import 'reflect-metadata';
import type { Server } from 'node:http';
import { logger } from '../../core/logger';
import { createFutianApp } from './app';
import { futianConfig } from './config';
import { FutianStore } from './store';

/** The 福田 grid-governance subgraph: node dist/districts/futian/server.js (FUTIAN_PORT, default 4401). */
async function main(): Promise<void> {
  const config = futianConfig();
  const store = new FutianStore(config.postgres);
  const { app, apollo } = await createFutianApp(store, config);
  const server: Server = app.listen({ port: config.port, host: config.host, backlog: 4096 }, () => {
    logger.info({ url: `http://${config.host}:${config.port}/graphql` }, 'futian subgraph listening');
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'futian subgraph cannot listen');
    process.exit(1);
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'futian subgraph shutting down');
    setTimeout(() => process.exit(1), 10_000).unref();
    server.close();
    server.closeIdleConnections();
    await apollo.stop().catch(() => undefined);
    server.closeAllConnections();
    await store.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  logger.fatal({ err }, 'futian subgraph failed to start');
  process.exit(1);
});
