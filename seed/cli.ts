import 'reflect-metadata';
import { closeStores, openStores } from '../api/stores';
import { loadConfig } from '../core/config';
import { logger } from '../core/logger';
import { seedLandmarks } from './landmarks';

/**
 * Seeds the demo city. Idempotent: every write is a MERGE or an upsert keyed by city code, so a
 * second run changes nothing.
 *   node dist/seed/cli.js [--scale tiny|demo]
 */
async function main(): Promise<void> {
  const stores = openStores(loadConfig());
  try {
    const landmarks = await seedLandmarks(stores);
    logger.info({ landmarks }, 'seed complete');
  } finally {
    await closeStores(stores);
  }
}

main().catch((err) => {
  logger.error({ err }, 'seed failed');
  process.exit(1);
});
