import { readFileSync } from 'node:fs';
import { buildSchema, getNamedType, isCompositeType, isObjectType, type GraphQLObjectType } from 'graphql';
import { subjectFromClaims } from '../../api/auth';
import { fromRoot } from '../../core/paths';
import { ANONYMOUS, type Subject } from '../../core/subject';
import { parseCityCode } from '../../domain/citycode';
import { applyDecision, canonicalJson, decideField, kindRowScope, rowScope } from '../../policy/engine';
import type { Decision, Domain, NormalisedPolicyFiles, Policy, RowRegion, RowScope } from '../../policy/model';
import { containsRow } from '../../policy/scope';
import { loadPolicyDir } from '../../store/policy';
import { planDemoCity } from '../../seed/city';
import type { CityPlan, SeedFeature, SeedNode } from '../../seed/plan';
import { decodeClaims } from './tokens';

/**
 * The test oracle for the live permission tests: what a subject should get for a field of a
 * seeded row, computed from the policy files (policies/v1, through the engine's decideField and
 * rowScope) and the seed plan (the clear values), never from the API.
 */
export type RowType = 'Person' | 'Enterprise' | 'CityObject' | 'PublicFacility';
export const ROW_TYPES: readonly RowType[] = ['Person', 'Enterprise', 'CityObject', 'PublicFacility'];

export interface Oracle {
  /** The policy of the repository's files. */
  policy: Policy;
  plan: CityPlan;
  node(code: string): SeedNode | undefined;
  /** Catalogue fields of a type that are scalars (not relations) and exist in schema/city.graphql. */
  scalarFields(type: RowType): string[];
  /** Catalogue relations of a type that exist in the schema. */
  relationFields(type: RowType): string[];
  /** The runtime type of a plan node. */
  typeOf(node: SeedNode): RowType;
  /** The value the API holds for the field, before any decision (from the seed plan). */
  clearValue(node: SeedNode, type: RowType, field: string): unknown;
  /**
   * The decision for a field: of the given row (a grant covering only some regions applies to its
   * rows), or, without one, for every row the subject sees.
   */
  decide(subject: Subject, fieldKey: string, purpose: string | null, now: Date, row?: RowRegion): Decision;
  rowScopeOf(subject: Subject, type: RowType, now: Date): RowScope;
  /** Where the subject sees IoT devices (on top of the city-object row scope). */
  deviceScopeOf(subject: Subject, now: Date): RowScope;
  inScope(subject: Subject, node: SeedNode, now: Date): boolean;
}

const KIND: Record<RowType, string> = { Person: 'PERSON', Enterprise: 'ENTERPRISE', CityObject: 'OBJECT', PublicFacility: 'OBJECT' };

export function regionOf(node: SeedNode): RowRegion {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return { districtCode: str(node.props.districtCode), streetCode: str(node.props.streetCode) };
}

let cached: Oracle | undefined;

export function createOracle(): Oracle {
  if (cached) return cached;
  const policy = loadPolicyDir();
  const plan = planDemoCity();
  const nodes = new Map(plan.nodes.map((n) => [n.code, n]));
  const features = new Map<string, SeedFeature>(plan.features.map((f) => [f.cityCode, f]));
  const schema = buildSchema(readFileSync(fromRoot('schema', 'city.graphql'), 'utf8'));

  const catalogueFields = (type: RowType, relation: boolean): string[] => {
    const gqlType = schema.getType(type) as GraphQLObjectType;
    const schemaFields = gqlType.getFields();
    return [...policy.fields.values()]
      .filter((e) => e.type === type && Boolean(e.relation) === relation && schemaFields[e.field] !== undefined)
      .filter((e) => relation === isCompositeType(getNamedType(schemaFields[e.field].type)))
      .map((e) => e.field);
  };
  const scalars = new Map(ROW_TYPES.map((t) => [t, catalogueFields(t, false)]));
  const relations = new Map(ROW_TYPES.map((t) => [t, catalogueFields(t, true)]));
  for (const t of ROW_TYPES) if (!isObjectType(schema.getType(t))) throw new Error(`${t} is not an object type of the schema`);

  const typeOf = (node: SeedNode): RowType => ROW_TYPES.find((t) => (node.labels as string[]).includes(t)) ?? 'CityObject';
  const rowDomain = (type: RowType): Domain => {
    const domain = policy.types.get(type)?.rowDomain;
    if (!domain) throw new Error(`the catalogue gives ${type} no row domain`);
    return domain;
  };

  cached = {
    policy,
    plan,
    node: (code) => nodes.get(code),
    scalarFields: (type) => [...scalars.get(type)!],
    relationFields: (type) => [...relations.get(type)!],
    typeOf,
    clearValue(node, type, field) {
      const parsed = parseCityCode(node.code);
      switch (field) {
        case 'code':
          return node.code;
        case 'kind':
          return KIND[type];
        case 'classCode':
          return parsed.ok ? parsed.value.classCode : '';
        case 'classLabel':
          return parsed.ok ? parsed.value.classLabel : '';
        case 'issuedBy':
          return parsed.ok ? parsed.value.division : '';
        case 'idNumber':
          return node.citizenId ?? null;
        case 'geometry':
          return features.get(node.code)?.geometry ?? null;
        case 'heightM':
          return features.get(node.code)?.heightM ?? null;
        default: {
          const value = node.props[field];
          return value === undefined ? null : value;
        }
      }
    },
    decide: (subject, fieldKey, purpose, now, row) => decideField(policy, subject, fieldKey, { purpose, now, ...(row ? { row } : {}) }),
    rowScopeOf: (subject, type, now) => rowScope(policy, subject, rowDomain(type), { now }),
    inScope: (subject, node, now) =>
      containsRow(rowScope(policy, subject, rowDomain(typeOf(node)), { now }), regionOf(node)) &&
      // An IoT device is also IoT data: visible only where the subject's device scope reaches.
      (node.props.objectKind !== 'DEVICE' || containsRow(kindRowScope(policy, subject, 'DEVICE', { purpose: null, now }), regionOf(node))),
    deviceScopeOf: (subject, now) => kindRowScope(policy, subject, 'DEVICE', { purpose: null, now }),
  };
  return cached;
}

