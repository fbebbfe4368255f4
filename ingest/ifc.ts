/**
 * Reading an IFC model (BIM) with web-ifc: its storeys, spaces, the elements each storey or space
 * contains (构件) and the parts an element is assembled from (零件), each with its GlobalId, IFC
 * class, name, parent and 3D bounds in the model's coordinates (metres, z up). web-ifc parses the
 * STEP file and tessellates the geometry (a maintained IFC engine, WebAssembly; no hand-written
 * STEP parser). Nothing here touches the stores.
 */
import * as WebIFC from 'web-ifc';
import { badInput, CityCodeError } from '../core/errors';

export type BimLevel = 'STOREY' | 'SPACE' | 'COMPONENT' | 'PART';

export interface BimObject {
  globalId: string;
  ifcClass: string;
  level: BimLevel;
  name: string;
  /** GlobalId of the storey, space or element it belongs to; null for a storey (it belongs to the building). */
  parent: string | null;
  /** [minX, minY, minZ, maxX, maxY, maxZ] in the model's coordinates (z up), null without geometry. */
  bounds: [number, number, number, number, number, number] | null;
}

export interface BimModel {
  schema: string;
  project: string | null;
  objects: BimObject[];
}

type Line = Record<string, unknown>;
const text = (v: unknown): string | null => (v && typeof v === 'object' && 'value' in v ? String((v as { value: unknown }).value) : null);
const ref = (v: unknown): number | null => (v && typeof v === 'object' && 'value' in v && typeof (v as { value: unknown }).value === 'number' ? (v as { value: number }).value : null);
const refs = (v: unknown): number[] => (Array.isArray(v) ? v.map(ref).filter((x): x is number => x !== null) : []);

let api: WebIFC.IfcAPI | null = null;
async function ifcApi(): Promise<WebIFC.IfcAPI> {
  if (!api) {
    const a = new WebIFC.IfcAPI();
    await a.Init();
    api = a;
  }
  return api;
}

