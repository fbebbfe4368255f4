import type { Subject } from '../../core/subject';
import { ATTRIBUTES } from '../../domain/datasets';
import { classifiedAs as catalogueKey } from '../../domain/modelIndex';
import { DISTRICT_AREAS } from '../../policy/scope';
import type { SeedNode } from '../../seed/plan';
import {
  createOracle,
  denialOf,
  expectedDenial,
  expectedValue,
  realmUsers,
  samePolicyContent,
  subjectOfToken,
  type RowType,
} from '../support/permissionOracle';
import { gql, startTestApi } from '../support/services';
import { bearer, DEMO_USERS, tokenFor } from '../support/tokens';

/**
 * The permission matrix, generated from the policy files and run against the live API: every
 * demo user with a department (and anonymous callers) × every scalar catalogue field of Person,
 * Enterprise and CityObject × a row inside and a row outside the user's district scope (two
 * districts for city-wide users) × no purpose and the first purpose of the department's first
 * grant. One request per user × purpose × row selects all the fields of the row's type; each
 * field must be what the oracle says (test/support/permissionOracle.ts): the clear value, the
 * masked value, or null with a FORBIDDEN_FIELD error naming the field, level and policy; a row
 * outside the row scope must be null as a whole, with no errors. The same request asks, under an
 * alias each, `provenance(attribute:)` of every ingested attribute of the type: it must follow the
 * attribute's own decision (the value clear or masked as the field, or null with the attribute's
 * FORBIDDEN_FIELD error).
 */
const oracle = createOracle();
const { policy } = oracle;
const realm = realmUsers();
const ANONYMOUS_USER = 'anonymous';

const USERS: string[] = [...DEMO_USERS.filter((u) => realm.get(u)?.department), ANONYMOUS_USER];
const DISTRICTS = [...DISTRICT_AREAS.keys()];
/** The row outside a district user's scope comes from the neighbouring district (福田 ↔ 南山). */
const OUTSIDE_PREFERENCE = ['440305', '440304', '440303'];

/** The first purpose of the department's first grant (grants.json order). */
function firstGrantPurpose(department: string | null): string | null {
  const grant = policy.files.grants.grants.find((g) => g.department === department && g.purposes.length > 0);
  return grant?.purposes[0] ?? null;
}

/** `provenance(attribute:)` of every ingested attribute of a type, each under its own alias. */
interface ProvenanceCell {
  alias: string;
  attribute: string;
  /** The catalogue key deciding it (CityObject.parkingCode is CityObject.deviceCode). */
  key: string;
  /** The value is a related entity's code (not in the oracle's fields): checked for presence only. */
  relation: boolean;
}

function provenanceCells(type: RowType): ProvenanceCell[] {
  return Object.entries(ATTRIBUTES)
    .filter(([, spec]) => spec.entity === type)
    .map(([attribute, spec]) => ({ alias: `prov_${attribute.split('.')[1]}`, attribute, key: catalogueKey(attribute), relation: spec.kind === 'relation' }));
}

interface RowKind {
  label: string;
  type: RowType;
  root: 'person' | 'enterprise' | 'cityObject';
  matches(node: SeedNode): boolean;
}

const ROW_KINDS: RowKind[] = [
  { label: 'Person', type: 'Person', root: 'person', matches: (n) => n.labels.includes('Person') && Boolean(n.citizenId) },
  { label: 'Enterprise', type: 'Enterprise', root: 'enterprise', matches: (n) => n.labels.includes('Enterprise') },
  { label: 'CityObject BUILDING', type: 'CityObject', root: 'cityObject', matches: (n) => n.props.objectKind === 'BUILDING' },
  { label: 'CityObject ROOM', type: 'CityObject', root: 'cityObject', matches: (n) => n.props.objectKind === 'ROOM' },
  { label: 'CityObject DEVICE', type: 'CityObject', root: 'cityObject', matches: (n) => n.props.objectKind === 'DEVICE' },
  { label: 'CityObject STREET', type: 'CityObject', root: 'cityObject', matches: (n) => n.props.objectKind === 'STREET' },
];

