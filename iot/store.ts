/**
 * The IoT readings store (物联感知时序库, migrations/postgres/0016_readings.sql): the one SQL layer
 * over iot_device, device_reading (daily partitions by pg_partman), device_latest and
 * reading_rollup. A batch is written in ONE statement: the raw rows (a reading already stored is
 * skipped, so a batch sent twice changes nothing), the latest value of each device and metric,
 * and the hourly rollups of every level, from exactly the rows that were new.
 */
import type { ReadingInput, ReadingMetric, RollupLevel } from '../domain/readings';
import { READING_STORE } from '../domain/readings';
import type { SqlStore } from '../store/postgres';

export interface DeviceRegistration {
  deviceCode: string;
  cityCode: string;
  buildingCode: string | null;
}

/**
 * Registers (or re-registers) devices; their grid, community, street and district are those of
 * their spatial feature (a device without one keeps only its building). Returns how many changed.
 */
export async function registerDevices(sql: SqlStore, devices: readonly DeviceRegistration[]): Promise<number> {
  if (devices.length === 0) return 0;
  const rows = await sql.query<{ n: number }>(
    `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS t(device_code, city_code, building_code)),
     up AS (
       INSERT INTO iot_device AS d (device_code, city_code, building_code, grid_code, community_code, street_code, district_code)
       SELECT i.device_code, i.city_code, i.building_code, f.grid_code, f.community_code, f.street_code, f.district_code
         FROM input i LEFT JOIN spatial_feature f ON f.city_code = i.city_code
       ON CONFLICT (device_code) DO UPDATE
          SET city_code = EXCLUDED.city_code, building_code = EXCLUDED.building_code, grid_code = EXCLUDED.grid_code,
              community_code = EXCLUDED.community_code, street_code = EXCLUDED.street_code, district_code = EXCLUDED.district_code
        WHERE (d.city_code, d.building_code, d.grid_code, d.community_code, d.street_code, d.district_code)
              IS DISTINCT FROM (EXCLUDED.city_code, EXCLUDED.building_code, EXCLUDED.grid_code, EXCLUDED.community_code, EXCLUDED.street_code, EXCLUDED.district_code)
       RETURNING 1)
     SELECT count(*)::int AS n FROM up`,
    [devices.map((d) => d.deviceCode), devices.map((d) => d.cityCode), devices.map((d) => d.buildingCode)],
  );
  return rows[0].n;
}

/** Which of the device codes are registered. */
export async function registeredDevices(sql: SqlStore, deviceCodes: readonly string[]): Promise<Set<string>> {
  if (deviceCodes.length === 0) return new Set();
  const rows = await sql.query<{ device_code: string }>(`SELECT device_code FROM iot_device WHERE device_code = ANY($1::text[])`, [[...new Set(deviceCodes)]]);
  return new Set(rows.map((r) => r.device_code));
}

export interface WriteResult {
  /** Readings stored now. */
  written: number;
  /** Readings already stored (same device, metric and time): skipped. */
  duplicates: number;
}

const WRITE_READINGS = `
  WITH input AS (
    SELECT DISTINCT ON (d.city_code, t.metric, t.at) d.city_code, t.metric, t.at, t.value
      FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[]) AS t(device_code, metric, at, value)
      JOIN iot_device d ON d.device_code = t.device_code
     ORDER BY d.city_code, t.metric, t.at),
  ins AS (
    INSERT INTO device_reading (city_code, metric, at, value)
    SELECT city_code, metric, at, value FROM input
    ON CONFLICT DO NOTHING
    RETURNING city_code, metric, at, value),
  latest AS (
    INSERT INTO device_latest AS l (city_code, metric, at, value, updated_at)
    SELECT DISTINCT ON (city_code, metric) city_code, metric, at, value, clock_timestamp() FROM ins ORDER BY city_code, metric, at DESC
    ON CONFLICT (city_code, metric) DO UPDATE SET at = EXCLUDED.at, value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
     WHERE l.at < EXCLUDED.at
    RETURNING 1),
  rolled AS (
    INSERT INTO reading_rollup AS r (level, region_code, metric, category, hour, n, total, min, max)
    SELECT g.level, g.region, i.metric, CASE g.level WHEN 'BUILDING' THEN '*' ELSE substr(d.device_code, 8, 2) END,
           date_trunc('hour', i.at), count(*), sum(i.value), min(i.value), max(i.value)
      FROM ins i
      JOIN iot_device d ON d.city_code = i.city_code
      CROSS JOIN LATERAL (VALUES ('BUILDING', d.building_code), ('GRID', d.grid_code), ('COMMUNITY', d.community_code),
                                 ('STREET', d.street_code), ('DISTRICT', d.district_code), ('CITY', '440300')) AS g(level, region)
     WHERE g.region IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5
     ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (level, region_code, metric, category, hour) DO UPDATE
       SET n = r.n + EXCLUDED.n, total = r.total + EXCLUDED.total, min = least(r.min, EXCLUDED.min), max = greatest(r.max, EXCLUDED.max)
    RETURNING 1)
  SELECT (SELECT count(*) FROM input)::int AS matched, (SELECT count(*) FROM ins)::int AS written,
         (SELECT count(*) FROM latest)::int AS latest, (SELECT count(*) FROM rolled)::int AS rolled`;

