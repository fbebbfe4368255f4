import { ANONYMOUS, type Subject } from '../../core/subject';
import type { Policy } from '../../policy/model';
import { callerDecisions } from '../../policy/decisions';

/** Only the version and the grants' expiry matter to the cache; the rest of the policy is never read. */
let versions = 0;
function policyExpiring(...instants: string[]): Policy {
  versions++;
  return { version: 'v1', checksum: `c${versions}`, grants: instants.map((expiresAt, i) => ({ id: `g${i}`, expiresAt })) } as unknown as Policy;
}

const police: Subject = { ...ANONYMOUS, id: 'u1', username: 'li.police', department: 'SZ-GAJ', departmentName: '市公安局', clearance: 'L3', anonymous: false };
const at = (iso: string) => new Date(iso);

describe('decisions kept across a caller\'s requests', () => {
  it('shares one set of decisions between requests of the same caller, purpose and policy', () => {
    const policy = policyExpiring('2027-01-01T00:00:00Z');
    const first = callerDecisions(policy, police, 'PUBLIC_SECURITY', at('2026-11-27T10:00:00Z'));
    expect(callerDecisions(policy, { ...police }, 'PUBLIC_SECURITY', at('2026-11-27T10:00:30Z'))).toBe(first);
    // A reload of the same version (a new object with the same id and checksum) keeps them.
    expect(callerDecisions({ ...policy } as Policy, police, 'PUBLIC_SECURITY', at('2026-11-27T10:00:40Z'))).toBe(first);
  });

  it('starts afresh for another purpose, another claim, another policy version (one invalidation rule: version × subject × purpose)', () => {
    const policy = policyExpiring('2027-01-01T00:00:00Z');
    const now = at('2026-11-27T10:00:00Z');
    const first = callerDecisions(policy, police, 'PUBLIC_SECURITY', now);
    expect(callerDecisions(policy, police, null, now)).not.toBe(first);
    expect(callerDecisions(policy, { ...police, clearance: 'L2' }, 'PUBLIC_SECURITY', now)).not.toBe(first);
    expect(callerDecisions(policy, { ...police, districtScope: ['440304'] }, 'PUBLIC_SECURITY', now)).not.toBe(first);
    expect(callerDecisions(policyExpiring('2027-01-01T00:00:00Z'), police, 'PUBLIC_SECURITY', now)).not.toBe(first);
  });

  it('does not carry decisions across a grant\'s expiry, either way in time, nor past a minute', () => {
    const policy = policyExpiring('2026-11-27T10:00:10Z');
    const before = callerDecisions(policy, police, null, at('2026-11-27T10:00:00Z'));
    expect(callerDecisions(policy, police, null, at('2026-11-27T10:00:09.999Z'))).toBe(before);
    const after = callerDecisions(policy, police, null, at('2026-11-27T10:00:10Z'));
    expect(after).not.toBe(before);
    expect(callerDecisions(policy, police, null, at('2026-11-27T10:00:09Z'))).not.toBe(after);
    const later = callerDecisions(policy, police, null, at('2026-11-27T10:05:00Z'));
    expect(callerDecisions(policy, police, null, at('2026-11-27T10:06:00.001Z'))).not.toBe(later);
  });
});
