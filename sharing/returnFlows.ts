/**
 * Every SQL statement on return flows (数据回流, migration 0013): the schedules, their claims by
 * one process at a time (a lease, taken with SKIP LOCKED), and their deliveries.
 */
import type { SqlStore } from '../store/postgres';

export type FlowTarget = 'SUBGRAPH' | 'FILE';
export type FlowStatus = 'SUCCEEDED' | 'RETRYING' | 'FAILED';
export type DeliveryTrigger = 'SCHEDULE' | 'RETRY' | 'MANUAL';

/** The claims a flow's deliveries are released under. */
export interface FlowSubject {
  department: string;
  departmentName: string | null;
  clearance: string;
  districtScope: string[];
}

export interface ReturnFlow {
  id: string;
  department: string;
  districtCode: string;
  domain: string;
  cron: string;
  timezone: string;
  purpose: string;
  target: FlowTarget;
  subject: FlowSubject;
  createdBy: string;
  createdAt: string;
  enabled: boolean;
  snapshotDone: boolean;
  cursor: number;
  nextRunAt: string;
  attempt: number;
  lastRunAt: string | null;
  lastStatus: FlowStatus | null;
  lastError: string | null;
}

export interface Delivery {
  id: string;
  flowId: string;
  startedAt: string;
  finishedAt: string | null;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  attempt: number;
  trigger: DeliveryTrigger;
  snapshot: boolean;
  fromCursor: number;
  toCursor: number | null;
  rows: number | null;
  bytes: number | null;
  sha256: string | null;
  location: string | null;
  error: string | null;
}

interface FlowRow {
  id: string;
  department: string;
  district_code: string;
  domain: string;
  cron: string;
  timezone: string;
  purpose: string;
  target: FlowTarget;
  subject: FlowSubject;
  created_by: string;
  created_at: Date;
  enabled: boolean;
  snapshot_done: boolean;
  cursor: string;
  next_run_at: Date;
  attempt: number;
  last_run_at: Date | null;
  last_status: FlowStatus | null;
  last_error: string | null;
}

interface DeliveryRow {
  id: string;
  flow_id: string;
  started_at: Date;
  finished_at: Date | null;
  status: Delivery['status'];
  attempt: number;
  trigger: DeliveryTrigger;
  snapshot: boolean;
  from_cursor: string;
  to_cursor: string | null;
  rows: number | null;
  bytes: string | null;
  sha256: string | null;
  location: string | null;
  error: string | null;
}

const FLOW_COLUMNS = `id, department, district_code, domain, cron, timezone, purpose, target, subject, created_by, created_at, enabled,
  snapshot_done, cursor, next_run_at, attempt, last_run_at, last_status, last_error`;
const DELIVERY_COLUMNS = `id, flow_id, started_at, finished_at, status, attempt, trigger, snapshot, from_cursor, to_cursor, rows, bytes, sha256, location, error`;

function toFlow(r: FlowRow): ReturnFlow {
  return {
    id: r.id,
    department: r.department,
    districtCode: r.district_code,
    domain: r.domain,
    cron: r.cron,
    timezone: r.timezone,
    purpose: r.purpose,
    target: r.target,
    subject: r.subject,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    enabled: r.enabled,
    snapshotDone: r.snapshot_done,
    cursor: Number(r.cursor),
    nextRunAt: r.next_run_at.toISOString(),
    attempt: r.attempt,
    lastRunAt: r.last_run_at?.toISOString() ?? null,
    lastStatus: r.last_status,
    lastError: r.last_error,
  };
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    flowId: r.flow_id,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    status: r.status,
    attempt: r.attempt,
    trigger: r.trigger,
    snapshot: r.snapshot,
    fromCursor: Number(r.from_cursor),
    toCursor: r.to_cursor === null ? null : Number(r.to_cursor),
    rows: r.rows,
    bytes: r.bytes === null ? null : Number(r.bytes),
    sha256: r.sha256,
    location: r.location,
    error: r.error,
  };
}

/** What creating a flow stores: the flow's own fields, its first run as a Date. */
export type NewFlow = Pick<ReturnFlow, 'department' | 'districtCode' | 'domain' | 'cron' | 'timezone' | 'purpose' | 'target' | 'subject' | 'createdBy' | 'snapshotDone' | 'cursor'> & {
  nextRunAt: Date;
};

export async function insertFlow(sql: SqlStore, f: NewFlow): Promise<ReturnFlow> {
  const [row] = await sql.query<FlowRow>(
    `INSERT INTO return_flow (id, department, district_code, domain, cron, timezone, purpose, target, subject, created_by, snapshot_done, cursor, next_run_at)
     VALUES ('rf-' || lpad(nextval('return_flow_seq')::text, 6, '0'), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     RETURNING ${FLOW_COLUMNS}`,
    [f.department, f.districtCode, f.domain, f.cron, f.timezone, f.purpose, f.target, JSON.stringify(f.subject), f.createdBy, f.snapshotDone, f.cursor, f.nextRunAt],
  );
  return toFlow(row);
}

export async function flowById(sql: SqlStore, id: string): Promise<ReturnFlow | null> {
  const [row] = await sql.query<FlowRow>(`SELECT ${FLOW_COLUMNS} FROM return_flow WHERE id = $1`, [id]);
  return row ? toFlow(row) : null;
}

