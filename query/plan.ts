import {
  FieldNode,
  getNamedType,
  GraphQLObjectType,
  GraphQLResolveInfo,
  isAbstractType,
  isObjectType,
  Kind,
  SelectionSetNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { MEASURES, PROVENANCE_FIELD, type KindName } from '../domain/model';
import { ATTRIBUTE_FIELDS, isKindName, RELATION_FIELDS } from '../domain/modelIndex';
import type { EntityPlan, PageRequest, RelationName, RelationPlan } from '../graph/relations';
import type { PlanningPolicy } from '../policy/release';
import { decodeCursor, pageSize } from './pagination';
import { provenanceProperties, provenanceRelation } from './attributes';
import { cachedPlan } from './planCache';

/**
 * Look-ahead: a field that loads entities (a by-code query, a relation connection) reads the
 * selection below it and fetches, in the same Cypher statement, the ancestors and relation pages
 * its nodes will ask for next, down to MAX_DEPTH levels; the loaders those fields use are primed
 * with the result (query/loaders.ts). A relation asked twice with different arguments is
 * ambiguous and left to its own field. Look-ahead only saves round trips: a field that finds
 * nothing primed loads what it needs itself, so results never depend on it.
 *
 * What a field reads and which relation it follows come from the city model (domain/model.ts):
 * an attribute reads its stored property, a relation field follows its relation, a field of a
 * feature or of the code reads nothing stored. A field the policy decides row by row also reads
 * its row's region (districtCode, streetCode), which the release gate decides it by.
 */
const MAX_DEPTH = 3;

/** The stored properties that say where a row lies: what per-row decisions read. */
const REGION_PROPERTIES = ['districtCode', 'streetCode', 'gridCode'];
const MEASURE_READS = ['objectKind', 'regionCode', ...REGION_PROPERTIES];

const keyOf = (type: string, field: string): string => `${type}.${field}`;

/**
 * The stored properties the fields selected on `type` read, sorted, or null (all properties)
 * when a selected field's needs are not known.
 */
function propertiesRead(owners: readonly FieldNode[], type: GraphQLObjectType, info: GraphQLResolveInfo, policy: PlanningPolicy): string[] | null {
  const props = new Set<string>();
  for (const f of selected(owners, type.name, info)) {
    const name = f.name.value;
    if (name === '__typename') continue;
    const key = keyOf(type.name, name);
    if (RELATION_FIELDS.has(key)) {
      if (policy.rowDependent(key)) for (const p of REGION_PROPERTIES) props.add(p);
      continue;
    }
    if (name === PROVENANCE_FIELD.name) {
      // The value and `_prov_<attribute>` of the attribute asked for (query/provenance.ts).
      const attribute = provenanceAttribute(type, f, info);
      if (attribute === undefined) return null;
      if (attribute !== null) {
        const found = provenanceProperties(type.name as KindName, attribute);
        for (const p of found.props) props.add(p);
        if (found.key && policy.rowDependent(found.key)) for (const p of REGION_PROPERTIES) props.add(p);
      }
      continue;
    }
    if (Object.hasOwn(MEASURES, key)) {
      // A measure field finds its devices by the object's kind and region codes (query/readings.ts).
      for (const p of MEASURE_READS) props.add(p);
      continue;
    }
    const attribute = ATTRIBUTE_FIELDS.get(key);
    if (!attribute) return null;
    for (const p of attribute.reads) props.add(p);
    if (policy.rowDependent(key)) for (const p of REGION_PROPERTIES) props.add(p);
  }
  return [...props].sort();
}

/**
 * The `attribute` argument of a selected `provenance` field: a string, null when the arguments
 * are bad (the field reports them), undefined when the type has no such field.
 */
function provenanceAttribute(type: GraphQLObjectType, field: FieldNode, info: GraphQLResolveInfo): string | null | undefined {
  const def = type.getFields()[field.name.value];
  if (!def || !isKindName(type.name)) return undefined;
  try {
    const args = getArgumentValues(def, field, info.variableValues) as { attribute?: unknown };
    return typeof args.attribute === 'string' ? args.attribute : null;
  } catch {
    return null;
  }
}

/** The page request of a to-one relation. */
export const ONE: PageRequest = Object.freeze({ first: 1, after: null, kinds: null }) as PageRequest;

/** The plan of a to-one relation: one target, whole (one object per relation, so its loader key and statement are made once). */
const toOnePlans = new Map<RelationName, RelationPlan>();
export function toOnePlan(relation: RelationName): RelationPlan {
  let plan = toOnePlans.get(relation);
  if (!plan) {
    plan = Object.freeze({ relation, page: ONE, count: false, props: null, nested: [], more: false });
    toOnePlans.set(relation, plan);
  }
  return plan;
}

/** The page request a relation field's arguments make, exactly as relationConnection makes it. */
export function pageRequest(args: { first?: number | null; after?: string | null; kinds?: string[] | null }): PageRequest {
  return {
    first: pageSize(args.first),
    after: decodeCursor(args.after),
    kinds: args.kinds && args.kinds.length > 0 ? [...args.kinds].sort() : null,
  };
}

/** True when a fragment on `condition` applies to objects of type `typeName` (the type itself, or an interface or union it belongs to). */
function applies(condition: string | undefined, typeName: string, info: GraphQLResolveInfo): boolean {
  if (!condition || condition === typeName) return true;
  const abstract = info.schema.getType(condition);
  const type = info.schema.getType(typeName);
  return !!abstract && isAbstractType(abstract) && !!type && isObjectType(type) && info.schema.isSubType(abstract, type);
}

function fieldsOf(selection: SelectionSetNode | undefined, typeName: string, info: GraphQLResolveInfo, out: FieldNode[] = []): FieldNode[] {
  for (const s of selection?.selections ?? []) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) {
      if (applies(s.typeCondition?.name.value, typeName, info)) fieldsOf(s.selectionSet, typeName, info, out);
    } else {
      const fragment = info.fragments[s.name.value];
      if (fragment && applies(fragment.typeCondition.name.value, typeName, info)) fieldsOf(fragment.selectionSet, typeName, info, out);
    }
  }
  return out;
}

