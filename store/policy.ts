import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { PoolClient } from 'pg';
import { badInput, CityCodeError } from '../core/errors';
import { fromRoot } from '../core/paths';
import type { Subject } from '../core/subject';
import { STEWARD_ROLE } from '../policy/roles';
import type { SqlStore } from './postgres';
import { canonicalJson, loadPolicy, PolicyError, policyToFiles, validateGrant, type LoadOptions } from '../policy/load';
import type { Grant, NormalisedPolicyFiles, Policy, PolicyFiles } from '../policy/model';

/**
 * Policies in PostgreSQL (migration 0004_policy.sql): every version of the policy (files loaded
 * from policies/<version>/ and each governance change on top of them), the current grants, and
 * the append-only log of grant changes. The only module of policy/ that does I/O.
 *
 *  - syncPolicyFiles: loads policies/vN (the newest, or env POLICY_DIR) into the store when its
 *    version is new (idempotent); a store holding an older version is upgraded.
 *  - currentPolicy: the latest version, validated again on the way out.
 *  - changeGrant: CREATE / UPDATE / REVOKE one grant by a data steward, in one transaction:
 *    new version vN.M, policy_grant row, policy_change row; invalid input changes nothing.
 */

const major = (version: string): number => Number(version.slice(1).split('.')[0]);

/**
 * The policy files versions shipped in `policies/` (`v1`, `v2`, …), oldest first. A loaded version
 * never changes, so every version stays in the repository; the newest is the one in force.
 */
export function policyVersionDirs(root: string = fromRoot('policies')): { version: string; dir: string }[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^v[1-9]\d*$/.test(d.name))
    .map((d) => ({ version: d.name, dir: join(root, d.name) }))
    .sort((a, b) => major(a.version) - major(b.version));
}

/**
 * The policy directory the API, migrations and seed load: the env `POLICY_DIR` when set (relative
 * to the project root), else the newest `policies/vN`.
 */
export function policyDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.POLICY_DIR?.trim();
  if (configured) return isAbsolute(configured) ? configured : resolve(fromRoot(), configured);
  const versions = policyVersionDirs();
  if (!versions.length) throw new Error(`no policy files version in ${fromRoot('policies')}: expected a directory v1, v2, …`);
  return versions[versions.length - 1].dir;
}

export const POLICY_DIR = policyDir();
export const POLICY_FILES = { catalogue: 'catalogue.json', grants: 'grants.json', purposes: 'purposes.json' } as const;
/** The actor recorded for changes that come from the policy files. */
export const FILES_ACTOR = 'policy-files';
const LOCK = 'citycode:policy';
const MAX_REASON = 2000;

export type GrantAction = 'CREATE' | 'UPDATE' | 'REVOKE';

export interface GrantChange {
  action: GrantAction;
  /** The whole grant for CREATE/UPDATE; for REVOKE, `{ id }` is enough. */
  grant: unknown;
  /** Why (recorded in policy_change): the request, the agreement, the ticket. */
  reason: string;
}

export interface PolicyChangeRecord {
  id: string;
  at: Date;
  actor: string;
  actorName: string | null;
  actorDepartment: string | null;
  department: string;
  action: GrantAction;
  grantId: string;
  before: Grant | null;
  after: Grant | null;
  reason: string;
  versionId: string;
}

export interface GrantChangeResult {
  version: string;
  change: PolicyChangeRecord;
  policy: Policy;
}

export interface SyncResult {
  /** False when this version of the files was already loaded (nothing written). */
  changed: boolean;
  version: string;
  checksum: string;
  /** Grants created, updated or revoked by the files (each has a policy_change row). */
  changes: number;
  /** Governance-change versions (vN.M) since the last files version whose grants the files replaced. */
  replacedChangeVersions: string[];
}

export interface PolicyVersionInfo {
  id: string;
  checksum: string;
  origin: 'FILES' | 'CHANGE';
  basedOn: string | null;
  effectiveFrom: string;
  loadedAt: Date;
}

