import fc from 'fast-check';
import type { Subject } from '../../core/subject';
import { ATTRIBUTES } from '../../domain/datasets';
import { classifiedAs as catalogueKey } from '../../domain/modelIndex';
import type { RowScope } from '../../policy/model';
import type { SeedNode } from '../../seed/plan';
import {
  createOracle,
  denialOf,
  regionOf,
  expectedDenial,
  expectedValue,
  samePolicyContent,
  subjectOfToken,
  type RowType,
} from '../support/permissionOracle';
import { gql, startTestApi } from '../support/services';
import { bearer, DEMO_USERS, tokenFor } from '../support/tokens';

/**
 * Property tests of enforcement against the live API over the whole schema (every kind and every
 * relation of the city model, reached by typed queries, `entity(code:)` and federation
 * `_entities`): random users (demo users and anonymous),
 * purposes (none, the department's, other departments', spelled loosely, unknown), random
 * subsets of fields, aliases (including an alias that names another field), inline and named
 * fragments (on the type and on Entity), random roots from the seed plan inside and outside the
 * caller's scope, and random nesting through relations. Properties:
 *
 *  1. no value above the grant: every scalar is what the oracle allows for its row (clear,
 *     masked, or null with a FORBIDDEN_FIELD error at its path; a grant covering some regions
 *     applies to exactly their rows), and relations the policy denies for the row are null;
 *  2. no row outside the row scope: every returned Person / Enterprise / CityObject lies, by the
 *     seed plan's district and street codes, inside rowScope of its type's row domain, and every
 *     by-code root is there exactly when it is in scope;
 *  3. no side channel: every totalCount (and page, and to-one target) equals what Cypher run
 *     directly against Neo4j finds among the in-scope rows.
 */
const oracle = createOracle();
const { policy } = oracle;
const NUM_RUNS = 150;
const SEED = 20_261_121;
const MAX_DEPTH = 3;

type StaticType = RowType | 'Entity';
type Shape = 'one' | 'connection' | 'ancestors';

interface RelationDef {
  type: RowType;
  name: string;
  target: StaticType;
  shape: Shape;
  /** Cypher pattern from the parent (p) to the targets (x), written here independently of graph/relations.ts. */
  pattern: string;
}

const HIERARCHY = 'WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON';
const RELATIONS: RelationDef[] = [
  { type: 'Person', name: 'residence', target: 'CityObject', shape: 'one', pattern: '(p)-[:RESIDES_IN]->(x:CityObject)' },
  { type: 'Person', name: 'registeredAt', target: 'CityObject', shape: 'one', pattern: '(p)-[:REGISTERED_AT]->(x:CityObject)' },
  { type: 'Person', name: 'employers', target: 'Enterprise', shape: 'connection', pattern: '(p)-[:EMPLOYED_BY]->(x:Enterprise)' },
  {
    type: 'Person',
    name: 'representedEnterprises',
    target: 'Enterprise',
    shape: 'connection',
    pattern: '(p)-[:LEGAL_REPRESENTATIVE_OF]->(x:Enterprise)',
  },
  { type: 'Person', name: 'owns', target: 'CityObject', shape: 'connection', pattern: '(p)-[:OWNS]->(x:CityObject)' },
  { type: 'Enterprise', name: 'legalRepresentative', target: 'Person', shape: 'one', pattern: '(p)<-[:LEGAL_REPRESENTATIVE_OF]-(x:Person)' },
  { type: 'Enterprise', name: 'registeredAt', target: 'CityObject', shape: 'one', pattern: '(p)-[:REGISTERED_AT]->(x:CityObject)' },
  { type: 'Enterprise', name: 'employees', target: 'Person', shape: 'connection', pattern: '(p)<-[:EMPLOYED_BY]-(x:Person)' },
  { type: 'Enterprise', name: 'owns', target: 'CityObject', shape: 'connection', pattern: '(p)-[:OWNS]->(x:CityObject)' },
  { type: 'CityObject', name: 'parent', target: 'CityObject', shape: 'one', pattern: `(p)-[:${HIERARCHY}]->(x:CityObject)` },
  { type: 'CityObject', name: 'children', target: 'CityObject', shape: 'connection', pattern: `(p)<-[:${HIERARCHY}]-(x:CityObject)` },
  { type: 'CityObject', name: 'contents', target: 'CityObject', shape: 'connection', pattern: `(p)<-[:${HIERARCHY}*1..6]-(x:CityObject)` },
  { type: 'CityObject', name: 'ancestors', target: 'CityObject', shape: 'ancestors', pattern: `(p)-[:${HIERARCHY}*1..8]->(x:CityObject)` },
  {
    type: 'CityObject',
    name: 'registeredEnterprises',
    target: 'Enterprise',
    shape: 'connection',
    pattern: '(p)<-[:REGISTERED_AT]-(x:Enterprise)',
  },
  {
    type: 'CityObject',
    name: 'devices',
    target: 'CityObject',
    shape: 'connection',
    // Installed on the object itself or on one of its components (or their parts).
    pattern: "(p)<-[:PART_OF*0..2]-(:CityObject)<-[:INSTALLED_ON]-(x:CityObject {objectKind: 'DEVICE'})",
  },
  { type: 'CityObject', name: 'owners', target: 'Entity', shape: 'connection', pattern: '(p)<-[:OWNS]-(x)' },
  {
    type: 'CityObject',
    name: 'residents',
    target: 'Person',
    shape: 'connection',
    // A room's residents; a building's are those of its rooms.
    pattern: '(p)<-[:PART_OF*0..1]-(:CityObject)<-[:RESIDES_IN]-(x:Person)',
  },
  // Added with the city model (domain/model.ts): workplaces, premises, public-service facilities.
  { type: 'Person', name: 'workplace', target: 'CityObject', shape: 'one', pattern: '(p)-[:WORKS_AT]->(x:CityObject)' },
  { type: 'CityObject', name: 'workers', target: 'Person', shape: 'connection', pattern: '(p)<-[:WORKS_AT]-(x:Person)' },
  { type: 'Enterprise', name: 'premises', target: 'CityObject', shape: 'connection', pattern: '(p)-[:OPERATES]->(x:CityObject)' },
  { type: 'CityObject', name: 'operators', target: 'Enterprise', shape: 'connection', pattern: '(p)<-[:OPERATES]-(x:Enterprise)' },
  { type: 'CityObject', name: 'servedBy', target: 'PublicFacility', shape: 'connection', pattern: '(p)<-[:SERVES]-(x:PublicFacility)' },
  { type: 'CityObject', name: 'facilities', target: 'PublicFacility', shape: 'connection', pattern: '(p)<-[:LOCATED_IN]-(x:PublicFacility)' },
  { type: 'PublicFacility', name: 'serves', target: 'CityObject', shape: 'connection', pattern: '(p)-[:SERVES]->(x:CityObject)' },
  { type: 'PublicFacility', name: 'site', target: 'CityObject', shape: 'one', pattern: '(p)-[:LOCATED_IN]->(x:CityObject)' },
];
const relationsOf = (type: RowType) => RELATIONS.filter((r) => r.type === type);
const relation = (type: RowType, name: string) => RELATIONS.find((r) => r.type === type && r.name === name)!;

