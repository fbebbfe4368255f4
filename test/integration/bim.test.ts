import { readFileSync } from 'node:fs';
import { fromRoot } from '../../core/paths';
import { importBim } from '../../ingest/bim';
import { readIfcModel } from '../../ingest/ifc';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * BIM into CIM against the real services, with a small IFC4 model the project wrote
 * (datasets/samples/futian-office.ifc: 2 storeys, 2 spaces, 3 walls, a door, a curtain-wall
 * assembly of 2 glass plates): storeys, spaces and elements become 构件 (COMPONENT) under the
 * building, plates 零件 (PART) under their assembly, each with a city code, its GlobalId in the
 * crosswalk and its bounds registered in PostGIS; re-import changes nothing; bad input is refused.
 * Everything it writes is removed afterwards.
 */
const FILE = fromRoot('datasets', 'samples', 'futian-office.ifc');
let api: TestApi;
let building: string;
let written: string[] = [];

beforeAll(async () => {
  api = await startTestApi();
  const [b] = await api.stores.graph.read<{ code: string }>(
    `MATCH (b:CityObject {objectKind: 'BUILDING', districtCode: '440304'}) WHERE b.floors >= 3 RETURN b.code AS code ORDER BY b.code LIMIT 1`,
  );
  building = b.code;
});
afterAll(async () => {
  if (written.length) {
    await api.stores.graph.write(`UNWIND $codes AS c MATCH (n:CityObject {code: c}) DETACH DELETE n`, { codes: written });
    await api.stores.graph.write(`MATCH (x:ExternalId {scheme: 'IFC_GUID'}) WHERE NOT (x)--() DELETE x`);
    await api.stores.sql.query(`DELETE FROM spatial_feature WHERE city_code = ANY($1::text[])`, [written]);
  }
  await api.close();
});

