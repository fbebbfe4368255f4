import fc from 'fast-check';
import { LEVELS, levelRank, type Level, type Subject } from '../../core/subject';
import { decideField, loadPolicy, policyToFiles, rowScope } from '../../policy/engine';
import { MASK_KINDS } from '../../policy/masks';
import type { Decision, Effect, Grant, Policy, RowRegion } from '../../policy/model';
import { containsRow, covers, fromDistrictScope, fromGrantScope, intersect, union } from '../../policy/scope';
import { loadPolicyDir, shenzhenStreetCodes } from '../../store/policy';

/**
 * Properties of the engine over random subjects, fields, purposes, instants and rows, checked
 * against the rules written independently here (not by calling the engine's helpers).
 */
const policy: Policy = loadPolicyDir();
const RANK: Record<Effect, number> = { DENY: 0, MASK: 1, ALLOW: 2 };

const departments = [...policy.departments.keys()];
const fieldKeys = [...policy.fields.keys()];
const purposes = [...policy.purposes.keys()];
const REGION_CODES = ['440304', '440305', '440399', '440306', '440307009', '440304005', '440305007', '441521102', '440300', '999999'];
const ROWS: RowRegion[] = [
  { districtCode: '440304', streetCode: '440304005' },
  { districtCode: '440305', streetCode: '440305007' },
  { districtCode: '440399', streetCode: '440307010' },
  { districtCode: '440307', streetCode: '440307001' },
  { districtCode: '440398', streetCode: '441521102' },
  { districtCode: null, streetCode: null },
];

const subjectArb: fc.Arbitrary<Subject> = fc
  .record({
    department: fc.constantFrom<string | null>(...departments, null, 'SZ-NONE'),
    clearance: fc.constantFrom<Level>(...LEVELS),
    districtScope: fc.subarray(REGION_CODES, { maxLength: 3 }),
  })
  .map(({ department, clearance, districtScope }) => ({
    id: 'p',
    username: 'p',
    department,
    departmentName: null,
    clearance: department === null ? 'L1' : clearance,
    districtScope: department === null ? [] : districtScope,
    roles: [],
    serviceAccount: false,
    anonymous: department === null,
  }));
const purposeArb = fc.constantFrom<string | null>(null, ...purposes, 'UNKNOWN');
const fieldArb = fc.constantFrom(...fieldKeys);
const nowArb = fc.date({ min: new Date('2024-06-01T00:00:00Z'), max: new Date('2028-12-31T00:00:00Z'), noInvalidDate: true });
const rowArb = fc.option(fc.constantFrom(...ROWS), { nil: undefined });

const grantsOf = (s: Subject, domain: string): Grant[] =>
  s.anonymous || !s.department ? [] : policy.grants.filter((g) => g.department === s.department && g.domain === domain);
const inForce = (g: Grant, now: Date) => Date.parse(g.expiresAt) > now.getTime();

function decidingGrant(d: Decision): Grant | undefined {
  const id = d.policy.split('@')[0];
  return policy.grants.find((g) => g.id === id);
}