/** Interface fields: selectable on Entity positions and in fragments on Entity. */
const ENTITY_FIELDS = ['code', 'kind', 'name', 'classCode', 'classLabel', 'issuedBy', 'districtCode', 'streetCode', 'communityCode'];

/**
 * `provenance(attribute:)` as pseudo fields `provenance:<attribute>` (printed under an alias as
 * `provenance(attribute: "…") { value }`): its value must be the attribute's, decided as the
 * attribute. Relation attributes are left out (their value is a related code, not in the oracle).
 */
const PROVENANCE = 'provenance:';
const provenanceFields = (type: RowType): string[] =>
  Object.entries(ATTRIBUTES)
    .filter(([, spec]) => spec.entity === type && spec.kind !== 'relation')
    .map(([key]) => `${PROVENANCE}${key.split('.')[1]}`);
/** What a position of a static type can select: real fields and provenance pseudo fields. */
const ENTITY_SELECTABLE = [...ENTITY_FIELDS, `${PROVENANCE}name`];
const selectable = (type: StaticType): string[] => (type === 'Entity' ? ENTITY_SELECTABLE : [...oracle.scalarFields(type), ...provenanceFields(type)]);
const CONCRETE: RowType[] = ['Person', 'Enterprise', 'CityObject', 'PublicFacility'];

// ---------------------------------------------------------------------------------------------
// Roots: codes from the seed plan, in and out of every user's scope
// ---------------------------------------------------------------------------------------------

interface Root {
  code: string;
  type: RowType;
  label: string;
}

function buildRoots(): Root[] {
  const { plan } = oracle;
  const has = (rel: string, side: 'from' | 'to') => new Set(plan.edges.filter((e) => e.type === rel).map((e) => e[side]));
  const employers = has('EMPLOYED_BY', 'from');
  const employing = has('EMPLOYED_BY', 'to');
  const roomsWithResidents = has('RESIDES_IN', 'to');
  const buildingsWithResidents = new Set(plan.edges.filter((e) => e.type === 'PART_OF' && roomsWithResidents.has(e.from)).map((e) => e.to));
  const withEnterprises = has('REGISTERED_AT', 'to');
  const withDevices = has('INSTALLED_ON', 'to');
  const withWorkers = has('WORKS_AT', 'to');
  const servedCommunities = has('SERVES', 'to');
  const roots: Root[] = [];
  const take = (label: string, district: string | null, n: number, pred: (node: SeedNode) => boolean) => {
    const found = plan.nodes.filter((node) => (node.props.districtCode ?? null) === district && pred(node));
    const step = Math.max(1, Math.floor(found.length / n));
    for (let i = 0; i < n && i * step < found.length; i++) {
      const node = found[i * step];
      roots.push({ code: node.code, type: oracle.typeOf(node), label: `${label} in ${district ?? 'the city'}` });
    }
  };
  for (const d of ['440304', '440305', '440399', '440398', '440306']) {
    take('person', d, 2, (x) => x.labels.includes('Person') && Boolean(x.citizenId));
    take('employed person', d, 2, (x) => x.labels.includes('Person') && employers.has(x.code));
    take('employer', d, 2, (x) => x.labels.includes('Enterprise') && employing.has(x.code));
    take('building with residents', d, 2, (x) => x.props.objectKind === 'BUILDING' && buildingsWithResidents.has(x.code));
    take('building with enterprises', d, 1, (x) => x.props.objectKind === 'BUILDING' && withEnterprises.has(x.code));
    take('building with devices', d, 1, (x) => x.props.objectKind === 'BUILDING' && withDevices.has(x.code));
    take('room', d, 1, (x) => x.props.objectKind === 'ROOM' && roomsWithResidents.has(x.code));
    take('community', d, 1, (x) => x.props.objectKind === 'COMMUNITY' && servedCommunities.has(x.code));
    take('building with workers', d, 1, (x) => x.props.objectKind === 'BUILDING' && withWorkers.has(x.code));
    take('public facility', d, 2, (x) => x.labels.includes('PublicFacility'));
  }
  take('city', null, 1, (x) => x.props.objectKind === 'CITY');
  return roots;
}

