import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { logger } from '../../core/logger';
import { fromRoot } from '../../core/paths';
import { loadCity, Stage, STAGES } from './load';

/**
 * node dist/seed/scale/cli.js --scale S [--until STAGE] [--files DIR] [--workers N]
 * Run through infra/city.sh (`npm run city:load -- --scale S`), which points the environment at
 * the city stores. Prints the load report as JSON and writes it to .data/<instance>.load-<scale>.json.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { scale: { type: 'string', default: '0.01' }, until: { type: 'string' }, files: { type: 'string' }, workers: { type: 'string' } } });
  const scale = Number(values.scale);
  const until = values.until as Stage | undefined;
  if (until && !STAGES.includes(until)) throw new Error(`--until must be one of ${STAGES.join(', ')}`);
  const report = await loadCity({ scale, until, filesDir: values.files, workers: values.workers ? Number(values.workers) : undefined });
  if (!until) writeFileSync(fromRoot('.data', `${process.env.NEO4J_INSTANCE ?? 'neo4j'}.load-${scale}.json`), JSON.stringify(report, null, 2) + '\n');
  logger.info(report, 'city load complete');
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((err: Error & { extensions?: { code?: string; hint?: string } }) => {
  logger.error({ err, code: err.extensions?.code, hint: err.extensions?.hint }, `city load failed: ${err.message}`);
  process.exit(1);
});
