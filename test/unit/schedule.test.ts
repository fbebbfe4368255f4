import { CityCodeError } from '../../core/errors';
import { parseSchedule, retryDelayMs } from '../../exchange/schedule';

/** 数据回流 schedules (exchange/schedule.ts): five-field cron in a time zone, at most every 5 minutes. */
function refusal(cron: string, timezone?: string): string {
  try {
    parseSchedule(cron, timezone);
  } catch (err) {
    if (err instanceof CityCodeError) return `${String(err.extensions.code)} ${String(err.extensions.argument)}`;
    throw err;
  }
  return 'accepted';
}

describe('parseSchedule', () => {
  it('runs at the given local time in Asia/Shanghai by default', () => {
    const s = parseSchedule('0 2 * * *');
    expect(s.nextAfter(new Date('2026-12-04T01:00:00Z')).toISOString()).toBe('2026-12-04T18:00:00.000Z');
    expect(parseSchedule(' 30   6 * *  1-5 ').cron).toBe('30 6 * * 1-5');
    expect(parseSchedule('0 2 * * *', 'UTC').nextAfter(new Date('2026-12-04T01:00:00Z')).toISOString()).toBe('2026-12-04T02:00:00.000Z');
  });

  it('takes the usual macros', () => {
    expect(parseSchedule('@daily').nextAfter(new Date('2026-12-04T01:00:00Z')).toISOString()).toBe('2026-12-04T16:00:00.000Z');
    expect(parseSchedule('@hourly').nextAfter(new Date('2026-12-04T01:10:00Z')).toISOString()).toBe('2026-12-04T02:00:00.000Z');
  });

  it('refuses what is not a five-field schedule, an unknown zone, and anything more often than every 5 minutes', () => {
    expect(refusal('61 2 * * *')).toBe('BAD_USER_INPUT cron');
    expect(refusal('0 2 * *')).toBe('BAD_USER_INPUT cron');
    expect(refusal('0 0 2 * * *')).toBe('BAD_USER_INPUT cron');
    expect(refusal('every day')).toBe('BAD_USER_INPUT cron');
    expect(refusal('')).toBe('BAD_USER_INPUT cron');
    expect(refusal('* * * * *')).toBe('BAD_USER_INPUT cron');
    expect(refusal('*/2 * * * *')).toBe('BAD_USER_INPUT cron');
    expect(refusal('0,3 2 * * *')).toBe('BAD_USER_INPUT cron');
    expect(refusal('*/5 * * * *')).toBe('accepted');
    expect(refusal('0 2 * * *', 'Mars/Olympus')).toBe('BAD_USER_INPUT timezone');
  });

  it('retries after 30 s, 2 min, 8 min', () => {
    expect([1, 2, 3].map(retryDelayMs)).toEqual([30_000, 120_000, 480_000]);
  });
});
