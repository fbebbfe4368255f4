/**
 * Indexes of the city model (domain/model.ts), built once: every classified field by its key
 * (`Kind.field`), every relation field with its resolved target and path, the attributes datasets
 * may feed. Pure; everything that needs the model's shape asks here instead of keeping a table.
 */
import type { Level } from '../core/subject';
import {
  AttributeDecl,
  ENTITY_INTERFACE,
  IDENTIFIER_ATTRIBUTES,
  KINDS,
  KIND_NAMES,
  KindName,
  MEASURES,
  OBJECT_KIND_ROWS,
  OUTPUT_FIELDS,
  OutputRelease,
  PROVENANCE_FIELD,
  RELATIONS,
  RelationFieldDecl,
  RelationName,
  Shape,
  type Classification,
  type Domain,
  type MaskSpec,
  type PiiKind,
  type Source,
} from './model';
import { CITY_CODE_CLASSES, parseCityCode } from './citycode';
import { INDICATORS, indicatorKey } from './indicators';
import type { IdentifierScheme } from './identifiers';

export type { KindName } from './model';

/** One attribute of one kind. */
export interface AttributeInfo {
  key: string;
  kind: KindName;
  field: string;
  decl: AttributeDecl;
  source: Source;
  /** The stored properties the field reads from its node (none for code parts and features). */
  reads: readonly string[];
}

/** One relation field of one kind, with everything a query needs to walk it. */
export interface RelationFieldInfo {
  key: string;
  kind: KindName;
  field: string;
  relation: RelationName;
  decl: RelationFieldDecl;
  shape: Shape;
  direction: 'out' | 'in';
  /** The GraphQL type of the targets: a kind, or 'Entity' when several kinds can be. */
  target: KindName | 'Entity';
  /** The kinds the targets can be. */
  targetKinds: readonly KindName[];
  stored: readonly string[];
  hops: readonly [number, number];
  through?: { stored: readonly string[]; hops: readonly [number, number]; kind: KindName };
  targetObjectKind?: string;
  kindsFilter: boolean;
}

/** A classified field as the policy catalogue holds it (policies/<version>/catalogue.json). */
export interface CatalogueField extends Classification {
  label: string;
  relation?: true;
  inverseOf?: string[];
}

const keyOf = (kind: string, field: string): string => `${kind}.${field}`;

function readsOf(field: string, source: Source): string[] {
  switch (source.from) {
    case 'property':
      return [source.property ?? field];
    case 'encrypted':
      return [source.property];
    default:
      return [];
  }
}

const attributes = new Map<string, AttributeInfo>();
for (const kind of KIND_NAMES) {
  for (const [field, decl] of Object.entries(KINDS[kind].attributes) as [string, AttributeDecl][]) {
    const source: Source = decl.source ?? { from: 'property' };
    attributes.set(keyOf(kind, field), { key: keyOf(kind, field), kind, field, decl, source, reads: readsOf(field, source) });
  }
}

const relationFields = new Map<string, RelationFieldInfo>();
for (const [relation, r] of Object.entries(RELATIONS) as [RelationName, (typeof RELATIONS)[RelationName]][]) {
  for (const decl of r.fields as readonly RelationFieldDecl[]) {
    const ends = decl.direction === 'out' ? r.to : r.from;
    const targetKinds = decl.to && decl.to !== 'Entity' ? [decl.to] : [...ends];
    const target: KindName | 'Entity' = decl.to ?? (targetKinds.length === 1 ? targetKinds[0] : 'Entity');
    const key = keyOf(decl.on, decl.name);
    if (relationFields.has(key) || attributes.has(key)) throw new Error(`city model: ${key} is declared twice`);
    relationFields.set(key, {
      key,
      kind: decl.on,
      field: decl.name,
      relation,
      decl,
      shape: decl.shape,
      direction: decl.direction,
      target,
      targetKinds,
      stored: decl.stored ?? r.stored,
      hops: decl.hops ?? [1, 1],
      ...(decl.through ? { through: decl.through } : {}),
      ...(decl.targetObjectKind ? { targetObjectKind: decl.targetObjectKind } : {}),
      kindsFilter: decl.kindsFilter === true,
    });
  }
}

/** Every attribute of every kind, by key (`Person.phone`). */
export const ATTRIBUTE_FIELDS: ReadonlyMap<string, AttributeInfo> = attributes;

/** Every relation field of every kind, by key (`Person.employers`). */
export const RELATION_FIELDS: ReadonlyMap<string, RelationFieldInfo> = relationFields;

export function attributesOf(kind: KindName): AttributeInfo[] {
  return [...attributes.values()].filter((a) => a.kind === kind);
}