/** The fields selected on `type` by the selection sets of `owners`. */
function selected(owners: readonly FieldNode[], type: string, info: GraphQLResolveInfo): FieldNode[] {
  return owners.flatMap((o) => fieldsOf(o.selectionSet, type, info));
}

/** What a connection field selects: whether it counts, and the fields selecting on its node type. */
function connectionSelection(fieldNodes: readonly FieldNode[], connection: GraphQLObjectType, info: GraphQLResolveInfo) {
  const nodesField = connection.getFields().nodes;
  const nodeType = nodesField && getNamedType(nodesField.type);
  const fields = selected(fieldNodes, connection.name, info);
  const owners: FieldNode[] = [];
  for (const f of fields) {
    if (f.name.value === 'nodes') owners.push(f);
    if (f.name.value === 'edges' && nodeType) owners.push(...selected([f], `${nodeType.name}Edge`, info).filter((e) => e.name.value === 'node'));
  }
  return {
    count: fields.some((f) => f.name.value === 'totalCount'),
    more: fields.some((f) => f.name.value === 'pageInfo'),
    nodeType: nodeType && isObjectType(nodeType) ? nodeType : null,
    owners,
  };
}

/** The relation plan of one selected relation field, or null when its arguments are bad. */
function planOfField(type: GraphQLObjectType, field: FieldNode, info: GraphQLResolveInfo, policy: PlanningPolicy, depth: number): RelationPlan | null {
  const key = keyOf(type.name, field.name.value);
  const relation = RELATION_FIELDS.get(key);
  if (!relation || relation.shape === 'ancestors') return null;
  if (relation.shape === 'one') return { relation: key, page: ONE, count: false, props: null, nested: [], more: false };
  const def = type.getFields()[field.name.value];
  let page: PageRequest;
  try {
    page = pageRequest(getArgumentValues(def, field, info.variableValues));
  } catch {
    return null; // bad arguments: the field reports them itself when it runs
  }
  if (page.kinds && !policy.mayFilterByKind()) return null; // the field refuses it with FORBIDDEN_FILTER
  const connection = getNamedType(def.type);
  if (!isObjectType(connection)) return null;
  const sel = connectionSelection([field], connection, info);
  const nested = sel.nodeType && depth > 1 ? plansOf(sel.owners, sel.nodeType, info, policy, depth - 1).relations : [];
  const props = sel.nodeType ? propertiesRead(sel.owners, sel.nodeType, info, policy) : null;
  return { relation: key, page, count: sel.count, props, nested, more: sel.more };
}

/** Ancestors and relations that the selections `owners` make on `type`, unambiguous ones only. */
function plansOf(owners: readonly FieldNode[], type: GraphQLObjectType, info: GraphQLResolveInfo, policy: PlanningPolicy, depth: number): EntityPlan {
  const byRelation = new Map<RelationName, (RelationPlan | null)[]>();
  const ancestorNodes: FieldNode[] = [];
  for (const f of selected(owners, type.name, info)) {
    const key = keyOf(type.name, f.name.value);
    if (f.name.value === PROVENANCE_FIELD.name) {
      // The value of a relation attribute is its target: fetch it as the to-one field would.
      const attribute = provenanceAttribute(type, f, info);
      const target = attribute ? provenanceRelation(type.name as KindName, attribute) : null;
      if (target && policy.mayRead(target)) {
        byRelation.set(target, [...(byRelation.get(target) ?? []), { relation: target, page: ONE, count: false, props: null, nested: [], more: false }]);
      }
      continue;
    }
    const relation = RELATION_FIELDS.get(key);
    if (!relation || !policy.mayRead(key)) continue;
    if (relation.shape === 'ancestors') {
      ancestorNodes.push(f);
      continue;
    }
    byRelation.set(key, [...(byRelation.get(key) ?? []), planOfField(type, f, info, policy, depth)]);
  }
  const relations: RelationPlan[] = [];
  for (const plans of byRelation.values()) {
    const first = plans[0];
    if (first && plans.every((p) => p !== null && JSON.stringify(p) === JSON.stringify(first))) relations.push(first);
  }
  const ancestors = ancestorNodes.length > 0;
  return { ancestors, ancestorProps: ancestors ? ancestorPropertiesOf(ancestorNodes, info, policy) : null, relations };
}

