import { ANONYMOUS, type Level, type Subject } from '../../core/subject';
import { CityCodeError } from '../../core/errors';
import {
  applyDecision,
  assertCanFilterOrSort,
  canFilterOrSort,
  decideField,
  explain,
  fieldDeniedError,
  identifierField,
  isPurpose,
  rowScope,
} from '../../policy/engine';
import type { Decision, DecisionContext, Domain, Policy } from '../../policy/model';
import { loadPolicyDir } from '../../store/policy';

/**
 * The decision engine against the demo policy (the newest policies/vN, v3), with the clock fixed at
 * 2026-06-01 09:00 Shenzhen time. Each department's expectations are concrete: effect, mask and
 * the deciding policy id.
 */
const NOW = new Date('2026-06-01T09:00:00+08:00');
let policy: Policy;

beforeAll(() => {
  policy = loadPolicyDir();
});

function officer(department: string, clearance: Level = 'L4', districtScope: string[] = []): Subject {
  return {
    id: `u-${department}`,
    username: `officer-${department.toLowerCase()}`,
    department,
    departmentName: null,
    clearance,
    districtScope,
    roles: [],
    serviceAccount: false,
    anonymous: false,
  };
}

function ctx(purpose: string | null, extra: Partial<DecisionContext> = {}): DecisionContext {
  return { purpose, now: NOW, ...extra };
}

/** effect, mask and deciding policy in one string: 'ALLOW gaj-population@v4', 'MASK PHONE zjj-population@v4'. */
function d(subject: Subject, field: string, purpose: string | null, extra: Partial<DecisionContext> = {}): string {
  const x = decideField(policy, subject, field, ctx(purpose, extra));
  return [x.effect, x.mask, x.policy].filter(Boolean).join(' ');
}

function full(subject: Subject, field: string, purpose: string | null, extra: Partial<DecisionContext> = {}): Decision {
  return decideField(policy, subject, field, ctx(purpose, extra));
}

const scopeOf = (subject: Subject, domain: Domain, now = NOW) => rowScope(policy, subject, domain, { now });

describe('anonymous callers: L1 only, every domain, city-wide', () => {
  it('reads public fields and nothing else, with no masked previews', () => {
    expect(d(ANONYMOUS, 'Person.code', null)).toBe('ALLOW public@v4');
    expect(d(ANONYMOUS, 'Person.name', null)).toBe('DENY default-deny@v4');
    expect(d(ANONYMOUS, 'Person.phone', 'PUBLIC_SECURITY')).toBe('DENY default-deny@v4');
    expect(d(ANONYMOUS, 'Enterprise.name', null)).toBe('ALLOW public@v4');
    expect(d(ANONYMOUS, 'Enterprise.uscc', null)).toBe('ALLOW public@v4');
    expect(d(ANONYMOUS, 'Enterprise.registeredCapitalWan', null)).toBe('DENY default-deny@v4');
    expect(d(ANONYMOUS, 'CityObject.geometry', null)).toBe('ALLOW public@v4');
    expect(d(ANONYMOUS, 'CityObject.houseCode', null)).toBe('DENY default-deny@v4');
    expect(full(ANONYMOUS, 'Person.name', null).reason).toContain('anonymous callers read L1 public data only');
  });

  it('sees every domain city-wide', () => {
    for (const domain of ['POPULATION', 'LEGAL_ENTITY', 'SPATIAL', 'IOT'] as Domain[]) {
      expect(scopeOf(ANONYMOUS, domain)).toEqual({ kind: 'ALL' });
    }
  });
});