export function relationFieldsOf(kind: KindName): RelationFieldInfo[] {
  return [...relationFields.values()].filter((r) => r.kind === kind);
}

export function isKindName(name: string): name is KindName {
  return Object.hasOwn(KINDS, name);
}

/** The kind of a stored node, from its labels (the kind's name is its Neo4j label). */
export function kindOfLabels(labels: readonly string[]): KindName | null {
  for (const kind of KIND_NAMES) if (labels.includes(kind)) return kind;
  return null;
}

/** The kind of the entity a city code names (its class says: 600100 is a PublicFacility, 200100 a CityObject), or null. */
export function kindOfCode(code: string): KindName | null {
  const parsed = parseCityCode(code);
  if (!parsed.ok) return null;
  const cls = CITY_CODE_CLASSES[parsed.value.classCode] as { kind: string; modelKind?: string };
  const kind = cls.modelKind ?? KIND_NAMES.find((k) => KINDS[k].codeKind === cls.kind && !isModelKindOfSomeClass(k));
  return kind && isKindName(kind) ? kind : null;
}

/** True for a kind that only classes naming it (modelKind) issue codes to. */
function isModelKindOfSomeClass(kind: string): boolean {
  return Object.values(CITY_CODE_CLASSES).some((c) => (c as { modelKind?: string }).modelKind === kind);
}

/** The interface field names (Entity.*). */
export const INTERFACE_FIELDS = Object.keys(ENTITY_INTERFACE.fields);

/** The provenance field's catalogue key on a kind (or on the interface). */
export const provenanceFieldKey = (kind: string): string => keyOf(kind, PROVENANCE_FIELD.name);

// ---------------------------------------------------------------------------------------------
// The policy catalogue's sections, derived (policies/<newest>/catalogue.json; npm run generate)
// ---------------------------------------------------------------------------------------------

function maskOf(m: MaskSpec | undefined): MaskSpec | undefined {
  return m ? { ...m } : undefined;
}

function entry(c: Classification & { label: string }, extra: Partial<CatalogueField> = {}): CatalogueField {
  return { domain: c.domain, level: c.level, ...(c.mask ? { mask: maskOf(c.mask) } : {}), ...extra, label: c.label };
}

const LEVEL_RANK: Record<Level, number> = { L1: 1, L2: 2, L3: 3, L4: 4 };

/** The classified fields of the catalogue, keyed `Type.field`, in model order. */
export function catalogueFields(): Record<string, CatalogueField> {
  const out: Record<string, CatalogueField> = {};
  // The interface: each field as its strictest implementation (the highest level; the first kind on ties).
  for (const field of INTERFACE_FIELDS) {
    const impls = KIND_NAMES.map((k) => attributes.get(keyOf(k, field))!);
    const top = impls.reduce((a, b) => (LEVEL_RANK[b.decl.level] > LEVEL_RANK[a.decl.level] ? b : a));
    out[keyOf('Entity', field)] = entry(top.decl);
  }
  out[provenanceFieldKey('Entity')] = { domain: KINDS[KIND_NAMES[0]].rowDomain, level: 'L1', label: PROVENANCE_FIELD.label };
  for (const kind of KIND_NAMES) {
    for (const a of attributesOf(kind)) out[a.key] = entry(a.decl);
    out[provenanceFieldKey(kind)] = { domain: KINDS[kind].rowDomain, level: 'L1', label: PROVENANCE_FIELD.label };
    for (const r of relationFieldsOf(kind)) {
      const inverses = [...relationFields.values()].filter((o) => o.key === r.decl.inverse || o.decl.inverse === r.key).map((o) => o.key);
      out[r.key] = entry(r.decl, { relation: true, ...(inverses.length ? { inverseOf: [...new Set(inverses)].sort() } : {}) });
    }
  }
  for (const [key, m] of Object.entries(MEASURES)) out[key] = entry(m);
  for (const d of INDICATORS) out[indicatorKey(d.id)] = { domain: d.domain, level: d.level, label: `指标: ${d.name} (${d.unit})` };
  return out;
}

/** The catalogue's `types`: each kind with its row domain, and the Entity interface. */
export function catalogueTypes(): Record<string, { label: string; rowDomain?: Domain; implementations?: string[] }> {
  const out: Record<string, { label: string; rowDomain?: Domain; implementations?: string[] }> = {};
  for (const kind of KIND_NAMES) out[kind] = { label: KINDS[kind].label, rowDomain: KINDS[kind].rowDomain };
  out.Entity = { label: ENTITY_INTERFACE.label, implementations: [...KIND_NAMES] };
  out.Indicator = { label: '指标 (按区域和周期计算的值; 行为所描述的区域)', rowDomain: 'SPATIAL' };
  return out;
}

