import { createHash } from 'node:crypto';
import type { RequestContext } from './context';

/**
 * A governance move (a grant changed, a request approved, a flow set up, an export started, the
 * usage trail read…) as a GOVERNANCE entry of the audit chain: who, for which purpose, what it
 * touched, under which policy. `key` identifies the operation's arguments (hashed).
 */
export function recordGovernance(
  ctx: RequestContext,
  operationName: string,
  entry: { key: unknown; policy: string; detail: Record<string, unknown>; purpose?: string | null; fields?: string[]; entityCodes?: string[] },
): void {
  ctx.services.audit?.record({
    subject: ctx.subject,
    purpose: entry.purpose === undefined ? ctx.release.purpose : entry.purpose,
    operationHash: createHash('sha256').update(`${operationName}\n${JSON.stringify(entry.key)}`).digest('hex'),
    operationName,
    entityCodes: entry.entityCodes ?? [],
    fields: entry.fields ?? [],
    decision: 'GOVERNANCE',
    policy: entry.policy,
    detail: entry.detail,
  });
}