describe('SZ-ZSJ 市政务服务数据管理局: all domains to L3 city-wide, ID numbers only for DATA_GOVERNANCE', () => {
  const zsj = officer('SZ-ZSJ');

  it('reads L3 with a listed purpose and sees ID numbers masked', () => {
    expect(d(zsj, 'Person.phone', 'PUBLIC_SERVICE')).toBe('ALLOW zsj-population@v4');
    expect(d(zsj, 'Person.sex', 'PUBLIC_SERVICE')).toBe('ALLOW zsj-population@v4');
    expect(d(zsj, 'Person.idNumber', 'PUBLIC_SERVICE')).toBe('MASK ID_NUMBER zsj-population@v4');
    expect(d(zsj, 'Enterprise.registeredCapitalWan', 'PUBLIC_SERVICE')).toBe('ALLOW zsj-economy@v4');
    expect(d(zsj, 'CityObject.owners', 'PUBLIC_SERVICE')).toBe('ALLOW zsj-housing@v4');
    expect(d(zsj, 'CityObject.devices', null)).toBe('ALLOW zsj-iot@v4');
  });

  it('says which purpose unmasks the ID number', () => {
    const x = full(zsj, 'Person.idNumber', 'PUBLIC_SERVICE');
    expect(x.needsPurpose).toBe(true);
    expect(x.acceptablePurposes).toEqual(['DATA_GOVERNANCE']);
    expect(x.reason).toContain('X-Purpose with DATA_GOVERNANCE (grant zsj-population-core@v4)');
  });

  it('reads clear ID numbers for DATA_GOVERNANCE through the core grant, the most permissive one', () => {
    expect(d(zsj, 'Person.idNumber', 'DATA_GOVERNANCE')).toBe('ALLOW zsj-population-core@v4');
    expect(d(zsj, 'Person.phone', 'DATA_GOVERNANCE')).toBe('ALLOW zsj-population-core@v4');
  });

  it('without a purpose: L2 in clear (ties broken by grant id), L3 masked or denied', () => {
    expect(d(zsj, 'Person.name', null)).toBe('ALLOW zsj-population@v4');
    expect(d(zsj, 'Person.phone', null)).toBe('MASK PHONE zsj-population@v4');
    expect(full(zsj, 'Person.phone', null).acceptablePurposes).toEqual(['DATA_GOVERNANCE', 'PUBLIC_SERVICE']);
    expect(d(zsj, 'Person.sex', null)).toBe('DENY default-deny@v4');
    expect(full(zsj, 'Person.sex', null).needsPurpose).toBe(true);
  });

  it('sees the whole city', () => {
    expect(scopeOf(zsj, 'POPULATION')).toEqual({ kind: 'ALL' });
  });
});

describe('SZ-GAJ 市公安局: POPULATION up to L4 city-wide for PUBLIC_SECURITY', () => {
  const gaj = officer('SZ-GAJ');

  it('reads clear ID numbers, phones and ownership for PUBLIC_SECURITY', () => {
    expect(d(gaj, 'Person.idNumber', 'PUBLIC_SECURITY')).toBe('ALLOW gaj-population@v4');
    expect(d(gaj, 'Person.phone', 'PUBLIC_SECURITY')).toBe('ALLOW gaj-population@v4');
    expect(d(gaj, 'CityObject.residents', 'PUBLIC_SECURITY')).toBe('ALLOW gaj-population@v4');
    expect(d(gaj, 'CityObject.owners', 'PUBLIC_SECURITY')).toBe('ALLOW gaj-housing@v4');
    expect(d(gaj, 'CityObject.deviceCode', 'PUBLIC_SECURITY')).toBe('ALLOW gaj-iot@v4');
  });

  it('has no ECONOMY grant', () => {
    const x = full(gaj, 'Enterprise.registeredCapitalWan', 'PUBLIC_SECURITY');
    expect([x.effect, x.policy]).toEqual(['DENY', 'default-deny@v4']);
    expect(x.reason).toContain('SZ-GAJ has no grant on 经济 (ECONOMY)');
  });

  it('without a purpose is capped at L2 and told to send X-Purpose', () => {
    expect(d(gaj, 'Person.name', null)).toBe('ALLOW gaj-population@v4');
    expect(d(gaj, 'Person.phone', null)).toBe('MASK PHONE gaj-population@v4');
    const sex = full(gaj, 'Person.sex', null);
    expect([sex.effect, sex.policy, sex.needsPurpose]).toEqual(['DENY', 'default-deny@v4', true]);
    expect(sex.reason).toContain('send the header X-Purpose with PUBLIC_SECURITY');
    const id = full(gaj, 'Person.idNumber', 'HOUSING_ADMIN');
    expect([id.effect, id.needsPurpose, id.acceptablePurposes]).toEqual(['DENY', true, ['PUBLIC_SECURITY']]);
  });

  it('an auxiliary officer with clearance L2 is capped by the clearance, whatever the purpose', () => {
    const aux = officer('SZ-GAJ', 'L2');
    expect(d(aux, 'Person.name', 'PUBLIC_SECURITY')).toBe('ALLOW gaj-population@v4');
    expect(d(aux, 'Person.phone', 'PUBLIC_SECURITY')).toBe('MASK PHONE gaj-population@v4');
    const id = full(aux, 'Person.idNumber', 'PUBLIC_SECURITY');
    expect([id.effect, id.needsPurpose]).toEqual(['DENY', undefined]);
    expect(id.reason).toContain('grant gaj-population@v4 reaches only L2 (capped by clearance L2)');
  });
});

