import { ChildProcess, spawn } from 'node:child_process';
import { logger } from '../core/logger';
import { fromRoot } from '../core/paths';

/**
 * `npm start -- --federation` (or `npm run start:federation`): the city subgraph (PORT, default
 * 4000), the 福田 subgraph (FUTIAN_PORT, default 4401) and the gateway (GATEWAY_PORT, default
 * 4400) as three processes. A component already answering /healthz on its port is left alone,
 * so running it again is harmless. Ctrl-C stops the processes this command started; if one of
 * them dies, the others are stopped too and the command exits 1.
 */
interface Component {
  name: string;
  script: string;
  port: number;
  path: string;
}

const host = process.env.HOST || '127.0.0.1';
const port = (name: string, fallback: number) => Number(process.env[name] || fallback);
const COMPONENTS: Component[] = [
  { name: 'city subgraph', script: 'dist/api/server.js', port: port('PORT', 4000), path: '/graphql' },
  { name: '福田 subgraph', script: 'dist/districts/futian/server.js', port: port('FUTIAN_PORT', 4401), path: '/graphql' },
  { name: 'gateway', script: 'dist/gateway/server.js', port: port('GATEWAY_PORT', 4400), path: '/graphql' },
];

async function healthy(c: Component): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}:${c.port}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function waitHealthy(c: Component, child: ChildProcess, seconds: number): Promise<void> {
  for (let i = 0; i < seconds * 4; i++) {
    if (child.exitCode !== null) throw new Error(`${c.name} exited with ${child.exitCode} while starting`);
    if (await healthy(c)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${c.name} did not answer on port ${c.port} within ${seconds} s`);
}

async function main(): Promise<void> {
  const env = { ...process.env, FUTIAN_SUBGRAPH_URL: process.env.FUTIAN_SUBGRAPH_URL || `http://${host}:${COMPONENTS[1].port}/graphql`, CITY_SUBGRAPH_URL: process.env.CITY_SUBGRAPH_URL || `http://${host}:${COMPONENTS[0].port}/graphql` };
  const children = new Map<ChildProcess, Component>();
  let stopping = false;
  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of children.keys()) child.kill('SIGTERM');
    const done = () => (children.size === 0 ? process.exit(code) : undefined);
    for (const child of children.keys()) child.on('exit', () => done());
    done();
    setTimeout(() => process.exit(code), 12_000).unref();
  };
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));

  for (const c of COMPONENTS) {
    if (await healthy(c)) {
      logger.info({ component: c.name, url: `http://${host}:${c.port}${c.path}` }, 'already serving; left alone');
      continue;
    }
    const child = spawn(process.execPath, [fromRoot(c.script)], { env, stdio: 'inherit' });
    children.set(child, c);
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (!stopping) {
        logger.error({ component: c.name, code, signal }, 'a federation process stopped; stopping the others');
        stopAll(1);
      }
    });
    await waitHealthy(c, child, 90);
  }
  const gateway = COMPONENTS[2];
  logger.info({ url: `http://${host}:${gateway.port}${gateway.path}` }, 'federation up: query the gateway (Ctrl-C stops what this command started)');
  if (children.size === 0) process.exit(0);
}

main().catch((err) => {
  logger.fatal({ err }, 'federation start failed');
  process.exit(1);
});
