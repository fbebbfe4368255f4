/**
 * 使用留痕: reads of the audit chain for the usage trail (docs/usage-trail.md) — entries of reads,
 * masks and denials (not governance moves), newest first, keyset by id, filtered in SQL.
 */
import type { SqlStore } from '../store/postgres';

export interface UsageFilter {
  code: string | null;
  attribute: string | null;
  department: string | null;
  /** The officer's account (the username kept in the entry's actor). */
  username: string | null;
  purpose: string | null;
  /** A grant id (the part of `policy` before '@'). */
  grant: string | null;
  subgraph: string | null;
  decision: 'ALLOW' | 'MASK' | 'DENY' | null;
  from: Date | null;
  to: Date | null;
  /** A data owner's view: entries about these attributes, or decided by these grants. */
  owned: { fields: string[]; grants: string[] } | null;
}

export interface UsageRow {
  id: number;
  at: string;
  subject: string;
  department: string | null;
  purpose: string | null;
  operationName: string | null;
  entityCodes: string[];
  fields: string[];
  decision: 'ALLOW' | 'MASK' | 'DENY';
  policy: string;
  detail: Record<string, unknown> | null;
}

interface Raw {
  id: string;
  at: Date;
  subject: string;
  department: string | null;
  purpose: string | null;
  operation_name: string | null;
  entity_codes: string[];
  fields: string[];
  decision: UsageRow['decision'];
  policy: string;
  detail: Record<string, unknown> | null;
}

export async function usageEntries(sql: SqlStore, f: UsageFilter, first: number, beforeId: number | null): Promise<UsageRow[]> {
  const rows = await sql.query<Raw>(
    `SELECT id, at, subject, department, purpose, operation_name, entity_codes, fields, decision, policy, detail
       FROM audit_log
      WHERE decision IN ('ALLOW', 'MASK', 'DENY')
        AND ($1::text IS NULL OR entity_codes @> ARRAY[$1::text])
        AND ($2::text IS NULL OR fields @> ARRAY[$2::text])
        AND ($3::text IS NULL OR department = $3)
        AND ($4::text IS NULL OR detail->'actor'->>'username' = $4)
        AND ($5::text IS NULL OR purpose = $5)
        AND ($6::text IS NULL OR split_part(policy, '@', 1) = $6)
        AND ($7::text IS NULL OR coalesce(detail->>'subgraph', 'city') = $7)
        AND ($8::text IS NULL OR decision = $8)
        AND ($9::timestamptz IS NULL OR at >= $9)
        AND ($10::timestamptz IS NULL OR at < $10)
        AND ($11::boolean IS NULL OR fields && $12::text[] OR split_part(policy, '@', 1) = ANY ($13::text[]))
        AND ($14::bigint IS NULL OR id < $14)
      ORDER BY id DESC
      LIMIT $15`,
    [
      f.code,
      f.attribute,
      f.department,
      f.username,
      f.purpose,
      f.grant,
      f.subgraph,
      f.decision,
      f.from,
      f.to,
      f.owned ? true : null,
      f.owned?.fields ?? [],
      f.owned?.grants ?? [],
      beforeId,
      first,
    ],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at.toISOString(),
    subject: r.subject,
    department: r.department,
    purpose: r.purpose,
    operationName: r.operation_name,
    entityCodes: r.entity_codes,
    fields: r.fields,
    decision: r.decision,
    policy: r.policy,
    detail: r.detail,
  }));
}

/** The grants made from access requests a department approved as the owner of the data. */
export async function grantsOwnedBy(sql: SqlStore, department: string): Promise<string[]> {
  const rows = await sql.query<{ grant_id: string }>(`SELECT grant_id FROM access_request WHERE owner_department = $1 AND grant_id IS NOT NULL`, [department]);
  return rows.map((r) => r.grant_id);
}
