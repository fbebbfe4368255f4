import type { Subject } from '../core/subject';
import type { GraphScope } from '../graph/scope';
import type { Decision, Policy } from '../policy/model';

/**
 * Policy decisions kept from one request of a caller to the next.
 *
 * The engine's decisions (policy/engine.ts) are pure functions of the policy, the subject (all
 * claims of the token), the declared purpose and the time, and time enters only through grant
 * expiry. So the decisions made for one caller and purpose under one policy hold for that
 * caller's later requests until the next instant any grant of the policy expires, and no
 * longer than MAX_AGE_MS. A new policy version is a new Policy object and starts empty; so does
 * a token with any claim changed (department, clearance, district scope, roles…).
 */
export interface CallerDecisions {
  /** Decision per catalogue field (null: structural field). */
  readonly fields: Map<string, Decision | null>;
  /** The caller's row scopes, once computed. */
  graph?: GraphScope;
}

interface Kept extends CallerDecisions {
  /** The decisions hold for requests dated in [from, until): no grant expires in between. */
  from: number;
  until: number;
}

const MAX_AGE_MS = 60_000;
const MAX_CALLERS = 5_000;

const byPolicy = new WeakMap<Policy, Map<string, Kept>>();
const expiries = new WeakMap<Policy, number[]>();

/** Every grant expiry of the policy, in ascending order. */
function expiriesOf(policy: Policy): number[] {
  let list = expiries.get(policy);
  if (!list) {
    list = policy.grants.map((g) => Date.parse(g.expiresAt)).filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
    expiries.set(policy, list);
  }
  return list;
}

/** The span around `now` in which no grant of the policy expires (capped at MAX_AGE_MS after `now`). */
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

/** The decisions kept for this caller and purpose under `policy` at `now` (empty when none hold). */
export function callerDecisions(policy: Policy, subject: Subject, purpose: string | null, now: Date): CallerDecisions {
  let callers = byPolicy.get(policy);
  if (!callers) {
    callers = new Map();
    byPolicy.set(policy, callers);
  }
  const key = `${purpose ?? ''}\u0000${claimsKey(subject)}`;
  const at = now.getTime();
  const kept = callers.get(key);
  if (kept && kept.from <= at && at < kept.until) return kept;
  if (kept) callers.delete(key);
  if (callers.size >= MAX_CALLERS) callers.delete(callers.keys().next().value!);
  const fresh: Kept = { fields: new Map(), ...unchangedAround(policy, at) };
  callers.set(key, fresh);
  return fresh;
}