/** Parses an IFC file (STEP text); BAD_USER_INPUT when it is not one or holds no storey. */
export async function readIfcModel(bytes: Uint8Array): Promise<BimModel> {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (!head.startsWith('ISO-10303-21')) throw badInput('the file is not an IFC model (STEP, ISO-10303-21)', 'Export the model from the BIM tool as IFC2X3 or IFC4 (.ifc).', { argument: 'file' });
  const ifc = await ifcApi();
  let model: number;
  try {
    model = ifc.OpenModel(bytes);
  } catch (err) {
    throw unreadable(err);
  }
  try {
    const line = (id: number): Line => ifc.GetLine(model, id) as Line;
    const className = (id: number): string => {
      const name = (ifc.GetLine(model, id) as { constructor: { name: string } }).constructor.name;
      return name;
    };
    const objects = new Map<number, BimObject>();
    const put = (id: number, level: BimLevel, parent: string | null) => {
      const l = line(id);
      const globalId = text(l.GlobalId);
      if (!globalId) return;
      const name = text(l.LongName) ?? text(l.Name) ?? globalId;
      objects.set(id, { globalId, ifcClass: className(id), level, name, parent, bounds: null });
    };
    const idsOf = (type: number): number[] => {
      const v = ifc.GetLineIDsWithType(model, type);
      return Array.from({ length: v.size() }, (_, i) => v.get(i));
    };
    const storeys = idsOf(WebIFC.IFCBUILDINGSTOREY);
    if (storeys.length === 0) throw badInput('the IFC model has no storey (IfcBuildingStorey)', 'Import a building model: its storeys, spaces and elements become the building’s components.', { argument: 'file' });
    for (const s of storeys) put(s, 'STOREY', null);
    const gid = (id: number) => objects.get(id)?.globalId ?? null;
    // Spaces decompose storeys; elements are contained in storeys or spaces; parts decompose elements.
    const aggregates = idsOf(WebIFC.IFCRELAGGREGATES).map((id) => line(id));
    for (const rel of aggregates) {
      const whole = ref(rel.RelatingObject);
      if (whole === null || objects.get(whole)?.level !== 'STOREY') continue;
      for (const part of refs(rel.RelatedObjects)) if (className(part) === 'IfcSpace') put(part, 'SPACE', gid(whole));
    }
    for (const id of idsOf(WebIFC.IFCRELCONTAINEDINSPATIALSTRUCTURE)) {
      const rel = line(id);
      const container = ref(rel.RelatingStructure);
      if (container === null || !objects.has(container)) continue;
      for (const el of refs(rel.RelatedElements)) put(el, 'COMPONENT', gid(container));
    }
    for (const rel of aggregates) {
      const whole = ref(rel.RelatingObject);
      if (whole === null || objects.get(whole)?.level !== 'COMPONENT') continue;
      for (const part of refs(rel.RelatedObjects)) put(part, 'PART', gid(whole));
    }
    // Bounds from the tessellated geometry, placed (web-ifc answers y up: IFC x = X, y = -Z, z = Y).
    const grow = (id: number, x: number, y: number, z: number) => {
      const o = objects.get(id);
      if (!o) return;
      const b = o.bounds ?? [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
      o.bounds = [Math.min(b[0], x), Math.min(b[1], y), Math.min(b[2], z), Math.max(b[3], x), Math.max(b[4], y), Math.max(b[5], z)];
    };
    const onMesh = (mesh: WebIFC.FlatMesh) => {
      const placed = mesh.geometries;
      for (let i = 0; i < placed.size(); i++) {
        const pg = placed.get(i);
        const geometry = ifc.GetGeometry(model, pg.geometryExpressID);
        const v = ifc.GetVertexArray(geometry.GetVertexData(), geometry.GetVertexDataSize());
        const m = pg.flatTransformation;
        for (let k = 0; k < v.length; k += 6) {
          const [x, y, z] = [v[k], v[k + 1], v[k + 2]];
          const X = m[0] * x + m[4] * y + m[8] * z + m[12];
          const Y = m[1] * x + m[5] * y + m[9] * z + m[13];
          const Z = m[2] * x + m[6] * y + m[10] * z + m[14];
          grow(mesh.expressID, X, -Z, Y);
        }
        geometry.delete();
      }
    };
    ifc.StreamAllMeshes(model, onMesh);
    // web-ifc leaves spaces out of the full stream; ask for them by id.
    const spaces = [...objects.entries()].filter(([, o]) => o.level === 'SPACE' && !o.bounds).map(([id]) => id);
    if (spaces.length) ifc.StreamMeshes(model, spaces, onMesh);
    // A storey's or an assembly's bounds are those of what it holds.
    const byGid = new Map([...objects.values()].map((o) => [o.globalId, o]));
    for (const level of ['PART', 'COMPONENT', 'SPACE'] as const) {
      for (const o of objects.values()) {
        if (o.level !== level || !o.bounds || !o.parent) continue;
        const p = byGid.get(o.parent)!;
        const b = p.bounds ?? [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
        p.bounds = [Math.min(b[0], o.bounds[0]), Math.min(b[1], o.bounds[1]), Math.min(b[2], o.bounds[2]), Math.max(b[3], o.bounds[3]), Math.max(b[4], o.bounds[4]), Math.max(b[5], o.bounds[5])];
      }
    }
    const projects = idsOf(WebIFC.IFCPROJECT);
    return { schema: ifc.GetModelSchema(model), project: projects.length ? text(line(projects[0]).Name) : null, objects: [...objects.values()] };
  } catch (err) {
    throw unreadable(err);
  } finally {
    ifc.CloseModel(model);
  }
}

/** Whatever web-ifc throws on a damaged file becomes BAD_USER_INPUT (our own refusals pass through). */
function unreadable(err: unknown): unknown {
  if (err instanceof CityCodeError) return err;
  return badInput('the IFC file could not be read: it is damaged or not valid STEP', 'Export the model again from the BIM tool as IFC2X3 or IFC4 and check it opens there.', {
    argument: 'file',
    detail: String((err as Error)?.message ?? err).slice(0, 200),
  });
}
