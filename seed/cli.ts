import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { closeStores, openStores } from '../store/stores';
import { loadConfig } from '../core/config';
import { logger } from '../core/logger';
import { seedCity } from './city';
import { DEFAULT_SEED, isScaleName, SCALES } from './scales';

/**
 * Seeds the demo city: deterministic (same seed and scale → same city) and idempotent (every
 * write is keyed by city code, so a second run changes nothing).
 *   node dist/seed/cli.js [--scale tiny|demo|large] [--seed N]
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { scale: { type: 'string', default: 'demo' }, seed: { type: 'string', default: String(DEFAULT_SEED) } },
  });
  const scale = values.scale ?? 'demo';
  if (!isScaleName(scale)) {
    throw new Error(`--scale must be one of ${Object.keys(SCALES).join(', ')}, got "${scale}"`);
  }
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  const stores = openStores(loadConfig());
  try {
    const summary = await seedCity(stores, scale, seed);
    logger.info(summary, 'seed complete');
  } finally {
    await closeStores(stores);
  }
}

main().catch((err) => {
  logger.error({ err }, 'seed failed');
  process.exit(1);
});
