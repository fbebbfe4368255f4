import { KIND_NAMES } from '../domain/model';
import type { GraphStore } from '../store/neo4j';
import { GraphScope, scopeParam, visible } from './scope';

/** An entity node as stored: its labels and plain properties. */
export interface EntityRecord {
  code: string;
  labels: string[];
  props: Record<string, unknown>;
}

/** Entities by city code that the scope lets the caller see, in one round trip for any number of codes. */
export async function entitiesByCodes(graph: GraphStore, codes: readonly string[], scope: GraphScope): Promise<EntityRecord[]> {
  if (codes.length === 0) return [];
  return graph.read<EntityRecord>(
    `UNWIND $codes AS code
     MATCH (e:Entity {code: code})
     WHERE ${visible('e', scope)}
     RETURN e.code AS code, labels(e) AS labels, properties(e) AS props`,
    { codes: [...codes], scope: scopeParam(scope) },
  );
}

/** Regions of one level (CITY, DISTRICT, STREET, COMMUNITY), optionally under one parent region. */
export async function regionsByLevel(
  graph: GraphStore,
  level: string,
  parentCode: string | null,
  scope: GraphScope,
): Promise<EntityRecord[]> {
  return graph.read<EntityRecord>(
    `MATCH (r:Region {level: $level})
     WHERE ($parent IS NULL OR (r)-[:WITHIN*1..3]->(:Entity {code: $parent})) AND ${visible('r', scope)}
     RETURN r.code AS code, labels(r) AS labels, properties(r) AS props
     ORDER BY r.regionCode`,
    { level, parent: parentCode, scope: scopeParam(scope) },
  );
}

/** The region whose GB/T 2260 (or street/community) code is regionCode. */
export async function regionByAdminCode(graph: GraphStore, regionCode: string, scope: GraphScope): Promise<EntityRecord | null> {
  const rows = await graph.read<EntityRecord>(
    `MATCH (r:Region {regionCode: $regionCode})
     WHERE ${visible('r', scope)}
     RETURN r.code AS code, labels(r) AS labels, properties(r) AS props`,
    { regionCode, scope: scopeParam(scope) },
  );
  return rows[0] ?? null;
}

/** How many entities of each kind the graph holds (Neo4j answers a count by label from its count store). */
export async function countsByKind(graph: GraphStore): Promise<Map<string, number>> {
  const branches = KIND_NAMES.map((k) => `MATCH (n:${k}) RETURN '${k}' AS kind, count(n) AS n`).join(' UNION ALL ');
  const rows = await graph.read<{ kind: string; n: number }>(`CALL () { ${branches} } RETURN kind, n`);
  return new Map(rows.map((r) => [r.kind, r.n]));
}

/**
 * Entities of one kind in one district, in code order after `afterCode`, that the scope lets the
 * caller see: a page of a district's rows (the first delivery of a return flow). The label is a
 * kind of the city model, never input.
 */
export async function entitiesInDistrict(
  graph: GraphStore,
  kind: (typeof KIND_NAMES)[number],
  districtCode: string,
  afterCode: string,
  first: number,
  scope: GraphScope,
): Promise<EntityRecord[]> {
  if (!KIND_NAMES.includes(kind)) throw new Error(`${kind} is not a kind of the city model`);
  return graph.read<EntityRecord>(
    `MATCH (e:${kind}) WHERE e.districtCode = $district AND e.code > $after AND ${visible('e', scope, kind)}
     RETURN e.code AS code, labels(e) AS labels, properties(e) AS props
     ORDER BY e.code LIMIT toInteger($first)`,
    { district: districtCode, after: afterCode, first, scope: scopeParam(scope) },
  );
}

/** What an export page selects: a kind, optionally a dataset's entities and a region (districts or streets). */
export interface ExportSelection {
  kind: (typeof KIND_NAMES)[number];
  dataset: string | null;
  districts: readonly string[] | null;
  streets: readonly string[] | null;
}

