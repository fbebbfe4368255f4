/**
 * Lineage queries over the lineage nodes (graph/datasets.ts). Data flows
 *   upstream dataset ←DERIVED_FROM— derived dataset —HAS_FIELD→ field —FEEDS→ attribute
 * so a node's upstream neighbours are reached through incoming FEEDS/HAS_FIELD and outgoing
 * DERIVED_FROM edges, its downstream neighbours the other way. The walk is breadth-first, one
 * statement per hop for the whole frontier; a node is visited once (cycle-safe) at its smallest
 * hop count.
 */
import { capture, type GraphStore } from '../store/neo4j';

export type LineageDirection = 'UPSTREAM' | 'DOWNSTREAM';

export interface LineageNodeRecord {
  lid: string;
  labels: string[];
  props: Record<string, unknown>;
}

export interface LineageHop {
  from: string;
  to: LineageNodeRecord;
  relation: string;
  job: string | null;
}

export async function lineageNode(graph: GraphStore, lid: string): Promise<LineageNodeRecord | null> {
  const rows = await graph.read<LineageNodeRecord>(`MATCH (n:Lineage {lid: $lid}) RETURN n.lid AS lid, labels(n) AS labels, properties(n) AS props`, { lid });
  return rows[0] ?? null;
}

/** Neighbours of a frontier one hop away in one direction, in one statement. */
export async function lineageHop(graph: GraphStore, frontier: readonly string[], direction: LineageDirection, timeoutMs: number): Promise<LineageHop[]> {
  if (frontier.length === 0) return [];
  const cypher =
    direction === 'UPSTREAM'
      ? `UNWIND $frontier AS lid
         MATCH (n:Lineage {lid: lid})
         CALL (n) {
           MATCH (n)<-[r:FEEDS|HAS_FIELD]-(m:Lineage) RETURN m, type(r) AS relation, r.job AS job
           UNION
           MATCH (n)-[r:DERIVED_FROM]->(m:Lineage) RETURN m, type(r) AS relation, r.job AS job
         }
         RETURN lid AS from, {lid: m.lid, labels: labels(m), props: properties(m)} AS to, relation, job
         ORDER BY from, to.lid`
      : `UNWIND $frontier AS lid
         MATCH (n:Lineage {lid: lid})
         CALL (n) {
           MATCH (n)-[r:FEEDS|HAS_FIELD]->(m:Lineage) RETURN m, type(r) AS relation, r.job AS job
           UNION
           MATCH (n)<-[r:DERIVED_FROM]-(m:Lineage) RETURN m, type(r) AS relation, r.job AS job
         }
         RETURN lid AS from, {lid: m.lid, labels: labels(m), props: properties(m)} AS to, relation, job
         ORDER BY from, to.lid`;
  capture(cypher, { frontier: [...frontier] });
  const session = graph.driver.session({ defaultAccessMode: 'READ' });
  graph.stats.roundTrips++;
  try {
    const result = await session.executeRead((tx) => tx.run(cypher, { frontier: [...frontier] }), { timeout: Math.max(1, Math.round(timeoutMs)) });
    return result.records.map((r) => r.toObject() as unknown as LineageHop);
  } finally {
    await session.close();
  }
}

/** Datasets that are the authoritative source of an attribute. */
export async function authoritativeDatasets(graph: GraphStore, attributeLid: string): Promise<LineageNodeRecord[]> {
  return graph.read<LineageNodeRecord>(
    `MATCH (d:Dataset)-[:AUTHORITATIVE_FOR]->(:Attribute {lid: $lid})
     RETURN d.lid AS lid, labels(d) AS labels, properties(d) AS props ORDER BY d.lid`,
    { lid: attributeLid },
  );
}
