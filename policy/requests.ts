/**
 * Access requests (申请—审批—授权), pure: what a request asks for and who must approve it, the
 * state machine of its life, and the grant an approved request becomes. store/sharing keep the
 * requests; resolvers/AccessRequestResolver.ts binds them; docs/sharing.md tells the story.
 *
 *   SUBMITTED ──owner approves (L1/L2)──────────────────────▶ GRANTED ──revoke──▶ REVOKED
 *   SUBMITTED ──owner approves (L3/L4)──▶ OWNER_APPROVED ──committee approves──▶ GRANTED
 *   SUBMITTED | OWNER_APPROVED ──owner or committee rejects──▶ REJECTED
 *   SUBMITTED | OWNER_APPROVED ──requester withdraws──▶ WITHDRAWN
 *   GRANTED, once its expiry has passed, reads EXPIRED (the grant gives nothing from then on).
 */
import { badInput, CityCodeError } from '../core/errors';
import { levelRank, LEVELS, type Level, type Subject } from '../core/subject';
import type { Domain, Grant, GrantScope, Policy } from './model';
import { STEWARD_ROLE } from './roles';
import { districtOfStreet } from './scope';

/** The department that hosts the data governance committee (数据治理委员会). */
export const COMMITTEE_DEPARTMENT = 'SZ-ZSJ';

/** Levels from which the committee approves too (重要数据 and 核心数据). */
const COMMITTEE_FROM: Level = 'L3';

const MAX_DAYS = 730;
const MAX_JUSTIFICATION = 2000;

export type RequestState = 'SUBMITTED' | 'OWNER_APPROVED' | 'GRANTED' | 'REJECTED' | 'WITHDRAWN' | 'REVOKED';
export type RequestAction = 'APPROVE' | 'REJECT' | 'WITHDRAW' | 'REVOKE';

export interface AccessRequest {
  id: string;
  requesterDepartment: string;
  requester: string;
  domain: Domain;
  /** The catalogue fields asked for; empty: the whole domain up to `maxLevel` (a row scope). */
  fields: string[];
  datasets: string[];
  scope: GrantScope;
  purpose: string;
  justification: string;
  expiresAt: string;
  maxLevel: Level;
  ownerDepartment: string;
  needsCommittee: boolean;
  state: RequestState;
  grantId: string | null;
  createdAt: string;
}

/** What a department asks for. */
export interface RequestInput {
  /** Catalogue fields, e.g. Person.phone. */
  attributes: string[];
  /** Dataset ids: every attribute the dataset feeds, at the dataset's level. */
  datasets: string[];
  /** For a row-scope request (no attributes, no datasets): the domain and the level. */
  domain: string | null;
  maxLevel: string | null;
  scope: GrantScope;
  purpose: string;
  justification: string;
  expiresAt: string;
}

/** What the dataset registry says of a dataset asked for. */
export interface DatasetFacts {
  domain: string;
  department: string;
  /** The catalogue keys of the attributes it feeds. */
  fields: string[];
}

const hint = 'Ask for the attributes or datasets of one domain (see the catalogue), a scope, a purpose, a justification and an expiry.';

function fail(message: string, argument: string, extra: Record<string, unknown> = {}): never {
  throw badInput(message, hint, { argument, ...extra });
}

/**
 * The request as it will be stored: the domain, fields and level it asks for, its owner and
 * whether the committee approves too. `authoritativeDepartment(key)` names the department that is
 * the authoritative source of a field (the model's authoritative dataset's department).
 */
