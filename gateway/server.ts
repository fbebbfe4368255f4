import 'reflect-metadata';
import type { Server } from 'node:http';
import { authConfigFromEnv, createAuth } from '../api/auth';
import { loadConfig } from '../core/config';
import { logger } from '../core/logger';
import { createGatewayApp, gatewayTimeoutFromEnv } from './app';
import { limitsFromEnv } from './limits';

/** The federation gateway: node dist/gateway/server.js (GATEWAY_PORT, default 4400). */
export function gatewayPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GATEWAY_PORT;
  if (raw === undefined || raw === '') return 4400;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`GATEWAY_PORT must be a port number, got "${raw}"`);
  return port;
}

async function main(): Promise<void> {
  const config = loadConfig('api');
  const port = gatewayPort();
  const auth = createAuth(authConfigFromEnv(config));
  const { app, apollo } = await createGatewayApp(auth, { limits: limitsFromEnv(), subgraphTimeoutMs: gatewayTimeoutFromEnv() });
  const server: Server = app.listen({ port, host: config.host, backlog: 4096 }, () => {
    logger.info({ url: `http://${config.host}:${port}/graphql` }, 'federation gateway listening');
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'gateway cannot listen');
    process.exit(1);
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway shutting down');
    setTimeout(() => process.exit(1), 10_000).unref();
    server.close();
    server.closeIdleConnections();
    await apollo.stop().catch(() => undefined);
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

if (require.main === module) {
  main().catch((err) => {
    logger.fatal({ err }, 'gateway failed to start');
    process.exit(1);
  });
}
