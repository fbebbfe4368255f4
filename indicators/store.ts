/**
 * The indicator values store (migrations/postgres/0017_indicators.sql): values per indicator,
 * region and period (history), written in batches with one statement each, and read back by
 * region and period or as a series. The only SQL over indicator_value and indicator_run.
 */
import type { SqlStore } from '../store/postgres';

export interface IndicatorValueRow {
  indicatorId: string;
  level: string;
  regionCode: string;
  value: number | null;
}

const BATCH = 20_000;

/** Writes (or rewrites) the values of one period; returns how many rows were written. */
export async function writeIndicatorValues(sql: SqlStore, period: string, rows: readonly IndicatorValueRow[]): Promise<number> {
  let written = 0;
  for (let i = 0; i < rows.length; i += BATCH) {
    const b = rows.slice(i, i + BATCH);
    const [r] = await sql.query<{ n: number }>(
      `WITH up AS (
         INSERT INTO indicator_value AS v (indicator_id, period, level, region_code, value, computed_at)
         SELECT t.id, $1::date, t.level, t.region, t.value, now()
           FROM unnest($2::text[], $3::text[], $4::text[], $5::float8[]) AS t(id, level, region, value)
         ON CONFLICT (indicator_id, region_code, period) DO UPDATE SET value = EXCLUDED.value, level = EXCLUDED.level, computed_at = EXCLUDED.computed_at
         RETURNING 1)
       SELECT count(*)::int AS n FROM up`,
      [period, b.map((x) => x.indicatorId), b.map((x) => x.level), b.map((x) => x.regionCode), b.map((x) => x.value)],
    );
    written += r.n;
  }
  return written;
}

export async function recordIndicatorRun(
  sql: SqlStore,
  run: { period: string; definitions: number; regions: number; values: number; readMs: number; computeMs: number; writeMs: number },
): Promise<void> {
  await sql.query(
    `INSERT INTO indicator_run (period, definitions, regions, values_n, read_ms, compute_ms, write_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [run.period, run.definitions, run.regions, run.values, Math.round(run.readMs), Math.round(run.computeMs), Math.round(run.writeMs)],
  );
}

/** The values of the given indicators for one region in a period (absent: the newest period computed). */
export async function indicatorValuesOf(sql: SqlStore, regionCode: string, ids: readonly string[], period: string | null): Promise<{ period: string | null; values: Map<string, number | null> }> {
  const [p] = period
    ? [{ period }]
    : await sql.query<{ period: string | null }>(`SELECT max(period)::text AS period FROM indicator_value WHERE region_code = $1`, [regionCode]);
  if (!p?.period) return { period: null, values: new Map() };
  const rows = await sql.query<{ id: string; value: number | null }>(
    `SELECT indicator_id AS id, value FROM indicator_value WHERE region_code = $1 AND period = $2::date AND indicator_id = ANY($3::text[])`,
    [regionCode, p.period, [...ids]],
  );
  return { period: p.period, values: new Map(rows.map((r) => [r.id, r.value])) };
}

/** One indicator's values for a region over [from, to] (periods, inclusive), oldest first. */
export async function indicatorSeries(sql: SqlStore, id: string, regionCode: string, from: string, to: string): Promise<{ period: string; value: number | null }[]> {
  return sql.query<{ period: string; value: number | null }>(
    `SELECT period::text AS period, value FROM indicator_value WHERE indicator_id = $1 AND region_code = $2 AND period BETWEEN $3::date AND $4::date ORDER BY period`,
    [id, regionCode, from, to],
  );
}

/** Removes the values of indicators whose ids start with `prefix` (benchmark definitions). */
export async function deleteIndicatorValues(sql: SqlStore, prefix: string): Promise<number> {
  const [r] = await sql.query<{ n: number }>(`WITH d AS (DELETE FROM indicator_value WHERE indicator_id LIKE $1 || '%' RETURNING 1) SELECT count(*)::int AS n FROM d`, [prefix]);
  return r.n;
}

/** Whether a run has computed the period already. */
export async function periodComputed(sql: SqlStore, period: string): Promise<boolean> {
  const rows = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM indicator_run WHERE period = $1::date`, [period]);
  return rows[0].n > 0;
}

/**
 * Runs `work` only in the process that takes the indicators' advisory lock (held by a transaction
 * for as long as the work runs; released if the process dies); false when another process has it.
 */
export async function whileHoldingComputeLock(sql: SqlStore, work: () => Promise<void>): Promise<boolean> {
  return sql.transaction(async (client) => {
    const got = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtext('citycode:indicators')) AS ok`);
    if (!got.rows[0].ok) return false;
    await work();
    return true;
  });
}