describe('reading an IFC model', () => {
  it('finds storeys, spaces, contained elements and assembled parts with their bounds', async () => {
    const model = await readIfcModel(new Uint8Array(readFileSync(FILE)));
    expect(model.schema).toBe('IFC4');
    const by = (level: string) => model.objects.filter((o) => o.level === level).map((o) => [o.ifcClass, o.name]).sort();
    expect(by('STOREY')).toEqual([['IfcBuildingStorey', '一层'], ['IfcBuildingStorey', '二层']]);
    expect(by('SPACE')).toEqual([['IfcSpace', '办公室 101'], ['IfcSpace', '办公室 201']]);
    expect(by('COMPONENT')).toEqual([['IfcDoor', '主入口门'], ['IfcElementAssembly', '二层北幕墙单元'], ['IfcWall', '一层北外墙'], ['IfcWall', '一层南外墙'], ['IfcWall', '二层南外墙']]);
    expect(by('PART')).toEqual([['IfcPlate', '玻璃面板 1'], ['IfcPlate', '玻璃面板 2']]);
    const wall = model.objects.find((o) => o.name === '二层南外墙')!;
    // 12 m × 0.2 m, 3.5 m high, on the second storey (3.5 m up), south face at y = -0.2.
    expect(wall.bounds!.map((x) => Number(x.toFixed(3)))).toEqual([0, -0.2, 3.5, 12, 0, 7]);
    const assembly = model.objects.find((o) => o.ifcClass === 'IfcElementAssembly')!;
    expect(assembly.bounds!.map((x) => Number(x.toFixed(3)))).toEqual([4.5, 8.09, 3.5, 7.5, 8.11, 6.5]);
  });

  it('refuses a file that is not IFC', async () => {
    await expect(readIfcModel(new TextEncoder().encode('name,floors\nA,3\n'))).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('importing it into a building', () => {
  it('makes city objects at the 构件 and 零件 levels with codes, crosswalk entries and registered bounds; re-import changes nothing', async () => {
    const first = await importBim(api.stores, { building, file: FILE });
    expect(first).toMatchObject({ building, schema: 'IFC4', storeys: 2, spaces: 2, components: 5, parts: 2 });
    const rows = await api.stores.graph.read<{ code: string; kind: string; ifcClass: string; guid: string; parent: string; parentKind: string; district: string }>(
      `MATCH (x:ExternalId {scheme: 'IFC_GUID'})-[:IDENTIFIES]->(o:CityObject)-[:PART_OF]->(p:CityObject)
       WHERE o.ifcGuid = x.value AND (p.code = $b OR (p)-[:PART_OF*1..3]->(:CityObject {code: $b}))
       RETURN o.code AS code, o.objectKind AS kind, o.ifcClass AS ifcClass, x.value AS guid, p.code AS parent, p.ifcClass AS parentKind, o.districtCode AS district`,
      { b: building },
    );
    written = rows.map((r) => r.code);
    expect(rows).toHaveLength(11);
    expect(first.issued === 11 || first.issued === 0).toBe(true);
    for (const r of rows) {
      expect(r.code.slice(6, 12)).toBe(r.kind === 'PART' ? '200400' : '200300');
      expect(r.district).toBe('440304');
    }
    expect(rows.filter((r) => r.ifcClass === 'IfcBuildingStorey').every((r) => r.parent === building)).toBe(true);
    expect(rows.filter((r) => r.ifcClass === 'IfcPlate').every((r) => r.parentKind === 'IfcElementAssembly' && r.kind === 'PART')).toBe(true);
    expect(rows.filter((r) => r.ifcClass === 'IfcWall').every((r) => r.parentKind === 'IfcBuildingStorey')).toBe(true);

    // Bounds registered in PostGIS: inside the building's footprint area (±20 m), with base and height.
    const feats = await api.stores.sql.query<{ city_code: string; base_m: number; height_m: number; d: number }>(
      `SELECT f.city_code, f.base_m, f.height_m, ST_Distance(ST_Centroid(f.geom)::geography, ST_Centroid(b.geom)::geography) AS d
         FROM spatial_feature f, spatial_feature b WHERE b.city_code = $1 AND f.city_code = ANY($2::text[])`,
      [building, written],
    );
    expect(feats).toHaveLength(11);
    expect(Math.max(...feats.map((f) => Number(f.d)))).toBeLessThan(20);
    const wall = rows.find((r) => r.ifcClass === 'IfcWall' && feats.find((f) => f.city_code === r.code && Number(f.base_m) > 3))!;
    expect(feats.find((f) => f.city_code === wall.code)).toMatchObject({ height_m: 3.5 });

    const again = await importBim(api.stores, { building, file: FILE });
    expect(again).toMatchObject({ issued: 0, features: { inserted: 0, updated: 0, unchanged: 11 } });
    const [count] = await api.stores.graph.read<{ n: number }>(`MATCH (o:CityObject) WHERE o.code IN $codes RETURN count(o) AS n`, { codes: written });
    expect(Number(count.n)).toBe(11);
    const [rels] = await api.stores.graph.read<{ n: number }>(`MATCH (o:CityObject)-[r:PART_OF]->() WHERE o.code IN $codes RETURN count(r) AS n`, { codes: written });
    expect(Number(rels.n)).toBe(11);
  });

  it('resolves a GlobalId to its city code, and serves the components through the gate', async () => {
    const model = await readIfcModel(new Uint8Array(readFileSync(FILE)));
    const door = model.objects.find((o) => o.ifcClass === 'IfcDoor')!;
    const token = await tokenFor('zhang.data');
    const r = await gql<{ resolveCode: { cityCode: string; entity: { ifcClass: string; ifcGuid: string; parent: { code: string } } } }>(
      api.url,
      `query ($v: String!) { resolveCode(scheme: IFC_GUID, value: $v) { cityCode entity { ... on CityObject { ifcClass ifcGuid parent { code } } } } }`,
      { v: door.globalId },
      bearer(token),
    );
    expect(r.errors).toBeUndefined();
    expect(written).toContain(r.data!.resolveCode.cityCode);
    expect(r.data!.resolveCode.entity).toMatchObject({ ifcClass: 'IfcDoor', ifcGuid: door.globalId });
    const bad = await gql(api.url, `{ resolveCode(scheme: IFC_GUID, value: "not-a-guid") { cityCode } }`);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('refuses an unknown building and a non-IFC file, writing nothing', async () => {
    await expect(importBim(api.stores, { building: '4403042001000000000000', file: FILE })).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    await expect(importBim(api.stores, { building, file: new TextEncoder().encode('hello') })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});
