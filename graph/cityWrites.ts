/**
 * Cypher that writes city entities, relations and external identifiers in bulk (the seed and the
 * bulk loaders): MERGE by city code, so writing the same rows again changes nothing. Labels and
 * relation types enter the statements' text only after a check against the city model.
 */
import { isKindName, STORED_RELATION_TYPES } from '../domain/modelIndex';
import type { GraphStore } from '../store/neo4j';

/** Labels beside a kind's that the graph uses (regions are city objects with a Region label too). */
const SECONDARY_LABELS = new Set(['Region']);

/** The label clause of a node (`:CityObject:Region`), refusing anything the model does not know. */
function labelClause(labels: readonly string[]): string {
  const [kind, ...rest] = labels;
  if (!kind || !isKindName(kind)) throw new Error(`${String(kind)} is not a kind of the city model`);
  for (const l of rest) if (!SECONDARY_LABELS.has(l)) throw new Error(`${l} is not a label the graph uses`);
  return labels.map((l) => `:${l}`).join('');
}

export interface EntityWrite {
  code: string;
  props: Record<string, unknown>;
  /** A citizen ID's look-up key (HMAC) and encrypted copy; the clear number never reaches the graph. */
  idHash: string | null;
  idCipher: string | null;
}

/** Entities of one label set, merged by code; a person's ID number becomes an ExternalId by its hash. */
export async function mergeEntities(graph: GraphStore, labels: readonly string[], rows: readonly EntityWrite[]): Promise<void> {
  await graph.write(
    `UNWIND $rows AS r
     MERGE (e:Entity {code: r.code})
     SET e${labelClause(labels)}, e += r.props
     WITH e, r WHERE r.idHash IS NOT NULL
     SET e.idCipher = coalesce(e.idCipher, r.idCipher)
     MERGE (x:ExternalId {scheme: 'CITIZEN_ID', value: r.idHash})
     MERGE (x)-[:IDENTIFIES]->(e)`,
    { rows: [...rows] },
  );
}

/** Edges of one stored type of the model, merged between existing entities. */
export async function mergeRelations(graph: GraphStore, type: string, rows: readonly { from: string; to: string }[]): Promise<void> {
  // The type goes into the statement text, so it must be one of the model's.
  if (!STORED_RELATION_TYPES.has(type)) throw new Error(`${type} is not a stored relation type of the city model`);
  await graph.write(
    `UNWIND $rows AS r
     MATCH (a:Entity {code: r.from})
     MATCH (b:Entity {code: r.to})
     MERGE (a)-[:${type}]->(b)`,
    { rows: rows.map((e) => ({ from: e.from, to: e.to })) },
  );
}

/** External identifiers (多码融合) of existing entities. */
export async function mergeExternalIds(graph: GraphStore, rows: readonly { scheme: string; value: string; code: string }[]): Promise<void> {
  await graph.write(
    `UNWIND $rows AS r
     MATCH (e:Entity {code: r.code})
     MERGE (x:ExternalId {scheme: r.scheme, value: r.value})
     MERGE (x)-[:IDENTIFIES]->(e)`,
    { rows: [...rows] },
  );
}

/**
 * 互联网开放: each point of interest is matched to the building its source record was spatially
 * registered to (the footprint covering it, or the nearest within the registration radius):
 * MATCHED_TO, written once. Returns the number of POIs matched.
 */
export async function matchPointsOfInterest(graph: GraphStore): Promise<number> {
  const rows = await graph.write<{ matched: number }>(
    `MATCH (sr:SourceRecord)-[:MAPS_TO]->(p:PointOfInterest)
     WHERE sr.registeredLevel = 'BUILDING' AND sr.registeredTo IS NOT NULL
     MATCH (b:CityObject {code: sr.registeredTo})
     MERGE (p)-[:MATCHED_TO]->(b)
     RETURN count(DISTINCT p) AS matched`,
  );
  return Number(rows[0]?.matched ?? 0);
}