/**
 * The stored properties the `object` of `ancestors` selections (`owners`, any aliases together)
 * read, or null for all of them.
 */
function ancestorPropertiesOf(owners: readonly FieldNode[], info: GraphQLResolveInfo, policy: PlanningPolicy): string[] | null {
  const cityObject = info.schema.getType('CityObject');
  if (!cityObject || !isObjectType(cityObject)) return null;
  const objects = selected(owners, 'Ancestor', info).filter((f) => f.name.value === 'object');
  return propertiesRead(objects, cityObject, info, policy);
}

/** What the `ancestors` field being resolved reads of each ancestor (its stored properties, null: all). */
export function ancestorProperties(info: GraphQLResolveInfo, policy: PlanningPolicy): readonly string[] | null {
  return cachedPlan(info, policy, 'ancestors', (i, p) => ancestorPropertiesOf(i.fieldNodes, i, p));
}

type PageArgs = { first?: number | null; after?: string | null; kinds?: string[] | null };

/** The plan of a relation connection field being resolved: its page, count and nested relations. */
export function connectionPlan(relation: RelationName, args: PageArgs, info: GraphQLResolveInfo | undefined, policy: PlanningPolicy): RelationPlan {
  const page = pageRequest(args);
  const connection = info && getNamedType(info.returnType);
  if (!info || !connection || !isObjectType(connection)) return { relation, page, count: true, props: null, nested: [] };
  // The page comes from the field's own arguments (already coerced): part of what the plan is for.
  const kind = `${relation}|${page.first}|${page.after ?? ''}|${page.kinds ? JSON.stringify(page.kinds) : ''}`;
  return cachedPlan(info, policy, kind, (i, p) => {
    const sel = connectionSelection(i.fieldNodes, connection, i);
    const nested = sel.nodeType ? plansOf(sel.owners, sel.nodeType, i, p, MAX_DEPTH).relations : [];
    const props = sel.nodeType ? propertiesRead(sel.owners, sel.nodeType, i, p) : null;
    return { relation, page, count: sel.count, props, nested, more: sel.more };
  });
}

/** What a by-code field fetches of its entity in one statement, and whether it reads its geometry. */
export interface EntityAhead {
  entity: EntityPlan;
  geometry: boolean;
}

/** True when a field of the type reads the entity's feature (PostGIS). */
function readsFeature(type: string, field: string): boolean {
  return ATTRIBUTE_FIELDS.get(keyOf(type, field))?.source.from === 'feature';
}

/** What a by-code field returning `type` will ask of its entity next, to fetch with it. */
export function entityPlan(info: GraphQLResolveInfo, policy: PlanningPolicy): EntityAhead {
  return cachedPlan(info, policy, 'entity', (i, p) => {
    const type = getNamedType(i.returnType);
    if (!isObjectType(type)) return { entity: { ancestors: false, relations: [] }, geometry: false };
    const plan = plansOf(i.fieldNodes, type, i, p, MAX_DEPTH);
    const label = isKindName(type.name) ? type.name : undefined;
    const props = propertiesRead(i.fieldNodes, type, i, p);
    const geometry = selected(i.fieldNodes, type.name, i).some((f) => readsFeature(type.name, f.name.value));
    return { entity: { ...plan, label, props }, geometry };
  });
}

const NO_ENTITY_PLAN: EntityAhead = Object.freeze({ entity: { ancestors: false, relations: [] }, geometry: false });

/**
 * What a connection field that is not a relation (a spatial page: objectsNear, objectsWithin …)
 * asks of each of its nodes: the same plan a by-code field makes, for the node type under
 * `nodes` / `edges.node`, so a page of nodes is fetched with exactly the properties and nested
 * relations its query selects (a page of codes reads no property at all).
 */
export function connectionEntityPlan(info: GraphQLResolveInfo, policy: PlanningPolicy): EntityAhead {
  return cachedPlan(info, policy, 'connection-entity', (i, p) => {
    const connection = getNamedType(i.returnType);
    if (!isObjectType(connection)) return NO_ENTITY_PLAN;
    const sel = connectionSelection(i.fieldNodes, connection, i);
    const type = sel.nodeType;
    if (!type) return NO_ENTITY_PLAN;
    const plan = plansOf(sel.owners, type, i, p, MAX_DEPTH);
    const label = isKindName(type.name) ? type.name : undefined;
    const props = propertiesRead(sel.owners, type, i, p);
    const geometry = selected(sel.owners, type.name, i).some((f) => readsFeature(type.name, f.name.value));
    return { entity: { ...plan, label, props }, geometry };
  });
}