const ROOTS = buildRoots();
const CHAIN_BUILDINGS = ROOTS.filter((r) => r.label.startsWith('building with residents'));

// ---------------------------------------------------------------------------------------------
// Query specs (what the arbitraries generate) and their printing
// ---------------------------------------------------------------------------------------------

type AliasStyle = 'none' | 'unique' | 'other-field';
type Wrap = 'plain' | 'inline-type' | 'inline-entity' | 'named-type' | 'named-entity';

interface FieldSpec {
  kind: 'field';
  name: string;
  alias: AliasStyle;
}
interface RelationSpec {
  kind: 'relation';
  def: RelationDef;
  first: number;
  totalCount: boolean;
  hasNextPage: boolean;
  via: 'nodes' | 'edges';
  selection: SelSpec[];
}
interface WrapSpec {
  kind: 'wrap';
  named: boolean;
  on: StaticType;
  selection: SelSpec[];
}
type SelSpec = FieldSpec | RelationSpec | WrapSpec;

interface RootSpec {
  root: Root;
  /** How the root is read: its kind's by-code query, `entity(code:)`, or federation `_entities`. */
  via: 'typed' | 'entity' | 'entities';
  selection: SelSpec[];
}

/** The printed selection, with the response key each field got. */
type Resolved =
  | { kind: 'field'; key: string; name: string }
  | { kind: 'relation'; key: string; spec: RelationSpec; children: Resolved[] }
  | { kind: 'cond'; on: StaticType; children: Resolved[] };

interface RootResolved {
  key: string;
  root: Root;
  via: RootSpec['via'];
  children: Resolved[];
}

class Printer {
  private n = 0;
  readonly fragments: string[] = [];

  private alias(prefix: string): string {
    this.n++;
    return `${['a', 'x', 'secret', 'v', 'ok'][this.n % 5]}${prefix}${this.n}`;
  }

  /** Prints an entity selection set; `keys` maps response keys to field names within one object. */
  entity(specs: SelSpec[], type: StaticType, keys = new Map<string, string>([['__typename', '__typename'], ['code', 'code']])): { text: string; resolved: Resolved[] } {
    const parts: string[] = ['__typename', 'code'];
    const resolved: Resolved[] = [{ kind: 'field', key: 'code', name: 'code' }];
    for (const spec of specs) {
      if (spec.kind === 'field' && spec.name.startsWith(PROVENANCE)) {
        const key = this.alias('_prov_');
        keys.set(key, spec.name);
        parts.push(`${key}: provenance(attribute: "${spec.name.slice(PROVENANCE.length)}") { value }`);
        resolved.push({ kind: 'field', key, name: spec.name });
      } else if (spec.kind === 'field') {
        let key = spec.name;
        if (spec.alias === 'unique') key = this.alias('_');
        if (spec.alias === 'other-field') {
          const candidates = (type === 'Entity' ? ENTITY_FIELDS : oracle.scalarFields(type)).filter((f) => f !== spec.name && !keys.has(f));
          key = candidates.length ? candidates[(this.n++ * 7) % candidates.length] : this.alias('_');
        }
        if (keys.has(key) && keys.get(key) !== spec.name) key = this.alias('_');
        keys.set(key, spec.name);
        parts.push(key === spec.name ? spec.name : `${key}: ${spec.name}`);
        resolved.push({ kind: 'field', key, name: spec.name });
      } else if (spec.kind === 'relation') {
        const key = this.alias(`_${spec.def.name}_`);
        keys.set(key, spec.def.name);
        const inner = this.entity(spec.selection, spec.def.target);
        let body: string;
        if (spec.def.shape === 'one') body = `{ ${inner.text} }`;
        else if (spec.def.shape === 'ancestors') body = `{ depth object { ${inner.text} } }`;
        else {
          const page = [
            ...(spec.totalCount ? ['totalCount'] : []),
            ...(spec.hasNextPage ? ['pageInfo { hasNextPage }'] : []),
            spec.via === 'nodes' ? `nodes { ${inner.text} }` : `edges { cursor node { ${inner.text} } }`,
          ];
          body = `{ ${page.join(' ')} }`;
        }
        const args = spec.def.shape === 'connection' ? `(first: ${spec.first})` : '';
        parts.push(`${key}: ${spec.def.name}${args} ${body}`);
        resolved.push({ kind: 'relation', key, spec, children: inner.resolved });
      } else {
        // The fragment's fields land in the same object as the parent's: same response keys.
        const inner = this.entity(spec.selection, spec.on, keys);
        const text = inner.text.replace(/^__typename code ?/, '');
        if (spec.named) {
          const name = `F${this.fragments.length + 1}`;
          this.fragments.push(`fragment ${name} on ${spec.on} { __typename ${text} }`);
          parts.push(`...${name}`);
        } else {
          parts.push(`... on ${spec.on} { __typename ${text} }`);
        }
        resolved.push({ kind: 'cond', on: spec.on, children: inner.resolved.filter((r) => !(r.kind === 'field' && r.name === 'code' && r.key === 'code')) });
      }
    }
    return { text: parts.join(' '), resolved };
  }
}

