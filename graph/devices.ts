/**
 * The IoT devices of the graph with the building they are installed on (directly, or on one of
 * its components): what iot/ registers so that readings find their place without a graph read.
 */
import type { GraphStore } from '../store/neo4j';

export interface GraphDevice {
  deviceCode: string;
  cityCode: string;
  buildingCode: string | null;
}

export async function devicesOfGraph(graph: GraphStore, codes: readonly string[] | null = null): Promise<GraphDevice[]> {
  return graph.read<GraphDevice & Record<string, unknown>>(
    `MATCH (d:CityObject {objectKind: 'DEVICE'})
      WHERE d.deviceCode IS NOT NULL AND ($codes IS NULL OR d.code IN $codes)
     OPTIONAL MATCH (d)-[:INSTALLED_ON]->(:CityObject)-[:PART_OF*0..3]->(b:CityObject {objectKind: 'BUILDING'})
     WITH d, min(b.code) AS building
     RETURN d.deviceCode AS deviceCode, d.code AS cityCode, building AS buildingCode
     ORDER BY d.code`,
    { codes: codes ? [...codes] : null },
  );
}