let streetCodes: ReadonlySet<string> | undefined;

/** The 9-digit street codes of seed/data/shenzhen-regions.json (STREETS scopes must use them). */
export function shenzhenStreetCodes(): ReadonlySet<string> {
  if (!streetCodes) {
    const data = JSON.parse(readFileSync(fromRoot('seed', 'data', 'shenzhen-regions.json'), 'utf8')) as {
      regions: { code: string; level: string }[];
    };
    streetCodes = new Set(data.regions.filter((r) => r.level === 'STREET').map((r) => r.code));
  }
  return streetCodes;
}

function loadOptions(): LoadOptions {
  return { knownStreetCodes: shenzhenStreetCodes() };
}

/** Reads the three policy files of a directory (parsed JSON, not yet validated). */
export function loadPolicyFiles(dir: string): PolicyFiles {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, file] of Object.entries(POLICY_FILES)) {
    let body: string;
    try {
      body = readFileSync(join(dir, file), 'utf8');
    } catch (err) {
      problems.push(`${file}: cannot read ${join(dir, file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      continue;
    }
    try {
      out[key] = JSON.parse(body);
    } catch (err) {
      problems.push(`${file}: invalid JSON: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new PolicyError(problems);
  return out as unknown as PolicyFiles;
}

/** Reads and validates a policy directory (default POLICY_DIR, the newest policies/vN). */
export function loadPolicyDir(dir: string = POLICY_DIR): Policy {
  return loadPolicy(loadPolicyFiles(dir), loadOptions());
}


function nextChangeVersion(current: string): string {
  const [base, minor] = current.split('.');
  return `${base}.${minor === undefined ? 1 : Number(minor) + 1}`;
}

/** Today's date in Shenzhen (UTC+8), for the effectiveFrom of a governance change. */
function shenzhenDate(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

interface VersionRow {
  id: string;
  checksum: string;
  origin: 'FILES' | 'CHANGE';
  based_on: string | null;
  effective_from: string;
  loaded_at: Date;
  source: NormalisedPolicyFiles;
}

const VERSION_COLUMNS = `id, checksum, origin, based_on, to_char(effective_from, 'YYYY-MM-DD') AS effective_from, loaded_at`;

async function latestVersion(client: PoolClient): Promise<VersionRow | null> {
  const { rows } = await client.query<VersionRow>(`SELECT ${VERSION_COLUMNS}, source FROM policy_version ORDER BY seq DESC LIMIT 1`);
  return rows[0] ?? null;
}

async function insertVersion(client: PoolClient, policy: Policy, origin: 'FILES' | 'CHANGE', basedOn: string | null): Promise<void> {
  await client.query(
    `INSERT INTO policy_version (id, checksum, origin, based_on, effective_from, source) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
    [policy.version, policy.checksum, origin, basedOn, policy.effectiveFrom, JSON.stringify(policy.files)],
  );
}

function grantRow(g: Grant, versionId: string): Record<string, unknown> {
  return {
    id: g.id,
    version_id: versionId,
    department: g.department,
    domain: g.domain,
    max_level: g.maxLevel,
    scope: g.scope,
    purposes: g.purposes,
    masks: g.masks,
    expires_at: g.expiresAt,
    body: g,
  };
}

const GRANT_INSERT = `
  INSERT INTO policy_grant (id, version_id, department, domain, max_level, scope, purposes, masks, expires_at, body)
  SELECT r.id, r.version_id, r.department, r.domain, r.max_level, r.scope,
         ARRAY(SELECT jsonb_array_elements_text(r.purposes)), r.masks, r.expires_at, r.body
    FROM jsonb_to_recordset($1::jsonb) AS r(id text, version_id text, department text, domain text, max_level text,
         scope jsonb, purposes jsonb, masks jsonb, expires_at timestamptz, body jsonb)`;

interface ChangeRow {
  id: string;
  at: Date;
  actor: string;
  actor_name: string | null;
  actor_department: string | null;
  department: string;
  action: GrantAction;
  grant_id: string;
  before: Grant | null;
  after: Grant | null;
  reason: string;
  version_id: string;
}

function toChangeRecord(r: ChangeRow): PolicyChangeRecord {
  return {
    id: String(r.id),
    at: r.at,
    actor: r.actor,
    actorName: r.actor_name,
    actorDepartment: r.actor_department,
    department: r.department,
    action: r.action,
    grantId: r.grant_id,
    before: r.before,
    after: r.after,
    reason: r.reason,
    versionId: r.version_id,
  };
}

const CHANGE_INSERT = `
  INSERT INTO policy_change (actor, actor_name, actor_department, department, action, grant_id, before, after, reason, version_id)
  SELECT r.actor, r.actor_name, r.actor_department, r.department, r.action, r.grant_id, r.before, r.after, r.reason, r.version_id
    FROM jsonb_to_recordset($1::jsonb) AS r(actor text, actor_name text, actor_department text, department text, action text,
         grant_id text, before jsonb, after jsonb, reason text, version_id text)
  RETURNING id, at, actor, actor_name, actor_department, department, action, grant_id, before, after, reason, version_id`;

/**
 * Loads the policy files of `dir` into the store as version `vN` unless that version is already
 * there with the same checksum (then nothing is written). The files' grants replace the current
 * ones; every grant they create, change or drop gets a policy_change row by `policy-files`.
 * Refuses files whose version was loaded with another checksum (bump the version instead), files
 * older than a loaded version, and invalid files (PolicyError lists the problems).
 */
export async function syncPolicyFiles(sql: SqlStore, dir: string = POLICY_DIR): Promise<SyncResult> {
  const policy = loadPolicy(loadPolicyFiles(dir), loadOptions());
  if (policy.version.includes('.')) {
    throw new PolicyError([`policy files version ${policy.version}: files carry a major version (v1, v2 …); vN.M ids are governance changes`]);
  }
  return sql.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
    const same = await client.query<{ checksum: string }>('SELECT checksum FROM policy_version WHERE id = $1', [policy.version]);
    if (same.rows.length) {
      if (same.rows[0].checksum === policy.checksum) {
        return { changed: false, version: policy.version, checksum: policy.checksum, changes: 0, replacedChangeVersions: [] };
      }
      throw new PolicyError([
        `policy files ${policy.version} in ${dir} differ from the ${policy.version} already loaded (checksum ${same.rows[0].checksum.slice(0, 12)}… ` +
          `vs ${policy.checksum.slice(0, 12)}…); a loaded version never changes: copy the files to policies/v${major(policy.version) + 1} with version "v${major(policy.version) + 1}"`,
      ]);
    }
    const newest = await client.query<{ id: string }>(
      `SELECT id FROM policy_version WHERE origin = 'FILES' ORDER BY seq DESC LIMIT 1`,
    );
    if (newest.rows.length && major(newest.rows[0].id) > major(policy.version)) {
      throw new PolicyError([`policy files ${policy.version} are older than the loaded ${newest.rows[0].id}; load v${major(newest.rows[0].id) + 1} or later`]);
    }
    const current = await latestVersion(client);
    const replaced = current
      ? (
          await client.query<{ id: string }>(
            `SELECT id FROM policy_version WHERE origin = 'CHANGE' AND seq > coalesce((SELECT max(seq) FROM policy_version WHERE origin = 'FILES'), 0) ORDER BY seq`,
          )
        ).rows.map((r) => r.id)
      : [];
    await insertVersion(client, policy, 'FILES', current?.id ?? null);

    const before = new Map((current?.source.grants.grants ?? []).map((g) => [g.id, g]));
    const after = new Map(policy.files.grants.grants.map((g) => [g.id, g]));
    const kept = new Map(
      (await client.query<{ id: string; version_id: string }>('SELECT id, version_id FROM policy_grant')).rows.map((r) => [r.id, r.version_id]),
    );
    const reason = `policy files ${policy.version} loaded (sha256 ${policy.checksum.slice(0, 16)}…)`;
    const changes: Record<string, unknown>[] = [];
    const rows: Record<string, unknown>[] = [];
    const change = (action: GrantAction, b: Grant | null, a: Grant | null): Record<string, unknown> => ({
      actor: FILES_ACTOR,
      actor_name: 'policy files',
      actor_department: null,
      department: (a ?? b)!.department,
      action,
      grant_id: (a ?? b)!.id,
      before: b,
      after: a,
      reason,
      version_id: policy.version,
    });
    for (const [id, g] of after) {
      const old = before.get(id);
      if (!old) changes.push(change('CREATE', null, g));
      else if (canonicalJson(old) !== canonicalJson(g)) changes.push(change('UPDATE', old, g));
      const unchanged = old && canonicalJson(old) === canonicalJson(g);
      rows.push(grantRow(g, unchanged && kept.has(id) ? kept.get(id)! : policy.version));
    }
    for (const [id, g] of before) if (!after.has(id)) changes.push(change('REVOKE', g, null));
    await client.query('DELETE FROM policy_grant');
    await client.query(GRANT_INSERT, [JSON.stringify(rows)]);
    if (changes.length) await client.query(CHANGE_INSERT, [JSON.stringify(changes)]);
    return { changed: true, version: policy.version, checksum: policy.checksum, changes: changes.length, replacedChangeVersions: replaced };
  });
}

/** The latest policy version (id, checksum …) or null when none was loaded; one cheap query. */
export async function currentPolicyVersion(sql: SqlStore): Promise<PolicyVersionInfo | null> {
  const rows = await sql.query<Omit<VersionRow, 'source'>>(`SELECT ${VERSION_COLUMNS} FROM policy_version ORDER BY seq DESC LIMIT 1`);
  const r = rows[0];
  return r ? { id: r.id, checksum: r.checksum, origin: r.origin, basedOn: r.based_on, effectiveFrom: r.effective_from, loadedAt: r.loaded_at } : null;
}

/** The current policy (latest version), validated. Throws when no policy was loaded yet. */
export async function currentPolicy(sql: SqlStore): Promise<Policy> {
  const rows = await sql.query<{ source: NormalisedPolicyFiles; checksum: string; id: string }>(
    'SELECT id, checksum, source FROM policy_version ORDER BY seq DESC LIMIT 1',
  );
  if (!rows.length) {
    throw new Error('no policy is loaded in PostgreSQL; run syncPolicyFiles (the API does at start) to load the policy files (POLICY_DIR, the newest policies/vN)');
  }
  const policy = loadPolicy(rows[0].source, loadOptions());
  if (policy.checksum !== rows[0].checksum || policy.version !== rows[0].id) {
    throw new Error(`policy version ${rows[0].id} in PostgreSQL does not match its checksum; the store was changed outside citycode`);
  }
  return policy;
}

function forbidden(message: string, hint: string): CityCodeError {
  return new CityCodeError('FORBIDDEN', message, hint, { requiredRole: STEWARD_ROLE });
}

function checkChange(change: unknown): { action: GrantAction; grant: Record<string, unknown>; reason: string } {
  const c = (change ?? {}) as Partial<GrantChange>;
  const hint =
    'Send { action: CREATE | UPDATE | REVOKE, grant, reason }: CREATE and UPDATE take the whole grant (id, department, domain, ' +
    'maxLevel, scope, purposes, masks, expiresAt), REVOKE takes { id }; the reason says why (request, agreement, ticket).';
  if (c.action !== 'CREATE' && c.action !== 'UPDATE' && c.action !== 'REVOKE') {
    throw badInput(`action must be CREATE, UPDATE or REVOKE, got ${JSON.stringify(c.action)}`, hint, { argument: 'action' });
  }
  if (typeof c.reason !== 'string' || c.reason.trim() === '' || c.reason.length > MAX_REASON) {
    throw badInput(`reason must be a non-empty text of at most ${MAX_REASON} characters`, hint, { argument: 'reason' });
  }
  if (typeof c.grant !== 'object' || c.grant === null || Array.isArray(c.grant)) {
    throw badInput('grant must be an object', hint, { argument: 'grant' });
  }
  return { action: c.action, grant: c.grant as Record<string, unknown>, reason: c.reason.trim() };
}

/**
 * Creates, updates or revokes one grant, as a data steward. Validates the grant and the whole
 * resulting policy; writes the new version (vN.M), the current-grant row and the policy_change
 * row in one transaction, so invalid input (BAD_USER_INPUT with a hint) writes nothing. Subjects
 * without the `data-steward` role get FORBIDDEN. A grant id is never reused, even after a revoke.
 */
export async function changeGrant(
  sql: SqlStore,
  actor: Subject,
  change: GrantChange,
  options: { now?: Date } = {},
): Promise<GrantChangeResult> {
  return sql.transaction((client) => changeGrantWith(client, actor, change, options));
}

/** The channel every API process listens on: a new policy version was written (its id is the payload). */
export const POLICY_CHANNEL = 'citycode_policy';

/**
 * changeGrant inside a transaction the caller holds (an access request's approval writes its state
 * and its grant in one). Every process is told of the new version when the transaction commits.
 */
export async function changeGrantWith(
  client: PoolClient,
  actor: Subject,
  change: GrantChange,
  options: { now?: Date; authorized?: 'access-request' } = {},
): Promise<GrantChangeResult> {
  // An access request's move was authorised by its state machine (policy/requests.ts): the
  // requesting department may revoke its own grant without being a steward.
  if (options.authorized !== 'access-request' && (actor.anonymous || !actor.roles.includes(STEWARD_ROLE))) {
    throw forbidden(
      `Changing grants needs the ${STEWARD_ROLE} role; ${actor.anonymous ? 'anonymous callers have none' : `${actor.username} does not have it`}`,
      `Ask the data governance committee (数据治理委员会) to have a data steward make the change.`,
    );
  }
  const { action, grant: raw, reason } = checkChange(change);
  const now = options.now ?? new Date();
  const grantHint =
    'Fix the listed problems and resend; a grant names a declared department, one domain, maxLevel L2..L4, a scope (CITY, ' +
    'DISTRICTS with district-level area codes or STREETS with 9-digit street codes), purposes (required for L3+), masks for ' +
    'fields of its domain, and expiresAt in the future.';

  {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
    const current = await latestVersion(client);
    if (!current) {
      throw badInput('No policy is loaded yet, so there is no grant to change', 'Load the policy files first (syncPolicyFiles).');
    }
    const currentPolicy = loadPolicy(current.source, loadOptions());
    const id = typeof raw.id === 'string' ? raw.id : undefined;
    const existing = id ? currentPolicy.grants.find((g) => g.id === id) : undefined;
    let after: Grant | null = null;
    if (action === 'REVOKE') {
      if (!existing) {
        throw badInput(`There is no current grant ${JSON.stringify(raw.id)} to revoke`, 'Give the id of a current grant (policy_grant).', {
          argument: 'grant.id',
        });
      }
    } else {
      try {
        after = validateGrant(currentPolicy, raw, loadOptions());
      } catch (err) {
        if (err instanceof PolicyError) throw badInput(err.message, grantHint, { argument: 'grant', problems: err.problems });
        throw err;
      }
      if (Date.parse(after.expiresAt) <= now.getTime()) {
        throw badInput(`grant.expiresAt ${after.expiresAt} is not in the future; an expired grant gives nothing`, grantHint, {
          argument: 'grant.expiresAt',
        });
      }
      if (action === 'CREATE') {
        if (existing) {
          throw badInput(`Grant ${after.id} already exists`, 'Use UPDATE to change it, or choose a new id.', { argument: 'grant.id' });
        }
        const used = await client.query('SELECT 1 FROM policy_change WHERE grant_id = $1 LIMIT 1', [after.id]);
        if (used.rows.length) {
          throw badInput(`Grant id ${after.id} was used before; grant ids are never reused`, 'Choose a new id (e.g. add a year).', {
            argument: 'grant.id',
          });
        }
      } else {
        if (!existing) {
          throw badInput(`There is no current grant ${after.id} to update`, 'Use CREATE for a new grant.', { argument: 'grant.id' });
        }
        if (existing.department !== after.department) {
          throw badInput(
            `A grant's department cannot change (${existing.department} → ${after.department})`,
            'Revoke the grant and create a new one for the other department.',
            { argument: 'grant.department' },
          );
        }
        if (canonicalJson(existing) === canonicalJson(after)) {
          throw badInput(`The update leaves grant ${after.id} unchanged`, 'Send the grant with the fields to change.', { argument: 'grant' });
        }
      }
    }

    const files = policyToFiles(currentPolicy);
    const version = nextChangeVersion(current.id);
    const grants = files.grants.grants.filter((g) => g.id !== (existing?.id ?? after?.id));
    if (after) {
      const index = existing ? files.grants.grants.findIndex((g) => g.id === existing.id) : grants.length;
      grants.splice(index, 0, after);
    }
    files.grants.grants = grants;
    const effectiveFrom = shenzhenDate(now);
    for (const f of [files.catalogue, files.grants, files.purposes]) {
      f.version = version;
      f.effectiveFrom = effectiveFrom;
    }
    let next: Policy;
    try {
      next = loadPolicy(files, loadOptions());
    } catch (err) {
      if (err instanceof PolicyError) throw badInput(err.message, grantHint, { argument: 'grant', problems: err.problems });
      throw err;
    }

    await insertVersion(client, next, 'CHANGE', current.id);
    if (existing) await client.query('DELETE FROM policy_grant WHERE id = $1', [existing.id]);
    if (after) await client.query(GRANT_INSERT, [JSON.stringify([grantRow(after, version)])]);
    const inserted = await client.query<ChangeRow>(CHANGE_INSERT, [
      JSON.stringify([
        {
          actor: actor.id,
          actor_name: actor.username,
          actor_department: actor.department,
          department: (after ?? existing)!.department,
          action,
          grant_id: (after ?? existing)!.id,
          before: existing ?? null,
          after,
          reason,
          version_id: version,
        },
      ]),
    ]);
    await client.query('SELECT pg_notify($1, $2)', [POLICY_CHANNEL, version]);
    return { version, change: toChangeRecord(inserted.rows[0]), policy: next };
  }
}