const ROOT_FIELD: Record<RowType, string> = { Person: 'person', Enterprise: 'enterprise', CityObject: 'cityObject', PublicFacility: 'publicFacility' };

function printQuery(roots: RootSpec[]): { query: string; roots: RootResolved[] } {
  const printer = new Printer();
  const out: RootResolved[] = [];
  const lines = roots.map((r, i) => {
    const key = `r${i}`;
    const { text, resolved } = printer.entity(r.selection, r.via === 'entity' ? 'Entity' : r.root.type);
    out.push({ key, root: r.root, via: r.via, children: resolved });
    if (r.via === 'entities') return `${key}: _entities(representations: [{ __typename: "${r.root.type}", code: "${r.root.code}" }]) { __typename ... on ${r.root.type} { ${text} } }`;
    return `${key}: ${r.via === 'entity' ? 'entity' : ROOT_FIELD[r.root.type]}(code: "${r.root.code}") { ${text} }`;
  });
  return { query: `query Probe {\n  ${lines.join('\n  ')}\n}\n${printer.fragments.join('\n')}`, roots: out };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const aliasArb: fc.Arbitrary<AliasStyle> = fc.constantFrom<AliasStyle>('none', 'none', 'unique', 'other-field');

function fieldsArb(type: StaticType): fc.Arbitrary<SelSpec[]> {
  const fields = selectable(type);
  const wraps: Wrap[] =
    type === 'Entity' ? ['plain', 'named-entity', 'inline-entity'] : ['plain', 'plain', 'inline-type', 'inline-entity', 'named-type', 'named-entity'];
  return fc
    .tuple(...fields.map((name) => fc.record({ pick: fc.boolean(), alias: aliasArb, wrap: fc.constantFrom(...wraps) }).map((c) => ({ name, ...c }))))
    .map((choices) => {
      const picked = choices.filter((c) => c.pick);
      const plain: SelSpec[] = [];
      const groups = new Map<Wrap, FieldSpec[]>();
      for (const c of picked) {
        // Only interface fields can be selected in a fragment on Entity.
        const wrap = (c.wrap === 'inline-entity' || c.wrap === 'named-entity') && !ENTITY_SELECTABLE.includes(c.name) ? 'inline-type' : c.wrap;
        const spec: FieldSpec = { kind: 'field', name: c.name, alias: c.alias };
        if (wrap === 'plain') plain.push(spec);
        else groups.set(wrap, [...(groups.get(wrap) ?? []), spec]);
      }
      const wrapped: SelSpec[] = [...groups].map(([wrap, specs]) => ({
        kind: 'wrap',
        named: wrap.startsWith('named'),
        on: wrap.endsWith('entity') ? 'Entity' : type,
        selection: specs,
      }));
      return [...plain, ...wrapped];
    });
}

function relationArb(def: RelationDef, depth: number, selection: fc.Arbitrary<SelSpec[]>): fc.Arbitrary<RelationSpec> {
  return fc.record({
    kind: fc.constant<'relation'>('relation'),
    def: fc.constant(def),
    first: fc.integer({ min: 1, max: depth === 0 ? 5 : 3 }),
    totalCount: fc.boolean(),
    hasNextPage: fc.boolean(),
    via: fc.constantFrom<'nodes' | 'edges'>('nodes', 'edges'),
    selection,
  });
}

/** A selection on a position of static type `type`: fields, fragments, relations (up to MAX_DEPTH deep). */
function selectionArb(type: StaticType, depth: number): fc.Arbitrary<SelSpec[]> {
  if (type === 'Entity') {
    // Interface fields, plus fragments on each implementation (those not matching are skipped).
    return fc
      .tuple(
        fieldsArb('Entity'),
        ...CONCRETE.map((t) =>
          fc.oneof(
            { weight: 1, arbitrary: fc.constant(null) },
            { weight: 2, arbitrary: fc.record({ named: fc.boolean(), selection: selectionArb(t, depth) }) },
          ),
        ),
      )
      .map(([fields, ...frags]) => [
        ...fields,
        ...frags.flatMap((f, i) => (f ? [{ kind: 'wrap' as const, named: f.named, on: CONCRETE[i] as StaticType, selection: f.selection }] : [])),
      ]);
  }
  const rels = depth < MAX_DEPTH ? relationsOf(type) : [];
  const nilWeight = [4, 7, 12][depth] ?? 12;
  return fc
    .tuple(
      fieldsArb(type),
      ...rels.map((def) =>
        fc.oneof(
          { weight: nilWeight, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: relationArb(def, depth, fc.constant(null).chain(() => selectionArb(def.target, depth + 1))) },
        ),
      ),
    )
    .map(([fields, ...relations]) => [...fields, ...relations.filter((r): r is RelationSpec => r !== null)]);
}

/** A root from `pool`, read through its typed query field, through `entity`, or through federation `_entities`. */
function rootArb(pool: Root[]): fc.Arbitrary<RootSpec> {
  return fc
    .record({ root: fc.constantFrom(...pool), via: fc.constantFrom<RootSpec['via']>('typed', 'typed', 'entity', 'entities') })
    .chain(({ root, via }) => selectionArb(via === 'entity' ? 'Entity' : root.type, 0).map((selection) => ({ root, via, selection })));
}

/** The nesting the brief singles out: building → residents → employers → employees, with random fields. */
function chainArb(buildings: Root[]): fc.Arbitrary<RootSpec> {
  return fc
    .record({
      root: fc.constantFrom(...buildings),
      firsts: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })),
      flags: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
      building: fieldsArb('CityObject'),
      resident: fieldsArb('Person'),
      employer: fieldsArb('Enterprise'),
      employee: fieldsArb('Person'),
    })
    .map(({ root, firsts, flags, building, resident, employer, employee }) => {
      const rel = (def: RelationDef, i: number, selection: SelSpec[]): RelationSpec => ({
        kind: 'relation',
        def,
        first: firsts[i],
        totalCount: true,
        hasNextPage: flags[i],
        via: flags[(i + 1) % 3] ? 'nodes' : 'edges',
        selection,
      });
      const employees = rel(relation('Enterprise', 'employees'), 2, employee);
      const employers = rel(relation('Person', 'employers'), 1, [...employer, employees]);
      const residents = rel(relation('CityObject', 'residents'), 0, [...resident, employers]);
      return { root, via: 'typed' as const, selection: [...building, residents] };
    });
}