describe('decisions are sound', () => {
  it('never ALLOW above min(grant, clearance), nor MASK more than one level above it; the deciding grant is in force and the subject\'s', () => {
    fc.assert(
      fc.property(subjectArb, fieldArb, purposeArb, nowArb, rowArb, (subject, field, purpose, now, row) => {
        const d = decideField(policy, subject, field, { purpose, now, row });
        const entry = policy.fields.get(d.field)!;
        const level = levelRank(entry.level);
        expect(d.policy.endsWith(`@${policy.version}`)).toBe(true);
        if (d.effect === 'DENY') {
          expect(d.policy).toBe(`default-deny@${policy.version}`);
          return;
        }
        if (d.policy === `public@${policy.version}`) {
          expect([d.effect, level]).toEqual(['ALLOW', 1]);
          return;
        }
        const g = decidingGrant(d)!;
        expect(g).toBeDefined();
        expect(subject.anonymous).toBe(false);
        expect(g.department).toBe(subject.department);
        expect(g.domain).toBe(entry.domain);
        expect(inForce(g, now)).toBe(true);
        const cap = Math.min(levelRank(g.maxLevel), levelRank(subject.clearance));
        const purposeCap = purpose !== null && g.purposes.includes(purpose) ? 4 : 2;
        const effective = Math.min(cap, purposeCap);
        if (d.effect === 'ALLOW') {
          expect(level).toBeLessThanOrEqual(effective);
          expect(g.masks[entry.key]).toBeUndefined();
        } else {
          expect(level).toBeLessThanOrEqual(effective + 1);
          expect(d.mask).toBe((g.masks[entry.key] ?? entry.mask)!.kind);
          if (level === effective + 1) expect(entry.mask).toBeDefined();
        }
        const narrowed = intersect(fromGrantScope(g.scope), fromDistrictScope(subject.districtScope));
        if (row) expect(containsRow(narrowed, row)).toBe(true);
        else {
          const type = policy.types.get(entry.type)!;
          expect(covers(narrowed, rowScope(policy, subject, type.rowDomain!, { now }))).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('are monotone: more clearance, a declared purpose, or a known row never give less', () => {
    fc.assert(
      fc.property(subjectArb, fieldArb, purposeArb, nowArb, fc.constantFrom<Level>(...LEVELS), (subject, field, purpose, now, more) => {
        const rank = (s: Subject, p: string | null, row?: RowRegion) => RANK[decideField(policy, s, field, { purpose: p, now, row }).effect];
        if (!subject.anonymous && levelRank(more) >= levelRank(subject.clearance)) {
          expect(rank({ ...subject, clearance: more }, purpose)).toBeGreaterThanOrEqual(rank(subject, purpose));
        }
        expect(rank(subject, purpose)).toBeGreaterThanOrEqual(rank(subject, null));
        const entry = policy.fields.get(decideField(policy, subject, field, { purpose, now }).field)!;
        const visible = rowScope(policy, subject, policy.types.get(entry.type)!.rowDomain!, { now });
        for (const row of ROWS.filter((r) => containsRow(visible, r))) {
          expect(rank(subject, purpose, row)).toBeGreaterThanOrEqual(rank(subject, purpose));
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('do not depend on the order of grants in the files', () => {
    const files = policyToFiles(policy);
    const shuffled = loadPolicy({ ...files, grants: { ...files.grants, grants: [...files.grants.grants].reverse() } });
    fc.assert(
      fc.property(subjectArb, fieldArb, purposeArb, nowArb, rowArb, (subject, field, purpose, now, row) => {
        expect(decideField(shuffled, subject, field, { purpose, now, row })).toEqual(decideField(policy, subject, field, { purpose, now, row }));
      }),
      { numRuns: 500 },
    );
  });
});

describe('row scope', () => {
  it('is within the union of the department\'s grant scopes (the public scope when none is in force) and within the subject\'s district scope', () => {
    fc.assert(
      fc.property(subjectArb, fc.constantFrom(...policy.domains.keys()), nowArb, (subject, domain, now) => {
        const scope = rowScope(policy, subject, domain, { now });
        expect(covers(fromDistrictScope(subject.districtScope), scope)).toBe(true);
        const narrowing = fromDistrictScope(subject.districtScope);
        const usable = grantsOf(subject, domain).filter((g) => inForce(g, now) && intersect(fromGrantScope(g.scope), narrowing).kind !== 'NONE');
        if (usable.length) {
          expect(covers(union(grantsOf(subject, domain).map((g) => fromGrantScope(g.scope))), scope)).toBe(true);
          // and every usable grant's narrowed scope is inside it: nothing the grants give is lost
          for (const g of usable) expect(covers(scope, intersect(fromGrantScope(g.scope), narrowing))).toBe(true);
        } else {
          expect(covers(fromGrantScope(policy.public.scope), scope)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('policy files round-trip', () => {
  const streets = [...shenzhenStreetCodes()];
  const base = policyToFiles(policy);
  const fieldsByDomain = (domain: string, maxLevel: Level) =>
    [...policy.fields.values()].filter(
      (e) =>
        e.domain === domain &&
        !e.relation &&
        !policy.types.get(e.type)!.implementations &&
        levelRank(e.level) > 1 &&
        levelRank(e.level) <= levelRank(maxLevel) + 1,
    );

  const grantArb = (i: number): fc.Arbitrary<Grant> =>
    fc
      .record({
        department: fc.constantFrom(...departments),
        domain: fc.constantFrom(...policy.domains.keys()),
        maxLevel: fc.constantFrom<Level>('L2', 'L3', 'L4'),
        purposes: fc.subarray(purposes, { minLength: 1, maxLength: 3 }),
        scopeKind: fc.constantFrom('CITY', 'DISTRICTS', 'STREETS'),
        districts: fc.subarray(['440303', '440304', '440305', '440399', '440398'], { minLength: 1 }),
        streets: fc.subarray(streets.slice(0, 40), { minLength: 1, maxLength: 4 }),
        expiresAt: fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }),
        maskPick: fc.nat(),
        maskKind: fc.constantFrom(...MASK_KINDS),
        n: fc.integer({ min: 1, max: 30 }),
        description: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).filter((s) => s.trim() !== ''), { nil: undefined }),
      })
      .map((r) => {
        const info = policy.departments.get(r.department)!;
        const scope: Grant['scope'] =
          info.layer === 'DISTRICT'
            ? { kind: 'DISTRICTS', codes: [info.districtCode!] }
            : r.scopeKind === 'CITY'
              ? { kind: 'CITY' }
              : r.scopeKind === 'DISTRICTS'
                ? { kind: 'DISTRICTS', codes: r.districts }
                : { kind: 'STREETS', codes: r.streets };
        const candidates = fieldsByDomain(r.domain, r.maxLevel);
        const masks: Grant['masks'] = {};
        if (candidates.length && r.maskPick % 2 === 0) {
          masks[candidates[r.maskPick % candidates.length].key] = r.maskKind === 'SHOW_FIRST_N' ? { kind: r.maskKind, n: r.n } : { kind: r.maskKind };
        }
        return {
          id: `g${i}-${r.department.toLowerCase()}`,
          department: r.department,
          domain: r.domain,
          maxLevel: r.maxLevel,
          scope,
          purposes: r.purposes,
          masks,
          expiresAt: r.expiresAt.toISOString(),
          ...(r.description ? { description: r.description } : {}),
        };
      });

  it('random valid grant sets load, serialise and load again to the same policy', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => grantArb(i)))),
        (grants) => {
          const files = { ...base, grants: { ...base.grants, grants } };
          const first = loadPolicy(JSON.parse(JSON.stringify(files)));
          const second = loadPolicy(JSON.parse(JSON.stringify(policyToFiles(first))));
          expect(second.checksum).toBe(first.checksum);
          expect(policyToFiles(second)).toEqual(policyToFiles(first));
          expect(second.grants).toEqual(first.grants);
          expect(first.grants.map((g) => g.id)).toEqual(grants.map((g) => g.id).sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});
