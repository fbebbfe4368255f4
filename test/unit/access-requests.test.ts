import { CityCodeError } from '../../core/errors';
import type { Subject } from '../../core/subject';
import { decideField, validateGrant } from '../../policy/engine';
import type { Policy } from '../../policy/model';
import { grantOf, planRequest, shownState, transition, type AccessRequest, type DatasetFacts, type RequestAction, type RequestInput } from '../../policy/requests';
import { PolicyError } from '../../policy/load';
import { loadPolicyDir } from '../../store/policy';

/**
 * 申请—审批—授权, the pure part (policy/requests.ts): who owns what is asked for, when the
 * committee approves too, every move of the state machine by every kind of actor, and the grant
 * an approved request becomes (exactly the fields asked for).
 */
const NOW = new Date('2026-06-01T09:00:00+08:00');
const LATER = new Date(NOW.getTime() + 30 * 86_400_000).toISOString();
let policy: Policy;
beforeAll(() => {
  policy = loadPolicyDir();
});

function person(username: string, department: string, roles: string[] = []): Subject {
  return { id: `u-${username}`, username, department, departmentName: null, clearance: 'L4', districtScope: [], roles, serviceAccount: false, anonymous: false };
}
const requester = person('qian', 'SZ-YJGLJ');
const ftSteward = person('lin', 'FT-GOV', ['data-steward']);
const ftClerk = person('wang', 'FT-GOV');
const committee = person('zhang', 'SZ-ZSJ', ['data-steward']);
const gajSteward = person('zhao', 'SZ-GAJ', ['data-steward']);
const outsider = person('he', 'SZ-GHZY', ['data-steward']);

const authority = (key: string) => (key.startsWith('Person.') ? 'SZ-GAJ' : key.startsWith('Enterprise.') ? 'SZ-SCJGJ' : null);
const noDatasets = new Map<string, DatasetFacts>();

function ask(over: Partial<RequestInput> = {}, who = requester, datasets: ReadonlyMap<string, DatasetFacts> = noDatasets) {
  return planRequest(
    policy,
    who,
    {
      attributes: ['Person.phone'],
      datasets: [],
      domain: null,
      maxLevel: null,
      scope: { kind: 'DISTRICTS', codes: ['440304'] },
      purpose: 'GRID_GOVERNANCE',
      justification: '汛期网格联络',
      expiresAt: LATER,
      ...over,
    },
    datasets,
    authority,
    NOW,
  );
}

function stored(over: Partial<AccessRequest> = {}): AccessRequest {
  return { ...ask(), id: 'ar-000001', state: 'SUBMITTED', grantId: null, createdAt: NOW.toISOString(), ...over };
}

function badArgument(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof CityCodeError && err.extensions.code === 'BAD_USER_INPUT') return String(err.extensions.argument);
    throw err;
  }
  throw new Error('no error');
}

