/**
 * IoT readings (物联感知读数), pure: the metrics devices report, how one reading is checked, and the
 * rules of the time-series store (partitions, retention, downsampling). iot/ writes and reads them;
 * what a caller may read is decided by the release gate on `CityObject.readings` / `readingStats`
 * (domain/model.ts MEASURES).
 */
import { validateDeviceCode } from './identifiers/deviceCode';

export const READING_METRICS = {
  water_level: { label: '水位', unit: 'm', min: -50, max: 500 },
  water_pressure: { label: '管网压力', unit: 'MPa', min: 0, max: 5 },
  flow: { label: '流量', unit: 'm³/h', min: 0, max: 1e6 },
  temperature: { label: '温度', unit: '°C', min: -50, max: 150 },
  humidity: { label: '湿度', unit: '%', min: 0, max: 100 },
  pm25: { label: 'PM2.5', unit: 'µg/m³', min: 0, max: 2000 },
  noise: { label: '噪声', unit: 'dB(A)', min: 0, max: 200 },
  power: { label: '用电功率', unit: 'kW', min: 0, max: 1e6 },
  occupancy: { label: '占用 (0/1)', unit: '', min: 0, max: 1 },
  smoke: { label: '烟雾浓度', unit: 'ppm', min: 0, max: 10_000 },
  vehicles: { label: '车流量', unit: '辆', min: 0, max: 100_000 },
  rainfall: { label: '降雨量', unit: 'mm', min: 0, max: 1000 },
  tilt: { label: '结构倾斜', unit: '度', min: 0, max: 90 },
} as const satisfies Record<string, { label: string; unit: string; min: number; max: number }>;
export type ReadingMetric = keyof typeof READING_METRICS;
export const METRIC_NAMES = Object.keys(READING_METRICS) as ReadingMetric[];

export function isReadingMetric(value: unknown): value is ReadingMetric {
  return typeof value === 'string' && Object.hasOwn(READING_METRICS, value);
}

/** The store's rules (docs/data-plate.md 物联感知): raw readings in daily partitions kept 30 days; hourly rollups per region kept two years. */
export const READING_STORE = {
  partition: 'daily',
  rawRetentionDays: 30,
  rollupRetentionDays: 730,
  /** A reading more than this far in the future is refused (device clocks drift a little). */
  maxClockSkewMs: 5 * 60_000,
  /** Most readings in one HTTP batch, and in one write of a stream. */
  maxBatch: 10_000,
} as const;

/** The levels readings are rolled up to, every hour (the device's own series is the raw one). */
export const ROLLUP_LEVELS = ['BUILDING', 'GRID', 'COMMUNITY', 'STREET', 'DISTRICT', 'CITY'] as const;
export type RollupLevel = (typeof ROLLUP_LEVELS)[number];

export interface ReadingInput {
  deviceCode: string;
  metric: ReadingMetric;
  at: Date;
  value: number;
}

export type ReadingRejection =
  | 'NOT_AN_OBJECT'
  | 'DEVICE_CODE'
  | 'METRIC'
  | 'TIME'
  | 'FUTURE'
  | 'TOO_OLD'
  | 'VALUE'
  | 'OUT_OF_RANGE'
  | 'UNKNOWN_DEVICE';

export interface RejectedReading {
  /** Index of the reading in the batch (or line number of the stream, from 1). */
  index: number;
  code: ReadingRejection;
  reason: string;
}

const HINTS: Record<ReadingRejection, string> = {
  NOT_AN_OBJECT: 'Each reading is an object {deviceCode, metric, at, value}.',
  DEVICE_CODE: 'deviceCode is the 19-character 物联设备编码 (D + division + category + serial + check).',
  METRIC: `metric is one of ${METRIC_NAMES.join(', ')}.`,
  TIME: 'at is an ISO 8601 time with its offset, e.g. 2026-12-04T09:00:00+08:00.',
  FUTURE: 'The device clock is ahead: fix it; readings more than 5 minutes ahead are refused.',
  TOO_OLD: `Readings older than the raw retention (${READING_STORE.rawRetentionDays} days) are not kept.`,
  VALUE: 'value is a finite number.',
  OUT_OF_RANGE: "value lies outside the metric's physical range: check the unit.",
  UNKNOWN_DEVICE: 'Register the device first (dataset swj-device): readings of unknown devices are not kept.',
};

export function rejectionHint(code: ReadingRejection): string {
  return HINTS[code];
}

/** Checks one reading of a batch; the reading, or why it is refused. */
export function checkReading(raw: unknown, index: number, now: Date): { ok: true; reading: ReadingInput } | { ok: false; rejected: RejectedReading } {
  const no = (code: ReadingRejection, reason: string) => ({ ok: false as const, rejected: { index, code, reason } });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return no('NOT_AN_OBJECT', 'the reading is not an object');
  const r = raw as Record<string, unknown>;
  const code = typeof r.deviceCode === 'string' ? validateDeviceCode(r.deviceCode) : null;
  if (!code || !code.ok) return no('DEVICE_CODE', `deviceCode ${JSON.stringify(r.deviceCode)?.slice(0, 40)} is not a device code${code && !code.ok ? ` (${code.code}: ${code.reason})` : ''}`);
  if (!isReadingMetric(r.metric)) return no('METRIC', `metric ${JSON.stringify(r.metric)?.slice(0, 40)} is not a known metric`);
  const at = typeof r.at === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(r.at) ? new Date(r.at) : null;
  if (!at || Number.isNaN(at.getTime())) return no('TIME', `at ${JSON.stringify(r.at)?.slice(0, 40)} is not an ISO 8601 time`);
  if (at.getTime() > now.getTime() + READING_STORE.maxClockSkewMs) return no('FUTURE', `at ${r.at} is in the future`);
  if (at.getTime() < now.getTime() - READING_STORE.rawRetentionDays * 86_400_000) return no('TOO_OLD', `at ${r.at} is older than the retention`);
  if (typeof r.value !== 'number' || !Number.isFinite(r.value)) return no('VALUE', 'value is not a finite number');
  const range = READING_METRICS[r.metric];
  if (r.value < range.min || r.value > range.max) return no('OUT_OF_RANGE', `${r.metric} ${r.value} is outside [${range.min}, ${range.max}] ${range.unit}`);
  return { ok: true, reading: { deviceCode: code.value.code, metric: r.metric, at, value: r.value } };
}

/** A threshold alert rule: a metric crossing above `above` or below `below` (at least one). */
export interface ThresholdRule {
  metric: ReadingMetric;
  above: number | null;
  below: number | null;
}

export function crosses(rule: ThresholdRule, value: number): boolean {
  return (rule.above !== null && value > rule.above) || (rule.below !== null && value < rule.below);
}
