/**
 * Return-flow schedules (数据回流), pure: a five-field cron expression (minute hour day-of-month
 * month day-of-week, or @hourly/@daily/@weekly/@monthly) in a time zone, parsed by cron-parser;
 * at most one run every MIN_INTERVAL_MS; retries with back-off.
 */
import { CronExpressionParser } from 'cron-parser';
import { badInput } from '../core/errors';

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';
/** The most frequent schedule accepted (a district that needs fresher data subscribes instead). */
export const MIN_INTERVAL_MS = 5 * 60_000;
/** Attempts of one delivery before it is left to the next scheduled run. */
export const MAX_ATTEMPTS = 3;

const MACROS: Readonly<Record<string, string>> = { '@hourly': '0 * * * *', '@daily': '0 0 * * *', '@weekly': '0 0 * * 0', '@monthly': '0 0 1 * *' };
const HINT = 'Five fields "minute hour day-of-month month day-of-week" (e.g. "0 2 * * *" = 02:00 daily), or @hourly, @daily, @weekly, @monthly; at most every 5 minutes.';

export interface Schedule {
  cron: string;
  timezone: string;
  /** The first run strictly after `after`. */
  nextAfter(after: Date): Date;
}

/** Parses and checks a schedule; BAD_USER_INPUT (argument cron or timezone) when it is not one. */
export function parseSchedule(cronText: string, timezone: string = DEFAULT_TIMEZONE): Schedule {
  const cron = cronText.trim().replace(/\s+/g, ' ');
  const expression = MACROS[cron] ?? cron;
  if (cron.length === 0 || cron.length > 100) throw badInput('cron is empty or too long', HINT, { argument: 'cron' });
  if (expression.split(' ').length !== 5) throw badInput(`cron "${cron.slice(0, 100)}" does not have five fields`, HINT, { argument: 'cron' });
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw badInput(`${timezone.slice(0, 60)} is not a time zone`, 'Use an IANA zone such as Asia/Shanghai.', { argument: 'timezone' });
  }
  const next = (after: Date): Date => CronExpressionParser.parse(expression, { tz: timezone, currentDate: after }).next().toDate();
  let runs;
  try {
    runs = CronExpressionParser.parse(expression, { tz: timezone, currentDate: new Date('2026-01-01T00:00:00Z') });
  } catch (err) {
    throw badInput(`cron "${cron.slice(0, 100)}" is not a schedule: ${(err as Error).message}`, HINT, { argument: 'cron' });
  }
  // The tightest gap between runs over the first 400 runs or a year, whichever is shorter.
  let previous = runs.next().getTime();
  const start = previous;
  for (let i = 0; i < 400 && previous - start < 366 * 86_400_000; i++) {
    const following = runs.next().getTime();
    if (following - previous < MIN_INTERVAL_MS) {
      throw badInput(`cron "${cron.slice(0, 100)}" runs more often than every 5 minutes`, HINT, { argument: 'cron' });
    }
    previous = following;
  }
  return { cron, timezone, nextAfter: next };
}

/** How long a failed delivery waits before attempt `attempt + 1` (30 s, 2 min, 8 min). */
export function retryDelayMs(attempt: number): number {
  return 30_000 * 4 ** Math.max(0, attempt - 1);
}

/** The next run of a stored (already checked) schedule after `after`. */
export function nextRun(cron: string, timezone: string, after: Date): Date {
  return CronExpressionParser.parse(MACROS[cron] ?? cron, { tz: timezone, currentDate: after }).next().toDate();
}
