import neo4j from 'neo4j-driver';
import type { GraphStore } from './driver';
import type { EntityRecord } from './entities';
import { GraphScope, scopeParam, visible } from './scope';

/**
 * The relations an API field can follow, as fixed Cypher patterns from parent `p` to target `x`.
 * Field names map to these specs only; nothing a caller sends becomes part of a pattern.
 */
export const RELATIONS = {
  /** Person → enterprises employing them. */
  employers: '(p)-[:EMPLOYED_BY]->(x:Enterprise)',
  /** Enterprise → its employees. */
  employees: '(p)<-[:EMPLOYED_BY]-(x:Person)',
  /** Person → enterprises they are the legal representative of. */
  representedEnterprises: '(p)-[:LEGAL_REPRESENTATIVE_OF]->(x:Enterprise)',
  /** Enterprise → its legal representative. */
  legalRepresentative: '(p)<-[:LEGAL_REPRESENTATIVE_OF]-(x:Person)',
  /** Person → the room/unit they reside in. */
  residence: '(p)-[:RESIDES_IN]->(x:CityObject)',
  /** Room/unit or building → persons residing in it (a building's through its rooms). */
  residents: '(p)<-[:PART_OF*0..1]-(:CityObject)<-[:RESIDES_IN]-(x:Person)',
  /** Person or enterprise → where they are registered (户籍 / 注册地). */
  registeredAt: '(p)-[:REGISTERED_AT]->(x:CityObject)',
  /** Building or region → enterprises registered there. */
  registeredEnterprises: '(p)<-[:REGISTERED_AT]-(x:Enterprise)',
  /** Person or enterprise → what they own. */
  owns: '(p)-[:OWNS]->(x:CityObject)',
  /** City object → its owners. */
  owners: '(p)<-[:OWNS]-(x:Entity)',
  /** City object → its direct parent in the hierarchy. */
  parent: '(p)-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON]->(x:CityObject)',
  /** City object → its direct children in the hierarchy. */
  children: '(p)<-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON]-(x:CityObject)',
  /** Everything in a region or building, at any depth (社区 → 建筑物 → 房屋/构件 → 零件, devices). */
  contents: '(p)<-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON*1..6]-(x:CityObject)',
  /** Devices installed on an object or its components. */
  devices: '(p)<-[:INSTALLED_ON|PART_OF*1..3]-(x:CityObject {objectKind: "DEVICE"})',
} as const;

export type RelationName = keyof typeof RELATIONS;

export interface PageRequest {
  /** Page size, already validated against the maximum. */
  first: number;
  /** City code after which the page starts (keyset), or null for the first page. */
  after: string | null;
  /** Only targets whose objectKind is one of these (city objects), or null for all. */
  kinds: string[] | null;
}

export interface RelationPage {
  totalCount: number;
  items: EntityRecord[];
  hasNextPage: boolean;
  /** Pages of nested relations fetched in the same statement, per item code and relation. */
  nested?: Map<string, Map<RelationName, RelationPage>>;
}

/** A relation of the targets to fetch in the same statement (one level of look-ahead). */
export interface NestedRelation {
  relation: RelationName;
  page: PageRequest;
}

/** A relation pattern from `x` to `y`, for the nested level. */
function nestedPattern(relation: RelationName): string {
  return RELATIONS[relation].replaceAll('(x', '(y').replace('(p)', '(x)');
}

interface NestedRow {
  total: number;
  page: EntityRecord[];
}

interface PageItem extends EntityRecord {
  nested?: NestedRow[];
}

/**
 * One page of one relation for many parents, in one round trip: the total, and the targets
 * ordered by city code after the cursor — with, for each target, the first page of each
 * `nested` relation. Parents without a node get an empty page.
 */
