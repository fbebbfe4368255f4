import 'reflect-metadata';
import type { Server } from 'node:http';
import { planDemoCity } from '../../seed/city';
import { isScaleName } from '../../seed/scales';
import { createJtjApp, jtjConfig, jtjLogger, migrateJtj, seedJtj } from './platform';

/**
 * 市交通运输局's parking subgraph: node dist/districts/jtj/server.js [migrate | seed]
 * — without an argument it serves on JTJ_PORT (default 4421); `migrate` applies its schema's
 * migrations, `seed` loads the demo occupancy of the city plan's parking spaces.
 */
async function main(command: string | undefined): Promise<void> {
  const config = jtjConfig();
  if (command === 'migrate') {
    const applied = await migrateJtj(config.postgres);
    jtjLogger.info({ jtj: applied }, applied.length ? 'jtj migrations applied' : 'jtj migrations up to date');
    return;
  }
  if (command === 'seed') {
    const scale = process.env.CITYCODE_SEED_SCALE || 'demo';
    if (!isScaleName(scale)) throw new Error(`CITYCODE_SEED_SCALE must be a scale name, got "${scale}"`);
    jtjLogger.info({ parkingSpaces: await seedJtj(config.postgres, planDemoCity(scale)) }, 'jtj seed complete');
    return;
  }
  if (command !== undefined) throw new Error(`unknown command "${command}": use migrate, seed or nothing`);
  const jtj = await createJtjApp(config);
  const server: Server = jtj.app.listen({ port: config.port, host: config.host }, () => jtjLogger.info({ url: `http://${config.host}:${config.port}/graphql` }, 'jtj subgraph listening'));
  server.on('error', (err) => {
    jtjLogger.fatal({ err }, 'jtj subgraph cannot listen');
    process.exit(1);
  });
  const stop = async () => {
    setTimeout(() => process.exit(1), 10_000).unref();
    server.close();
    server.closeAllConnections();
    await jtj.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main(process.argv[2]).then(
  () => {
    if (process.argv[2]) process.exit(0);
  },
  (err: unknown) => {
    jtjLogger.fatal({ err }, 'jtj subgraph failed');
    process.exit(1);
  },
);
