/**
 * The measure fields of CityObject (物联感知): which devices an object stands for, and its readings
 * or their aggregates from the readings store (iot/store.ts). The release gate has decided
 * `CityObject.readings` / `readingStats` for the object before these run (resolvers/guard.ts);
 * the latest readings of a building or region list only devices the caller may see at all
 * (IoT devices are visible where CityObject.devices is, domain/model.ts OBJECT_KIND_ROWS).
 */
import { badInput } from '../core/errors';
import { isReadingMetric, READING_METRICS, type ReadingMetric } from '../domain/readings';
import { latestReadings, readingBuckets, readingRange, type DeviceSet, type StoredReading } from '../iot/store';
import type { QueryContext } from './context';
import type { EntityValue } from './entities';

const REGION_SETS: Record<string, (p: Readonly<Record<string, unknown>>, code: string) => DeviceSet | null> = {
  DEVICE: (_p, code) => ({ device: code }),
  BUILDING: (_p, code) => ({ level: 'BUILDING', regionCode: code }),
  GRID: (p) => (typeof p.gridCode === 'string' ? { level: 'GRID', regionCode: p.gridCode } : null),
  COMMUNITY: (p) => (typeof p.regionCode === 'string' ? { level: 'COMMUNITY', regionCode: p.regionCode } : null),
  STREET: (p) => (typeof p.regionCode === 'string' ? { level: 'STREET', regionCode: p.regionCode } : null),
  DISTRICT: (p) => (typeof p.regionCode === 'string' ? { level: 'DISTRICT', regionCode: p.regionCode } : null),
  CITY: () => ({ level: 'CITY', regionCode: '440300' }),
};

/** The devices a city object stands for: itself (a device), or those in it (a building, grid or region). */
export function deviceSetOf(object: EntityValue): DeviceSet {
  const kind = String(object.props.objectKind ?? '');
  const set = REGION_SETS[kind]?.(object.props, object.code) ?? null;
  if (!set) {
    throw badInput(
      `${kind || 'this object'} ${object.code} has no readings`,
      'Readings are kept for devices (DEVICE) and rolled up for buildings, grids, communities, streets, districts and the city.',
      { object: object.code },
    );
  }
  return set;
}

function time(value: string | null | undefined, fallback: Date, argument: string): Date {
  if (value === null || value === undefined) return fallback;
  const t = /^\d{4}-\d{2}-\d{2}(T|$)/.test(value) ? new Date(value) : null;
  if (!t || Number.isNaN(t.getTime())) throw badInput(`${argument} ${JSON.stringify(value).slice(0, 40)} is not an ISO 8601 time`, 'Give e.g. 2026-12-04T08:00:00+08:00.', { argument });
  return t;
}

function metricArg(value: string | null | undefined, required: boolean): ReadingMetric | null {
  if ((value === null || value === undefined) && !required) return null;
  if (!isReadingMetric(value)) throw badInput(`metric ${JSON.stringify(value)?.slice(0, 40)} is not a known metric`, `Use one of ${Object.keys(READING_METRICS).join(', ')}.`, { argument: 'metric' });
  return value;
}

function window(args: { from?: string | null; to?: string | null }): { from: Date; to: Date } {
  const to = time(args.to, new Date(), 'to');
  const from = time(args.from, new Date(to.getTime() - 86_400_000), 'from');
  if (from >= to) throw badInput('from must be before to', 'Give a time range [from, to).', { argument: 'from' });
  if (to.getTime() - from.getTime() > 366 * 86_400_000) throw badInput('the range is longer than a year', 'Ask for at most 366 days at a time.', { argument: 'from' });
  return { from, to };
}

const shape = (r: StoredReading) => ({ device: r.cityCode, deviceCode: r.deviceCode, metric: r.metric, unit: READING_METRICS[r.metric]?.unit ?? '', at: new Date(r.at).toISOString(), value: r.value });

export interface ReadingsArgs {
  metric?: string | null;
  latest?: boolean | null;
  from?: string | null;
  to?: string | null;
  first?: number | null;
}

/** CityObject.readings: a device's series in a range, or the latest reading of each device (and metric) of the object. */
export async function readingsOf(ctx: QueryContext, object: EntityValue, args: ReadingsArgs): Promise<ReturnType<typeof shape>[]> {
  const set = deviceSetOf(object);
  const metric = metricArg(args.metric, false);
  const first = args.first ?? 500;
  if (!Number.isInteger(first) || first < 1 || first > 5000) throw badInput('first must be 1..5000', 'Page through a long range with from/to.', { argument: 'first' });
  let rows: StoredReading[];
  if (args.latest) rows = await latestReadings(ctx.stores.sql, set, metric, first);
  else if ('device' in set) {
    const w = window(args);
    rows = await readingRange(ctx.stores.sql, set.device, metric, w.from, w.to, first);
  } else {
    throw badInput('a series is kept per device', 'Ask a building or region for latest: true, or for readingStats; ask a device for its series.', { argument: 'latest' });
  }
  // Devices the caller may not see are left out (their count is not revealed either).
  const seen = rows.filter((r) => ctx.release.admitsRow('CityObject', { objectKind: 'DEVICE', districtCode: r.districtCode, streetCode: r.streetCode }));
  return seen.map(shape);
}

/** CityObject.readingStats: hourly or daily aggregates of a metric over the object's devices. */
export async function readingStatsOf(
  ctx: QueryContext,
  object: EntityValue,
  args: { metric: string; from?: string | null; to?: string | null; bucket?: string | null },
): Promise<{ start: string; n: number; avg: number; min: number; max: number }[]> {
  const set = deviceSetOf(object);
  const metric = metricArg(args.metric, true)!;
  const w = window(args);
  const rows = await readingBuckets(ctx.stores.sql, set, metric, w.from, w.to, args.bucket === 'DAY' ? 'DAY' : 'HOUR');
  return rows.map((b) => ({ ...b, start: new Date(b.start).toISOString() }));
}