/** What a decision lets through of a clear value: as is, masked (text only; null otherwise), or null. */
export function expectedValue(decision: Decision, clear: unknown): unknown {
  if (clear === null || clear === undefined) return null;
  if (decision.effect === 'ALLOW') return clear;
  if (decision.effect === 'DENY') return null;
  return typeof clear === 'string' ? applyDecision(decision, clear) : null;
}

/**
 * The extensions of the FORBIDDEN_FIELD error a denied field must give. `servedVersion` is the
 * version id of the policy the API serves (the database's, e.g. v1.4 after governance changes
 * that were reverted): the decision's `<grant>@<version>` is compared under that id.
 */
export function expectedDenial(decision: Decision, servedVersion: string, fileVersion: string): Record<string, unknown> {
  return {
    code: 'FORBIDDEN_FIELD',
    field: decision.field,
    requiredLevel: decision.requiredLevel,
    domain: decision.domain,
    policy: decision.policy.replace(new RegExp(`@${fileVersion.replace('.', '\\.')}$`), `@${servedVersion}`),
    ...(decision.needsPurpose ? { needsPurpose: true, acceptablePurposes: decision.acceptablePurposes } : {}),
  };
}

/** The keys of a FORBIDDEN_FIELD error's extensions that expectedDenial predicts (drops message-like `hint`). */
export function denialOf(extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['code', 'field', 'requiredLevel', 'domain', 'policy', 'needsPurpose', 'acceptablePurposes']) {
    if (extensions?.[key] !== undefined) out[key] = extensions[key];
  }
  return out;
}

/** True when two policies have the same catalogue, grants and purposes (version ids and dates aside). */
export function samePolicyContent(a: Policy, b: Policy): boolean {
  const strip = (files: NormalisedPolicyFiles) => {
    const copy = structuredClone(files) as unknown as Record<string, Record<string, unknown>>;
    for (const part of Object.values(copy)) {
      delete part.version;
      delete part.effectiveFrom;
    }
    return canonicalJson(copy);
  };
  return strip(a.files) === strip(b.files);
}

/** The Subject the API builds for a request with this token (null: no token, anonymous). */
export function subjectOfToken(token: string | null): Subject {
  return token === null ? ANONYMOUS : subjectFromClaims(decodeClaims(token));
}

export interface RealmUser {
  department: string | null;
  districtScope: string[];
}

/**
 * Who the demo users of infra/keycloak/citycode-realm.json are (department, district scope from
 * their groups), known before any token is fetched: test names are generated from it, and the
 * tests check that the real tokens say the same.
 */
export function realmUsers(): Map<string, RealmUser> {
  interface Group {
    name: string;
    attributes?: Record<string, string[]>;
    subGroups?: Group[];
  }
  const realm = JSON.parse(readFileSync(fromRoot('infra', 'keycloak', 'citycode-realm.json'), 'utf8')) as {
    users: { username: string; groups?: string[]; attributes?: Record<string, string[]> }[];
    groups: Group[];
  };
  const byPath = new Map<string, Record<string, string[]>>();
  const walk = (groups: Group[], prefix: string, inherited: Record<string, string[]>) => {
    for (const g of groups) {
      const attrs = { ...inherited, ...(g.attributes ?? {}) };
      byPath.set(`${prefix}/${g.name}`, attrs);
      walk(g.subGroups ?? [], `${prefix}/${g.name}`, attrs);
    }
  };
  walk(realm.groups, '', {});
  const out = new Map<string, RealmUser>();
  for (const u of realm.users) {
    const attrs = Object.assign({}, ...(u.groups ?? []).map((p) => byPath.get(p) ?? {}), u.attributes ?? {}) as Record<string, string[]>;
    out.set(u.username, { department: attrs.department?.[0] ?? null, districtScope: attrs.district_scope ?? [] });
  }
  return out;
}
