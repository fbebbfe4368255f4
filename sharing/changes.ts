/**
 * The change outbox (migrations/postgres/0010_change_outbox.sql), every SQL statement on it.
 *
 * Writers append after their graph write has committed, holding an advisory lock until their own
 * transaction commits: ids are therefore given in commit order, and a reader that has seen id N has
 * seen every event up to N. Readers page by id; a subscription's filter is pushed into the SQL.
 */
import type { PoolClient } from 'pg';
import type { SqlStore } from '../store/postgres';

/** The channel the outbox trigger notifies (payload: the highest id of the statement). */
export const CHANGE_CHANNEL = 'citycode_change';
const APPEND_LOCK = 'citycode:change-outbox';

export type ChangeSource = 'INGEST' | 'GOVERNANCE';

/** An entity a committed write changed. */
export interface ChangeInput {
  code: string;
  kind: string;
  domain: string;
  districtCode: string | null;
  streetCode: string | null;
  dataset: string | null;
  /** Catalogue keys of the attributes that changed. */
  fields: string[];
  source: ChangeSource;
}

export interface ChangeRow extends ChangeInput {
  id: number;
  at: string;
}

/** What a stream selects (all given parts must hold). */
export interface ChangeFilter {
  codes?: readonly string[] | null;
  domain?: string | null;
  dataset?: string | null;
  /** A 6-digit district or a 9-digit street code. */
  region?: string | null;
}

interface RawChange {
  id: string;
  at: Date;
  code: string;
  kind: string;
  domain: string;
  district_code: string | null;
  street_code: string | null;
  dataset: string | null;
  fields: string[];
  source: ChangeSource;
}

function toChange(r: RawChange): ChangeRow {
  return {
    id: Number(r.id),
    at: r.at.toISOString(),
    code: r.code,
    kind: r.kind,
    domain: r.domain,
    districtCode: r.district_code,
    streetCode: r.street_code,
    dataset: r.dataset,
    fields: r.fields,
    source: r.source,
  };
}

/**
 * Appends changes in one transaction, in commit order (see the module comment); returns their ids.
 * With a batch key the batch is appended once: a second append of the same key (the sweep of a
 * batch whose writer died after appending, or two sweeps at once) appends nothing.
 */
export async function appendChanges(sql: SqlStore, changes: readonly ChangeInput[], batchKey: string | null = null): Promise<number[]> {
  if (changes.length === 0) return [];
  return sql.transaction(async (client) => {
    if (batchKey !== null) {
      const taken = await client.query(`INSERT INTO change_batch (batch_key) VALUES ($1) ON CONFLICT DO NOTHING RETURNING batch_key`, [batchKey]);
      if (taken.rowCount === 0) return [];
    }
    return appendChangesWith(client, changes);
  });
}

/** appendChanges inside a transaction the caller holds (the lock is held until it commits). */
export async function appendChangesWith(client: PoolClient, changes: readonly ChangeInput[]): Promise<number[]> {
  if (changes.length === 0) return [];
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [APPEND_LOCK]);
  const result = await client.query<{ id: string }>(
    `INSERT INTO change_event (code, kind, domain, district_code, street_code, dataset, fields, source)
     SELECT c.code, c.kind, c.domain, c.district_code, c.street_code, c.dataset,
            ARRAY(SELECT jsonb_array_elements_text(c.fields)), c.source
       FROM jsonb_to_recordset($1::jsonb) AS c(code text, kind text, domain text, district_code text, street_code text, dataset text, fields jsonb, source text)
     RETURNING id`,
    [
      JSON.stringify(
        changes.map((c) => ({
          code: c.code,
          kind: c.kind,
          domain: c.domain,
          district_code: c.districtCode,
          street_code: c.streetCode,
          dataset: c.dataset,
          fields: c.fields,
          source: c.source,
        })),
      ),
    ],
  );
  return result.rows.map((r) => Number(r.id));
}

/** Events after `afterId` (and at most through `throughId`), oldest first, matching `filter`. */
export async function changesAfter(
  sql: SqlStore,
  afterId: number,
  options: { limit: number; throughId?: number | null; filter?: ChangeFilter },
): Promise<ChangeRow[]> {
  const f = options.filter ?? {};
  const region = f.region ?? null;
  const rows = await sql.query<RawChange>(
    `SELECT id, at, code, kind, domain, district_code, street_code, dataset, fields, source
       FROM change_event
      WHERE id > $1
        AND ($2::bigint IS NULL OR id <= $2)
        AND ($3::text[] IS NULL OR code = ANY ($3))
        AND ($4::text IS NULL OR domain = $4)
        AND ($5::text IS NULL OR dataset = $5)
        AND ($6::text IS NULL OR (length($6) = 6 AND district_code = $6) OR (length($6) = 9 AND street_code = $6))
      ORDER BY id
      LIMIT $7`,
    [afterId, options.throughId ?? null, f.codes ? [...f.codes] : null, f.domain ?? null, f.dataset ?? null, region, options.limit],
  );
  return rows.map(toChange);
}

/** The highest id given so far (0 when none), and the id through which events were pruned. */
export async function outboxBounds(sql: SqlStore): Promise<{ lastId: number; prunedThrough: number }> {
  const [row] = await sql.query<{ last_id: string | null; pruned_through: string }>(
    `SELECT (SELECT max(id) FROM change_event) AS last_id, pruned_through FROM change_event_horizon WHERE id = 1`,
  );
  return { lastId: Number(row?.last_id ?? 0), prunedThrough: Number(row?.pruned_through ?? 0) };
}

/** Deletes events older than `before`; a cursor at or below the last deleted id can no longer resume exactly. */
export async function pruneChanges(sql: SqlStore, before: Date): Promise<number> {
  return sql.transaction(async (client) => {
    const deleted = await client.query<{ n: string; through: string | null }>(
      `WITH d AS (DELETE FROM change_event WHERE at < $1 RETURNING id) SELECT count(*) AS n, max(id) AS through FROM d`,
      [before],
    );
    const { n, through } = deleted.rows[0];
    if (through !== null) await client.query(`UPDATE change_event_horizon SET pruned_through = greatest(pruned_through, $1) WHERE id = 1`, [through]);
    return Number(n);
  });
}