/** Flows of one district (null: every district), newest first, keyset by id. */
export async function listFlows(sql: SqlStore, districtCode: string | null, first: number, after: string | null): Promise<ReturnFlow[]> {
  const rows = await sql.query<FlowRow>(
    `SELECT ${FLOW_COLUMNS} FROM return_flow
      WHERE ($1::text IS NULL OR district_code = $1) AND ($2::text IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [districtCode, after, first],
  );
  return rows.map(toFlow);
}

/** Claims up to `limit` due flows for `leaseMs` (another process skips them meanwhile). */
export async function claimDueFlows(sql: SqlStore, limit: number, leaseMs: number): Promise<ReturnFlow[]> {
  const rows = await sql.query<FlowRow>(
    `UPDATE return_flow SET lease_until = now() + ($2 || ' milliseconds')::interval
      WHERE id IN (SELECT id FROM return_flow
                    WHERE enabled AND next_run_at <= now() AND (lease_until IS NULL OR lease_until < now())
                    ORDER BY next_run_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING ${FLOW_COLUMNS}`,
    [limit, String(leaseMs)],
  );
  return rows.map(toFlow);
}

/** Claims one flow now (a manual run); null when another process holds it. */
export async function claimFlow(sql: SqlStore, id: string, leaseMs: number): Promise<ReturnFlow | null> {
  const [row] = await sql.query<FlowRow>(
    `UPDATE return_flow SET lease_until = now() + ($2 || ' milliseconds')::interval
      WHERE id = $1 AND (lease_until IS NULL OR lease_until < now())
      RETURNING ${FLOW_COLUMNS}`,
    [id, String(leaseMs)],
  );
  return row ? toFlow(row) : null;
}

export async function startDelivery(sql: SqlStore, flow: ReturnFlow, trigger: DeliveryTrigger, attempt: number, snapshot: boolean): Promise<string> {
  const [row] = await sql.query<{ id: string }>(
    `INSERT INTO return_flow_delivery (flow_id, status, attempt, trigger, snapshot, from_cursor) VALUES ($1, 'RUNNING', $2, $3, $4, $5) RETURNING id`,
    [flow.id, attempt, trigger, snapshot, flow.cursor],
  );
  return row.id;
}

/** A delivery that arrived: its figures, and the flow moves its cursor and schedules its next run, in one transaction. */
export async function deliverySucceeded(
  sql: SqlStore,
  flowId: string,
  deliveryId: string,
  done: { toCursor: number; rows: number; bytes: number; sha256: string; location: string; snapshotDone: boolean; nextRunAt: Date },
): Promise<void> {
  await sql.transaction(async (client) => {
    await client.query(
      `UPDATE return_flow_delivery SET status = 'SUCCEEDED', finished_at = now(), to_cursor = $2, rows = $3, bytes = $4, sha256 = $5, location = $6 WHERE id = $1`,
      [deliveryId, done.toCursor, done.rows, done.bytes, done.sha256, done.location],
    );
    await client.query(
      `UPDATE return_flow SET cursor = $2, snapshot_done = $3, next_run_at = $4, attempt = 0, last_run_at = now(), last_status = 'SUCCEEDED', last_error = NULL, lease_until = NULL
        WHERE id = $1`,
      [flowId, done.toCursor, done.snapshotDone, done.nextRunAt],
    );
  });
}

/** A delivery that failed: the cursor stays; the flow is retried at `nextRunAt` (RETRYING) or waits for its next run (FAILED). */
export async function deliveryFailed(sql: SqlStore, flowId: string, deliveryId: string, failed: { error: string; attempt: number; status: 'RETRYING' | 'FAILED'; nextRunAt: Date }): Promise<void> {
  await sql.transaction(async (client) => {
    await client.query(`UPDATE return_flow_delivery SET status = 'FAILED', finished_at = now(), error = $2 WHERE id = $1`, [deliveryId, failed.error.slice(0, 2000)]);
    await client.query(
      `UPDATE return_flow SET attempt = $2, last_run_at = now(), last_status = $3, last_error = $4, next_run_at = $5, lease_until = NULL WHERE id = $1`,
      [flowId, failed.attempt, failed.status, failed.error.slice(0, 2000), failed.nextRunAt],
    );
  });
}

export async function setFlowEnabled(sql: SqlStore, id: string, enabled: boolean, nextRunAt: Date | null): Promise<ReturnFlow | null> {
  const [row] = await sql.query<FlowRow>(
    `UPDATE return_flow SET enabled = $2, next_run_at = coalesce($3, next_run_at), attempt = CASE WHEN $2 THEN 0 ELSE attempt END WHERE id = $1 RETURNING ${FLOW_COLUMNS}`,
    [id, enabled, nextRunAt],
  );
  return row ? toFlow(row) : null;
}

/** Releases a claim without a delivery (the flow was not runnable). */
export async function releaseClaim(sql: SqlStore, id: string): Promise<void> {
  await sql.query(`UPDATE return_flow SET lease_until = NULL WHERE id = $1`, [id]);
}

export async function deliveriesOf(sql: SqlStore, flowId: string, first: number): Promise<Delivery[]> {
  const rows = await sql.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM return_flow_delivery WHERE flow_id = $1 ORDER BY id DESC LIMIT $2`, [flowId, first]);
  return rows.map(toDelivery);
}
