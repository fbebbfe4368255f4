import { readFileSync } from 'node:fs';
import { fromRoot } from '../../core/paths';
import type { Subject } from '../../core/subject';
import { accessSummaryMarkdown, decisionTableMarkdown, demoSubjects, departmentSubject, permissionMatrix } from '../../policy/matrix';
import type { Policy } from '../../policy/model';
import { loadPolicyDir } from '../../store/policy';

/** The permission matrix the lead's integration test runs against the live API, and the docs tables. */
const NOW = new Date('2026-06-01T09:00:00+08:00');
let policy: Policy;
beforeAll(() => {
  policy = loadPolicyDir();
});

/** The purpose each demo department declares in docs/permissions.md's decision table. */
const DEMO_PURPOSE: Record<string, string> = {
  'SZ-ZSJ': 'PUBLIC_SERVICE',
  'SZ-GAJ': 'PUBLIC_SECURITY',
  'SZ-SCJGJ': 'MARKET_SUPERVISION',
  'SZ-GHZY': 'URBAN_PLANNING',
  'SZ-ZJJ': 'HOUSING_ADMIN',
  'SZ-JTJ': 'TRANSPORT_ADMIN',
  'SZ-SWJ': 'WATER_ADMIN',
  'SZ-YJGLJ': 'EMERGENCY',
  'SZ-WJW': 'HEALTH_SERVICE',
  'FT-GOV': 'GRID_GOVERNANCE',
  'NS-GOV': 'GRID_GOVERNANCE',
  'LH-GOV': 'GRID_GOVERNANCE',
  'SZ-SWU': 'TAX_ADMIN',
  'SZ-RSJ': 'EMPLOYMENT_SERVICE',
  'SZ-TJJ': 'STATISTICS',
  'FT-WGB': 'GRID_GOVERNANCE',
};
const TABLE_FIELDS = [
  'Person.name',
  'Person.phone',
  'Person.birthDate',
  'Person.idNumber',
  'CityObject.residents',
  'CityObject.owners',
  'CityObject.houseCode',
  'Enterprise.registeredCapitalWan',
];
const purposeOf = (s: Subject) => (s.anonymous ? null : DEMO_PURPOSE[s.department!]);

function between(text: string, name: string): string {
  const start = text.indexOf(`<!-- ${name}:start -->`);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  expect([start >= 0, end > start]).toEqual([true, true]);
  return text.slice(start + `<!-- ${name}:start -->`.length, end).trim();
}

describe('permissionMatrix', () => {
  it('has one row per subject, field and purpose, in that order', () => {
    const subjects = demoSubjects(policy);
    expect(subjects.map((s) => s.username)).toEqual([
      'anonymous',
      'demo-sz-zsj',
      'demo-sz-gaj',
      'demo-sz-scjgj',
      'demo-sz-ghzy',
      'demo-sz-zjj',
      'demo-sz-jtj',
      'demo-sz-swj',
      'demo-sz-yjglj',
      'demo-sz-wjw',
      'demo-ft-gov',
      'demo-ns-gov',
      'demo-lh-gov',
      'demo-sz-swu',
      'demo-sz-rsj',
      'demo-sz-tjj',
      'demo-ft-wgb',
      'demo-sz-gaj-auxiliary',
      'demo-sz-zsj-nanshan',
      'demo-ft-gov-shatou',
    ]);
    const fields = [...policy.fields.keys()];
    const purposes = [null, 'PUBLIC_SECURITY', 'GRID_GOVERNANCE'];
    const rows = permissionMatrix(policy, subjects, fields, purposes, NOW);
    expect(rows).toHaveLength(subjects.length * fields.length * purposes.length);
    expect(rows[0]).toEqual({
      subject: 'anonymous',
      department: null,
      clearance: 'L1',
      districtScope: [],
      field: fields[0],
      purpose: null,
      scope: { kind: 'ALL' },
      expected: 'ALLOW',
      policy: 'public@v4',
      requiredLevel: 'L1',
      domain: 'POPULATION',
      needsPurpose: false,
    });
    expect(permissionMatrix(policy, subjects, fields, purposes, NOW)).toEqual(rows);
  });

  it('gives the expected decision and the rows to test it on', () => {
    const gaj = departmentSubject(policy, 'SZ-GAJ');
    const ft = departmentSubject(policy, 'FT-GOV');
    const rows = permissionMatrix(policy, [gaj, ft], ['Person.idNumber', 'Person.phone', 'CityObject.houseCode'], [null, 'PUBLIC_SECURITY', 'GRID_GOVERNANCE'], NOW);
    const pick = (subject: string, field: string, purpose: string | null) =>
      rows.find((r) => r.subject === subject && r.field === field && r.purpose === purpose)!;
    expect(pick('demo-sz-gaj', 'Person.idNumber', 'PUBLIC_SECURITY')).toMatchObject({ expected: 'ALLOW', policy: 'gaj-population@v4', scope: { kind: 'ALL' } });
    expect(pick('demo-sz-gaj', 'Person.idNumber', null)).toMatchObject({ expected: 'DENY', policy: 'default-deny@v4', needsPurpose: true });
    expect(pick('demo-sz-gaj', 'Person.phone', null)).toMatchObject({ expected: 'MASK', mask: 'PHONE', needsPurpose: true });
    expect(pick('demo-ft-gov', 'Person.phone', 'GRID_GOVERNANCE')).toMatchObject({
      expected: 'ALLOW',
      policy: 'ft-population@v4',
      scope: { kind: 'REGIONS', districtCodes: ['440304'], streetCodes: [] },
    });
    expect(pick('demo-ft-gov', 'Person.idNumber', 'GRID_GOVERNANCE')).toMatchObject({ expected: 'MASK', mask: 'ID_NUMBER' });
    expect(pick('demo-ft-gov', 'CityObject.houseCode', null)).toMatchObject({
      expected: 'ALLOW',
      policy: 'ft-housing@v4',
      domain: 'HOUSING',
      scope: { kind: 'REGIONS', districtCodes: ['440304'], streetCodes: [] },
    });
  });
});

describe('docs/permissions.md', () => {
  const doc = readFileSync(fromRoot('docs', 'permissions.md'), 'utf8');

  it('shows the grants of the newest policies/vN as the engine reads them', () => {
    expect(between(doc, 'access-summary')).toBe(accessSummaryMarkdown(policy, NOW));
  });

  it('shows the demo decisions the engine makes', () => {
    expect(between(doc, 'decision-table')).toBe(decisionTableMarkdown(policy, demoSubjects(policy), TABLE_FIELDS, purposeOf, NOW));
  });
});
