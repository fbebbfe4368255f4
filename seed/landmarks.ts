import type { Stores } from '../api/stores';
import { upsertFeature } from '../spatial/features';
import { LANDMARKS } from './foundation';

/** MERGEs the landmark objects and their geometry; running it again changes nothing. */
export async function seedLandmarks({ graph, sql }: Stores): Promise<number> {
  await graph.write(
    `UNWIND $objects AS o
     MERGE (e:Entity:CityObject {code: o.code})
       SET e.objectKind = o.objectKind, e.name = o.name, e.address = o.address
     WITH e, o WHERE o.parentCode IS NOT NULL
     MATCH (parent:Entity {code: o.parentCode})
     MERGE (e)-[:WITHIN]->(parent)`,
    { objects: LANDMARKS.map(({ geometry: _g, heightM: _h, ...rest }) => ({ parentCode: null, address: null, ...rest })) },
  );
  for (const o of LANDMARKS) {
    await upsertFeature(sql, { cityCode: o.code, kind: o.objectKind, geometry: o.geometry, heightM: o.heightM, source: 'seed' });
  }
  return LANDMARKS.length;
}
