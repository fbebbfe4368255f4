/**
 * The daily indicator run (指标计算) inside the API processes: every `tickMs` each process asks
 * whether today's period (北京时间) has been computed; the first to take the advisory lock
 * computes every shipped definition for every region and writes the lineage; the others see the
 * recorded run and do nothing. A failed run is retried at the next tick. `npm run indicators`
 * does the same by hand (or from cron).
 */
import { logger } from '../core/logger';
import { INDICATORS, periodOf } from '../domain/indicators';
import type { DatasetDefinition } from '../domain/datasets';
import type { Stores } from '../store/stores';
import { computeIndicators, writeLineage } from './compute';
import { periodComputed, whileHoldingComputeLock } from './store';

export class IndicatorSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly stores: Stores,
    private readonly datasets: () => readonly DatasetDefinition[],
    private readonly tickMs: number,
  ) {}

  start(): void {
    if (this.tickMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
  }

  /** One check (and run when due); resolves when it is done. */
  tick(now: Date = new Date()): Promise<void> {
    this.running ??= this.due(now).finally(() => (this.running = null));
    return this.running;
  }

  private async due(now: Date): Promise<void> {
    try {
      const period = periodOf({ cadence: 'DAILY' }, now);
      if (await periodComputed(this.stores.sql, period)) return;
      await whileHoldingComputeLock(this.stores.sql, async () => {
        if (await periodComputed(this.stores.sql, period)) return;
        await writeLineage(this.stores, INDICATORS, this.datasets());
        const report = await computeIndicators(this.stores, INDICATORS, now);
        logger.info(report, 'daily indicators computed');
      });
    } catch (err) {
      logger.warn({ err }, 'daily indicator run failed; retried at the next tick');
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
