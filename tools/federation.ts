import { ChildProcess, spawn } from 'node:child_process';
import { logger } from '../core/logger';
import { fromRoot } from '../core/paths';
import { DEPARTMENT_PLATFORMS, DISTRICT_PLATFORMS } from '../domain/districtPlatforms';

/**
 * `npm start -- --federation` (or `npm run start:federation`): the city subgraph (PORT, default
 * 4000), the served district subgraphs (福田 FUTIAN_PORT 4401, 罗湖 LUOHU_PORT 4402, 南山
 * NANSHAN_PORT 4403; domain/districtPlatforms.ts), 交通运输局's parking subgraph (JTJ_PORT 4421)
 * and the gateway (GATEWAY_PORT, default 4400)
 * as processes of their own. A component already answering /healthz on its port is left alone,
 * so running it again is harmless. Ctrl-C stops the processes this command started; if one of
 * them dies, the others are stopped too and the command exits 1.
 */
interface Component {
  name: string;
  script: string;
  args?: string[];
  port: number;
  path: string;
  urlEnv?: string;
}

const host = process.env.HOST || '127.0.0.1';
const port = (name: string, fallback: number) => Number(process.env[name] || fallback);
const COMPONENTS: Component[] = [
  { name: 'city subgraph', script: 'dist/api/server.js', port: port('PORT', 4000), path: '/graphql', urlEnv: 'CITY_SUBGRAPH_URL' },
  ...DISTRICT_PLATFORMS.filter((p) => p.served).map((p) => ({
    name: `${p.name} subgraph`,
    script: 'dist/districts/futian/server.js',
    args: [p.slug],
    port: port(`${p.envPrefix}_PORT`, p.defaultPort),
    path: '/graphql',
    urlEnv: `${p.envPrefix}_SUBGRAPH_URL`,
  })),
  ...DEPARTMENT_PLATFORMS.map((d) => ({
    name: `${d.name} subgraph`,
    script: `dist/districts/${d.slug}/server.js`,
    port: port(`${d.envPrefix}_PORT`, d.defaultPort),
    path: '/graphql',
    urlEnv: `${d.envPrefix}_SUBGRAPH_URL`,
  })),
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
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const c of COMPONENTS) if (c.urlEnv) env[c.urlEnv] = process.env[c.urlEnv] || `http://${host}:${c.port}${c.path}`;
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
    const child = spawn(process.execPath, [fromRoot(c.script), ...(c.args ?? [])], { env, stdio: 'inherit' });
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
  const gateway = COMPONENTS[COMPONENTS.length - 1];
  logger.info({ url: `http://${host}:${gateway.port}${gateway.path}` }, 'federation up: query the gateway (Ctrl-C stops what this command started)');
  if (children.size === 0) process.exit(0);
}

main().catch((err) => {
  logger.fatal({ err }, 'federation start failed');
  process.exit(1);
});