/** Writes one batch of checked readings of registered devices (others are not in the result's counts). */
export async function writeReadings(sql: SqlStore, readings: readonly ReadingInput[]): Promise<WriteResult> {
  if (readings.length === 0) return { written: 0, duplicates: 0 };
  if (readings.length > READING_STORE.maxBatch) throw new Error(`a batch holds at most ${READING_STORE.maxBatch} readings`);
  const [row] = await sql.query<{ matched: number; written: number }>(WRITE_READINGS, [
    readings.map((r) => r.deviceCode),
    readings.map((r) => r.metric),
    readings.map((r) => r.at.toISOString()),
    readings.map((r) => r.value),
  ]);
  return { written: row.written, duplicates: readings.length - row.written };
}

export interface StoredReading {
  cityCode: string;
  deviceCode: string;
  metric: ReadingMetric;
  at: Date;
  value: number;
  districtCode: string | null;
  streetCode: string | null;
}

/** Where the devices of a city object are: the device itself, or every device in the building / grid / region. */
export type DeviceSet = { device: string } | { level: RollupLevel; regionCode: string };

function deviceFilter(set: DeviceSet, param: number): string {
  if ('device' in set) return `d.city_code = $${param}`;
  switch (set.level) {
    case 'BUILDING':
      return `d.building_code = $${param}`;
    case 'GRID':
      return `d.grid_code = $${param}`;
    case 'COMMUNITY':
      return `d.community_code = $${param}`;
    case 'STREET':
      return `d.street_code = $${param}`;
    case 'DISTRICT':
      return `d.district_code = $${param}`;
    case 'CITY':
      return `$${param}::text = '440300'`;
  }
}

const setValue = (set: DeviceSet) => ('device' in set ? set.device : set.regionCode);

/** The latest reading of each device in the set (and metric), newest first, at most `limit`. */
export async function latestReadings(sql: SqlStore, set: DeviceSet, metric: ReadingMetric | null, limit: number): Promise<StoredReading[]> {
  const rows = await sql.query<StoredReading>(
    `SELECT l.city_code AS "cityCode", d.device_code AS "deviceCode", l.metric, l.at, l.value, d.district_code AS "districtCode", d.street_code AS "streetCode"
       FROM iot_device d JOIN device_latest l ON l.city_code = d.city_code
      WHERE ${deviceFilter(set, 1)} AND ($2::text IS NULL OR l.metric = $2)
      ORDER BY l.at DESC, l.city_code, l.metric
      LIMIT $3`,
    [setValue(set), metric, limit],
  );
  return rows;
}

/** One device's readings in [from, to), oldest first, at most `limit` (partitions outside the range are not read). */
export async function readingRange(sql: SqlStore, cityCode: string, metric: ReadingMetric | null, from: Date, to: Date, limit: number): Promise<StoredReading[]> {
  return sql.query<StoredReading>(
    `SELECT r.city_code AS "cityCode", d.device_code AS "deviceCode", r.metric, r.at, r.value, d.district_code AS "districtCode", d.street_code AS "streetCode"
       FROM device_reading r JOIN iot_device d ON d.city_code = r.city_code
      WHERE r.city_code = $1 AND ($2::text IS NULL OR r.metric = $2) AND r.at >= $3 AND r.at < $4
      ORDER BY r.at, r.metric
      LIMIT $5`,
    [cityCode, metric, from.toISOString(), to.toISOString(), limit],
  );
}

export interface ReadingBucket {
  start: Date;
  n: number;
  avg: number;
  min: number;
  max: number;
}

/**
 * Aggregates of a metric per hour or day in [from, to): from the hourly rollups for a region or
 * building (downsampled, kept two years: the hours that start in the range, so give whole hours),
 * from the raw series for one device.
 */
