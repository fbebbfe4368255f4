import {
  FieldNode,
  getNamedType,
  GraphQLObjectType,
  GraphQLResolveInfo,
  isObjectType,
  Kind,
  SelectionSetNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import type { NestedRelation, PageRequest, RelationName } from '../graph/relations';
import { decodeCursor, pageSize } from './pagination';

/**
 * Look-ahead for connections: when the nodes of a connection select a relation that every node
 * asks with the same arguments (residents → employers(first: 3)), the connection's statement
 * fetches that second level too and primes its loader, saving one round trip per level.
 */
const FIELD_RELATIONS: Record<string, RelationName> = {
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

/** The page request a relation field's arguments make, exactly as relationConnection makes it. */
export function pageRequest(args: { first?: number | null; after?: string | null; kinds?: string[] | null }): PageRequest {
  return {
    first: pageSize(args.first),
    after: decodeCursor(args.after),
    kinds: args.kinds && args.kinds.length > 0 ? [...args.kinds].sort() : null,
  };
}

function fieldsOf(selection: SelectionSetNode | undefined, typeName: string, info: GraphQLResolveInfo, out: FieldNode[] = []): FieldNode[] {
  for (const s of selection?.selections ?? []) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) {
      if (!s.typeCondition || s.typeCondition.name.value === typeName) fieldsOf(s.selectionSet, typeName, info, out);
    } else {
      const fragment = info.fragments[s.name.value];
      if (fragment && fragment.typeCondition.name.value === typeName) fieldsOf(fragment.selectionSet, typeName, info, out);
    }
  }
  return out;
}

/** Nested relations to fetch with this connection; none when anything is ambiguous. */
export function nestedRelations(info: GraphQLResolveInfo): NestedRelation[] {
  const connection = getNamedType(info.returnType);
  if (!isObjectType(connection)) return [];
  const nodesField = connection.getFields().nodes;
  const nodeType = nodesField && getNamedType(nodesField.type);
  if (!nodeType || !isObjectType(nodeType)) return [];
  const nodeSelections: FieldNode[] = [];
  for (const fieldNode of info.fieldNodes) {
    for (const f of fieldsOf(fieldNode.selectionSet, connection.name, info)) {
      if (f.name.value === 'nodes') nodeSelections.push(...fieldsOf(f.selectionSet, nodeType.name, info));
      if (f.name.value === 'edges') {
        for (const e of fieldsOf(f.selectionSet, `${nodeType.name}Edge`, info)) {
          if (e.name.value === 'node') nodeSelections.push(...fieldsOf(e.selectionSet, nodeType.name, info));
        }
      }
    }
  }
  const byField = new Map<string, PageRequest[]>();
  for (const f of nodeSelections) {
    const relation = FIELD_RELATIONS[`${nodeType.name}.${f.name.value}`];
    if (!relation) continue;
    try {
      const def = (nodeType as GraphQLObjectType).getFields()[f.name.value];
      const page = pageRequest(getArgumentValues(def, f, info.variableValues));
      if (page.after !== null) continue;
      byField.set(relation, [...(byField.get(relation) ?? []), page]);
    } catch {
      // Bad arguments: the nested field reports them itself when it runs.
    }
  }
  const nested: NestedRelation[] = [];
  for (const [relation, pages] of byField) {
    const first = JSON.stringify(pages[0]);
    if (pages.every((p) => JSON.stringify(p) === first)) nested.push({ relation: relation as RelationName, page: pages[0] });
  }
  return nested;
}