describe('SZ-SCJGJ 市市场监管局: LEGAL_ENTITY and ECONOMY to L3, POPULATION L2', () => {
  const scj = officer('SZ-SCJGJ');

  it('reads enterprises, capital and legal representatives in clear', () => {
    expect(d(scj, 'Enterprise.legalRepresentative', 'MARKET_SUPERVISION')).toBe('ALLOW scjgj-legal-entity@v4');
    expect(d(scj, 'Enterprise.registeredCapitalWan', null)).toBe('ALLOW scjgj-economy@v4');
    expect(d(scj, 'Person.name', null)).toBe('ALLOW scjgj-population@v4');
    expect(d(scj, 'Person.representedEnterprises', null)).toBe('ALLOW scjgj-legal-entity@v4');
  });

  it('sees L3 personal data one level up masked, and no further', () => {
    const phone = full(scj, 'Person.phone', 'MARKET_SUPERVISION');
    expect([phone.effect, phone.mask, phone.policy, phone.needsPurpose]).toEqual(['MASK', 'PHONE', 'scjgj-population@v4', undefined]);
    expect(d(scj, 'Person.birthDate', 'MARKET_SUPERVISION')).toBe('MASK DATE_TO_YEAR scjgj-population@v4');
    expect(d(scj, 'Person.sex', 'MARKET_SUPERVISION')).toBe('DENY default-deny@v4');
    expect(d(scj, 'Person.idNumber', 'MARKET_SUPERVISION')).toBe('DENY default-deny@v4');
    expect(d(scj, 'Enterprise.employees', 'MARKET_SUPERVISION')).toBe('DENY default-deny@v4');
  });

  it('a clerk with clearance L1 sees names masked (张*)', () => {
    expect(d(officer('SZ-SCJGJ', 'L1'), 'Person.name', null)).toBe('MASK NAME scjgj-population@v4');
  });
});