interface UserChoice {
  user: string;
  /** The X-Purpose header as sent (null: none). */
  header: string | null;
}

const ANONYMOUS_USER = 'anonymous';
const USERS = [...DEMO_USERS, ANONYMOUS_USER];
const PURPOSES = [...policy.purposes.keys()];

/** District-scoped users are where row scope matters most: they are drawn three times as often. */
function userArb(): fc.Arbitrary<UserChoice> {
  const weighted = USERS.map((user) => ({ weight: subjects.get(user)!.districtScope.length ? 3 : 1, arbitrary: fc.constant(user) }));
  return fc.oneof(...weighted).chain((user) => {
    const department = departments.get(user) ?? null;
    const own = [...new Set(policy.grants.filter((g) => g.department === department).flatMap((g) => g.purposes))];
    const other = PURPOSES.filter((p) => !own.includes(p));
    const header = fc.oneof(
      { weight: 3, arbitrary: fc.constant<string | null>(null) },
      ...(own.length
        ? [
            { weight: 6, arbitrary: fc.constantFrom(...own) },
            { weight: 1, arbitrary: fc.constantFrom(...own).map((p) => ` ${p.toLowerCase()} `) },
          ]
        : []),
      { weight: 2, arbitrary: fc.constantFrom(...other) },
      { weight: 1, arbitrary: fc.constantFrom('CURIOSITY', `${PURPOSES[0]},${PURPOSES[1]}`, 'public security', '   ') },
    );
    return header.map((h) => ({ user, header: h }));
  });
}

/** A user, a purpose, and one to three roots: half of them drawn from rows inside the user's scope. */
function queryArb(): fc.Arbitrary<{ who: UserChoice; roots: RootSpec[] }> {
  const now = new Date();
  return userArb().chain((who) => {
    const subject = subjects.get(who.user)!;
    const scoped = ROOTS.filter((r) => oracle.inScope(subject, oracle.node(r.code)!, now));
    const inside = scoped.length ? scoped : ROOTS;
    const insideChain = CHAIN_BUILDINGS.filter((r) => inside.includes(r));
    const root = fc.oneof(
      { weight: 2, arbitrary: rootArb(ROOTS) },
      { weight: 2, arbitrary: rootArb(inside) },
      { weight: 1, arbitrary: chainArb(CHAIN_BUILDINGS) },
      { weight: 1, arbitrary: chainArb(insideChain.length ? insideChain : CHAIN_BUILDINGS) },
    );
    return fc.record({ who: fc.constant(who), roots: fc.array(root, { minLength: 1, maxLength: 3 }) });
  });
}

// ---------------------------------------------------------------------------------------------
// Checking a response
// ---------------------------------------------------------------------------------------------

interface RelationCheck {
  def: RelationDef;
  parent: string;
  spec: RelationSpec;
  value: unknown;
  path: string;
}

type Json = Record<string, unknown>;

