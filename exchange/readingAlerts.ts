/**
 * Threshold alerts on IoT readings (阈值告警) over graphql-ws: the latest reading of each device
 * of an object (a device, building, grid or region) that crosses the subscriber's threshold,
 * followed from device_latest's change time (polled; a device's readings between two polls
 * count by their latest). Each alert is released through the subscriber's gate at delivery as
 * `CityObject.readings` of its device (the device's row), and recorded in the audit chain.
 */
import { badInput, CityCodeError } from '../core/errors';
import type { Subject } from '../core/subject';
import { crosses, isReadingMetric, READING_METRICS, type ThresholdRule } from '../domain/readings';
import { changedLatest, latestChangeTime } from '../iot/store';
import { RELEASED_AS, type ReleaseDescriptors } from '../policy/release';
import type { QueryContext } from '../query/context';
import { entityByCode } from '../query/fetch';
import { createLoaders } from '../query/loaders';
import { deviceSetOf } from '../query/readings';
import type { Stores } from '../store/stores';
import { makeRelease, type LiveCaller } from './subscriptions';

export interface ReadingAlert {
  device: string;
  deviceCode: string;
  metric: string;
  unit: string;
  at: string;
  value: number;
  crossed: 'ABOVE' | 'BELOW';
  threshold: number;
  [RELEASED_AS]: ReleaseDescriptors;
}

export interface AlertArgs {
  object: string;
  metric: string;
  above?: number | null;
  below?: number | null;
}

/** How often device_latest is read for changes (env READING_ALERT_POLL_MS, default 1000). */
function pollMs(): number {
  const v = Number(process.env.READING_ALERT_POLL_MS ?? 1000);
  return Number.isFinite(v) && v >= 50 ? v : 1000;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function readingAlerts(stores: Stores, caller: LiveCaller, target: QueryContext & { subject: Subject }, args: AlertArgs): Promise<AsyncIterableIterator<ReadingAlert>> {
  if (!isReadingMetric(args.metric)) throw badInput(`metric ${String(args.metric).slice(0, 40)} is not a known metric`, `Use one of ${Object.keys(READING_METRICS).join(', ')}.`, { argument: 'metric' });
  const rule: ThresholdRule = { metric: args.metric, above: args.above ?? null, below: args.below ?? null };
  if (rule.above === null && rule.below === null) throw badInput('an alert needs a threshold', 'Give above, below or both.', { argument: 'above' });
  const first = makeRelease(caller, await caller.subject());
  target.release = first;
  target.loaders = createLoaders(stores, first.graphScope());
  const object = await entityByCode(target, args.object);
  if (!object || object.__typename !== 'CityObject') {
    throw new CityCodeError('NOT_FOUND', `No city object ${String(args.object).slice(0, 40)} you may see`, 'Subscribe to a device, building, grid or region you can query.', { argument: 'object' });
  }
  const set = deviceSetOf(object);
  // Refused now (FORBIDDEN_FIELD) when the caller may not read the object's readings.
  first.check('CityObject.readings', { code: object.code, props: object.props });
  let since = await latestChangeTime(stores.sql);
  let open = true;

  async function* alerts(): AsyncGenerator<ReadingAlert> {
    while (open) {
      const rows = await changedLatest(stores.sql, set, rule.metric, since, 1000);
      if (rows.length === 0) {
        await sleep(pollMs());
        continue;
      }
      since = rows[rows.length - 1].updatedAt;
      for (const r of rows) {
        if (!crosses(rule, r.value)) continue;
        const subject = await caller.subject();
        const release = makeRelease(caller, subject);
        const row = { districtCode: r.districtCode, streetCode: r.streetCode };
        if (!release.admitsRow('CityObject', { objectKind: 'DEVICE', ...row })) continue;
        if (release.decide('CityObject.readings', row).effect === 'DENY') continue;
        target.release = release;
        target.subject = subject;
        target.loaders = createLoaders(stores, release.graphScope());
        const above = rule.above !== null && r.value > rule.above;
        yield {
          device: r.cityCode,
          deviceCode: r.deviceCode,
          metric: r.metric,
          unit: READING_METRICS[r.metric].unit,
          at: new Date(r.at).toISOString(),
          value: r.value,
          crossed: above ? 'ABOVE' : 'BELOW',
          threshold: above ? rule.above! : rule.below!,
          [RELEASED_AS]: { value: { key: 'CityObject.readings', at: { code: r.cityCode, row } } },
        };
        caller.record(release);
      }
    }
  }
  const it = alerts();
  const finish = it.return.bind(it);
  it.return = (value?: unknown) => {
    open = false;
    return finish(value as never);
  };
  return it;
}
