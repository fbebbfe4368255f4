/**
 * citycode indicators: computes every shipped indicator (domain/indicators.ts) for every region
 * for the current period (or --at <ISO time>), writes their lineage, and prints the run.
 *   npm run indicators [-- --at 2026-12-01T12:00:00+08:00] [--json]
 * Run it daily (e.g. from cron); each run adds or rewrites one period of the history.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config';
import { logger } from '../core/logger';
import { INDICATORS } from '../domain/indicators';
import { loadDatasetFiles } from '../ingest/registry';
import { closeStores, openStores } from '../store/stores';
import { computeIndicators, writeLineage } from './compute';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { at: { type: 'string' }, json: { type: 'boolean' } } });
  const at = values.at ? new Date(values.at) : new Date();
  if (Number.isNaN(at.getTime())) {
    process.stderr.write(`--at ${values.at} is not a time\nhint: give an ISO 8601 time, e.g. 2026-12-01T12:00:00+08:00\n`);
    return 1;
  }
  const stores = openStores(loadConfig());
  try {
    await writeLineage(stores, INDICATORS, loadDatasetFiles());
    const report = await computeIndicators(stores, INDICATORS, at);
    logger.info(report, 'indicators computed');
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `computed ${report.definitions} indicators for ${report.regions} regions (${report.values} values, period ${report.period}) in ${Math.round(report.readMs + report.computeMs + report.writeMs)} ms\n`);
    return 0;
  } finally {
    await closeStores(stores);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    logger.error({ err }, 'indicator computation failed');
    process.stderr.write(`indicator computation failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