/**
 * One page of an export (批量共享): entities of a kind in code order after `afterCode`, that the
 * scope lets the caller see, optionally only those a dataset's records map to and only those in
 * some districts or streets (a row is in when its district or its street is listed).
 */
export async function entitiesForExport(graph: GraphStore, s: ExportSelection, afterCode: string, first: number, scope: GraphScope): Promise<EntityRecord[]> {
  if (!KIND_NAMES.includes(s.kind)) throw new Error(`${s.kind} is not a kind of the city model`);
  const region = s.districts || s.streets ? 'AND (e.districtCode IN $districts OR e.streetCode IN $streets)' : '';
  const match = s.dataset
    ? `MATCH (:SourceRecord {dataset: $dataset})-[:MAPS_TO]->(e:${s.kind}) WHERE e.code > $after ${region} AND ${visible('e', scope, s.kind)} WITH DISTINCT e`
    : `MATCH (e:${s.kind}) WHERE e.code > $after ${region} AND ${visible('e', scope, s.kind)}`;
  return graph.read<EntityRecord>(`${match} RETURN e.code AS code, labels(e) AS labels, properties(e) AS props ORDER BY e.code LIMIT toInteger($first)`, {
    dataset: s.dataset,
    after: afterCode,
    first,
    districts: [...(s.districts ?? [])],
    streets: [...(s.streets ?? [])],
    scope: scopeParam(scope),
  });
}

/**
 * Entities of the given kinds whose name contains `text`, that the scope lets the caller see, in
 * name order (at most `first`). The labels are kinds of the city model, never input; the text
 * index of migration 0005 serves CONTAINS.
 */
export async function entitiesByName(
  graph: GraphStore,
  kinds: readonly (typeof KIND_NAMES)[number][],
  text: string,
  first: number,
  scope: GraphScope,
): Promise<EntityRecord[]> {
  const unknown = kinds.filter((k) => !KIND_NAMES.includes(k));
  if (unknown.length) throw new Error(`${unknown.join(', ')} is not a kind of the city model`);
  if (kinds.length === 0) return [];
  const branches = kinds
    .map((k) => `MATCH (e:${k}) WHERE e.name CONTAINS $text AND ${visible('e', scope, k)} RETURN e LIMIT toInteger($first)`)
    .join(' UNION ALL ');
  return graph.read<EntityRecord>(
    `CALL () { ${branches} }
     RETURN e.code AS code, labels(e) AS labels, properties(e) AS props
     ORDER BY size(e.name), e.name, e.code LIMIT toInteger($first)`,
    { text, first, scope: scopeParam(scope) },
  );
}

export interface RegionCount {
  regionCode: string;
  kind: string;
  n: number;
}

/**
 * How many entities of each kind lie in each region of one level (districts, streets or
 * communities, by the codes the nodes carry), counting only what the scope lets the caller see.
 */
export async function countsByRegion(
  graph: GraphStore,
  level: 'DISTRICT' | 'STREET' | 'COMMUNITY',
  kinds: readonly (typeof KIND_NAMES)[number][],
  scope: GraphScope,
): Promise<RegionCount[]> {
  const prop = { DISTRICT: 'districtCode', STREET: 'streetCode', COMMUNITY: 'communityCode' }[level];
  const branches = kinds
    .filter((k) => KIND_NAMES.includes(k))
    .map((k) => `MATCH (e:${k}) WHERE e.${prop} IS NOT NULL AND NOT e:Region AND ${visible('e', scope, k)} RETURN e.${prop} AS regionCode, '${k}' AS kind, count(*) AS n`)
    .join(' UNION ALL ');
  if (!branches) return [];
  return graph.read<RegionCount>(`CALL () { ${branches} } RETURN regionCode, kind, n ORDER BY regionCode, kind`, { scope: scopeParam(scope) });
}
