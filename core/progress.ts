import cliProgress from 'cli-progress';
import { logger } from './logger';

/**
 * A progress bar on a terminal; on a pipe (CI, logs) one structured log line per quarter, so
 * long seeding and ingesting always show where they are.
 */
export interface Progress {
  advance(n: number): void;
  done(): void;
}

export function progress(label: string, total: number): Progress {
  if (process.stderr.isTTY && process.env.CI !== 'true') {
    const bar = new cliProgress.SingleBar(
      { format: `${label.padEnd(24)} [{bar}] {percentage}% {value}/{total} {duration_formatted}`, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { advance: (n) => bar.increment(n), done: () => bar.stop() };
  }
  let value = 0;
  let nextReport = 0.25;
  const started = Date.now();
  return {
    advance(n) {
      value += n;
      if (total > 0 && value / total >= nextReport && value < total) {
        logger.info({ step: label, done: value, total }, `${label}: ${Math.round((100 * value) / total)}%`);
        while (value / total >= nextReport) nextReport += 0.25;
      }
    },
    done() {
      logger.info({ step: label, done: value, total, ms: Date.now() - started }, `${label}: done`);
    },
  };
}
