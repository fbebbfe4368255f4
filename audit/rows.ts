import type { QueryResultRow } from 'pg';
import type { AuditDecision, AuditRow, JsonValue } from './chain';

/**
 * Every SQL statement that reads the audit tables, and the mapping of their rows. Statements use
 * unqualified table names, so they act on the schema the connection's search_path names (the
 * tamper tests point a pool at a scratch schema that way).
 */

/** What the audit code needs from a connection or a pool: pg's query(). */
export interface Queryable {
  query<T extends QueryResultRow>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface AuditCheckpoint {
  id: number;
  last_id: number;
  last_hash: string;
  row_count: number;
  created_at: string;
  key_id: string;
  signature: string;
}

export interface ChainHead {
  lastId: number;
  lastHash: string;
}

const ROW_COLUMNS =
  'id, at, subject, department, purpose, operation_hash, operation_name, entity_codes, fields, decision, policy, detail, prev_hash, hash';

const CHECKPOINT_COLUMNS = 'id, last_id, last_hash, row_count, created_at, key_id, signature';

interface RawRow {
  id: string;
  at: Date;
  subject: string;
  department: string | null;
  purpose: string | null;
  operation_hash: string;
  operation_name: string | null;
  entity_codes: string[];
  fields: string[];
  decision: string;
  policy: string;
  detail: JsonValue | null;
  prev_hash: string;
  hash: string;
}

interface RawCheckpoint {
  id: string;
  last_id: string;
  last_hash: string;
  row_count: string;
  created_at: Date;
  key_id: string;
  signature: string;
}

/** A bigint column as a JS number; audit ids stay far below 2^53. */
export function toId(value: string | number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`audit id ${value} is beyond 2^53`);
  return n;
}

export function mapRow(r: RawRow): AuditRow {
  return {
    id: toId(r.id),
    at: r.at.toISOString(),
    subject: r.subject,
    department: r.department,
    purpose: r.purpose,
    operation_hash: r.operation_hash,
    operation_name: r.operation_name,
    entity_codes: r.entity_codes,
    fields: r.fields,
    decision: r.decision as AuditDecision,
    policy: r.policy,
    detail: r.detail,
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}

function mapCheckpoint(r: RawCheckpoint): AuditCheckpoint {
  return {
    id: toId(r.id),
    last_id: toId(r.last_id),
    last_hash: r.last_hash,
    row_count: toId(r.row_count),
    created_at: r.created_at.toISOString(),
    key_id: r.key_id,
    signature: r.signature,
  };
}

export async function readHead(db: Queryable, forUpdate = false): Promise<ChainHead> {
  const { rows } = await db.query<{ last_id: string; last_hash: string }>(
    `SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1${forUpdate ? ' FOR UPDATE' : ''}`,
  );
  if (rows.length === 0) throw new Error('audit_chain_head has no row: apply migration 0005_audit_log.sql');
  return { lastId: toId(rows[0].last_id), lastHash: rows[0].last_hash };
}

/** Rows with afterId < id <= toId, in id order, at most `limit`. */
export async function readRows(db: Queryable, afterId: number, toId: number, limit: number): Promise<AuditRow[]> {
  const { rows } = await db.query<RawRow>(
    `SELECT ${ROW_COLUMNS} FROM audit_log WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`,
    [afterId, toId, limit],
  );
  return rows.map(mapRow);
}

export async function readRow(db: Queryable, id: number): Promise<AuditRow | null> {
  const { rows } = await db.query<RawRow>(`SELECT ${ROW_COLUMNS} FROM audit_log WHERE id = $1`, [id]);
  return rows.length === 0 ? null : mapRow(rows[0]);
}

export async function idRange(db: Queryable): Promise<{ minId: number | null; maxId: number | null }> {
  const { rows } = await db.query<{ min_id: string | null; max_id: string | null }>(
    'SELECT min(id) AS min_id, max(id) AS max_id FROM audit_log',
  );
  return {
    minId: rows[0].min_id === null ? null : toId(rows[0].min_id),
    maxId: rows[0].max_id === null ? null : toId(rows[0].max_id),
  };
}

/** The stored hashes of the rows with the given ids (absent ids are absent from the map). */
export async function hashesOf(db: Queryable, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; hash: string }>('SELECT id, hash FROM audit_log WHERE id = ANY($1::bigint[])', [
    ids,
  ]);
  return new Map(rows.map((r) => [toId(r.id), r.hash]));
}

/** The id of the row whose hash this is, if any. */
export async function idOfHash(db: Queryable, hash: string): Promise<number | undefined> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM audit_log WHERE hash = $1', [hash]);
  return rows.length === 0 ? undefined : toId(rows[0].id);
}

/** Checkpoints with fromId <= last_id <= toId (toId null: no upper bound), in last_id order. */
export async function readCheckpoints(db: Queryable, fromId = 1, toId: number | null = null): Promise<AuditCheckpoint[]> {
  const { rows } = await db.query<RawCheckpoint>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint
      WHERE last_id >= $1 AND ($2::bigint IS NULL OR last_id <= $2)
      ORDER BY last_id, id`,
    [fromId, toId],
  );
  return rows.map(mapCheckpoint);
}

export async function latestCheckpoint(db: Queryable): Promise<AuditCheckpoint | null> {
  const { rows } = await db.query<RawCheckpoint>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint ORDER BY last_id DESC LIMIT 1`,
  );
  return rows.length === 0 ? null : mapCheckpoint(rows[0]);
}

/** Inserts a checkpoint unless one for its last_id exists; returns the stored one. */
export async function insertCheckpoint(db: Queryable, cp: Omit<AuditCheckpoint, 'id'>): Promise<AuditCheckpoint> {
  const inserted = await db.query<RawCheckpoint>(
    `INSERT INTO audit_checkpoint (last_id, last_hash, row_count, created_at, key_id, signature)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (last_id) DO NOTHING
     RETURNING ${CHECKPOINT_COLUMNS}`,
    [cp.last_id, cp.last_hash, cp.row_count, cp.created_at, cp.key_id, cp.signature],
  );
  if (inserted.rows.length > 0) return mapCheckpoint(inserted.rows[0]);
  const existing = await db.query<RawCheckpoint>(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint WHERE last_id = $1`, [
    cp.last_id,
  ]);
  return mapCheckpoint(existing.rows[0]);
}

/** Columns the writer inserts, in order. */
export const INSERT_COLUMNS = [
  'id',
  'at',
  'subject',
  'department',
  'purpose',
  'operation_hash',
  'operation_name',
  'entity_codes',
  'fields',
  'decision',
  'policy',
  'detail',
  'prev_hash',
  'hash',
] as const;

/**
 * One multi-row INSERT of rows already numbered and hashed. The batch travels as one jsonb
 * parameter expanded by jsonb_to_recordset (JSON arrays become text[]), which is faster than
 * thousands of bind parameters and has no 65535-parameter limit.
 */
export async function insertRows(db: Queryable, rows: readonly AuditRow[]): Promise<void> {
  const columns = INSERT_COLUMNS.join(', ');
  await db.query(
    `INSERT INTO audit_log (${columns})
     SELECT ${columns}
       FROM jsonb_to_recordset($1::jsonb) AS r(
            id bigint, at timestamptz, subject text, department text, purpose text, operation_hash text,
            operation_name text, entity_codes text[], fields text[], decision text, policy text, detail jsonb,
            prev_hash text, hash text)
      ORDER BY id`,
    [JSON.stringify(rows)],
  );
}
