/**
 * SQL of access requests (migration 0009): insert, read (locked for a move), list, and record a
 * move with its event. The rules are policy/requests.ts; a move and its grant share the caller's
 * transaction (store/policy.ts changeGrantWith).
 */
import type { PoolClient } from 'pg';
import type { Level } from '../core/subject';
import type { Domain, GrantScope } from '../policy/model';
import type { AccessRequest, RequestState } from '../policy/requests';
import type { SqlStore } from '../store/postgres';

interface Row {
  id: string;
  requester_department: string;
  requester: string;
  domain: Domain;
  fields: string[];
  datasets: string[];
  scope: GrantScope;
  purpose: string;
  justification: string;
  expires_at: Date;
  max_level: Level;
  owner_department: string;
  needs_committee: boolean;
  state: RequestState;
  grant_id: string | null;
  created_at: Date;
}

const COLUMNS = `id, requester_department, requester, domain, fields, datasets, scope, purpose, justification, expires_at, max_level,
  owner_department, needs_committee, state, grant_id, created_at`;

function toRequest(r: Row): AccessRequest {
  return {
    id: r.id,
    requesterDepartment: r.requester_department,
    requester: r.requester,
    domain: r.domain,
    fields: r.fields,
    datasets: r.datasets,
    scope: r.scope,
    purpose: r.purpose,
    justification: r.justification,
    expiresAt: r.expires_at.toISOString(),
    maxLevel: r.max_level,
    ownerDepartment: r.owner_department,
    needsCommittee: r.needs_committee,
    state: r.state,
    grantId: r.grant_id,
    createdAt: r.created_at.toISOString(),
  };
}

export interface RequestEvent {
  at: string;
  actor: string;
  actorDepartment: string | null;
  actingAs: 'REQUESTER' | 'OWNER' | 'COMMITTEE';
  from: RequestState | null;
  to: RequestState;
  reason: string;
  policyVersion: string | null;
}

/** Stores a new request (state SUBMITTED) and its first event, in one transaction. */
export async function insertRequest(
  sql: SqlStore,
  r: Omit<AccessRequest, 'id' | 'state' | 'grantId' | 'createdAt'>,
  actor: { username: string; department: string | null },
): Promise<AccessRequest> {
  return sql.transaction(async (client) => {
    const { rows } = await client.query<Row>(
      `INSERT INTO access_request (id, requester_department, requester, domain, fields, datasets, scope, purpose, justification, expires_at,
                                   max_level, owner_department, needs_committee, state)
       VALUES ('ar-' || lpad(nextval('access_request_seq')::text, 6, '0'), $1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, 'SUBMITTED')
       RETURNING ${COLUMNS}`,
      [r.requesterDepartment, r.requester, r.domain, r.fields, r.datasets, JSON.stringify(r.scope), r.purpose, r.justification, r.expiresAt, r.maxLevel, r.ownerDepartment, r.needsCommittee],
    );
    await client.query(
      `INSERT INTO access_request_event (request_id, actor, actor_department, acting_as, from_state, to_state, reason) VALUES ($1, $2, $3, 'REQUESTER', NULL, 'SUBMITTED', $4)`,
      [rows[0].id, actor.username, actor.department, r.justification],
    );
    return toRequest(rows[0]);
  });
}

/** A request, locked for a move when read inside the caller's transaction. */
export async function requestForMove(client: PoolClient, id: string): Promise<AccessRequest | null> {
  const { rows } = await client.query<Row>(`SELECT ${COLUMNS} FROM access_request WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ? toRequest(rows[0]) : null;
}

/** Records a move: the new state (and grant), and the event saying who, as whom, why, under which policy version. */
export async function recordMove(
  client: PoolClient,
  r: AccessRequest,
  move: { to: RequestState; grantId: string | null; actor: string; actorDepartment: string | null; actingAs: RequestEvent['actingAs']; reason: string; policyVersion: string | null },
): Promise<AccessRequest> {
  const { rows } = await client.query<Row>(
    `UPDATE access_request SET state = $2, grant_id = $3, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [r.id, move.to, move.grantId],
  );
  await client.query(
    `INSERT INTO access_request_event (request_id, actor, actor_department, acting_as, from_state, to_state, reason, policy_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [r.id, move.actor, move.actorDepartment, move.actingAs, r.state, move.to, move.reason, move.policyVersion],
  );
  return toRequest(rows[0]);
}

export interface RequestFilter {
  /** Requests of this department, owned by it, or (null) any. */
  requesterDepartment: string | null;
  ownerDepartment: string | null;
  states: RequestState[] | null;
  /** Keyset: the id of the last request of the previous page (newest first). */
  before: string | null;
  first: number;
}

/** Requests, newest first. */
export async function listRequests(sql: SqlStore, f: RequestFilter): Promise<AccessRequest[]> {
  const rows = await sql.query<Row>(
    `SELECT ${COLUMNS} FROM access_request
      WHERE ($1::text IS NULL OR requester_department = $1)
        AND ($2::text IS NULL OR owner_department = $2)
        AND ($3::text[] IS NULL OR state = ANY($3::text[]))
        AND ($4::text IS NULL OR id < $4)
      ORDER BY id DESC
      LIMIT $5`,
    [f.requesterDepartment, f.ownerDepartment, f.states, f.before, f.first],
  );
  return rows.map(toRequest);
}

export async function requestById(sql: SqlStore, id: string): Promise<AccessRequest | null> {
  const rows = await sql.query<Row>(`SELECT ${COLUMNS} FROM access_request WHERE id = $1`, [id]);
  return rows[0] ? toRequest(rows[0]) : null;
}

/** Every move of a request, oldest first. */
export async function requestEvents(sql: SqlStore, id: string): Promise<RequestEvent[]> {
  const rows = await sql.query<{ at: Date; actor: string; actor_department: string | null; acting_as: RequestEvent['actingAs']; from_state: RequestState | null; to_state: RequestState; reason: string; policy_version: string | null }>(
    `SELECT at, actor, actor_department, acting_as, from_state, to_state, reason, policy_version FROM access_request_event WHERE request_id = $1 ORDER BY id`,
    [id],
  );
  return rows.map((r) => ({
    at: r.at.toISOString(),
    actor: r.actor,
    actorDepartment: r.actor_department,
    actingAs: r.acting_as,
    from: r.from_state,
    to: r.to_state,
    reason: r.reason,
    policyVersion: r.policy_version,
  }));
}
