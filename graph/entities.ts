import type { GraphStore } from './driver';

/** An entity node as stored: its labels and plain properties. */
export interface EntityRecord {
  code: string;
  labels: string[];
  props: Record<string, unknown>;
}

/** Entities by city code, in one round trip for any number of codes. */
export async function entitiesByCodes(graph: GraphStore, codes: readonly string[]): Promise<EntityRecord[]> {
  if (codes.length === 0) return [];
  return graph.read<EntityRecord>(
    `UNWIND $codes AS code
     MATCH (e:Entity {code: code})
     RETURN e.code AS code, labels(e) AS labels, properties(e) AS props`,
    { codes: [...codes] },
  );
}