describe('FT-GOV 福田区人民政府 and NS-GOV 南山区人民政府: their district only', () => {
  const ft = officer('FT-GOV');
  const ns = officer('NS-GOV');
  const futianRow = { districtCode: '440304', streetCode: '440304005' };
  const nanshanRow = { districtCode: '440305', streetCode: '440305007' };

  it('see rows of their district for the domains they hold grants on, public data elsewhere', () => {
    expect(scopeOf(ft, 'POPULATION')).toEqual({ kind: 'REGIONS', districtCodes: ['440304'], streetCodes: [] });
    expect(scopeOf(ft, 'SPATIAL')).toEqual({ kind: 'REGIONS', districtCodes: ['440304'], streetCodes: [] });
    expect(scopeOf(ns, 'POPULATION')).toEqual({ kind: 'REGIONS', districtCodes: ['440305'], streetCodes: [] });
    expect(scopeOf(ft, 'LEGAL_ENTITY')).toEqual({ kind: 'ALL' });
  });

  it('read residents to L3 for GRID_GOVERNANCE, birth dates as years, ID numbers masked', () => {
    expect(d(ft, 'Person.phone', 'GRID_GOVERNANCE')).toBe('ALLOW ft-population@v4');
    expect(d(ft, 'Person.birthDate', 'GRID_GOVERNANCE')).toBe('MASK DATE_TO_YEAR ft-population@v4');
    expect(d(ft, 'Person.idNumber', 'GRID_GOVERNANCE')).toBe('MASK ID_NUMBER ft-population@v4');
    expect(d(ft, 'CityObject.residents', 'GRID_GOVERNANCE')).toBe('ALLOW ft-population@v4');
    expect(d(ft, 'CityObject.owners', 'HOUSING_ADMIN')).toBe('ALLOW ft-housing@v4');
    expect(d(ft, 'CityObject.houseCode', null)).toBe('ALLOW ft-housing@v4');
    expect(d(ns, 'Person.phone', 'GRID_GOVERNANCE')).toBe('ALLOW ns-population@v4');
    expect(d(ns, 'Person.phone', 'PUBLIC_SECURITY')).toBe('MASK PHONE ns-population@v4');
  });

  it('a district grant does not reach rows seen city-wide; per row it does, inside the district', () => {
    // Enterprise rows are public city-wide, so Enterprise.employees (POPULATION L3) needs the row.
    expect(d(ft, 'Enterprise.employees', 'GRID_GOVERNANCE')).toBe('DENY default-deny@v4');
    expect(full(ft, 'Enterprise.employees', 'GRID_GOVERNANCE').reason).toContain('it applies per row');
    expect(d(ft, 'Enterprise.employees', 'GRID_GOVERNANCE', { row: futianRow })).toBe('ALLOW ft-population@v4');
    expect(d(ft, 'Enterprise.employees', 'GRID_GOVERNANCE', { row: nanshanRow })).toBe('DENY default-deny@v4');
    expect(d(ft, 'Enterprise.registeredCapitalWan', 'GRID_GOVERNANCE')).toBe('DENY default-deny@v4');
  });

  it('a Futian officer narrowed to 沙头街道 sees that street only', () => {
    const shatou = officer('FT-GOV', 'L3', ['440304005']);
    expect(scopeOf(shatou, 'POPULATION')).toEqual({ kind: 'REGIONS', districtCodes: [], streetCodes: ['440304005'] });
    expect(d(shatou, 'Person.phone', 'GRID_GOVERNANCE')).toBe('ALLOW ft-population@v4');
  });

  it('a Futian account narrowed to Nanshan loses its grants and keeps public data there', () => {
    const odd = officer('FT-GOV', 'L3', ['440305']);
    expect(scopeOf(odd, 'POPULATION')).toEqual({ kind: 'REGIONS', districtCodes: ['440305'], streetCodes: [] });
    const x = full(odd, 'Person.name', 'GRID_GOVERNANCE');
    expect([x.effect, x.policy]).toEqual(['DENY', 'default-deny@v4']);
    expect(x.reason).toContain("outside the subject's district scope 440305");
  });
});

describe('SZ-ZJJ 市住房建设局: HOUSING L3, POPULATION L2', () => {
  const zjj = officer('SZ-ZJJ');
  it('reads house codes and owners, names in clear and phones masked', () => {
    expect(d(zjj, 'CityObject.houseCode', null)).toBe('ALLOW zjj-housing@v4');
    expect(d(zjj, 'CityObject.owners', 'HOUSING_ADMIN')).toBe('ALLOW zjj-housing@v4');
    expect(d(zjj, 'Person.owns', 'HOUSING_ADMIN')).toBe('ALLOW zjj-housing@v4');
    expect(d(zjj, 'Person.name', 'HOUSING_ADMIN')).toBe('ALLOW zjj-population@v4');
    expect(d(zjj, 'Person.phone', 'HOUSING_ADMIN')).toBe('MASK PHONE zjj-population@v4');
    expect(d(zjj, 'CityObject.residents', 'HOUSING_ADMIN')).toBe('DENY default-deny@v4');
  });
  it('sees city objects as the public does (no SPATIAL grant) and housing city-wide', () => {
    expect(scopeOf(zjj, 'SPATIAL')).toEqual({ kind: 'ALL' });
    expect(scopeOf(zjj, 'HOUSING')).toEqual({ kind: 'ALL' });
  });
});