export async function readingBuckets(sql: SqlStore, set: DeviceSet, metric: ReadingMetric, from: Date, to: Date, bucket: 'HOUR' | 'DAY'): Promise<ReadingBucket[]> {
  const unit = bucket === 'HOUR' ? 'hour' : 'day';
  const params = [setValue(set), metric, from.toISOString(), to.toISOString(), unit];
  const rows =
    'device' in set
      ? await sql.query<ReadingBucket>(
          `SELECT date_trunc($5, at) AS start, count(*)::int AS n, avg(value) AS avg, min(value) AS min, max(value) AS max
             FROM device_reading WHERE city_code = $1 AND metric = $2 AND at >= $3 AND at < $4
            GROUP BY 1 ORDER BY 1`,
          params,
        )
      : await sql.query<ReadingBucket>(
          `SELECT date_trunc($5, hour) AS start, sum(n)::int AS n, sum(total) / sum(n) AS avg, min(min) AS min, max(max) AS max
             FROM reading_rollup WHERE level = $6 AND region_code = $1 AND metric = $2 AND hour >= $3 AND hour < $4
            GROUP BY 1 ORDER BY 1`,
          [...params, set.level],
        );
  return rows.map((r) => ({ start: r.start, n: Number(r.n), avg: Number(r.avg), min: Number(r.min), max: Number(r.max) }));
}

/**
 * Latest values that changed after `since` (exclusive; the text of a change time, microseconds
 * kept), oldest change first: what threshold alerts follow.
 */
export async function changedLatest(
  sql: SqlStore,
  set: DeviceSet,
  metric: ReadingMetric,
  since: string,
  limit: number,
): Promise<(StoredReading & { updatedAt: string })[]> {
  return sql.query<StoredReading & { updatedAt: string }>(
    `SELECT l.city_code AS "cityCode", d.device_code AS "deviceCode", l.metric, l.at, l.value, l.updated_at::text AS "updatedAt",
            d.district_code AS "districtCode", d.street_code AS "streetCode"
       FROM device_latest l JOIN iot_device d ON d.city_code = l.city_code
      WHERE l.updated_at > $2::timestamptz AND l.metric = $3 AND ${deviceFilter(set, 1)}
      ORDER BY l.updated_at, l.city_code
      LIMIT $4`,
    [setValue(set), since, metric, limit],
  );
}

/** The newest change time of the latest values, as text (where a new alert subscription starts). */
export async function latestChangeTime(sql: SqlStore): Promise<string> {
  const [row] = await sql.query<{ t: string }>(`SELECT coalesce(max(updated_at), now())::text AS t FROM device_latest`);
  return row.t;
}

export interface RollupRow {
  level: RollupLevel;
  regionCode: string;
  metric: string;
  category: string;
  n: number;
  total: number;
  min: number;
  max: number;
}

/** The rollups of the last `hours` whole hours (and the current one) per level, region, metric and device category: what indicators over readings read. */
export async function rollupsSince(sql: SqlStore, hours: number): Promise<RollupRow[]> {
  const rows = await sql.query<RollupRow>(
    `SELECT level, region_code AS "regionCode", metric, category, sum(n)::float8 AS n, sum(total) AS total, min(min) AS min, max(max) AS max
       FROM reading_rollup WHERE hour >= date_trunc('hour', now()) - make_interval(hours => $1)
      GROUP BY 1, 2, 3, 4`,
    [hours],
  );
  return rows.map((r) => ({ ...r, n: Number(r.n), total: Number(r.total), min: Number(r.min), max: Number(r.max) }));
}

/**
 * Housekeeping: pg_partman makes the partitions ahead and drops raw ones past retention; rollups
 * past their retention are deleted. Idempotent; run hourly by the API (api/services.ts).
 */
export async function maintainReadings(sql: SqlStore): Promise<{ rollupsDeleted: number }> {
  await sql.query(`SELECT partman.run_maintenance('public.device_reading')`);
  const rows = await sql.query<{ n: number }>(
    `WITH gone AS (DELETE FROM reading_rollup WHERE hour < now() - make_interval(days => $1) RETURNING 1) SELECT count(*)::int AS n FROM gone`,
    [READING_STORE.rollupRetentionDays],
  );
  return { rollupsDeleted: rows[0].n };
}

/** Partitions of the raw series (name and bounds), for health and the docs. */
export async function readingPartitions(sql: SqlStore): Promise<{ name: string; bounds: string }[]> {
  return sql.query<{ name: string; bounds: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bounds
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'device_reading' ORDER BY c.relname`,
  );
}
