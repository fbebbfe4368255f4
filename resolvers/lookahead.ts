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
import type { EntityPlan, PageRequest, RelationName, RelationPlan } from '../graph/relations';
import type { RowLabel } from '../graph/scope';
import { decodeCursor, pageSize } from './pagination';
import { provenanceProperties, provenanceRelation, RowType } from './provenance';
import { cachedPlan, PlanningPolicy } from './planCache';
import { PROPERTIES_OF_FIELD } from './types/entity';

/**
 * Look-ahead: a field that loads entities (a by-code query, a relation connection) reads the
 * selection below it and fetches, in the same Cypher statement, the ancestors and relation pages
 * its nodes will ask for next, down to MAX_DEPTH levels; the loaders those fields use are primed
 * with the result (resolvers/loaders.ts). A relation asked twice with different arguments is
 * ambiguous and left to its own field. Look-ahead only saves round trips: a field that finds
 * nothing primed loads what it needs itself, so results never depend on it.
 */
const MAX_DEPTH = 3;

const ROW_LABELS = new Set<string>(['Person', 'Enterprise', 'CityObject']);

/** Connection fields that follow a relation, by `Type.field`. */
const CONNECTIONS: Record<string, RelationName> = {
  'Person.employers': 'employers',
  'Person.representedEnterprises': 'representedEnterprises',
  'Person.owns': 'owns',
  'Enterprise.employees': 'employees',
  'Enterprise.owns': 'owns',
  'CityObject.children': 'children',
  'CityObject.contents': 'contents',
  'CityObject.residents': 'residents',
  'CityObject.registeredEnterprises': 'registeredEnterprises',
  'CityObject.devices': 'devices',
  'CityObject.owners': 'owners',
};

/** To-one fields that follow a relation (resolvers/relations.ts relationOne), by `Type.field`. */
const TO_ONE: Record<string, RelationName> = {
  'Person.residence': 'residence',
  'Person.registeredAt': 'registeredAt',
  'Enterprise.legalRepresentative': 'legalRepresentative',
  'Enterprise.registeredAt': 'registeredAt',
  'CityObject.parent': 'parent',
};

/** Fields that read no stored property of their node (they follow relations or read PostGIS by code). */
const READS_NO_PROPERTY = new Set(['CityObject.ancestors', 'CityObject.geometry', 'CityObject.heightM']);

/**
 * The stored properties the fields selected on `type` read (resolvers/types/entity.ts), sorted, or
 * null (all properties) when a selected field's needs are not known.
 */
function propertiesRead(owners: readonly FieldNode[], type: GraphQLObjectType, info: GraphQLResolveInfo): string[] | null {
  const props = new Set<string>();
  for (const f of selected(owners, type.name, info)) {
    const key = `${type.name}.${f.name.value}`;
    if (CONNECTIONS[key] || TO_ONE[key] || READS_NO_PROPERTY.has(key)) continue;
    if (f.name.value === 'provenance') {
      // The value and `_prov_<attribute>` of the attribute asked for (resolvers/provenance.ts).
      const attribute = provenanceAttribute(type, f, info);
      if (attribute === undefined) return null;
      if (attribute !== null) for (const p of provenanceProperties(type.name as RowType, attribute)) props.add(p);
      continue;
    }
    const read = PROPERTIES_OF_FIELD[f.name.value];
    if (!read) return null;
    for (const p of read) props.add(p);
  }
  return [...props].sort();
}

/**
 * The `attribute` argument of a selected `provenance` field: a string, null when the arguments
 * are bad (the field reports them), undefined when the type has no such field.
 */
function provenanceAttribute(type: GraphQLObjectType, field: FieldNode, info: GraphQLResolveInfo): string | null | undefined {
  const def = type.getFields()[field.name.value];
  if (!def || !ROW_LABELS.has(type.name)) return undefined;
  try {
    const args = getArgumentValues(def, field, info.variableValues) as { attribute?: unknown };
    return typeof args.attribute === 'string' ? args.attribute : null;
  } catch {
    return null;
  }
}

/** The page request of a to-one relation. */
export const ONE: PageRequest = Object.freeze({ first: 1, after: null, kinds: null }) as PageRequest;

/** The page request a relation field's arguments make, exactly as relationConnection makes it. */
export function pageRequest(args: { first?: number | null; after?: string | null; kinds?: string[] | null }): PageRequest {
  return {
    first: pageSize(args.first),
    after: decodeCursor(args.after),
    kinds: args.kinds && args.kinds.length > 0 ? [...args.kinds].sort() : null,
  };
}

/**
 * What look-ahead may fetch on the caller's behalf: nothing for a field the policy denies (it
 * would only answer FORBIDDEN_FIELD), and a filter by kind only when the caller may filter by it.
 */
export type LookaheadPolicy = PlanningPolicy;

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
function planOfField(
  type: GraphQLObjectType,
  field: FieldNode,
  info: GraphQLResolveInfo,
  policy: LookaheadPolicy,
  depth: number,
): RelationPlan | null {
  const key = `${type.name}.${field.name.value}`;
  const toOne = TO_ONE[key];
  if (toOne) return { relation: toOne, page: ONE, count: false, props: null, nested: [], more: false };
  const relation = CONNECTIONS[key];
  if (!relation) return null;
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
  const props = sel.nodeType ? propertiesRead(sel.owners, sel.nodeType, info) : null;
  return { relation, page, count: sel.count, props, nested, more: sel.more };
}

