import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  GraphQLEnumType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  type GraphQLField,
} from 'graphql';
import { readFileSync } from 'node:fs';
import { fromRoot } from '../../core/paths';
import { canonicalJson, loadPolicy, PolicyError, policyChecksum, policyToFiles, validateGrant } from '../../policy/engine';
import type { Policy } from '../../policy/model';
import { loadPolicyDir, loadPolicyFiles, POLICY_DIR, policyDir, policyVersionDirs, shenzhenStreetCodes } from '../../store/policy';

/** The policy loader: the committed files load, every rule has a precise message, round trips. */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const raw = () => structuredClone(loadPolicyFiles(POLICY_DIR)) as { catalogue: Json; grants: Json; purposes: Json };
const opts = () => ({ knownStreetCodes: shenzhenStreetCodes() });

function problems(edit: (f: { catalogue: Json; grants: Json; purposes: Json }) => void): string[] {
  const files = raw();
  edit(files);
  try {
    loadPolicy(files, opts());
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as PolicyError).problems;
  }
  throw new Error('expected the policy to be refused');
}

const grantIndex = (files: { grants: Json }, id: string): number => files.grants.grants.findIndex((g: Json) => g.id === id);

describe('the committed policy files (the newest, policies/v4)', () => {
  let policy: Policy;
  beforeAll(() => {
    policy = loadPolicyDir();
  });

  it('the default directory is the newest version, or env POLICY_DIR', () => {
    expect(policyVersionDirs().map((v) => v.version)).toEqual(['v1', 'v2', 'v3', 'v4']);
    expect(POLICY_DIR).toBe(fromRoot('policies', 'v4'));
    expect(policyDir({})).toBe(fromRoot('policies', 'v4'));
    expect(policyDir({ POLICY_DIR: 'policies/v1' })).toBe(fromRoot('policies', 'v1'));
    expect(policyDir({ POLICY_DIR: '/etc/citycode/policies' })).toBe('/etc/citycode/policies');
  });

  it('keeps v1 as loaded; v2 is v1 plus the classification of provenance(attribute:), nothing else', () => {
    const v1 = loadPolicyDir(fromRoot('policies', 'v1'));
    expect([v1.version, v1.effectiveFrom]).toEqual(['v1', '2026-01-01']);
    expect(v1.files.catalogue.fields['Person.provenance']).toBeUndefined();
    const v2 = loadPolicyDir(fromRoot('policies', 'v2'));
    expect(canonicalJson({ ...v2.files.grants, version: 'v1', effectiveFrom: '2026-01-01' })).toBe(canonicalJson(v1.files.grants));
    expect(canonicalJson({ ...v2.files.purposes, version: 'v1', effectiveFrom: '2026-01-01' })).toBe(canonicalJson(v1.files.purposes));
    const added = Object.keys(v2.files.catalogue.fields).filter((k) => !(k in v1.files.catalogue.fields));
    expect(added.sort()).toEqual(['CityObject.provenance', 'Enterprise.provenance', 'Entity.provenance', 'Person.provenance']);
    for (const k of Object.keys(v1.files.catalogue.fields)) expect([k, v2.files.catalogue.fields[k]]).toEqual([k, v1.files.catalogue.fields[k]]);
    // The field gate is public in the row domain of its type; the attribute's own decision does the rest.
    expect(added.map((k) => [k, v2.files.catalogue.fields[k].domain, v2.files.catalogue.fields[k].level])).toEqual(
      expect.arrayContaining([
        ['Entity.provenance', 'POPULATION', 'L1'],
        ['Person.provenance', 'POPULATION', 'L1'],
        ['Enterprise.provenance', 'LEGAL_ENTITY', 'L1'],
        ['CityObject.provenance', 'SPATIAL', 'L1'],
      ]),
    );
  });

  it('v3 is v2 plus what the city model added (public facilities, workplaces, premises), every v2 classification unchanged', () => {
    const v2 = loadPolicyDir(fromRoot('policies', 'v2'));
    const v3 = loadPolicyDir(fromRoot('policies', 'v3'));
    expect([v3.version, v3.effectiveFrom]).toEqual(['v3', '2026-12-03']);
    const added = Object.keys(v3.files.catalogue.fields).filter((k) => !(k in v2.files.catalogue.fields));
    expect(added).toEqual(expect.arrayContaining(['PublicFacility.serves', 'CityObject.servedBy', 'Person.workplace', 'CityObject.workers', 'Enterprise.premises', 'CityObject.operators']));
    expect(added.every((k) => k.startsWith('PublicFacility.') || ['Person.workplace', 'CityObject.workers', 'Enterprise.premises', 'CityObject.operators', 'CityObject.servedBy', 'CityObject.facilities'].includes(k))).toBe(true);
    const classification = (f: { domain: string; level: string; mask?: unknown; relation?: boolean }) => [f.domain, f.level, f.mask ?? null, f.relation ?? false];
    for (const k of Object.keys(v2.files.catalogue.fields)) expect([k, classification(v3.files.catalogue.fields[k])]).toEqual([k, classification(v2.files.catalogue.fields[k])]);
    expect(v3.files.catalogue.domains.PUBLIC_SERVICE).toEqual({ label: '公共服务', description: expect.any(String) });
    expect(v3.grants.filter((g) => !v2.grants.some((o) => o.id === g.id)).map((g) => g.id)).toEqual(['zsj-public-service']);
  });

  it('v4 is v3 plus the data plate (public management, open internet data, economy, measures, indicators, grids), every v3 classification unchanged', () => {
    const v3 = loadPolicyDir(fromRoot('policies', 'v3'));
    const v4 = loadPolicyDir();
    expect([v4.version, v4.effectiveFrom]).toEqual(['v4', '2026-12-04']);
    const classification = (f: { domain: string; level: string; mask?: unknown; relation?: boolean }) => [f.domain, f.level, f.mask ?? null, f.relation ?? false];
    for (const k of Object.keys(v3.files.catalogue.fields)) expect([k, classification(v4.files.catalogue.fields[k])]).toEqual([k, classification(v3.files.catalogue.fields[k])]);
    const added = Object.keys(v4.files.catalogue.fields).filter((k) => !(k in v3.files.catalogue.fields));
    expect(added).toEqual(expect.arrayContaining(['ManagementEvent.caseNo', 'PointOfInterest.licence', 'Enterprise.taxBand', 'Person.citizenCode', 'CityObject.readings', 'Indicator.housingRooms']));
    const fromPlate = (k: string) =>
      /^(ManagementEvent|PointOfInterest|Indicator)\./.test(k) || ['Enterprise.', 'Person.', 'CityObject.', 'PublicFacility.', 'Entity.'].some((t) => k.startsWith(t));
    expect(added.filter((k) => !fromPlate(k))).toEqual([]);
    expect(Object.keys(v4.files.catalogue.domains).filter((d) => !(d in v3.files.catalogue.domains)).sort()).toEqual(['INTERNET', 'PUBLIC_MANAGEMENT']);
    expect(v3.grants.filter((g) => !v4.grants.some((o) => o.id === g.id))).toEqual([]);
    expect([...v4.departments.keys()].filter((d) => !v3.departments.has(d))).toEqual(['LH-GOV', 'SZ-SWU', 'SZ-RSJ', 'SZ-TJJ', 'FT-WGB']);
  });

  it('an older version lists only the domains it knew, and a grant must be on one of them', () => {
    const v2 = loadPolicyDir(fromRoot('policies', 'v2'));
    expect(v2.domains.has('PUBLIC_SERVICE')).toBe(false);
    expect(() => validateGrant(v2, { ...v2.grants[0], id: 'zsj-ps', domain: 'PUBLIC_SERVICE' })).toThrow(/domain PUBLIC_SERVICE is not one of this version's catalogue/);
  });

  it('load as version v4, effective 2026-12-04', () => {
    expect(policy.version).toBe('v4');
    expect(policy.effectiveFrom).toBe('2026-12-04');
    expect(policy.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(policy.grants).toHaveLength(62);
    expect([...policy.departments.keys()]).toEqual([
      'SZ-ZSJ', 'SZ-GAJ', 'SZ-SCJGJ', 'SZ-GHZY', 'SZ-ZJJ', 'SZ-JTJ', 'SZ-SWJ', 'SZ-YJGLJ', 'SZ-WJW', 'FT-GOV', 'NS-GOV', 'LH-GOV', 'SZ-SWU', 'SZ-RSJ', 'SZ-TJJ', 'FT-WGB',
    ]);
    expect([...policy.purposes.keys()]).toHaveLength(14);
    expect(policy.domains.get('POPULATION')?.label).toBe('人口');
    expect(policy.domains.get('LEGAL_ENTITY')?.label).toBe('法人');
    expect(policy.files.catalogue.levels.L4.gbt43697).toBe('核心数据');
  });

  it('have exactly one expired grant at 2026-06-01, and every department a grant', () => {
    const now = Date.parse('2026-06-01T00:00:00+08:00');
    expect(policy.grants.filter((g) => Date.parse(g.expiresAt) <= now).map((g) => g.id)).toEqual(['jtj-population-chunyun-2025']);
    for (const code of policy.departments.keys()) expect(policy.grantsByDepartment.get(code)?.length).toBeGreaterThan(0);
  });

  it('declare the departments of the Keycloak realm (codes, names, district scopes)', () => {
    const realm = JSON.parse(readFileSync(fromRoot('infra', 'keycloak', 'citycode-realm.json'), 'utf8')) as {
      groups: { subGroups?: { attributes?: Record<string, string[]> }[] }[];
    };
    const fromRealm = realm.groups
      .flatMap((g) => g.subGroups ?? [])
      .map((g) => g.attributes ?? {})
      .filter((a) => a.department)
      .map((a) => ({ code: a.department[0], name: a.department_name[0], district: a.district_scope?.[0] ?? null }))
      .sort((a, b) => a.code.localeCompare(b.code));
    const fromPolicy = [...policy.departments.values()]
      .map((d) => ({ code: d.code, name: d.name, district: d.districtCode ?? null }))
      .sort((a, b) => a.code.localeCompare(b.code));
    expect(fromPolicy).toEqual(fromRealm);
  });

  it('classify the examples of the brief', () => {
    const f = (k: string) => policy.fields.get(k)!;
    expect([f('Person.name').domain, f('Person.name').level, f('Person.name').mask]).toEqual(['POPULATION', 'L2', { kind: 'NAME' }]);
    expect([f('Person.idNumber').level, f('Person.idNumber').mask?.kind]).toEqual(['L4', 'ID_NUMBER']);
    expect([f('Person.phone').level, f('Person.phone').mask?.kind]).toEqual(['L3', 'PHONE']);
    expect([f('Person.birthDate').level, f('Person.birthDate').mask?.kind]).toEqual(['L3', 'DATE_TO_YEAR']);
    expect([f('Enterprise.registeredCapitalWan').domain, f('Enterprise.registeredCapitalWan').level]).toEqual(['ECONOMY', 'L2']);
    expect([f('CityObject.houseCode').domain, f('CityObject.houseCode').mask]).toEqual(['HOUSING', { kind: 'SHOW_FIRST_N', n: 19 }]);
    expect(policy.types.get('Person')?.rowDomain).toBe('POPULATION');
    expect(policy.types.get('Enterprise')?.rowDomain).toBe('LEGAL_ENTITY');
    expect(policy.types.get('CityObject')?.rowDomain).toBe('SPATIAL');
  });
});

describe('the catalogue covers schema/city.graphql', () => {
  const schema = buildSchema(readFileSync(fromRoot('schema', 'city.graphql'), 'utf8'));
  const policy = loadPolicyDir();
  const ENTITY_TYPES = ['Person', 'Enterprise', 'CityObject', 'Entity'];
  const relationTypes = new Set(['Person', 'Enterprise', 'CityObject', 'Entity', 'Ancestor']);
  const fieldsOf = (type: string): Record<string, GraphQLField<unknown, unknown>> =>
    (schema.getType(type) as GraphQLObjectType | GraphQLInterfaceType).getFields();

  it('classifies every field and relation of Person, Enterprise, CityObject and Entity', () => {
    const missing = ENTITY_TYPES.flatMap((t) => Object.keys(fieldsOf(t)).map((f) => `${t}.${f}`)).filter((k) => !policy.fields.has(k));
    expect(missing).toEqual([]);
  });

  it('names only fields of the schema; a field marked pending is one the schema does not have yet', () => {
    const inSchema = (type: string, field: string): boolean => {
      const t = schema.getType(type);
      return !!t && (isObjectType(t) || isInterfaceType(t)) && !!t.getFields()[field];
    };
    const wrong = [...policy.fields.values()].filter((e) => inSchema(e.type, e.field) === (e.pending === true));
    expect(wrong.map((e) => e.key)).toEqual([]);
  });

  it('flags relations exactly (fields returning entities or connections) and masks only strings', () => {
    for (const e of policy.fields.values()) {
      if (e.pending) continue;
      const named = getNamedType(fieldsOf(e.type)[e.field].type);
      const isRelation = relationTypes.has(named.name) || named.name.endsWith('Connection');
      expect([e.key, e.relation === true]).toEqual([e.key, isRelation]);
      if (e.mask) expect([e.key, isScalarType(named) && named.name]).toEqual([e.key, 'String']);
    }
    for (const g of policy.grants) {
      for (const key of Object.keys(g.masks)) {
        const e = policy.fields.get(key)!;
        if (!e.pending) expect([key, getNamedType(fieldsOf(e.type)[e.field].type).name]).toEqual([key, 'String']);
      }
    }
  });

  it('maps every resolveCode scheme to the field it looks up', () => {
    const schemes = (schema.getType('IdentifierScheme') as GraphQLEnumType).getValues().map((v) => v.name).sort();
    expect(Object.keys(policy.files.catalogue.identifierSchemes).sort()).toEqual(schemes);
  });
});

describe('validation: every problem, with file and path', () => {
  it('refuses an unknown property of a grant', () => {
    expect(
      problems((f) => {
        f.grants.grants[0].maxlevel = 'L3';
      }),
    ).toEqual(['grants.json grants[0] (id "zsj-population"): unknown property "maxlevel" (allowed: id, department, domain, maxLevel, scope, purposes, masks, fields, expiresAt, description)']);
  });

  it('refuses codes that are not district-level areas or existing streets', () => {
    const p = problems((f) => {
      f.grants.grants[grantIndex(f, 'ft-population')].scope.codes = ['440314'];
      f.grants.grants[grantIndex(f, 'yjglj-population-dapeng')].scope.codes = ['440307009', '440304003', '440307009'];
    });
    expect(p[0]).toMatch(/^grants\.json grants\[\d+\] \(id "ft-population"\)\.scope\.codes\[0\]: "440314" is not a district-level area code; use one of 440303 罗湖区, 440304 福田区/);
    expect(p.slice(1)).toEqual([
      expect.stringMatching(/\(id "yjglj-population-dapeng"\)\.scope\.codes\[1\]: street 440304003 does not exist in seed\/data\/shenzhen-regions\.json$/),
      expect.stringMatching(/\(id "yjglj-population-dapeng"\)\.scope\.codes\[2\]: 440307009 is listed twice$/),
    ]);
  });

  it('keeps district governments inside their district', () => {
    const p = problems((f) => {
      f.grants.grants[grantIndex(f, 'ft-housing')].scope = { kind: 'DISTRICTS', codes: ['440304', '440305'] };
      f.grants.grants[grantIndex(f, 'ns-iot')].scope = { kind: 'CITY' };
    });
    expect(p).toEqual([
      expect.stringContaining('(id "ft-housing").scope: FT-GOV is a district government: its grants stay inside district 440304; outside it: 440305'),
      expect.stringContaining('(id "ns-iot").scope: NS-GOV is a district government: its grants stay inside district 440305; outside it: the whole city'),
    ]);
  });

  it('needs purposes for L3+ grants, known purposes and departments, and valid levels and instants', () => {
    const p = problems((f) => {
      const g = f.grants.grants[grantIndex(f, 'wjw-health')];
      g.purposes = [];
      const h = f.grants.grants[grantIndex(f, 'swj-iot')];
      h.purposes = ['FISHING'];
      h.department = 'SZ-XYZ';
      h.maxLevel = 'L5';
      h.expiresAt = '2027-12-31';
    });
    expect(p).toEqual([
      expect.stringContaining('(id "wjw-health").purposes: an L3 grant needs at least one purpose'),
      expect.stringContaining('(id "swj-iot").department: must be a department declared in grants.json departments (SZ-ZSJ, SZ-GAJ'),
      expect.stringContaining('(id "swj-iot").maxLevel: must be one of L1, L2, L3, L4, got "L5"'),
      expect.stringContaining('(id "swj-iot").purposes[0]: must be a purpose of purposes.json (PUBLIC_SECURITY'),
      expect.stringContaining('(id "swj-iot").expiresAt: must be an ISO 8601 instant with offset, e.g. "2027-12-31T23:59:59+08:00", got "2027-12-31"'),
    ]);
  });

  it('refuses grants at the public level and masks that would do nothing', () => {
    const p = problems((f) => {
      f.grants.grants[grantIndex(f, 'swj-spatial')].maxLevel = 'L1';
      const scj = f.grants.grants[grantIndex(f, 'scjgj-population')];
      scj.masks = { 'Person.idNumber': 'ID_NUMBER', 'Person.code': 'HASH', 'Enterprise.name': 'NAME', 'Person.residence': 'NULL', 'Entity.name': 'NAME' };
    });
    expect(p).toEqual([
      expect.stringContaining('(id "scjgj-population").masks["Person.idNumber"]: Person.idNumber is L4, two or more levels above this L2 grant, so it is denied anyway'),
      expect.stringContaining('(id "scjgj-population").masks["Person.code"]: Person.code is L1, public to everyone; masking it here would hide nothing'),
      expect.stringContaining('(id "scjgj-population").masks["Enterprise.name"]: Enterprise.name belongs to domain LEGAL_ENTITY; this grant is for POPULATION'),
      expect.stringContaining('(id "scjgj-population").masks["Person.residence"]: Person.residence is a relation; relations are allowed or denied, never masked'),
      expect.stringContaining('(id "scjgj-population").masks["Entity.name"]: mask the implementing types\' fields (e.g. Person.name), not the interface\'s'),
      expect.stringContaining('(id "swj-spatial").maxLevel: L1 adds nothing to public access (everyone reads L1); a grant starts at the level above'),
    ]);
  });

  it('refuses duplicate grant ids', () => {
    expect(
      problems((f) => {
        f.grants.grants.push({ ...f.grants.grants[0] });
      }),
    ).toEqual(['grants.json grants[62] (id "zsj-population").id: grant id zsj-population is also used by grants[0]; ids are unique']);
  });

  it('checks the catalogue: inverse relations, interface fields, masks, levels, domains', () => {
    const p = problems((f) => {
      f.catalogue.fields['Person.residence'].level = 'L2';
      f.catalogue.fields['Entity.name'].level = 'L1';
      f.catalogue.fields['Person.code'].mask = 'HASH';
      f.catalogue.fields['CityObject.usage'].domain = 'WEATHER';
      f.catalogue.fields['Person.shoeSize'] = { domain: 'POPULATION', level: 'L2' };
      f.catalogue.fields['Car.plate'] = { domain: 'TRANSPORT', level: 'L2' };
      delete f.catalogue.domains.HEALTH;
    });
    expect(p).toEqual([
      'catalogue.json fields["Entity.name"].mask: an L1 field has no level below it, so a default mask would never be used',
      'catalogue.json fields["Person.code"].mask: an L1 field has no level below it, so a default mask would never be used',
      'catalogue.json fields["CityObject.usage"].domain: must be one of POPULATION, LEGAL_ENTITY, SPATIAL, HOUSING, IOT, ECONOMY, SAFETY, HEALTH, TRANSPORT, PUBLIC_SERVICE, PUBLIC_MANAGEMENT, INTERNET, got "WEATHER"',
      'catalogue.json fields["Car.plate"]: type Car is not declared in types',
      expect.stringMatching(/^catalogue\.json fields\["Person\.residence"\]\.inverseOf: "CityObject\.residents" walks the same edge the other way, so it needs the same domain and level \(POPULATION L2 here, POPULATION L3 there\)/),
      expect.stringMatching(/^catalogue\.json fields\["CityObject\.residents"\]\.inverseOf: "Person\.residence" walks the same edge the other way/),
      'catalogue.json fields["Entity.name"]: an interface field is classified as its strictest implementation: Person.name (POPULATION L2 mask NAME)',
      // A domain the catalogue does not list: no grant may be on it.
      expect.stringMatching(/^grants\.json grants\[\d+\] \(id "zsj-health"\)\.domain: domain HEALTH is not one of this version's catalogue/),
      expect.stringMatching(/^grants\.json grants\[\d+\] \(id "wjw-health"\)\.domain: domain HEALTH is not one of this version's catalogue/),
    ]);
  });

  it('refuses a field or type whose domain the catalogue does not list', () => {
    const p = problems((f) => {
      delete f.catalogue.domains.ECONOMY;
      f.grants.grants = f.grants.grants.filter((g: Json) => g.domain !== 'ECONOMY');
    });
    const message = (key: string) => `catalogue.json fields["${key}"].domain: domain ECONOMY is not listed in domains (give it a Chinese label there)`;
    const economy = Object.entries(raw().catalogue.fields as Record<string, Json>).filter(([, f]) => f.domain === 'ECONOMY').map(([key]) => message(key));
    expect(economy).toContain(message('Enterprise.registeredCapitalWan'));
    expect(p).toEqual(economy);
  });

  it('needs the three files to carry one version and one effective date', () => {
    expect(
      problems((f) => {
        f.purposes.version = 'v5';
        f.grants.effectiveFrom = '2026-02-30';
      }),
    ).toEqual([
      'grants.json effectiveFrom: must be a date YYYY-MM-DD, got "2026-02-30"',
      'purposes.json version: v5 differs from catalogue.json\'s v4; the three files form one version',
    ]);
  });

  it('keeps public access at L1', () => {
    expect(
      problems((f) => {
        f.grants.public.maxLevel = 'L2';
      }),
    ).toEqual(['grants.json public.maxLevel: public access is L1 (公开) by definition, got L2']);
  });

  it('reports unreadable and malformed files by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'citycode-policy-'));
    try {
      writeFileSync(join(dir, 'catalogue.json'), '{ "version": ');
      writeFileSync(join(dir, 'grants.json'), '{}');
      let error: unknown;
      try {
        loadPolicyFiles(dir);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as PolicyError).problems).toEqual([
        expect.stringMatching(/^catalogue\.json: invalid JSON: /),
        expect.stringMatching(/^purposes\.json: cannot read .*purposes\.json \(ENOENT\)$/),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validateGrant checks one grant against a policy, with paths under "grant"', () => {
    const policy = loadPolicyDir();
    const ok = validateGrant(policy, {
      id: 'swj-population',
      department: 'SZ-SWJ',
      domain: 'POPULATION',
      maxLevel: 'L2',
      scope: { kind: 'STREETS', codes: ['440305001'] },
      purposes: [],
      expiresAt: '2027-06-30T23:59:59+08:00',
    });
    expect(ok).toEqual({
      id: 'swj-population',
      department: 'SZ-SWJ',
      domain: 'POPULATION',
      maxLevel: 'L2',
      scope: { kind: 'STREETS', codes: ['440305001'] },
      purposes: [],
      masks: {},
      expiresAt: '2027-06-30T23:59:59+08:00',
    });
    expect(() => validateGrant(policy, { id: 'X' })).toThrow(/^invalid grant \(\d+ problems\):\n- grant\.id: must be 3-64 characters/);
    let error: unknown;
    try {
      validateGrant(policy, { id: 'Bad Id', department: 'SZ-SWJ', domain: 'POPULATION', maxLevel: 'L2', scope: { kind: 'TOWN' }, purposes: [], expiresAt: 'soon' });
    } catch (err) {
      error = err;
    }
    expect((error as PolicyError).problems).toEqual([
      'grant.id: must be 3-64 characters of a-z, 0-9 and inner hyphens, e.g. "ft-population", got "Bad Id"',
      'grant.scope.kind: must be CITY, DISTRICTS, STREETS or GRIDS, got "TOWN"',
      'grant.expiresAt: must be an ISO 8601 instant with offset, e.g. "2027-12-31T23:59:59+08:00", got "soon"',
    ]);
  });
});

describe('round trip', () => {
  it('loadPolicy(policyToFiles(p)) gives the same policy, through JSON and with keys in any order', () => {
    const p = loadPolicyDir();
    const files = JSON.parse(JSON.stringify(policyToFiles(p)));
    const again = loadPolicy(files, opts());
    expect(again.checksum).toBe(p.checksum);
    expect(policyToFiles(again)).toEqual(policyToFiles(p));
    // reversed key order (as jsonb returns it) does not change the checksum
    const reversed = JSON.parse(canonicalJson(files), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    expect(loadPolicy(reversed, opts()).checksum).toBe(p.checksum);
    expect(policyChecksum(policyToFiles(p))).toBe(p.checksum);
  });

  it('the policy is frozen and policyToFiles returns a copy', () => {
    const p = loadPolicyDir();
    expect(Object.isFrozen(p.files.grants.grants[0])).toBe(true);
    const copy = policyToFiles(p);
    copy.grants.grants.pop();
    expect(p.files.grants.grants).toHaveLength(62);
  });
});