describe('SZ-JTJ 市交通运输局: TRANSPORT, SPATIAL, IOT at L2; an expired POPULATION grant', () => {
  const jtj = officer('SZ-JTJ');
  it('reads device and parking codes', () => {
    expect(d(jtj, 'CityObject.deviceCode', null)).toBe('ALLOW jtj-iot@v4');
    expect(d(jtj, 'CityObject.devices', null)).toBe('ALLOW jtj-iot@v4');
  });
  it('the Spring Festival grant gave names until 2025-03-01 and nothing since', () => {
    expect(d(jtj, 'Person.name', 'TRANSPORT_ADMIN', { now: new Date('2025-02-01T00:00:00+08:00') })).toBe(
      'ALLOW jtj-population-chunyun-2025@v4',
    );
    const x = full(jtj, 'Person.name', 'TRANSPORT_ADMIN');
    expect([x.effect, x.policy]).toEqual(['DENY', 'default-deny@v4']);
    expect(x.reason).toContain('grant jtj-population-chunyun-2025@v4 does not apply: expired at 2025-03-01T00:00:00+08:00');
    // expiry is exclusive: at the instant itself the grant gives nothing
    expect(d(jtj, 'Person.name', null, { now: new Date('2025-03-01T00:00:00+08:00') })).toBe('DENY default-deny@v4');
  });
  it('after expiry the department sees persons as the public does', () => {
    expect(scopeOf(jtj, 'POPULATION')).toEqual({ kind: 'ALL' });
    expect(d(jtj, 'Person.code', null)).toBe('ALLOW public@v4');
  });
});

describe('SZ-WJW 市卫生健康委: HEALTH and POPULATION to L3 for HEALTH_SERVICE, ID masked', () => {
  const wjw = officer('SZ-WJW');
  it('decides with and without the purpose', () => {
    expect(d(wjw, 'Person.phone', 'HEALTH_SERVICE')).toBe('ALLOW wjw-population@v4');
    expect(d(wjw, 'Person.sex', 'HEALTH_SERVICE')).toBe('ALLOW wjw-population@v4');
    expect(d(wjw, 'Person.idNumber', 'HEALTH_SERVICE')).toBe('MASK ID_NUMBER wjw-population@v4');
    expect(d(wjw, 'Person.birthDate', null)).toBe('MASK DATE_TO_YEAR wjw-population@v4');
    expect(full(wjw, 'Person.birthDate', null).acceptablePurposes).toEqual(['HEALTH_SERVICE']);
    expect(d(wjw, 'Person.idNumber', null)).toBe('DENY default-deny@v4');
  });
});

describe('SZ-YJGLJ 市应急管理局: POPULATION L2 city-wide, L3 in the Daya Bay planning zone', () => {
  const yj = officer('SZ-YJGLJ');
  it('sees phones masked city-wide, in clear on rows in 葵涌/大鹏/南澳', () => {
    expect(scopeOf(yj, 'POPULATION')).toEqual({ kind: 'ALL' });
    expect(d(yj, 'Person.phone', 'EMERGENCY')).toBe('MASK PHONE yjglj-population@v4');
    const dapeng = { districtCode: '440399', streetCode: '440307010' };
    expect(d(yj, 'Person.phone', 'EMERGENCY', { row: dapeng })).toBe('ALLOW yjglj-population-dapeng@v4');
    expect(d(yj, 'Person.phone', 'EMERGENCY', { row: { districtCode: '440304', streetCode: '440304001' } })).toBe(
      'MASK PHONE yjglj-population@v4',
    );
    expect(d(yj, 'Person.phone', null, { row: dapeng })).toBe('MASK PHONE yjglj-population@v4');
  });
  it('reads safety, IoT and spatial data to L3', () => {
    expect(d(yj, 'CityObject.devices', 'EMERGENCY')).toBe('ALLOW yjglj-iot@v4');
    expect(d(yj, 'CityObject.houseCode', 'EMERGENCY')).toBe('DENY default-deny@v4');
  });
});