describe('planning a request', () => {
  it('a single-district scope is owned by that district’s government; L3 needs the committee too', () => {
    expect(ask()).toMatchObject({ ownerDepartment: 'FT-GOV', needsCommittee: true, maxLevel: 'L3', domain: 'POPULATION', fields: ['Person.phone'] });
  });

  it('a city-wide or several-district scope is owned by the authoritative department', () => {
    expect(ask({ scope: { kind: 'CITY' } }).ownerDepartment).toBe('SZ-GAJ');
    expect(ask({ scope: { kind: 'DISTRICTS', codes: ['440304', '440305'] } }).ownerDepartment).toBe('SZ-GAJ');
    expect(ask({ scope: { kind: 'STREETS', codes: ['440304001'] } }).ownerDepartment).toBe('FT-GOV');
  });

  it('a district asking for its own district goes to the authoritative department, never to itself', () => {
    expect(ask({}, ftClerk).ownerDepartment).toBe('SZ-GAJ');
  });

  it('a field with no authority and no district owner goes to the committee', () => {
    expect(ask({ scope: { kind: 'CITY' }, attributes: [], domain: 'POPULATION', maxLevel: 'L2' }, requester).ownerDepartment).toBe('SZ-ZSJ');
  });

  it('a dataset brings every catalogue field it feeds, at their highest level', () => {
    const datasets = new Map<string, DatasetFacts>([['gaj-population', { domain: 'POPULATION', department: 'SZ-GAJ', fields: ['Person.name', 'Person.phone', 'Person.birthDate'] }]]);
    const r = ask({ attributes: [], datasets: ['gaj-population'], scope: { kind: 'CITY' } }, requester, datasets);
    expect(r).toMatchObject({ fields: ['Person.birthDate', 'Person.name', 'Person.phone'], maxLevel: 'L3', ownerDepartment: 'SZ-GAJ', datasets: ['gaj-population'] });
  });

  it('L2 data needs the owner only', () => {
    expect(ask({ attributes: ['Person.name'] })).toMatchObject({ maxLevel: 'L2', needsCommittee: false });
  });

  it('refuses what cannot become one grant, naming the argument', () => {
    expect(badArgument(() => ask({ attributes: ['Person.phone', 'Enterprise.registeredCapitalWan'] }))).toBe('attributes');
    expect(badArgument(() => ask({ attributes: ['Person.shoeSize'] }))).toBe('attributes[0]');
    expect(badArgument(() => ask({ attributes: ['Person.code'] }))).toBe('attributes');
    expect(badArgument(() => ask({ attributes: [], datasets: ['nope'] }))).toBe('datasets[0]');
    expect(badArgument(() => ask({ attributes: [], domain: 'WEATHER', maxLevel: 'L2' }))).toBe('domain');
    expect(badArgument(() => ask({ attributes: [], domain: 'POPULATION', maxLevel: 'L1' }))).toBe('maxLevel');
    expect(badArgument(() => ask({ purpose: 'CURIOSITY' }))).toBe('purpose');
    expect(badArgument(() => ask({ justification: '  ' }))).toBe('justification');
    expect(badArgument(() => ask({ expiresAt: 'tomorrow' }))).toBe('expiresAt');
    expect(badArgument(() => ask({ expiresAt: NOW.toISOString() }))).toBe('expiresAt');
    expect(badArgument(() => ask({ expiresAt: new Date(NOW.getTime() + 731 * 86_400_000).toISOString() }))).toBe('expiresAt');
  });

  it('only a department asks', () => {
    expect(() => ask({}, { ...requester, department: 'NO-SUCH' })).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }));
  });
});