export function planRequest(
  policy: Policy,
  requester: Subject,
  input: RequestInput,
  datasets: ReadonlyMap<string, DatasetFacts>,
  authoritativeDepartment: (fieldKey: string) => string | null,
  now: Date,
): Omit<AccessRequest, 'id' | 'state' | 'grantId' | 'createdAt'> {
  if (requester.anonymous || !requester.department || !policy.departments.has(requester.department)) {
    throw new CityCodeError('FORBIDDEN', 'Access requests are made by a department', 'Sign in with an account of a department (its token carries the department claim).');
  }
  const fields = new Set<string>();
  for (const [i, key] of input.attributes.entries()) {
    const entry = policy.fields.get(key);
    if (!entry) fail(`${key.slice(0, 80)} is not a field of the catalogue`, `attributes[${i}]`);
    if (policy.types.get(entry.type)?.implementations) fail(`${key} is an interface field; ask for the field of a kind (e.g. Person.${entry.field})`, `attributes[${i}]`);
    fields.add(key);
  }
  for (const [i, id] of input.datasets.entries()) {
    const d = datasets.get(id);
    if (!d) fail(`dataset ${id.slice(0, 64)} is not registered`, `datasets[${i}]`, { dataset: id });
    for (const key of d.fields) if (policy.fields.has(key)) fields.add(key);
  }
  let domain: Domain;
  let maxLevel: Level;
  if (fields.size) {
    const domains = new Set([...fields].map((k) => policy.fields.get(k)!.domain));
    if (domains.size > 1) fail(`the fields asked for span several domains (${[...domains].join(', ')}); a grant is for one domain`, 'attributes', { domains: [...domains] });
    domain = [...domains][0];
    maxLevel = [...fields].map((k) => policy.fields.get(k)!.level).reduce((a, b) => (levelRank(b) > levelRank(a) ? b : a));
    // Public fields need no grant; ask only for what is above public access.
    for (const k of [...fields]) if (levelRank(policy.fields.get(k)!.level) <= levelRank(policy.public.maxLevel)) fields.delete(k);
    if (fields.size === 0) fail('every field asked for is public (L1): no request is needed', 'attributes');
  } else {
    if (!input.domain || !policy.domains.has(input.domain as Domain)) fail(`a row-scope request names a domain of the policy (${[...policy.domains.keys()].join(', ')})`, 'domain');
    if (!input.maxLevel || !(LEVELS as readonly string[]).includes(input.maxLevel)) fail('a row-scope request names a level (L2-L4)', 'maxLevel');
    domain = input.domain as Domain;
    maxLevel = input.maxLevel as Level;
  }
  if (levelRank(maxLevel) <= levelRank(policy.public.maxLevel)) fail(`${maxLevel} data is public: no request is needed`, 'maxLevel');
  if (!policy.purposes.has(input.purpose)) fail(`purpose ${input.purpose.slice(0, 40)} is not a purpose of the policy`, 'purpose', { purposes: [...policy.purposes.keys()] });
  const justification = input.justification.trim();
  if (justification === '' || justification.length > MAX_JUSTIFICATION) fail(`a justification of 1-${MAX_JUSTIFICATION} characters is required`, 'justification');
  const expires = Date.parse(input.expiresAt);
  if (!Number.isFinite(expires)) fail('expiresAt is not an ISO date-time', 'expiresAt');
  if (expires <= now.getTime()) fail('expiresAt is not in the future', 'expiresAt');
  if (expires > now.getTime() + MAX_DAYS * 86_400_000) fail(`a grant by request lasts at most ${MAX_DAYS} days`, 'expiresAt');

  return {
    requesterDepartment: requester.department,
    requester: requester.username,
    domain,
    fields: [...fields].sort(),
    datasets: [...input.datasets].sort(),
    scope: input.scope,
    purpose: input.purpose,
    justification,
    expiresAt: new Date(expires).toISOString(),
    maxLevel,
    ownerDepartment: ownerOf(policy, requester.department, input.scope, [...fields], datasets, input.datasets, authoritativeDepartment),
    needsCommittee: levelRank(maxLevel) >= levelRank(COMMITTEE_FROM),
  };
}

/**
 * Who owns what a request asks for: the district government of the one district its scope lies
 * in (数据回流: a district's rows are its own), else the authoritative department of what it asks
 * for, else the committee's department.
 */
function ownerOf(
  policy: Policy,
  requester: string,
  scope: GrantScope,
  fields: string[],
  datasets: ReadonlyMap<string, DatasetFacts>,
  datasetIds: string[],
  authoritativeDepartment: (fieldKey: string) => string | null,
): string {
  const districts = new Set(
    scope.kind === 'DISTRICTS' ? scope.codes : scope.kind === 'STREETS' ? scope.codes.map(districtOfStreet) : scope.kind === 'GRIDS' ? scope.codes.map((g) => districtOfStreet(g.slice(0, 9))) : [],
  );
  if (districts.size === 1) {
    const [district] = districts;
    const government = [...policy.departments.values()].find((d) => d.layer === 'DISTRICT' && d.districtCode === district);
    if (government && government.code !== requester) return government.code;
  }
  const owners = [...fields.map(authoritativeDepartment), ...datasetIds.map((id) => datasets.get(id)?.department ?? null)].filter(
    (d): d is string => d !== null && d !== requester,
  );
  return owners[0] ?? COMMITTEE_DEPARTMENT;
}

/** The state a request shows at `now`: a granted request past its expiry reads EXPIRED. */
export function shownState(r: Pick<AccessRequest, 'state' | 'expiresAt'>, now: Date): RequestState | 'EXPIRED' {
  return r.state === 'GRANTED' && Date.parse(r.expiresAt) <= now.getTime() ? 'EXPIRED' : r.state;
}

