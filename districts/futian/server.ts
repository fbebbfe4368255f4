import 'reflect-metadata';
import type { Server } from 'node:http';
import { logger } from '../../core/logger';
import { createFutianApp } from './app';
import { districtPlatform } from '../../domain/districtPlatforms';
import { districtConfig } from './config';
import { FutianStore } from './store';

/**
 * A district's grid-governance subgraph (the template's server): node dist/districts/futian/server.js [slug]
 * — 福田 by default (FUTIAN_PORT, default 4401), any district of domain/districtPlatforms.ts by slug
 * (<P>_PORT, its default port).
 */
async function main(): Promise<void> {
  const platform = districtPlatform(process.argv[2] ?? 'futian');
  const config = districtConfig(platform);
  const store = new FutianStore(config.postgres, platform.slug);
  const { app, apollo } = await createFutianApp(store, config);
  const server: Server = app.listen({ port: config.port, host: config.host, backlog: 4096 }, () => {
    logger.info({ url: `http://${config.host}:${config.port}/graphql` }, `${platform.slug} subgraph listening`);
  });
  server.on('error', (err) => {
    logger.fatal({ err }, `${platform.slug} subgraph cannot listen`);
    process.exit(1);
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${platform.slug} subgraph shutting down`);
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
  logger.fatal({ err }, 'district subgraph failed to start');
  process.exit(1);
});