describe('SZ-GHZY 市规划和自然资源局 and SZ-SWJ 市水务局', () => {
  it('planning reads house codes (L2) but not owners (L3)', () => {
    const gh = officer('SZ-GHZY');
    expect(d(gh, 'CityObject.houseCode', 'URBAN_PLANNING')).toBe('ALLOW ghzy-housing@v4');
    expect(d(gh, 'CityObject.owners', 'URBAN_PLANNING')).toBe('DENY default-deny@v4');
    expect(d(gh, 'Person.name', 'URBAN_PLANNING')).toBe('DENY default-deny@v4');
  });
  it('water reads devices and nothing personal', () => {
    const sw = officer('SZ-SWJ');
    expect(d(sw, 'CityObject.devices', 'WATER_ADMIN')).toBe('ALLOW swj-iot@v4');
    expect(d(sw, 'CityObject.deviceCode', null)).toBe('ALLOW swj-iot@v4');
    expect(d(sw, 'Person.name', null)).toBe('DENY default-deny@v4');
  });
  it('a clearance below a grant\'s level caps it: planning at L1 sees house codes as building codes', () => {
    expect(d(officer('SZ-GHZY', 'L1'), 'CityObject.houseCode', null)).toBe('MASK SHOW_FIRST_N ghzy-housing@v4');
    expect(full(officer('SZ-GHZY', 'L1'), 'CityObject.houseCode', null).maskN).toBe(19);
  });
});

describe('clearance, purposes and unknown departments', () => {
  it('clearance caps every grant', () => {
    const zsj2 = officer('SZ-ZSJ', 'L2');
    expect(d(zsj2, 'Person.phone', 'DATA_GOVERNANCE')).toBe('MASK PHONE zsj-population@v4');
    expect(d(zsj2, 'Person.idNumber', 'DATA_GOVERNANCE')).toBe('DENY default-deny@v4');
    const zsj3 = officer('SZ-ZSJ', 'L3');
    expect(d(zsj3, 'Person.idNumber', 'DATA_GOVERNANCE')).toBe('MASK ID_NUMBER zsj-population@v4');
  });

  it('an unknown purpose counts as none and the reason says so', () => {
    const x = full(officer('SZ-GAJ'), 'Person.phone', 'CURIOSITY');
    expect([x.effect, x.mask]).toEqual(['MASK', 'PHONE']);
    expect(x.reason).toContain('declared purpose CURIOSITY is not a purpose of policy v4');
    expect(isPurpose(policy, 'CURIOSITY')).toBe(false);
    expect(isPurpose(policy, 'EMERGENCY')).toBe(true);
  });

  it('a department without grants reads public data only', () => {
    const other = officer('SZ-UNKNOWN');
    expect(d(other, 'Person.code', null)).toBe('ALLOW public@v4');
    expect(d(other, 'Person.name', null)).toBe('DENY default-deny@v4');
    expect(scopeOf(other, 'POPULATION')).toEqual({ kind: 'ALL' });
  });

  it('a subject flagged anonymous is anonymous whatever department it carries', () => {
    expect(d({ ...officer('SZ-GAJ'), anonymous: true }, 'Person.name', 'PUBLIC_SECURITY')).toBe('DENY default-deny@v4');
  });

  it('a district scope of unusable codes narrows to nothing', () => {
    const s = officer('SZ-ZSJ', 'L3', ['440304005001']);
    expect(scopeOf(s, 'POPULATION')).toEqual({ kind: 'NONE' });
  });
});

describe('interface fields, unknown fields', () => {
  it('Entity.x is the strictest decision of Person, Enterprise and CityObject', () => {
    const x = full(officer('SZ-JTJ'), 'Entity.name', null);
    expect([x.effect, x.field, x.policy]).toEqual(['DENY', 'Person.name', 'default-deny@v4']);
    expect(d(officer('SZ-SCJGJ'), 'Entity.name', null)).toBe('ALLOW scjgj-population@v4');
    expect(d(ANONYMOUS, 'Entity.code', null)).toBe('ALLOW public@v4');
  });

  it('throws for a field the catalogue does not classify', () => {
    expect(() => decideField(policy, ANONYMOUS, 'Person.shoeSize', ctx(null))).toThrow(/not in the policy catalogue.*catalogue\.json/);
  });
});