describe('the state machine', () => {
  const moves = (r: AccessRequest, action: RequestAction, who: Subject, at = NOW) => {
    try {
      const t = transition(r, action, who, at);
      return `${t.to} as ${t.as}${t.grant ? ` ${t.grant}` : ''}`;
    } catch (err) {
      return String((err as CityCodeError).extensions.code);
    }
  };

  it('L3: owner, then committee; the committee cannot go first; the requester never approves', () => {
    const r = stored();
    expect(moves(r, 'APPROVE', ftSteward)).toBe('OWNER_APPROVED as OWNER');
    expect(moves(r, 'APPROVE', committee)).toBe('FORBIDDEN');
    expect(moves(r, 'APPROVE', requester)).toBe('FORBIDDEN');
    expect(moves(r, 'APPROVE', ftClerk)).toBe('FORBIDDEN');
    const approved = stored({ state: 'OWNER_APPROVED' });
    expect(moves(approved, 'APPROVE', committee)).toBe('GRANTED as COMMITTEE CREATE');
    expect(moves(approved, 'APPROVE', ftSteward)).toBe('FORBIDDEN');
  });

  it('L2: the owner’s approval grants', () => {
    expect(moves(stored({ maxLevel: 'L2', needsCommittee: false }), 'APPROVE', ftSteward)).toBe('GRANTED as OWNER CREATE');
  });

  it('the committee as the owner approves for both', () => {
    expect(moves(stored({ ownerDepartment: 'SZ-ZSJ' }), 'APPROVE', committee)).toBe('GRANTED as OWNER CREATE');
  });

  it('rejection by the owner or the committee; withdrawal by the requester; not by others', () => {
    for (const state of ['SUBMITTED', 'OWNER_APPROVED'] as const) {
      const r = stored({ state });
      expect(moves(r, 'REJECT', ftSteward)).toBe('REJECTED as OWNER');
      expect(moves(r, 'REJECT', committee)).toBe('REJECTED as COMMITTEE');
      expect(moves(r, 'REJECT', outsider)).toBe('FORBIDDEN');
      expect(moves(r, 'WITHDRAW', requester)).toBe('WITHDRAWN as REQUESTER');
      expect(moves(r, 'WITHDRAW', gajSteward)).toBe('FORBIDDEN');
    }
  });

  it('a granted request is revoked by owner, committee or requester, and nothing else moves it', () => {
    const r = stored({ state: 'GRANTED', grantId: 'req-ar-000001' });
    expect(moves(r, 'REVOKE', ftSteward)).toBe('REVOKED as OWNER REVOKE');
    expect(moves(r, 'REVOKE', committee)).toBe('REVOKED as COMMITTEE REVOKE');
    expect(moves(r, 'REVOKE', requester)).toBe('REVOKED as REQUESTER REVOKE');
    expect(moves(r, 'REVOKE', outsider)).toBe('FORBIDDEN');
    for (const a of ['APPROVE', 'REJECT', 'WITHDRAW'] as const) expect(moves(r, a, committee)).toBe('ILLEGAL_TRANSITION');
  });

  it('closed states accept no move; a granted request past its date reads EXPIRED and cannot be revoked', () => {
    for (const state of ['REJECTED', 'WITHDRAWN', 'REVOKED'] as const) {
      for (const a of ['APPROVE', 'REJECT', 'WITHDRAW', 'REVOKE'] as const) expect(moves(stored({ state }), a, committee)).toBe('ILLEGAL_TRANSITION');
    }
    const r = stored({ state: 'GRANTED', expiresAt: NOW.toISOString() });
    expect(shownState(r, NOW)).toBe('EXPIRED');
    expect(shownState(r, new Date(NOW.getTime() - 1))).toBe('GRANTED');
    expect(moves(r, 'REVOKE', committee)).toBe('ILLEGAL_TRANSITION');
  });
});

describe('the grant an approved request becomes', () => {
  it('is valid, named after the request, and gives exactly the fields asked for', () => {
    const grant = grantOf(stored({ state: 'GRANTED' }));
    expect(grant).toMatchObject({ id: 'req-ar-000001', department: 'SZ-YJGLJ', domain: 'POPULATION', maxLevel: 'L3', fields: ['Person.phone'], purposes: ['GRID_GOVERNANCE'] });
    const valid = validateGrant(policy, grant);
    const withGrant: Policy = {
      ...policy,
      grants: [...policy.grants, valid],
      grantsByDepartment: new Map([...policy.grantsByDepartment, ['SZ-YJGLJ', [...(policy.grantsByDepartment.get('SZ-YJGLJ') ?? []), valid]]]),
    };
    const inFutian = { purpose: 'GRID_GOVERNANCE', now: NOW, row: { districtCode: '440304', streetCode: '440304001' } };
    const inNanshan = { ...inFutian, row: { districtCode: '440305', streetCode: '440305001' } };
    expect(decideField(withGrant, requester, 'Person.phone', inFutian)).toMatchObject({ effect: 'ALLOW', policy: expect.stringContaining('req-ar-000001') });
    expect(decideField(withGrant, requester, 'Person.phone', inNanshan).effect).toBe('MASK');
    expect(decideField(withGrant, requester, 'Person.birthDate', inFutian).effect).toBe('MASK');
    expect(decideField(policy, requester, 'Person.phone', inFutian).effect).toBe('MASK');
    expect(decideField(withGrant, requester, 'Person.phone', { ...inFutian, purpose: 'STATISTICS' }).effect).toBe('MASK');
  });

  it('a grant naming fields of another domain or unknown fields is refused by the loader', () => {
    const grant = { ...grantOf(stored()), fields: ['Enterprise.registeredCapitalWan'] };
    expect(() => validateGrant(policy, grant)).toThrow(PolicyError);
    expect(() => validateGrant(policy, { ...grant, fields: ['Person.nope'] })).toThrow(PolicyError);
    expect(() => validateGrant(policy, { ...grant, fields: [] })).toThrow(PolicyError);
  });
});