/**
 * Calls `onChange` whenever a new policy version is written by any process (LISTEN on a client of
 * its own, re-established after a lost connection, after which `onChange('')` asks for a reload:
 * a version may have been written meanwhile). Returns a function that stops listening.
 */
export async function listenForPolicyChanges(sql: SqlStore, onChange: (version: string) => void): Promise<() => Promise<void>> {
  let connections = 0;
  return sql.listen(POLICY_CHANNEL, onChange, () => {
    if (connections++ > 0) onChange('');
  });
}

/** The change log, newest first, optionally for one grant or one department. */
export async function policyChanges(
  sql: SqlStore,
  filter: { grantId?: string; department?: string; limit?: number } = {},
): Promise<PolicyChangeRecord[]> {
  const limit = Math.max(1, Math.min(500, Math.trunc(filter.limit ?? 50)));
  const rows = await sql.query<ChangeRow>(
    `SELECT id, at, actor, actor_name, actor_department, department, action, grant_id, before, after, reason, version_id
       FROM policy_change
      WHERE ($1::text IS NULL OR grant_id = $1) AND ($2::text IS NULL OR department = $2)
      ORDER BY id DESC
      LIMIT $3`,
    [filter.grantId ?? null, filter.department ?? null, limit],
  );
  return rows.map(toChangeRecord);
}
