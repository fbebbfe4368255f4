/**
 * What indicators read of the graph (domain/indicators.ts): the rows of a kind grouped by their
 * region codes and the properties the definitions filter or aggregate on (one statement per kind,
 * identical rows counted once), the regions of every level, and the lineage of each indicator:
 *   (:Attribute)-[:FEEDS]->(:Indicator {lid: 'indicator:Indicator.<id>'}) and (:Dataset)-[:FEEDS]->(:Indicator).
 */
import { isKindName } from '../domain/modelIndex';
import type { GraphStore } from '../store/neo4j';

export interface RegionRow {
  d: string | null;
  s: string | null;
  c: string | null;
  g: string | null;
  v: unknown[];
  n: number;
}

/** Rows of `kind` as (district, street, community, grid, values of `properties`) with their count. */
export async function kindRegionRows(graph: GraphStore, kind: string, properties: readonly string[]): Promise<RegionRow[]> {
  if (!isKindName(kind)) throw new Error(`${kind} is not a kind of the city model`);
  const rows = await graph.read<RegionRow & Record<string, unknown>>(
    `MATCH (n:${kind})
     WITH n.districtCode AS d, n.streetCode AS s, n.communityCode AS c, n.gridCode AS g, [p IN $props | n[p]] AS v
     RETURN d, s, c, g, v, count(*) AS n`,
    { props: [...properties] },
  );
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

export interface RegionObject {
  code: string;
  level: string;
  regionCode: string;
  districtCode: string | null;
  streetCode: string | null;
}

/** Every region object (city, districts, streets, communities, grids) with its region code. */
export async function regionObjects(graph: GraphStore): Promise<RegionObject[]> {
  return graph.read<RegionObject & Record<string, unknown>>(
    `MATCH (r:CityObject) WHERE r.objectKind IN ['CITY', 'DISTRICT', 'STREET', 'COMMUNITY', 'GRID']
     WITH r, CASE r.objectKind WHEN 'GRID' THEN r.gridCode WHEN 'CITY' THEN coalesce(r.regionCode, '440300') ELSE r.regionCode END AS regionCode
     WHERE regionCode IS NOT NULL
     RETURN r.code AS code, r.objectKind AS level, regionCode, r.districtCode AS districtCode, r.streetCode AS streetCode
     ORDER BY level, regionCode`,
  );
}

export interface IndicatorLineage {
  lid: string;
  key: string;
  label: string;
  owner: string;
  level: string;
  attributes: { lid: string; key: string; label: string }[];
  datasets: string[];
}

/** Writes the lineage nodes of the indicators and what feeds them (replacing what fed them before). */
export async function writeIndicatorLineage(graph: GraphStore, indicators: readonly IndicatorLineage[]): Promise<void> {
  await graph.write(
    `UNWIND $rows AS row
     MERGE (i:Lineage:Indicator {lid: row.lid})
     SET i.key = row.key, i.label = row.label, i.department = row.owner, i.level = row.level
     WITH i, row
     OPTIONAL MATCH (i)<-[old:FEEDS]-() DELETE old
     WITH DISTINCT i, row
     CALL (i, row) {
       UNWIND row.attributes AS a
       MERGE (x:Lineage:Attribute {lid: a.lid})
       ON CREATE SET x.key = a.key, x.label = a.label
       MERGE (x)-[:FEEDS]->(i)
     }
     CALL (i, row) {
       UNWIND row.datasets AS d
       MATCH (ds:Dataset {lid: d})
       MERGE (ds)-[:FEEDS]->(i)
     }`,
    { rows: indicators.map((i) => ({ ...i })) },
  );
}

/** The datasets an indicator reads, by its lineage (what feeds it directly, and the datasets feeding those attributes). */
export async function indicatorDatasets(graph: GraphStore, lids: readonly string[]): Promise<Map<string, string[]>> {
  const rows = await graph.read<{ lid: string; datasets: string[] }>(
    `UNWIND $lids AS lid
     MATCH (i:Indicator {lid: lid})
     OPTIONAL MATCH (ds:Dataset)-[:FEEDS]->(i)
     WITH i, lid, collect(DISTINCT ds.id) AS direct
     OPTIONAL MATCH (ds2:Dataset)-[:HAS_FIELD]->(:DatasetField)-[:FEEDS]->(:Attribute)-[:FEEDS]->(i)
     WITH lid, direct, collect(DISTINCT ds2.id) AS viaAttributes
     RETURN lid, [x IN direct + viaAttributes WHERE x IS NOT NULL] AS datasets`,
    { lids: [...lids] },
  );
  return new Map(rows.map((r) => [r.lid, [...new Set(r.datasets)].sort()]));
}