/** A deterministic row of a kind in a district (the nth match, to vary rows between users). */
function rowIn(kind: RowKind, district: string, nth: number): SeedNode {
  const matches = oracle.plan.nodes.filter((n) => n.props.districtCode === district && kind.matches(n));
  if (!matches.length) throw new Error(`the seed plan has no ${kind.label} in district ${district}`);
  return matches[nth % matches.length];
}

interface Case {
  name: string;
  user: string;
  purpose: string | null;
  kind: RowKind;
  code: string;
  district: string;
}

const CASES: Case[] = [];
USERS.forEach((user, i) => {
  const info = realm.get(user);
  const department = info?.department ?? null;
  const purposes = department ? [null, firstGrantPurpose(department)] : [null];
  const scoped = (info?.districtScope ?? []).filter((c) => DISTRICT_AREAS.has(c));
  const slots: { district: string; label: string }[] = scoped.length
    ? [
        { district: scoped[0], label: 'inside its district scope' },
        { district: OUTSIDE_PREFERENCE.find((d) => !scoped.includes(d))!, label: 'outside its district scope' },
      ]
    : [
        { district: DISTRICTS[i % DISTRICTS.length], label: 'city-wide user' },
        { district: DISTRICTS[(i + 5) % DISTRICTS.length], label: 'city-wide user' },
      ];
  for (const purpose of purposes) {
    for (const slot of slots) {
      for (const kind of ROW_KINDS) {
        const row = rowIn(kind, slot.district, i);
        CASES.push({
          name: `${user}${department ? ` (${department})` : ''} · X-Purpose ${purpose ?? 'none'} · ${kind.label} in ${slot.district} (${slot.label})`,
          user,
          purpose,
          kind,
          code: row.code,
          district: slot.district,
        });
      }
    }
  }
});

let api: Awaited<ReturnType<typeof startTestApi>>;
const tokens = new Map<string, string | null>();
const subjects = new Map<string, Subject>();
const counts = { requests: 0, fieldCells: 0, outOfScopeCells: 0, outOfScopeRows: 0, allow: 0, mask: 0, deny: 0 };
const started = Date.now();

beforeAll(async () => {
  api = await startTestApi();
  for (const user of USERS) {
    const token = user === ANONYMOUS_USER ? null : await tokenFor(user);
    tokens.set(user, token);
    subjects.set(user, subjectOfToken(token));
  }
});

