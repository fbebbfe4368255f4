/**
 * Every SQL statement on export jobs (批量共享, migration 0011): the job, its progress after each
 * page, its lease, its end.
 */
import type { SqlStore } from '../store/postgres';

export type ExportFormat = 'NDJSON' | 'CSV' | 'GEOJSON';
export type ExportState = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';

/** What an export selects. */
export type ExportSource =
  | { kind: 'DATASET'; dataset: string; entityKind: string; fields: string[] }
  | { kind: 'GRANT'; grant: string; domain: string; kinds: string[]; region: string | null; fields: string[] | null }
  | { kind: 'SELECTION'; kinds: string[]; region: string | null; fields: string[] | null };

/** The claims the job's rows are released under (the requester's, at the start). */
export interface ExportSubject {
  id: string;
  username: string;
  department: string;
  departmentName: string | null;
  clearance: string;
  districtScope: string[];
  roles: string[];
}

export interface ExportJob {
  id: string;
  requester: string;
  department: string;
  subject: ExportSubject;
  purpose: string | null;
  source: ExportSource;
  format: ExportFormat;
  policyVersion: string;
  state: ExportState;
  kindIndex: number;
  cursor: string;
  rows: number;
  bytes: number;
  sha256: string | null;
  grants: string[];
  error: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

interface Row {
  id: string;
  requester: string;
  department: string;
  subject: ExportSubject;
  purpose: string | null;
  source: ExportSource;
  format: ExportFormat;
  policy_version: string;
  state: ExportState;
  kind_index: number;
  cursor: string;
  rows: string;
  bytes: string;
  sha256: string | null;
  grants: string[];
  error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const COLUMNS = `id, requester, department, subject, purpose, source, format, policy_version, state, kind_index, cursor, rows, bytes, sha256, grants, error,
  created_at, updated_at, finished_at`;

function toJob(r: Row): ExportJob {
  return {
    id: r.id,
    requester: r.requester,
    department: r.department,
    subject: r.subject,
    purpose: r.purpose,
    source: r.source,
    format: r.format,
    policyVersion: r.policy_version,
    state: r.state,
    kindIndex: r.kind_index,
    cursor: r.cursor,
    rows: Number(r.rows),
    bytes: Number(r.bytes),
    sha256: r.sha256,
    grants: r.grants,
    error: r.error,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

/** How many export jobs a department may start in 24 h, and have queued or running at once. */
export interface ExportQuota {
  perDay: number;
  running: number;
}

export class ExportQuotaExceeded extends Error {
  constructor(
    readonly quota: 'perDay' | 'running',
    readonly count: number,
    readonly limit: number,
  ) {
    super(`export quota ${quota} reached: ${count} of ${limit}`);
  }
}

/**
 * A new QUEUED job, when the department's quota allows it (counted and inserted under the
 * department's advisory lock, so two requests at once cannot both take the last one).
 */
export async function insertJob(
  sql: SqlStore,
  j: { requester: string; department: string; subject: ExportSubject; purpose: string | null; source: ExportSource; format: ExportFormat; policyVersion: string },
  quota: ExportQuota | null = null,
): Promise<ExportJob> {
  return sql.transaction(async (client) => {
    if (quota) {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('export-quota:' || $1))`, [j.department]);
      const { rows } = await client.query<{ day: number; running: number }>(
        `SELECT count(*) FILTER (WHERE created_at > now() - interval '24 hours')::int AS day,
                count(*) FILTER (WHERE state IN ('QUEUED', 'RUNNING'))::int AS running
           FROM export_job WHERE department = $1 AND (created_at > now() - interval '24 hours' OR state IN ('QUEUED', 'RUNNING'))`,
        [j.department],
      );
      const { day, running } = rows[0];
      if (day >= quota.perDay) throw new ExportQuotaExceeded('perDay', day, quota.perDay);
      if (running >= quota.running) throw new ExportQuotaExceeded('running', running, quota.running);
    }
    const { rows } = await client.query<Row>(
      `INSERT INTO export_job (id, requester, department, subject, purpose, source, format, policy_version, state)
       VALUES ('ex-' || lpad(nextval('export_job_seq')::text, 6, '0'), $1, $2, $3, $4, $5, $6, $7, 'QUEUED')
       RETURNING ${COLUMNS}`,
      [j.requester, j.department, JSON.stringify(j.subject), j.purpose, JSON.stringify(j.source), j.format, j.policyVersion],
    );
    return toJob(rows[0]);
  });
}

export async function jobById(sql: SqlStore, id: string): Promise<ExportJob | null> {
  const [row] = await sql.query<Row>(`SELECT ${COLUMNS} FROM export_job WHERE id = $1`, [id]);
  return row ? toJob(row) : null;
}

/** A department's jobs (null: all), newest first, keyset by id. */
export async function listJobs(sql: SqlStore, department: string | null, first: number, after: string | null): Promise<ExportJob[]> {
  const rows = await sql.query<Row>(
    `SELECT ${COLUMNS} FROM export_job WHERE ($1::text IS NULL OR department = $1) AND ($2::text IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
    [department, after, first],
  );
  return rows.map(toJob);
}

/** Takes a job to run (queued, or running with an expired lease: its process died); null when someone else holds it. */
export async function claimJob(sql: SqlStore, id: string, leaseMs: number): Promise<ExportJob | null> {
  const [row] = await sql.query<Row>(
    `UPDATE export_job SET state = 'RUNNING', lease_until = now() + ($2 || ' milliseconds')::interval, updated_at = now()
      WHERE id = $1 AND (state = 'QUEUED' OR (state = 'RUNNING' AND (lease_until IS NULL OR lease_until < now())) OR state = 'FAILED')
      RETURNING ${COLUMNS}`,
    [id, String(leaseMs)],
  );
  return row ? toJob(row) : null;
}

/** Jobs left running by a process that died (lease expired), oldest first. */
export async function orphanedJobs(sql: SqlStore, limit: number): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `SELECT id FROM export_job WHERE state IN ('QUEUED', 'RUNNING') AND (lease_until IS NULL OR lease_until < now()) ORDER BY id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.id);
}

/** After a page: how far the job got, its lease renewed. */
export async function recordProgress(sql: SqlStore, id: string, p: { kindIndex: number; cursor: string; rows: number; bytes: number; grants: string[] }, leaseMs: number): Promise<void> {
  await sql.query(
    `UPDATE export_job SET kind_index = $2, cursor = $3, rows = $4, bytes = $5, grants = $6, updated_at = now(),
            lease_until = now() + ($7 || ' milliseconds')::interval
      WHERE id = $1`,
    [id, p.kindIndex, p.cursor, p.rows, p.bytes, p.grants, String(leaseMs)],
  );
}

/** Starts a job over (its policy changed since it began: the file would mix two policies). */
export async function restartJob(sql: SqlStore, id: string, policyVersion: string): Promise<void> {
  await sql.query(`UPDATE export_job SET kind_index = 0, cursor = '', rows = 0, bytes = 0, grants = '{}', policy_version = $2, updated_at = now() WHERE id = $1`, [id, policyVersion]);
}

export async function finishJob(sql: SqlStore, id: string, done: { rows: number; bytes: number; sha256: string; grants: string[] }): Promise<ExportJob> {
  const [row] = await sql.query<Row>(
    `UPDATE export_job SET state = 'DONE', rows = $2, bytes = $3, sha256 = $4, grants = $5, finished_at = now(), updated_at = now(), lease_until = NULL, error = NULL
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, done.rows, done.bytes, done.sha256, done.grants],
  );
  return toJob(row);
}

export async function failJob(sql: SqlStore, id: string, error: string): Promise<void> {
  await sql.query(`UPDATE export_job SET state = 'FAILED', error = $2, updated_at = now(), lease_until = NULL WHERE id = $1`, [id, error.slice(0, 2000)]);
}
