import type { GraphStore } from '../store/neo4j';

/** An external identifier (多码融合) as stored: scheme plus normalised value (an HMAC for ID numbers). */
export interface ExternalIdKey {
  scheme: string;
  value: string;
}

/** City codes of many external identifiers, in one round trip; unknown ones are absent. */
export async function codesByExternalIds(graph: GraphStore, keys: readonly ExternalIdKey[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await graph.read<{ scheme: string; value: string; code: string }>(
    `UNWIND $keys AS k
     MATCH (:ExternalId {scheme: k.scheme, value: k.value})-[:IDENTIFIES]->(e:Entity)
     RETURN k.scheme AS scheme, k.value AS value, e.code AS code`,
    { keys: keys.map((k) => ({ scheme: k.scheme, value: k.value })) },
  );
  return new Map(rows.map((r) => [externalIdKey(r), r.code]));
}

export function externalIdKey(k: ExternalIdKey): string {
  return `${k.scheme}\u0000${k.value}`;
}