afterAll(async () => {
  await api?.close();
  const cells = counts.fieldCells + counts.outOfScopeCells;
  console.log(
    `permission matrix: ${cells} cells checked over ${counts.requests} live requests in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `(${counts.fieldCells} field values on in-scope rows: ${counts.allow} ALLOW, ${counts.mask} MASK, ${counts.deny} DENY; ` +
      `${counts.outOfScopeCells} fields on ${counts.outOfScopeRows} out-of-scope rows); ${USERS.length} users, ${CASES.length} cases`,
  );
});

describe('preconditions', () => {
  it('the API serves the policy of the files (version ids aside)', () => {
    expect(samePolicyContent(api.services.policy.current(), policy)).toBe(true);
  });

  it('the real tokens carry the departments and district scopes of the realm file the cases were generated from', () => {
    for (const user of USERS.filter((u) => u !== ANONYMOUS_USER)) {
      const s = subjects.get(user)!;
      expect({ user, department: s.department, districtScope: s.districtScope }).toEqual({
        user,
        department: realm.get(user)!.department,
        districtScope: realm.get(user)!.districtScope,
      });
    }
  });

  it('every scoped user gets one row inside and one outside its row scope of each type', () => {
    const now = new Date();
    for (const user of USERS) {
      const subject = subjects.get(user)!;
      if (!subject.districtScope.length) continue;
      const rows = CASES.filter((c) => c.user === user).map((c) => oracle.inScope(subject, oracle.node(c.code)!, now));
      expect(new Set(rows)).toEqual(new Set([true, false]));
    }
  });
});

describe('permission matrix (policy files × live API)', () => {
  test.each(CASES)('$name', async (c) => {
    const subject = subjects.get(c.user)!;
    const token = tokens.get(c.user) ?? null;
    const served = api.services.policy.current().version;
    const fields = oracle.scalarFields(c.kind.type);
    const headers = { ...(token ? bearer(token) : {}), ...(c.purpose ? { 'x-purpose': c.purpose } : {}) };
    const provenance = provenanceCells(c.kind.type);
    const res = await gql<{ row: Record<string, unknown> | null }>(
      api.url,
      `query Row($code: ID!) { row: ${c.kind.root}(code: $code) { ${fields.join(' ')} ${provenance.map((p) => `${p.alias}: provenance(attribute: "${p.attribute.split('.')[1]}") { attribute value }`).join(' ')} } }`,
      { code: c.code },
      headers,
    );
    counts.requests++;
    const now = new Date();
    const node = oracle.node(c.code)!;
    const errors = res.errors ?? [];

    if (!oracle.inScope(subject, node, now)) {
      // Outside the row scope the row does not exist for this caller: no row, no error.
      expect({ data: res.data, errors }).toEqual({ data: { row: null }, errors: [] });
      counts.outOfScopeRows++;
      counts.outOfScopeCells += fields.length + provenance.length;
      return;
    }

    expect(res.data?.row).not.toBeNull();
    const row = res.data!.row!;
    const actual: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    for (const field of fields) {
      const decision = oracle.decide(subject, `${c.kind.type}.${field}`, c.purpose, now);
      const want = expectedValue(decision, oracle.clearValue(node, c.kind.type, field));
      const got = row[field];
      const fieldErrors = errors.filter((e) => e.path?.join('.') === `row.${field}`);
      // Geometry: only whether it is there (the seed's coordinates go through PostGIS rounding).
      actual[field] = {
        value: field === 'geometry' ? got !== null && got !== undefined : got,
        errors: fieldErrors.map((e) => denialOf(e.extensions)),
      };
      expected[field] = {
        value: field === 'geometry' ? want !== null : want,
        errors: decision.effect === 'DENY' ? [expectedDenial(decision, served, policy.version)] : [],
      };
      counts[decision.effect === 'ALLOW' ? 'allow' : decision.effect === 'MASK' ? 'mask' : 'deny']++;
      counts.fieldCells++;
    }
    for (const p of provenance) {
      const decision = oracle.decide(subject, p.key, c.purpose, now);
      const clear = oracle.clearValue(node, c.kind.type, p.key.split('.')[1]);
      const want = expectedValue(decision, clear);
      const got = row[p.alias] as { attribute: string; value: string | null } | null;
      actual[p.alias] = {
        value: got === null ? null : { attribute: got.attribute, value: p.relation ? 'related code' : got.value },
        errors: errors.filter((e) => e.path?.join('.') === `row.${p.alias}`).map((e) => denialOf(e.extensions)),
      };
      expected[p.alias] = {
        // The provenance shows the value as text (numbers too), masked or withheld like the field.
        value: decision.effect === 'DENY' ? null : { attribute: p.attribute, value: p.relation ? 'related code' : want === null ? null : String(want) },
        errors: decision.effect === 'DENY' ? [expectedDenial(decision, served, policy.version)] : [],
      };
      counts[decision.effect === 'ALLOW' ? 'allow' : decision.effect === 'MASK' ? 'mask' : 'deny']++;
      counts.fieldCells++;
    }
    expect(actual).toEqual(expected);
    // No error anywhere else (every error belongs to a denied field checked above).
    const denied = new Set([
      ...fields.filter((f) => oracle.decide(subject, `${c.kind.type}.${f}`, c.purpose, now).effect === 'DENY'),
      ...provenance.filter((p) => oracle.decide(subject, p.key, c.purpose, now).effect === 'DENY').map((p) => p.alias),
    ]);
    expect(errors.filter((e) => !(e.path?.length === 2 && e.path[0] === 'row' && denied.has(String(e.path[1]))))).toEqual([]);
  });
});
