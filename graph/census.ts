/**
 * Counting the graph (the city-scale load's verification): nodes per label and relationships,
 * each answered from Neo4j's count store, so counting 68 M nodes reads no node.
 */
import type { GraphStore } from '../store/neo4j';

const COUNTED_LABELS = ['Person', 'Enterprise', 'CityObject', 'Region', 'ExternalId'] as const;
export type CountedLabel = (typeof COUNTED_LABELS)[number];

export async function nodesWithLabel(graph: GraphStore, label: CountedLabel): Promise<number> {
  // The label enters the statement text, so it must be one of the fixed list.
  if (!COUNTED_LABELS.includes(label)) throw new Error(`${String(label)} is not a counted label`);
  const [row] = await graph.read<{ n: number }>(`MATCH (n:${label}) RETURN count(n) AS n`);
  return Number(row.n);
}

export async function relationshipCount(graph: GraphStore): Promise<number> {
  const [row] = await graph.read<{ n: number }>('MATCH ()-[r]->() RETURN count(r) AS n');
  return Number(row.n);
}

export { COUNTED_LABELS };