/** The catalogue's `identifierSchemes`: the field a look-up by each scheme filters on. */
export function catalogueIdentifierSchemes(): Record<IdentifierScheme, string> {
  return { ...IDENTIFIER_ATTRIBUTES };
}

// ---------------------------------------------------------------------------------------------
// What datasets may feed (ingest/): attributes, identifiers and relations
// ---------------------------------------------------------------------------------------------

/**
 * An entity attribute a dataset field may feed. `property`: stored on the entity node;
 * `relation`: the value is an identifier of another entity and the attribute is an edge to it;
 * `identifier`: the value identifies the entity itself (ExternalId).
 */
export interface FeedableAttribute {
  entity: KindName;
  kind: 'property' | 'relation' | 'identifier';
  /** Node property (property, identifier) or stored relationship type (relation). */
  target: string;
  /** For relations and identifiers: the identifier scheme of the value. */
  scheme?: IdentifierScheme;
  label: string;
  /** The catalogue key that classifies it (an alias is classified as the attribute it lands in). */
  classifiedAs: string;
  /** The dataset the model names as its authoritative source. */
  authoritative?: string;
  pii?: PiiKind;
}

function feedable(): Record<string, FeedableAttribute> {
  const out: Record<string, FeedableAttribute> = {};
  for (const a of attributes.values()) {
    const feed = a.decl.feed;
    if (!feed) continue;
    const target = a.reads[0] ?? a.field;
    out[a.key] = {
      entity: a.kind,
      kind: feed.as,
      // An identifier is stored on the node in clear, except citizen IDs (hashed + encrypted).
      target: feed.as === 'identifier' ? a.field : target,
      ...(feed.as === 'identifier' ? { scheme: feed.scheme } : {}),
      label: a.decl.label,
      classifiedAs: a.key,
      ...(a.decl.authoritative ? { authoritative: a.decl.authoritative } : {}),
      ...(a.decl.pii ? { pii: a.decl.pii } : {}),
    };
    for (const [alias, spec] of Object.entries(a.decl.feedAliases ?? {})) {
      out[keyOf(a.kind, alias)] = {
        entity: a.kind,
        kind: 'identifier',
        target: a.field,
        scheme: spec.scheme,
        label: spec.label,
        classifiedAs: a.key,
        ...(spec.authoritative ? { authoritative: spec.authoritative } : {}),
      };
    }
  }
  for (const r of relationFields.values()) {
    const feed = r.decl.feed;
    if (!feed) continue;
    out[r.key] = {
      entity: r.kind,
      kind: 'relation',
      target: feed.stored,
      scheme: feed.scheme,
      label: r.decl.label,
      classifiedAs: r.key,
      ...(r.decl.authoritative ? { authoritative: r.decl.authoritative } : {}),
      ...(r.decl.pii ? { pii: r.decl.pii } : {}),
    };
  }
  return out;
}

/** Attributes datasets may feed, by key (`Person.phone`, `CityObject.parkingCode`). */
export const FEEDABLE_ATTRIBUTES: Readonly<Record<string, FeedableAttribute>> = Object.freeze(feedable());

/** The catalogue key that classifies an attribute datasets feed (`CityObject.parkingCode` → `CityObject.deviceCode`). */
export function classifiedAs(attribute: string): string {
  return FEEDABLE_ATTRIBUTES[attribute]?.classifiedAs ?? attribute;
}

/** Every stored relationship type of the model (the seed and ingestion write only these). */
export const STORED_RELATION_TYPES: ReadonlySet<string> = new Set(Object.values(RELATIONS).flatMap((r) => [...r.stored]));

/** Row-kind rules: object kinds whose rows another field classifies (DEVICE → CityObject.devices). */
export const ROW_KIND_FIELDS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(OBJECT_KIND_ROWS).map(([k, v]) => [k, v.classifiedBy])),
);

// ---------------------------------------------------------------------------------------------
// Output fields: how each field of a non-entity type is released
// ---------------------------------------------------------------------------------------------

/** How a field of a non-entity output type is released, or null when the model does not say. */
/** The fields of `Indicator` that are indicator values (one per definition). */
const INDICATOR_FIELDS: ReadonlySet<string> = new Set(INDICATORS.map((d) => indicatorKey(d.id).slice('Indicator.'.length)));

export function outputRelease(type: string, field: string): OutputRelease | null {
  if (type === 'Indicator' && INDICATOR_FIELDS.has(field)) return 'attribute';
  const own = OUTPUT_FIELDS[type];
  if (own) return own[field] ?? own['*'] ?? null;
  for (const suffix of ['Connection', 'Edge']) {
    if (type.endsWith(suffix) && type !== suffix) return OUTPUT_FIELDS[`*${suffix}`][field] ?? null;
  }
  return null;
}
