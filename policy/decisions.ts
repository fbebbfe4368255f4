import type { Level, Subject } from '../core/subject';
import type { FieldRule } from './engine';
import type { Policy, RowScope } from './model';
import type { GraphScope } from './scope';

/**
 * The one decision cache: what the engine decided for one caller, kept from one request to the
 * next. One invalidation rule: an entry belongs to (policy version × subject × purpose), and it
 * holds while no grant of that version expires.
 *
 * The engine's answers (policy/engine.ts) are pure functions of the policy, the subject (every
 * claim of the token), the declared purpose and the time, and time enters only through grant
 * expiry. So the answers for one caller and purpose under one policy version hold for that caller's
 * later requests until the next instant a grant of the version expires (and, to bound memory, no
 * longer than MAX_AGE_MS). A policy version is named by its id and checksum: a governance change
 * is a new version, so its first request starts empty; a reload of the same version (the source
 * refreshes on a timer) keeps what was decided. A token with any claim changed (department,
 * clearance, district scope, roles) is another subject.
 *
 * Plans (query/planCache.ts) do not hold decisions: they record the questions they asked and are
 * reused only while this cache gives the same answers again.
 */
export interface CallerDecisions {
  /** Field rules by catalogue key (policy/engine.ts fieldRule). */
  readonly rules: Map<string, FieldRule>;
  /** Row scopes by domain. */
  readonly rowScopes: Map<string, RowScope>;
  /** The highest level of each domain the caller may read somewhere (catalogue metadata). */
  readonly reachable: Map<string, Level>;
  /** The caller's graph scope, once computed. */
  graph?: GraphScope;
}

interface Kept extends CallerDecisions {
  /** The decisions hold for requests dated in [from, until): no grant expires in between. */
  readonly from: number;
  readonly until: number;
}

const MAX_AGE_MS = 60_000;
const MAX_CALLERS = 5_000;

const kept = new Map<string, Kept>();
const expiries = new Map<string, number[]>();

const versionOf = (policy: Policy): string => `${policy.version}\u0000${policy.checksum}`;

/** Every grant expiry of the policy version, in ascending order. */
function expiriesOf(policy: Policy): number[] {
  const version = versionOf(policy);
  let list = expiries.get(version);
  if (!list) {
    list = policy.grants.map((g) => Date.parse(g.expiresAt)).filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
    if (expiries.size >= 100) expiries.clear();
    expiries.set(version, list);
  }
  return list;
}

/** The span around `now` in which no grant of the version expires (capped at MAX_AGE_MS after `now`). */
function unchangedAround(policy: Policy, now: number): { from: number; until: number } {
  const list = expiriesOf(policy);
  const next = list.findIndex((t) => t > now);
  const previous = next === -1 ? list[list.length - 1] : list[next - 1];
  return { from: previous ?? -Infinity, until: Math.min(now + MAX_AGE_MS, next === -1 ? Infinity : list[next]) };
}

/** Every claim of a subject as one string (a verified token's subject object is reused: api/auth.ts). */
const claimsKeys = new WeakMap<Subject, string>();
function claimsKey(subject: Subject): string {
  let key = claimsKeys.get(subject);
  if (key === undefined) {
    key = JSON.stringify(subject);
    claimsKeys.set(subject, key);
  }
  return key;
}

/** The decisions kept for this caller and purpose under this policy version at `now` (empty when none hold). */
export function callerDecisions(policy: Policy, subject: Subject, purpose: string | null, now: Date): CallerDecisions {
  const key = `${versionOf(policy)}\u0000${purpose ?? ''}\u0000${claimsKey(subject)}`;
  const at = now.getTime();
  const found = kept.get(key);
  if (found && found.from <= at && at < found.until) return found;
  if (found) kept.delete(key);
  if (kept.size >= MAX_CALLERS) kept.delete(kept.keys().next().value!);
  const fresh: Kept = { rules: new Map(), rowScopes: new Map(), reachable: new Map(), ...unchangedAround(policy, at) };
  kept.set(key, fresh);
  return fresh;
}

/** Drops every kept decision (tests). */
export function forgetDecisions(): void {
  kept.clear();
  expiries.clear();
}