describe('filter, sort and count: only on fields readable in clear', () => {
  it('allows and refuses', () => {
    expect(canFilterOrSort(policy, officer('SZ-GAJ'), 'Person.idNumber', ctx('PUBLIC_SECURITY'))).toBe(true);
    expect(canFilterOrSort(policy, officer('SZ-ZSJ'), 'Person.idNumber', ctx('PUBLIC_SERVICE'))).toBe(false);
    expect(canFilterOrSort(policy, ANONYMOUS, 'Enterprise.uscc', ctx(null))).toBe(true);
    expect(canFilterOrSort(policy, ANONYMOUS, 'Person.name', ctx(null))).toBe(false);
    // per-row access does not extend to filters: they run over every visible row
    expect(
      canFilterOrSort(policy, officer('SZ-YJGLJ'), 'Person.phone', ctx('EMERGENCY', { row: { districtCode: '440399', streetCode: '440307010' } })),
    ).toBe(false);
  });

  it('assertCanFilterOrSort throws FORBIDDEN_FILTER naming field, level and policy', () => {
    let error: unknown;
    try {
      assertCanFilterOrSort(policy, officer('SZ-SCJGJ'), 'Person.phone', ctx(null), 'sort');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CityCodeError);
    const e = error as CityCodeError;
    expect(e.message).toBe('You may not sort on Person.phone: it is masked (PHONE) for you');
    expect(e.extensions).toMatchObject({
      code: 'FORBIDDEN_FILTER',
      field: 'Person.phone',
      requiredLevel: 'L3',
      domain: 'POPULATION',
      policy: 'scjgj-population@v4',
    });
    expect(() => assertCanFilterOrSort(policy, officer('SZ-GAJ'), 'Person.idNumber', ctx('PUBLIC_SECURITY'), 'lookup')).not.toThrow();
  });

  it('resolveCode schemes map to the field they filter on', () => {
    expect(identifierField(policy, 'CITIZEN_ID')).toBe('Person.idNumber');
    expect(identifierField(policy, 'HOUSE_CODE')).toBe('CityObject.houseCode');
    expect(identifierField(policy, 'NOPE')).toBeNull();
  });
});

describe('applying decisions and explaining them', () => {
  it('applyDecision passes, masks or nulls the value', () => {
    const gaj = officer('SZ-GAJ');
    expect(applyDecision(full(gaj, 'Person.phone', 'PUBLIC_SECURITY'), '13812345678')).toBe('13812345678');
    expect(applyDecision(full(gaj, 'Person.phone', null), '13812345678')).toBe('138****5678');
    expect(applyDecision(full(gaj, 'Person.sex', null), 'F')).toBeNull();
    expect(applyDecision(full(officer('SZ-GHZY', 'L1'), 'CityObject.houseCode', null), '4403040010010100001000101')).toBe(
      '4403040010010100001******',
    );
    expect(applyDecision(full(officer('SZ-ZSJ'), 'Person.idNumber', 'PUBLIC_SERVICE'), '11010519491231002X')).toBe('110105********002X');
  });

  it('fieldDeniedError says the code, the field and the level required', () => {
    const e = fieldDeniedError(full(officer('SZ-GAJ'), 'Person.sex', null));
    expect(e.message).toBe('Person.sex requires L3 access to POPULATION data');
    expect(e.extensions).toMatchObject({
      code: 'FORBIDDEN_FIELD',
      field: 'Person.sex',
      requiredLevel: 'L3',
      needsPurpose: true,
      acceptablePurposes: ['PUBLIC_SECURITY'],
    });
    expect(String(e.extensions.hint)).toContain('Send the header X-Purpose with one of PUBLIC_SECURITY');
  });

  it('explain lists every grant considered', () => {
    const x = explain(policy, officer('SZ-YJGLJ'), 'Person.phone', ctx('EMERGENCY'));
    expect(x.decision.policy).toBe('yjglj-population@v4');
    expect(x.grants.map((g) => [g.grant, g.effect ?? 'excluded'])).toEqual([
      ['yjglj-population', 'MASK'],
      ['yjglj-population-dapeng', 'excluded'],
    ]);
    expect(x.rowScope).toEqual({ kind: 'ALL' });
    expect(x.text.split('\n')).toEqual([
      'Person.phone: POPULATION L3, default mask PHONE',
      'subject officer-sz-yjglj (SZ-YJGLJ), clearance L4, purpose EMERGENCY',
      'rows: the whole city',
      'grant yjglj-population: effective L2 (purpose matched) → MASK PHONE',
      'grant yjglj-population-dapeng: not applied, it covers only street 440307009, street 440307010, street 440307011, ' +
        'not all rows the subject sees (the whole city); it applies per row (context.row)',
      'decision: MASK PHONE by yjglj-population@v4',
    ]);
  });
});
