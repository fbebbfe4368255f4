/**
 * BIM into CIM (CIM 平台融合 BIM 模型): an IFC model of a building becomes city objects under it —
 * its storeys, spaces and the elements they contain at the 构件 level (COMPONENT, class 200300),
 * the parts an element is assembled from at the 零件 level (PART, class 200400) — each with a city
 * code, `PART_OF` its storey / space / element / the building, its IFC class and GlobalId, the
 * GlobalId in the crosswalk (scheme IFC_GUID), and its footprint and height registered in PostGIS
 * from its bounds, the model's origin placed at the building's footprint centroid (an IFC model of
 * the demo city carries no georeference; a model with IfcMapConversion would be placed by it).
 *
 * Re-import is idempotent: codes are kept per (building, GlobalId) in source_record_code, nodes,
 * relations and crosswalk entries are merged, features upserted (unchanged rows untouched).
 */
import { readFileSync } from 'node:fs';
import { CityCodeError } from '../core/errors';
import { mergeEntities, mergeExternalIds, mergeRelations } from '../graph/cityWrites';
import { entitiesByCodes } from '../graph/entities';
import { UNRESTRICTED } from '../graph/scope';
import { sourceRecordCodes } from '../registry/sourceCodes';
import { featuresByCodes, upsertFeatures, type FeatureInput } from '../spatial/features';
import type { Stores } from '../store/stores';
import { readIfcModel, type BimObject } from './ifc';

const CLASS_OF = { STOREY: '200300', SPACE: '200300', COMPONENT: '200300', PART: '200400' } as const;
const METRES_PER_DEGREE_LAT = 110_574;

export interface BimImportReport {
  building: string;
  schema: string;
  project: string | null;
  storeys: number;
  spaces: number;
  components: number;
  parts: number;
  /** City codes issued by this import (0 on a re-import). */
  issued: number;
  features: { inserted: number; updated: number; unchanged: number };
}

/** The centroid of a GeoJSON geometry's outer coordinates (good enough to place a model on its footprint). */
function centroidOf(geometry: unknown): [number, number] | null {
  const points: number[][] = [];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') points.push(c as number[]);
    else if (Array.isArray(c)) c.forEach(walk);
  };
  walk((geometry as { coordinates?: unknown } | null)?.coordinates);
  if (points.length === 0) return null;
  return [points.reduce((s, p) => s + p[0], 0) / points.length, points.reduce((s, p) => s + p[1], 0) / points.length];
}

export async function importBim(stores: Stores, input: { building: string; file: string | Uint8Array }): Promise<BimImportReport> {
  const [building] = await entitiesByCodes(stores.graph, [input.building], UNRESTRICTED);
  if (!building || building.props.objectKind !== 'BUILDING') {
    throw new CityCodeError('NOT_FOUND', `No building ${input.building.slice(0, 40)}`, 'Give the city code of the building the model is of.', { argument: 'building' });
  }
  const [feature] = await featuresByCodes(stores.sql, [input.building]);
  const origin = feature ? centroidOf(feature.geometry) : null;
  if (!origin) throw new CityCodeError('BAD_USER_INPUT', `Building ${input.building} has no footprint to place the model on`, 'Register the building’s footprint (dataset ghzy-building) first.', { argument: 'building' });
  const bytes = typeof input.file === 'string' ? new Uint8Array(readFileSync(input.file)) : input.file;
  const model = await readIfcModel(bytes);

  // City codes, one per GlobalId of this building's model, kept across re-imports.
  const division = input.building.slice(0, 6);
  const { codes, issued } = await sourceRecordCodes(
    stores.sql,
    `bim:${input.building}`,
    model.objects.map((o) => ({ recordKey: o.globalId, division, classCode: CLASS_OF[o.level] })),
  );
  const codeOf = (o: BimObject) => codes.get(o.globalId)!;
  const region = Object.fromEntries(['districtCode', 'streetCode', 'communityCode', 'gridCode'].filter((k) => typeof building.props[k] === 'string').map((k) => [k, building.props[k]]));
  for (const objectKind of ['COMPONENT', 'PART'] as const) {
    const rows = model.objects
      .filter((o) => (o.level === 'PART') === (objectKind === 'PART'))
      .map((o) => ({ code: codeOf(o), props: { objectKind, name: o.name, ifcClass: o.ifcClass, ifcGuid: o.globalId, ...region }, idHash: null, idCipher: null }));
    if (rows.length) await mergeEntities(stores.graph, ['CityObject'], rows);
  }
  const byGid = new Map(model.objects.map((o) => [o.globalId, o]));
  await mergeRelations(
    stores.graph,
    'PART_OF',
    model.objects.map((o) => ({ from: codeOf(o), to: o.parent ? codeOf(byGid.get(o.parent)!) : input.building })),
  );
  await mergeExternalIds(stores.graph, model.objects.map((o) => ({ scheme: 'IFC_GUID', value: o.globalId, code: codeOf(o) })));

  // Footprints from the bounds: x east, y north of the building's centroid; z above its base.
  const [lon0, lat0] = origin;
  const perLon = METRES_PER_DEGREE_LAT * Math.cos((lat0 * Math.PI) / 180);
  const at = (x: number, y: number): [number, number] => [Number((lon0 + x / perLon).toFixed(9)), Number((lat0 + y / METRES_PER_DEGREE_LAT).toFixed(9))];
  const features: FeatureInput[] = model.objects
    .filter((o) => o.bounds && o.bounds[3] - o.bounds[0] > 0 && o.bounds[4] - o.bounds[1] > 0)
    .map((o) => {
      const [x0, y0, z0, x1, y1, z1] = o.bounds!;
      return {
        cityCode: codeOf(o),
        kind: o.level === 'PART' ? 'PART' : 'COMPONENT',
        geometry: { type: 'Polygon', coordinates: [[at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)]] },
        baseM: Number(((feature?.baseM ?? 0) + z0).toFixed(3)),
        heightM: Number((z1 - z0).toFixed(3)),
        source: 'bim',
        districtCode: (region.districtCode as string | undefined) ?? null,
        streetCode: (region.streetCode as string | undefined) ?? null,
        communityCode: (region.communityCode as string | undefined) ?? null,
      };
    });
  const summary = features.length ? await upsertFeatures(stores.sql, features) : { inserted: 0, updated: 0, unchanged: 0 };
  const count = (level: BimObject['level']) => model.objects.filter((o) => o.level === level).length;
  return {
    building: input.building,
    schema: model.schema,
    project: model.project,
    storeys: count('STOREY'),
    spaces: count('SPACE'),
    components: count('COMPONENT'),
    parts: count('PART'),
    issued: issued.size,
    features: summary,
  };
}
