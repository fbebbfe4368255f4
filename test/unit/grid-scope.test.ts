import type { Subject } from '../../core/subject';
import { decideField, rowScope } from '../../policy/engine';
import { containsRow, covers, fromDistrictScope, fromGrantScope, intersect, regions, union } from '../../policy/scope';
import { loadPolicyDir } from '../../store/policy';

/**
 * Grid-scoped grants (网格授权): a grant whose scope is a set of 14-digit grid codes reaches the
 * rows recorded in those grids and nothing else of their street or district; the scope algebra
 * keeps grids beside districts and streets; the loader refuses what is not a Shenzhen grid code.
 */
const policy = loadPolicyDir();
const NOW = new Date('2026-12-04T10:00:00+08:00');
const A = '44030401100201';
const B = '44030401100202';
const C = '44030401100203';
const wangge: Subject = {
  id: 'w',
  username: 'zhou.wangge',
  department: 'FT-WGB',
  departmentName: '福田区网格管理中心',
  clearance: 'L3',
  districtScope: ['440304'],
  roles: [],
  serviceAccount: false,
  anonymous: false,
};
const row = (gridCode: string | null) => ({ districtCode: '440304', streetCode: '440304011', gridCode });

describe('grid scopes', () => {
  it('hold grids beside districts and streets, dropping grids inside a listed street or district', () => {
    expect(fromGrantScope({ kind: 'GRIDS', codes: [B, A, A] })).toEqual({ kind: 'REGIONS', districtCodes: [], streetCodes: [], gridCodes: [A, B] });
    expect(regions([], ['440304011'], [A, '44030500100101'])).toEqual({ kind: 'REGIONS', districtCodes: [], streetCodes: ['440304011'], gridCodes: ['44030500100101'] });
    expect(regions(['440304'], [], [A])).toEqual({ kind: 'REGIONS', districtCodes: ['440304'], streetCodes: [] });
    const grids = fromGrantScope({ kind: 'GRIDS', codes: [A, B] });
    expect(containsRow(grids, row(A))).toBe(true);
    expect(containsRow(grids, row(C))).toBe(false);
    expect(containsRow(grids, row(null))).toBe(false);
    expect(intersect(grids, fromDistrictScope(['440304']))).toEqual(grids);
    expect(intersect(grids, fromDistrictScope(['440305'])).kind).toBe('NONE');
    expect(intersect(fromDistrictScope(['440304011']), grids)).toEqual(grids);
    expect(covers(fromDistrictScope(['440304']), grids)).toBe(true);
    expect(covers(grids, fromDistrictScope(['440304']))).toBe(false);
    expect(union([grids, fromGrantScope({ kind: 'GRIDS', codes: [C] })])).toEqual({ kind: 'REGIONS', districtCodes: [], streetCodes: [], gridCodes: [A, B, C] });
  });

  it('decide per row: 福田网格管理中心 reads residents of its two grids, not of the next grid of the same community', () => {
    expect(policy.grants.find((g) => g.id === 'ftwgb-population')?.scope).toEqual({ kind: 'GRIDS', codes: [A, B] });
    expect(rowScope(policy, wangge, 'POPULATION', { now: NOW })).toEqual({ kind: 'REGIONS', districtCodes: [], streetCodes: [], gridCodes: [A, B] });
    const d = (gridCode: string | null) => decideField(policy, wangge, 'Person.name', { purpose: 'GRID_GOVERNANCE', now: NOW, row: row(gridCode) });
    expect(d(A)).toMatchObject({ effect: 'ALLOW', policy: 'ftwgb-population@v4' });
    expect(decideField(policy, wangge, 'Person.phone', { purpose: 'GRID_GOVERNANCE', now: NOW, row: row(A) }).effect).toBe('ALLOW');
    expect(decideField(policy, wangge, 'Person.phone', { purpose: null, now: NOW, row: row(A) }).effect).not.toBe('ALLOW');
    expect(d(B).effect).toBe('ALLOW');
    expect(d(C).effect).not.toBe('ALLOW');
    expect(d(null).effect).not.toBe('ALLOW');
    // Public-management data stays district-wide.
    expect(decideField(policy, wangge, 'ManagementEvent.caseNo', { purpose: 'GRID_GOVERNANCE', now: NOW, row: row(C) }).effect).not.toBe('DENY');
  });
});

describe('grid scopes in the policy files', () => {
  it('refuse what is not a Shenzhen grid code, with the path and a hint', async () => {
    const { loadPolicy } = await import('../../policy/engine');
    const { loadPolicyFiles, POLICY_DIR, shenzhenStreetCodes } = await import('../../store/policy');
    const files = structuredClone(loadPolicyFiles(POLICY_DIR)) as { grants: { grants: Record<string, unknown>[] } };
    const i = files.grants.grants.findIndex((g) => g.id === 'ftwgb-population');
    files.grants.grants[i].scope = { kind: 'GRIDS', codes: ['4403040110020', '44039999900101', '44030401100201'] };
    let problems: string[] = [];
    try {
      loadPolicy(files as never, { knownStreetCodes: shenzhenStreetCodes() });
    } catch (err) {
      problems = (err as { problems: string[] }).problems;
    }
    expect(problems).toEqual([
      `grants.json grants[${i}] (id "ftwgb-population").scope.codes[0]: "4403040110020" is not a 14-digit grid code of Shenzhen (community 12 digits + grid 2, e.g. 44030400100101)`,
      `grants.json grants[${i}] (id "ftwgb-population").scope.codes[1]: grid 44039999900101 lies in street 440399999, which does not exist in seed/data/shenzhen-regions.json`,
    ]);
  });
});