export interface Transition {
  to: RequestState;
  /** In which capacity the actor acts. */
  as: 'OWNER' | 'COMMITTEE' | 'REQUESTER';
  /** The grant to create (the final approval) or to revoke. */
  grant: 'CREATE' | 'REVOKE' | null;
}

const steward = (s: Subject) => !s.anonymous && s.roles.includes(STEWARD_ROLE);
const isOwner = (s: Subject, r: AccessRequest) => steward(s) && s.department === r.ownerDepartment;
const isCommittee = (s: Subject) => steward(s) && s.department === COMMITTEE_DEPARTMENT;
const isRequester = (s: Subject, r: AccessRequest) => !s.anonymous && s.department === r.requesterDepartment;

function illegal(r: AccessRequest, action: RequestAction, state: string, why: string): CityCodeError {
  return new CityCodeError('ILLEGAL_TRANSITION', `access request ${r.id} is ${state}: it cannot be ${action.toLowerCase()}d`, why, { requestId: r.id, state, action });
}

function notYours(r: AccessRequest, action: RequestAction, who: string): CityCodeError {
  return new CityCodeError('FORBIDDEN', `You may not ${action.toLowerCase()} access request ${r.id}`, `Only ${who} may.`, { requestId: r.id, action });
}

/** The transition `action` by `actor` makes of `r` at `now`, or the error saying why it is refused. */
export function transition(r: AccessRequest, action: RequestAction, actor: Subject, now: Date): Transition {
  const state = shownState(r, now);
  const open = state === 'SUBMITTED' || state === 'OWNER_APPROVED';
  const ownerName = `a data steward of ${r.ownerDepartment}`;
  const committeeName = `a data steward of the committee (${COMMITTEE_DEPARTMENT})`;
  switch (action) {
    case 'APPROVE':
      if (!open) throw illegal(r, action, state, 'Only a submitted request is approved; a new need is a new request.');
      if (state === 'SUBMITTED') {
        if (!isOwner(actor, r)) throw notYours(r, action, `the owner of the data, ${ownerName}`);
        // The owner who is the committee itself approves for both.
        if (r.needsCommittee && !isCommittee(actor)) return { to: 'OWNER_APPROVED', as: 'OWNER', grant: null };
        return { to: 'GRANTED', as: 'OWNER', grant: 'CREATE' };
      }
      if (!isCommittee(actor)) throw notYours(r, action, `${committeeName} (the owner approved already; L3/L4 data needs the committee too)`);
      return { to: 'GRANTED', as: 'COMMITTEE', grant: 'CREATE' };
    case 'REJECT':
      if (!open) throw illegal(r, action, state, 'Only a request awaiting approval is rejected; revoke a granted one.');
      if (isOwner(actor, r)) return { to: 'REJECTED', as: 'OWNER', grant: null };
      if (isCommittee(actor)) return { to: 'REJECTED', as: 'COMMITTEE', grant: null };
      throw notYours(r, action, `${ownerName} or ${committeeName}`);
    case 'WITHDRAW':
      if (!open) throw illegal(r, action, state, 'Only a request awaiting approval is withdrawn; ask for a granted one to be revoked.');
      if (!isRequester(actor, r)) throw notYours(r, action, `the requesting department (${r.requesterDepartment})`);
      return { to: 'WITHDRAWN', as: 'REQUESTER', grant: null };
    case 'REVOKE':
      if (state !== 'GRANTED') throw illegal(r, action, state, state === 'EXPIRED' ? 'The grant has expired already: it gives nothing.' : 'Only a granted request is revoked.');
      if (isOwner(actor, r)) return { to: 'REVOKED', as: 'OWNER', grant: 'REVOKE' };
      if (isCommittee(actor)) return { to: 'REVOKED', as: 'COMMITTEE', grant: 'REVOKE' };
      if (isRequester(actor, r)) return { to: 'REVOKED', as: 'REQUESTER', grant: 'REVOKE' };
      throw notYours(r, action, `${ownerName}, ${committeeName} or the requesting department`);
  }
}

/** The grant an approved request becomes (id `req-<request id>`): to its department, for its purpose, scope, fields and expiry. */
export function grantOf(r: AccessRequest): Grant {
  return {
    id: `req-${r.id}`,
    department: r.requesterDepartment,
    domain: r.domain,
    maxLevel: r.maxLevel,
    scope: r.scope,
    purposes: [r.purpose],
    masks: {},
    ...(r.fields.length ? { fields: r.fields } : {}),
    expiresAt: r.expiresAt,
    description: `申请 ${r.id} (${r.requester}): ${r.justification}`.slice(0, 500),
  };
}