const stats = { perRow: 0, entities: 0, runs: 0, refused: 0, roots: 0, outOfScopeRoots: 0, rows: 0, rowsThreeHopsDeep: 0, scalars: 0, provenances: 0, masked: 0, denied: 0, relations: 0, deniedRelations: 0, cypherChecks: 0, totalCounts: 0 };

function flatten(sels: Resolved[], runtime: RowType): Resolved[] {
  return sels.flatMap((s) => (s.kind === 'cond' ? (s.on === runtime || s.on === 'Entity' ? flatten(s.children, runtime) : []) : [s]));
}

class Checker {
  readonly problems: string[] = [];
  readonly expectedErrors = new Map<string, Json>();
  readonly relationChecks: RelationCheck[] = [];
  constructor(
    private readonly subject: Subject,
    private readonly purpose: string | null,
    private readonly now: Date,
    private readonly served: string,
  ) {}

  /** Checks one returned row; `hops` counts the relations followed from the root. */
  entity(value: unknown, sels: Resolved[], path: (string | number)[], hops = 0): void {
    if (value === null || value === undefined) return;
    const obj = value as Json;
    const at = path.join('.');
    const type = obj.__typename as RowType;
    const code = obj.code as string;
    const node = oracle.node(code);
    if (!node || oracle.typeOf(node) !== type) {
      this.problems.push(`${at}: ${type} ${code} is not a ${type} of the seed plan`);
      return;
    }
    stats.rows++;
    if (hops >= 3) stats.rowsThreeHopsDeep++;
    if (!oracle.inScope(this.subject, node, this.now)) {
      this.problems.push(
        `${at}: ${type} ${code} (district ${String(node.props.districtCode)}, street ${String(node.props.streetCode)}) is outside the row scope ` +
          JSON.stringify(oracle.rowScopeOf(this.subject, type, this.now)),
      );
    }
    for (const sel of flatten(sels, type)) {
      if (sel.kind === 'cond') continue;
      const name = sel.kind === 'field' ? sel.name : sel.spec.def.name;
      const here = `${at}.${sel.key}`;
      if (sel.kind === 'field' && name.startsWith(PROVENANCE)) {
        // Decided as the attribute: its value (as text) clear or masked, or null with the attribute's denial.
        const key = catalogueKey(`${type}.${name.slice(PROVENANCE.length)}`);
        const decision = oracle.decide(this.subject, key, this.purpose, this.now, regionOf(node));
        if (decision.effect === 'DENY') this.expectedErrors.set(here, expectedDenial(decision, this.served, policy.version));
        stats.scalars++;
        stats.provenances++;
        if (decision.effect === 'MASK') stats.masked++;
        if (decision.effect === 'DENY') stats.denied++;
        const clear = expectedValue(decision, oracle.clearValue(node, type, key.split('.')[1]));
        const want = decision.effect === 'DENY' ? null : { value: clear === null ? null : String(clear) };
        if (JSON.stringify(obj[sel.key]) !== JSON.stringify(want)) {
          this.problems.push(`${here} (provenance of ${key} of ${code}, ${decision.effect} by ${decision.policy}): got ${JSON.stringify(obj[sel.key])}, expected ${JSON.stringify(want)}`);
        }
        continue;
      }
      const decision = oracle.decide(this.subject, `${type}.${name}`, this.purpose, this.now, regionOf(node));
      if (decision.policy !== oracle.decide(this.subject, `${type}.${name}`, this.purpose, this.now).policy) stats.perRow++;
      const got = obj[sel.key];
      if (decision.effect === 'DENY') this.expectedErrors.set(here, expectedDenial(decision, this.served, policy.version));
      if (sel.kind === 'field') {
        stats.scalars++;
        if (decision.effect === 'MASK') stats.masked++;
        if (decision.effect === 'DENY') stats.denied++;
        const want = expectedValue(decision, oracle.clearValue(node, type, name));
        const same = name === 'geometry' ? (got === null) === (want === null) : JSON.stringify(got) === JSON.stringify(want);
        if (!same) {
          this.problems.push(`${here} (${type}.${name} of ${code}, ${decision.effect}${decision.mask ? ` ${decision.mask}` : ''} by ${decision.policy}): got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        }
        continue;
      }
      stats.relations++;
      if (decision.effect !== 'ALLOW') {
        stats.deniedRelations++;
        if (got !== null) this.problems.push(`${here}: relation ${type}.${name} is ${decision.effect} by ${decision.policy} but returned ${JSON.stringify(got).slice(0, 200)}`);
        continue;
      }
      this.relationChecks.push({ def: sel.spec.def, parent: code, spec: sel.spec, value: got, path: here });
      const p = [...path, sel.key];
      if (sel.spec.def.shape === 'one') this.entity(got, sel.children, p, hops + 1);
      else if (sel.spec.def.shape === 'ancestors') {
        ((got as Json[] | null) ?? []).forEach((a, i) => this.entity(a.object, sel.children, [...p, i, 'object'], hops + 1));
      } else if (got !== null && got !== undefined) {
        const conn = got as { nodes?: Json[]; edges?: { node: Json }[] };
        if (sel.spec.via === 'nodes') (conn.nodes ?? []).forEach((n, i) => this.entity(n, sel.children, [...p, 'nodes', i], hops + 1));
        else (conn.edges ?? []).forEach((e, i) => this.entity(e.node, sel.children, [...p, 'edges', i, 'node'], hops + 1));
      }
    }
  }
}

function cypherScope(s: RowScope): { all: boolean; districts: string[]; streets: string[] } {
  if (s.kind === 'ALL') return { all: true, districts: [], streets: [] };
  if (s.kind === 'NONE') return { all: false, districts: [], streets: [] };
  return { all: false, districts: [...s.districtCodes], streets: [...s.streetCodes] };
}

const IN_SCOPE = (v: string) =>
  `(${['Person', 'Enterprise', 'CityObject', 'PublicFacility']
    .map((l) => `(${v}:${l} AND ($s.${l}.all OR ${v}.districtCode IN $s.${l}.districts OR ${v}.streetCode IN $s.${l}.streets))`)
    .join(' OR ')})` +
  // …and a device only inside the device scope.
  ` AND (coalesce(${v}.objectKind, '') <> 'DEVICE' OR $s.Device.all OR ${v}.districtCode IN $s.Device.districts OR ${v}.streetCode IN $s.Device.streets)`;

let api: Awaited<ReturnType<typeof startTestApi>>;
const tokens = new Map<string, string | null>();
const subjects = new Map<string, Subject>();
const departments = new Map<string, string | null>();
const started = Date.now();

/** Compares every relation the response followed with Cypher over in-scope rows, one query per relation. */
async function checkRelations(checker: Checker, subject: Subject, now: Date): Promise<void> {
  const s = {
    ...Object.fromEntries(CONCRETE.map((t) => [t, cypherScope(oracle.rowScopeOf(subject, t, now))])),
    Device: cypherScope(oracle.deviceScopeOf(subject, now)),
  };
  const byRelation = new Map<RelationDef, RelationCheck[]>();
  for (const c of checker.relationChecks) byRelation.set(c.def, [...(byRelation.get(c.def) ?? []), c]);
  for (const [def, checks] of byRelation) {
    const parents = [...new Set(checks.map((c) => c.parent))];
    const projection = def.shape === 'ancestors' ? `{code: x.code, depth: length(path)}` : 'x.code';
    const rows = await api.stores.graph.read<{ parent: string; found: (string | { code: string; depth: number })[] }>(
      `UNWIND $parents AS pc
       MATCH (p:Entity {code: pc})
       RETURN pc AS parent, [${def.shape === 'ancestors' ? 'path = ' : ''}${def.pattern} WHERE ${IN_SCOPE('x')} | ${projection}] AS found`,
      { parents, s },
    );
    stats.cypherChecks++;
    const found = new Map(rows.map((r) => [r.parent, r.found]));
    for (const c of checks) {
      const raw = found.get(c.parent) ?? [];
      if (def.shape === 'ancestors') {
        const depth = new Map<string, number>();
        for (const a of raw as { code: string; depth: number }[]) depth.set(a.code, Math.min(depth.get(a.code) ?? Infinity, a.depth));
        const want = [...depth].map(([code, d]) => `${d}:${code}`).sort();
        const got = ((c.value as { depth: number; object: Json }[] | null) ?? []).map((a) => `${a.depth}:${String(a.object.code)}`).sort();
        if (JSON.stringify(got) !== JSON.stringify(want)) checker.problems.push(`${c.path}: ancestors ${JSON.stringify(got)}, expected (in scope) ${JSON.stringify(want)}`);
        continue;
      }
      const codes = [...new Set(raw as string[])].sort();
      if (def.shape === 'one') {
        const got = (c.value as Json | null)?.code ?? null;
        if (got !== (codes[0] ?? null)) checker.problems.push(`${c.path}: ${def.type}.${def.name} of ${c.parent} is ${String(got)}, expected (first in scope) ${codes[0] ?? null}`);
        continue;
      }
      if (c.value === null || c.value === undefined) {
        checker.problems.push(`${c.path}: ${def.type}.${def.name} of ${c.parent} is allowed for its row but came back null`);
        continue;
      }
      const conn = c.value as { totalCount?: number; pageInfo?: { hasNextPage: boolean }; nodes?: Json[]; edges?: { node: Json }[] };
      const page = (c.spec.via === 'nodes' ? (conn.nodes ?? []) : (conn.edges ?? []).map((e) => e.node)).map((n) => n.code);
      if (c.spec.totalCount) {
        stats.totalCounts++;
        if (conn.totalCount !== codes.length) {
          checker.problems.push(`${c.path}: totalCount of ${def.type}.${def.name} of ${c.parent} is ${conn.totalCount}, but ${codes.length} rows are in scope`);
        }
      }
      if (JSON.stringify(page) !== JSON.stringify(codes.slice(0, c.spec.first))) {
        checker.problems.push(`${c.path}: page ${JSON.stringify(page)} of ${def.type}.${def.name} of ${c.parent}, expected ${JSON.stringify(codes.slice(0, c.spec.first))}`);
      }
      if (c.spec.hasNextPage && conn.pageInfo?.hasNextPage !== codes.length > c.spec.first) {
        checker.problems.push(`${c.path}: hasNextPage ${String(conn.pageInfo?.hasNextPage)} with ${codes.length} in-scope rows and first ${c.spec.first}`);
      }
    }
  }
}

beforeAll(async () => {
  api = await startTestApi();
  for (const user of USERS) {
    const token = user === ANONYMOUS_USER ? null : await tokenFor(user);
    tokens.set(user, token);
    const subject = subjectOfToken(token);
    subjects.set(user, subject);
    departments.set(user, subject.anonymous ? null : subject.department);
  }
});

afterAll(async () => {
  await api?.close();
  console.log(
    `permission properties: ${stats.runs} runs (seed ${SEED}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${stats.refused} refused for an unknown purpose; ` +
      `${stats.roots} roots (${stats.outOfScopeRoots} out of scope), ${stats.rows} rows (${stats.rowsThreeHopsDeep} three relations deep), ${stats.scalars} scalar values (${stats.provenances} of them provenance(attribute:) values) ` +
      `(${stats.masked} masked, ${stats.denied} denied), ${stats.relations} relation fields (${stats.deniedRelations} denied), ` +
      `${stats.totalCounts} totalCounts, ${stats.cypherChecks} Cypher comparisons; ${stats.entities} roots through _entities; ` +
      `${stats.perRow} fields decided for their row otherwise than for the whole scope`,
  );
});

describe('enforcement properties (live API)', () => {
  it('the API serves the policy of the files, and the relations here are the catalogue\'s', () => {
    expect(samePolicyContent(api.services.policy.current(), policy)).toBe(true);
    for (const type of CONCRETE) expect(relationsOf(type).map((r) => r.name).sort()).toEqual(oracle.relationFields(type).sort());
    expect(ROOTS.length).toBeGreaterThan(40);
    expect(CHAIN_BUILDINGS.length).toBeGreaterThan(5);
  });

  it('no value above the grant, no row outside the scope, no count that reveals one', async () => {
    await fc.assert(
      fc.asyncProperty(queryArb(), async ({ who, roots }) => {
        stats.runs++;
        const { query, roots: resolved } = printQuery(roots);
        const token = tokens.get(who.user) ?? null;
        const subject = subjects.get(who.user)!;
        const headers = { ...(token ? bearer(token) : {}), ...(who.header !== null ? { 'x-purpose': who.header } : {}) };
        const res = await gql<Json>(api.url, query, {}, headers);
        const context = `user ${who.user}, X-Purpose ${JSON.stringify(who.header)}\n${query}`;

        const normalised = who.header === null || who.header.trim() === '' ? null : who.header.trim().toUpperCase();
        if (normalised !== null && !policy.purposes.has(normalised)) {
          stats.refused++;
          if ((res.data ?? null) !== null || res.errors?.[0]?.extensions?.code !== 'BAD_USER_INPUT') {
            throw new Error(`an unknown purpose must be refused (BAD_USER_INPUT, no data), got ${JSON.stringify(res).slice(0, 500)}\n${context}`);
          }
          return;
        }

        const now = new Date();
        const checker = new Checker(subject, normalised, now, api.services.policy.current().version);
        for (const r of resolved) {
          stats.roots++;
          const node = oracle.node(r.root.code)!;
          const inScope = oracle.inScope(subject, node, now);
          const raw = res.data?.[r.key] ?? null;
          const value = r.via === 'entities' ? ((raw as Json[] | null)?.[0] ?? null) : raw;
          const path = r.via === 'entities' ? [r.key, 0] : [r.key];
          if (r.via === 'entities') stats.entities++;
          if (!inScope) stats.outOfScopeRoots++;
          if (inScope && value === null) checker.problems.push(`${r.key}: ${r.root.label} ${r.root.code} is in scope but came back null`);
          if (!inScope && value !== null) checker.problems.push(`${r.key}: ${r.root.label} ${r.root.code} is outside the row scope but came back`);
          // `_entities` answers a representation outside the scope with FORBIDDEN in its place.
          if (!inScope && r.via === 'entities') checker.expectedErrors.set(path.join('.'), { code: 'FORBIDDEN' });
          checker.entity(value, r.children, path);
        }
        await checkRelations(checker, subject, now);

        const actual = new Map<string, Json>();
        for (const e of res.errors ?? []) actual.set((e.path ?? []).join('.'), { ...denialOf(e.extensions), message: e.message });
        for (const [path, ext] of actual) {
          const want = checker.expectedErrors.get(path);
          if (!want) checker.problems.push(`unexpected error at ${path || '(no path)'}: ${JSON.stringify(ext)}`);
          else if (JSON.stringify(denialOf(ext)) !== JSON.stringify(want)) checker.problems.push(`error at ${path}: ${JSON.stringify(denialOf(ext))}, expected ${JSON.stringify(want)}`);
        }
        for (const path of checker.expectedErrors.keys()) if (!actual.has(path)) checker.problems.push(`no FORBIDDEN_FIELD error at ${path}`);

        if (checker.problems.length) throw new Error(`${checker.problems.slice(0, 15).join('\n')}\n${context}`);
      }),
      { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true },
    );
  }, 180_000);
});
