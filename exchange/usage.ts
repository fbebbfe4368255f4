/**
 * 使用留痕 (docs/usage-trail.md): who may see which part of the usage trail, and what a resident
 * sees of it.
 *
 * - The committee (SZ-ZSJ data stewards) sees every entry.
 * - A data owner (a data steward of a department) sees the entries about the attributes it is the
 *   authoritative source of (the city model's `authoritative` dataset belongs to it) — with only
 *   those attributes listed — and every entry decided by a grant it approved as owner of the data
 *   (access requests, req-<id>).
 * - A resident (a token with a `city_code` claim) sees the entries about their own city code, at the
 *   level of the institution (department, purpose, attributes of theirs, when, under which grant,
 *   from which subgraph) — never the officer's name, never other people's codes.
 * - Anyone else: FORBIDDEN. Every read of the trail is itself a GOVERNANCE entry of the chain.
 */
import { CityCodeError } from '../core/errors';
import type { Subject } from '../core/subject';
import { ATTRIBUTE_FIELDS, kindOfCode, RELATION_FIELDS } from '../domain/modelIndex';
import { datasetsByIds } from '../graph/datasets';
import type { Policy } from '../policy/model';
import { COMMITTEE_DEPARTMENT } from '../policy/requests';
import { STEWARD_ROLE } from '../policy/roles';
import { grantsOwnedBy, usageEntries, type UsageFilter, type UsageRow } from '../sharing/usage';
import type { Stores } from '../store/stores';

export type TrailView = { kind: 'COMMITTEE' } | { kind: 'OWNER'; department: string; fields: string[]; grants: string[] };

/** Which part of the trail a caller sees; FORBIDDEN for callers who see none. */
export async function trailView(stores: Stores, subject: Subject): Promise<TrailView> {
  if (subject.anonymous || !subject.roles.includes(STEWARD_ROLE) || !subject.department) {
    throw new CityCodeError('FORBIDDEN', 'The usage trail is shown to the governance committee and to data owners', 'Sign in as a data steward (数据管家); a resident sees their own trail with myDataUsage.');
  }
  if (subject.department === COMMITTEE_DEPARTMENT) return { kind: 'COMMITTEE' };
  const keys = [...ATTRIBUTE_FIELDS.values()].map((a) => ({ key: a.key, dataset: a.decl.authoritative ?? null }));
  keys.push(...[...RELATION_FIELDS.values()].map((r) => ({ key: r.key, dataset: (r.decl as { authoritative?: string }).authoritative ?? null })));
  const datasets = await datasetsByIds(stores.graph, [...new Set(keys.map((k) => k.dataset).filter((d): d is string => d !== null))]);
  const fields = keys.filter((k) => k.dataset !== null && datasets.get(k.dataset)?.definition.department === subject.department).map((k) => k.key);
  return { kind: 'OWNER', department: subject.department, fields, grants: await grantsOwnedBy(stores.sql, subject.department) };
}

export interface TrailEntry {
  id: number;
  at: string;
  /** The officer (username kept in the entry), the department and its name. */
  username: string | null;
  department: string | null;
  departmentName: string | null;
  purpose: string | null;
  purposeLabel: string | null;
  operation: string | null;
  decision: string;
  grant: string;
  policyVersion: string | null;
  subgraph: string;
  entityCodes: string[];
  fields: { key: string; label: string }[];
  reason: string | null;
}

function labelOf(policy: Policy, key: string, row: UsageRow): string {
  const carried = (row.detail?.fieldLabels as Record<string, string> | undefined)?.[key];
  return policy.fields.get(key)?.label ?? carried ?? key;
}

export function toTrailEntry(policy: Policy, row: UsageRow, view: TrailView | null): TrailEntry {
  const [grant, version] = row.policy.split('@');
  const fields = view?.kind === 'OWNER' && !view.grants.includes(grant) ? row.fields.filter((f) => view.fields.includes(f)) : row.fields;
  const actor = row.detail?.actor as { username?: string } | undefined;
  return {
    id: row.id,
    at: row.at,
    username: actor?.username ?? null,
    department: row.department,
    departmentName: row.department ? (policy.departments.get(row.department)?.name ?? null) : null,
    purpose: row.purpose,
    purposeLabel: row.purpose ? (policy.purposes.get(row.purpose)?.label ?? null) : null,
    operation: row.operationName,
    decision: row.decision,
    grant,
    policyVersion: version ?? null,
    subgraph: typeof row.detail?.subgraph === 'string' ? row.detail.subgraph : 'city',
    entityCodes: row.entityCodes,
    fields: fields.map((key) => ({ key, label: labelOf(policy, key, row) })),
    reason: typeof row.detail?.reason === 'string' ? row.detail.reason : null,
  };
}

/** A page of the trail as `view` sees it. */
export async function trailPage(stores: Stores, policy: Policy, view: TrailView, filter: Omit<UsageFilter, 'owned'>, first: number, beforeId: number | null): Promise<TrailEntry[]> {
  const owned = view.kind === 'OWNER' ? { fields: view.fields, grants: view.grants } : null;
  const rows = await usageEntries(stores.sql, { ...filter, owned }, first, beforeId);
  return rows.map((r) => toTrailEntry(policy, r, view));
}

/** What a resident sees of one entry: the institution, the purpose, their own attributes; no officer, no other people. */
export interface ResidentEntry {
  id: number;
  at: string;
  department: string | null;
  departmentName: string | null;
  purpose: string | null;
  purposeLabel: string | null;
  decision: string;
  grant: string;
  subgraph: string;
  fields: { key: string; label: string }[];
}

/** A page of "who read my data" for a resident signed in with their city code. */
export async function residentPage(stores: Stores, policy: Policy, subject: Subject, first: number, beforeId: number | null): Promise<ResidentEntry[]> {
  if (subject.anonymous || !subject.cityCode) {
    throw new CityCodeError('FORBIDDEN', 'Who read my data is shown to residents signed in with their own city code', 'Sign in with a resident account (its token carries city_code).');
  }
  const kind = kindOfCode(subject.cityCode);
  const rows = await usageEntries(
    stores.sql,
    { code: subject.cityCode, attribute: null, department: null, username: null, purpose: null, grant: null, subgraph: null, decision: null, from: null, to: null, owned: null },
    first,
    beforeId,
  );
  return rows.map((r) => {
    const e = toTrailEntry(policy, r, null);
    // Their own attributes: those of their kind; a district subgraph's entries are about records of them.
    const fields = e.subgraph === 'city' ? e.fields.filter((f) => kind !== null && f.key.startsWith(`${kind}.`)) : e.fields;
    return { id: e.id, at: e.at, department: e.department, departmentName: e.departmentName, purpose: e.purpose, purposeLabel: e.purposeLabel, decision: e.decision, grant: e.grant, subgraph: e.subgraph, fields };
  });
}