export async function relationPages(
  graph: GraphStore,
  relation: RelationName,
  parentCodes: readonly string[],
  page: PageRequest,
  scope?: GraphScope,
  nested: readonly NestedRelation[] = [],
): Promise<Map<string, RelationPage>> {
  const pattern = RELATIONS[relation];
  const params: Record<string, unknown> = {
    codes: [...parentCodes],
    kinds: page.kinds,
    after: page.after,
    // LIMIT needs an integer; plain JS numbers travel to Neo4j as floats.
    limit: neo4j.int(page.first + 1),
    scope: scopeParam(scope),
  };
  const nestedCalls = nested.map((n, i) => {
    params[`n${i}kinds`] = n.page.kinds;
    params[`n${i}limit`] = neo4j.int(n.page.first + 1);
    const match = `MATCH ${nestedPattern(n.relation)}
         WITH DISTINCT y WHERE ($n${i}kinds IS NULL OR y.objectKind IN $n${i}kinds) AND ${visible('y')}`;
    return `CALL { WITH x ${match} RETURN count(y) AS n${i}total }
       CALL { WITH x ${match} WITH y ORDER BY y.code LIMIT $n${i}limit
              RETURN collect({code: y.code, labels: labels(y), props: properties(y)}) AS n${i}page }`;
  });
  const nestedOut = nested.map((_n, i) => `{total: n${i}total, page: n${i}page}`).join(', ');
  const rows = await graph.read<{ code: string; total: number; page: PageItem[] }>(
    `UNWIND $codes AS code
     MATCH (p:Entity {code: code})
     CALL {
       WITH p
       MATCH ${pattern}
       WITH DISTINCT x WHERE ($kinds IS NULL OR x.objectKind IN $kinds) AND ${visible('x')}
       RETURN count(x) AS total
     }
     CALL {
       WITH p
       MATCH ${pattern}
       WITH DISTINCT x WHERE ($kinds IS NULL OR x.objectKind IN $kinds) AND ($after IS NULL OR x.code > $after) AND ${visible('x')}
       WITH x ORDER BY x.code LIMIT $limit
       ${nestedCalls.join('\n       ')}
       RETURN collect({code: x.code, labels: labels(x), props: properties(x), nested: [${nestedOut}]}) AS page
     }
     RETURN code, total, page`,
    params,
  );
  const result = new Map<string, RelationPage>();
  for (const row of rows) {
    const items = row.page.slice(0, page.first);
    const nestedPages = new Map<string, Map<RelationName, RelationPage>>();
    for (const item of items) {
      const perRelation = new Map<RelationName, RelationPage>();
      nested.forEach((n, i) => {
        const r = item.nested?.[i];
        if (!r) return;
        perRelation.set(n.relation, { totalCount: r.total, items: r.page.slice(0, n.page.first), hasNextPage: r.page.length > n.page.first });
      });
      if (perRelation.size) nestedPages.set(item.code, perRelation);
    }
    result.set(row.code, {
      totalCount: row.total,
      items: items.map(({ nested: _n, ...record }) => record),
      hasNextPage: row.page.length > page.first,
      nested: nestedPages,
    });
  }
  return result;
}

export interface AncestorRecord {
  depth: number;
  entity: EntityRecord;
}

/** Every ancestor of many objects (parent first, up to the city), in one round trip. */
export async function ancestorsOf(graph: GraphStore, codes: readonly string[], scope?: GraphScope): Promise<Map<string, AncestorRecord[]>> {
  const rows = await graph.read<{ code: string; ancestors: AncestorRecord[] }>(
    `UNWIND $codes AS code
     MATCH (e:Entity {code: code})
     OPTIONAL MATCH path = (e)-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON*1..8]->(a:CityObject)
     WHERE ${visible('a')}
     WITH code, a, min(length(path)) AS depth
     ORDER BY depth
     RETURN code, [x IN collect({depth: depth, entity: {code: a.code, labels: labels(a), props: properties(a)}})
                   WHERE x.entity.code IS NOT NULL] AS ancestors`,
    { codes: [...codes], scope: scopeParam(scope) },
  );
  return new Map(rows.map((r) => [r.code, r.ancestors]));
}