/** Ancestors and relations that the selections `owners` make on `type`, unambiguous ones only. */
function plansOf(
  owners: readonly FieldNode[],
  type: GraphQLObjectType,
  info: GraphQLResolveInfo,
  policy: LookaheadPolicy,
  depth: number,
): EntityPlan {
  const byRelation = new Map<RelationName, (RelationPlan | null)[]>();
  const ancestorNodes: FieldNode[] = [];
  for (const f of selected(owners, type.name, info)) {
    const key = `${type.name}.${f.name.value}`;
    if (key === 'CityObject.ancestors' && policy.mayRead(key)) ancestorNodes.push(f);
    if (f.name.value === 'provenance') {
      // The value of a relation attribute is its target: fetch it as the to-one field would.
      const attribute = provenanceAttribute(type, f, info);
      const target = attribute ? provenanceRelation(type.name as RowType, attribute) : null;
      if (target && policy.mayRead(target.fieldKey)) {
        byRelation.set(target.relation, [...(byRelation.get(target.relation) ?? []), { relation: target.relation, page: ONE, count: false, props: null, nested: [], more: false }]);
      }
      continue;
    }
    const relation = CONNECTIONS[key] ?? TO_ONE[key];
    if (!relation || !policy.mayRead(key)) continue;
    byRelation.set(relation, [...(byRelation.get(relation) ?? []), planOfField(type, f, info, policy, depth)]);
  }
  const relations: RelationPlan[] = [];
  for (const plans of byRelation.values()) {
    const first = plans[0];
    if (first && plans.every((p) => p !== null && JSON.stringify(p) === JSON.stringify(first))) relations.push(first);
  }
  const ancestors = ancestorNodes.length > 0;
  return { ancestors, ancestorProps: ancestors ? ancestorPropertiesOf(ancestorNodes, info) : null, relations };
}

/**
 * The stored properties the `object` of `ancestors` selections (`owners`, any aliases together)
 * read, or null for all of them.
 */
function ancestorPropertiesOf(owners: readonly FieldNode[], info: GraphQLResolveInfo): string[] | null {
  const cityObject = info.schema.getType('CityObject');
  if (!cityObject || !isObjectType(cityObject)) return null;
  const objects = selected(owners, 'Ancestor', info).filter((f) => f.name.value === 'object');
  return propertiesRead(objects, cityObject, info);
}

/** Planning that asks the policy nothing. */
const NO_QUESTIONS: PlanningPolicy = { mayRead: () => true, mayFilterByKind: () => true };

/** What the `ancestors` field being resolved reads of each ancestor (its stored properties, null: all). */
export function ancestorProperties(info: GraphQLResolveInfo): readonly string[] | null {
  return cachedPlan(info, NO_QUESTIONS, 'ancestors', (i) => ancestorPropertiesOf(i.fieldNodes, i));
}

type PageArgs = { first?: number | null; after?: string | null; kinds?: string[] | null };

/** The plan of a relation connection field being resolved: its page, count and nested relations. */
export function connectionPlan(relation: RelationName, args: PageArgs, info: GraphQLResolveInfo | undefined, policy: LookaheadPolicy): RelationPlan {
  const page = pageRequest(args);
  const connection = info && getNamedType(info.returnType);
  if (!info || !connection || !isObjectType(connection)) return { relation, page, count: true, props: null, nested: [] };
  // The page comes from the field's own arguments (already coerced): part of what the plan is for.
  const kind = `${relation}|${page.first}|${page.after ?? ''}|${page.kinds ? JSON.stringify(page.kinds) : ''}`;
  return cachedPlan(info, policy, kind, (i, p) => {
    const sel = connectionSelection(i.fieldNodes, connection, i);
    const nested = sel.nodeType ? plansOf(sel.owners, sel.nodeType, i, p, MAX_DEPTH).relations : [];
    const props = sel.nodeType ? propertiesRead(sel.owners, sel.nodeType, i) : null;
    return { relation, page, count: sel.count, props, nested, more: sel.more };
  });
}

/** What a by-code field fetches of its entity in one statement, and whether it reads its geometry. */
export interface EntityAhead {
  entity: EntityPlan;
  geometry: boolean;
}

/** What a by-code field returning `type` will ask of its entity next, to fetch with it. */
export function entityPlan(info: GraphQLResolveInfo, policy: LookaheadPolicy): EntityAhead {
  return cachedPlan(info, policy, 'entity', (i, p) => {
    const type = getNamedType(i.returnType);
    if (!isObjectType(type)) return { entity: { ancestors: false, relations: [] }, geometry: false };
    const plan = plansOf(i.fieldNodes, type, i, p, MAX_DEPTH);
    const label = ROW_LABELS.has(type.name) ? (type.name as RowLabel) : undefined;
    const props = propertiesRead(i.fieldNodes, type, i);
    const geometry = type.name === 'CityObject' && selected(i.fieldNodes, type.name, i).some((f) => f.name.value === 'geometry' || f.name.value === 'heightM');
    return { entity: { ...plan, label, props }, geometry };
  });
}
