/**
 * Writes a city-scale run's files: CSV for Neo4j's offline importer (nodes and relationships with
 * integer import ids, one id space for entities "E" and one for external ids "X") and TSV for
 * PostgreSQL's COPY (the city code registry and the geometry, in the column orders of
 * registry/bulk.ts and spatial/bulk.ts). Work is cut into parts of at most
 * PART_ROWS rows of one kind; a part's files are written under temporary names and renamed when
 * all are complete, then the part's marker is written, so a run that stops anywhere resumes with
 * the first part that has no marker and produces the same bytes.
 */
import { fork } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, renameSync, writeFileSync, WriteStream } from 'node:fs';
import { join } from 'node:path';
import { encryptIdNumber, idLookupKey, piiKeys } from '../../domain/pii';
import { isKindName, STORED_RELATION_TYPES } from '../../domain/modelIndex';
import { progress } from '../../core/progress';
import { csvLine } from '../ingestDemo';
import type { SeedRelation } from '../plan';
import { COUNTER_BASE, ID_BASE, ScaleCity, ScaleKind } from './city';

export const PART_ROWS = 1_000_000;

/** What the importer is told about each file family (label set or relationship type, header). */
export const NODE_FILES = {
  regions: { labels: 'Entity:CityObject:Region', header: ':ID(E),code,objectKind,level,regionCode,name,districtCode,streetCode,communityCode' },
  buildings: { labels: 'Entity:CityObject', header: ':ID(E),code,objectKind,name,usage,floors:double,buildingCode,address,districtCode,streetCode,communityCode' },
  rooms: { labels: 'Entity:CityObject', header: ':ID(E),code,objectKind,name,houseCode,districtCode,streetCode,communityCode' },
  devices: { labels: 'Entity:CityObject', header: ':ID(E),code,objectKind,name,deviceCode,districtCode,streetCode,communityCode' },
  persons: { labels: 'Entity:Person', header: ':ID(E),code,name,sex,birthDate,phone,idCipher,districtCode,streetCode,communityCode' },
  enterprises: {
    labels: 'Entity:Enterprise',
    header: ':ID(E),code,name,uscc,industry,establishedOn,status,registeredCapitalWan:double,address,districtCode,streetCode,communityCode',
  },
  xids: { labels: 'ExternalId', header: ':ID(X),scheme,value' },
} as const;

/** The relations a city-scale run writes: the demo plan's (seed/plan.ts), checked against the model at import. */
type RelationType = SeedRelation;
export const RELATION_HEADER = ':START_ID(E),:END_ID(E)';
/** Labels the graph uses beside the model's kinds (as graph/cityWrites.ts allows them). */
const NODE_LABELS_BESIDE_KINDS = new Set(['Entity', 'Region', 'ExternalId']);
export const IDENTIFIES_HEADER = ':START_ID(X),:END_ID(E)';


type NodeFamily = keyof typeof NODE_FILES;

/** One part: a slice [from, to) of one kind. */
export interface Part {
  name: string;
  kind: ScaleKind;
  from: number;
  to: number;
}

export function partsOf(city: ScaleCity): Part[] {
  const sizes: [ScaleKind, number][] = [
    ['region', city.regions.length],
    ['building', city.counts.buildings],
    ['room', city.counts.rooms],
    ['device', city.counts.devices],
    ['person', city.counts.persons],
    ['enterprise', city.counts.enterprises],
  ];
  const parts: Part[] = [];
  for (const [kind, n] of sizes) {
    for (let from = 0, k = 0; from < n; from += PART_ROWS, k++) {
      parts.push({ name: `${kind}-${String(k).padStart(3, '0')}`, kind, from, to: Math.min(n, from + PART_ROWS) });
    }
  }
  return parts;
}

/** A part's output files by family: node files, relationship files, the registry and geometry. */
class PartWriter {
  private readonly streams = new Map<string, { stream: WriteStream; buffer: string[]; size: number; path: string }>();
  constructor(
    private readonly dir: string,
    private readonly part: Part,
  ) {}

  fileName(family: string): string {
    return `${family}.${this.part.name}`;
  }

  async line(family: string, text: string): Promise<void> {
    let s = this.streams.get(family);
    if (!s) {
      const path = join(this.dir, this.fileName(family));
      s = { stream: createWriteStream(`${path}.tmp`), buffer: [], size: 0, path };
      this.streams.set(family, s);
    }
    s.buffer.push(text);
    if (++s.size >= 4_096) await this.flush(s);
  }

  private async flush(s: { stream: WriteStream; buffer: string[]; size: number }): Promise<void> {
    if (s.buffer.length === 0) return;
    const ok = s.stream.write(s.buffer.join('\n') + '\n');
    s.buffer = [];
    s.size = 0;
    if (!ok) await new Promise<void>((resolve) => s.stream.once('drain', resolve));
  }

  /** Closes every file and gives them their final names; returns the families written. */
  async finish(): Promise<string[]> {
    for (const s of this.streams.values()) {
      await this.flush(s);
      await new Promise<void>((resolve, reject) => s.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
    for (const s of this.streams.values()) renameSync(`${s.path}.tmp`, s.path);
    return [...this.streams.keys()];
  }
}

const tsv = (cells: (string | number | null)[]) => cells.map((c) => (c === null ? '\\N' : String(c))).join('\t');
const ewkt = (ring: readonly (readonly number[])[]) => `SRID=4490;POLYGON((${ring.map((p) => `${p[0]} ${p[1]}`).join(',')}))`;
const division = (code: string) => code.slice(0, 6);
const classCode = (code: string) => code.slice(6, 12);

/** Per (division, class): the next counter after the part's codes (for city_code_counter). */
export type NextCounters = Record<string, number>;

async function writePart(
  city: ScaleCity,
  part: Part,
  w: PartWriter,
  keys: ReturnType<typeof piiKeys>,
  tick: (n: number) => void,
): Promise<NextCounters> {
  const next: NextCounters = {};
  const registry = async (code: string, counter: number, kind: 'PERSON' | 'ENTERPRISE' | 'OBJECT') => {
    const key = `${division(code)}/${classCode(code)}`;
    if (!(next[key] > counter)) next[key] = counter + 1;
    await w.line('registry', tsv([code, division(code), classCode(code), counter, kind]));
  };
  const E = ID_BASE;
  const rel = (type: RelationType, from: number, to: number) => w.line(`rel-${type}`, `${from},${to}`);
  const xid = async (id: number, scheme: string, value: string) => {
    await w.line('xids', csvLine([id, scheme, value]));
    await w.line('rel-IDENTIFIES', `${id},${id}`);
  };
  const counterOf = (i: number) => COUNTER_BASE + i;
  for (let i = part.from; i < part.to; i++) {
    switch (part.kind) {
      case 'region': {
        const r = city.regions[i];
        const p = r.props;
        await w.line('regions', csvLine([E.region + i, r.code, p.objectKind, p.level, p.regionCode, p.name, p.districtCode, p.streetCode, p.communityCode]));
        if (r.parentIndex !== null) await rel('WITHIN', E.region + i, E.region + r.parentIndex);
        await registry(r.code, r.counter, 'OBJECT');
        break;
      }
      case 'building': {
        const b = city.building(i);
        const id = E.building + i;
        await w.line('buildings', csvLine([id, b.code, 'BUILDING', b.name, b.usage, b.floors, b.buildingCode, b.address, b.scope.districtCode, b.scope.streetCode, b.scope.communityCode]));
        await rel('LOCATED_IN', id, E.region + b.place.regionIndex);
        await xid(id, 'BUILDING_CODE', b.buildingCode);
        await registry(b.code, counterOf(i), 'OBJECT');
        await w.line(
          'features',
          tsv([b.code, 'BUILDING', ewkt(b.footprint.coordinates[0]), b.floors * 3, b.scope.districtCode, b.scope.streetCode, b.scope.communityCode, 'city-scale']),
        );
        break;
      }
      case 'room': {
        const r = city.room(i, city.buildingCodeForRoom(i));
        const id = E.room + i;
        await w.line('rooms', csvLine([id, r.code, 'ROOM', r.name, r.houseCode, r.scope.districtCode, r.scope.streetCode, r.scope.communityCode]));
        await rel('PART_OF', id, E.building + city.buildingOfRoom(i));
        await xid(id, 'HOUSE_CODE', r.houseCode);
        await registry(r.code, counterOf(i), 'OBJECT');
        break;
      }
      case 'device': {
        const d = city.device(i);
        const id = E.device + i;
        await w.line('devices', csvLine([id, d.code, 'DEVICE', d.name, d.deviceCode, d.scope.districtCode, d.scope.streetCode, d.scope.communityCode]));
        await rel('INSTALLED_ON', id, E.building + city.buildingOfDevice(i));
        await xid(id, 'DEVICE_CODE', d.deviceCode);
        await registry(d.code, counterOf(i), 'OBJECT');
        await w.line('features', tsv([d.code, 'DEVICE', `SRID=4490;POINT(${d.point[0]} ${d.point[1]})`, null, d.scope.districtCode, d.scope.streetCode, d.scope.communityCode, 'city-scale']));
        break;
      }
      case 'person': {
        const p = city.person(i);
        const id = E.person + i;
        await w.line(
          'persons',
          csvLine([id, p.code, p.name, p.sex, p.birthDate, p.phone, encryptIdNumber(p.citizenId, keys.encryptionKey), p.scope.districtCode, p.scope.streetCode, p.scope.communityCode]),
        );
        await xid(id, 'CITIZEN_ID', idLookupKey(p.citizenId, keys.hmacKey));
        const room = city.roomOfPerson(i);
        if (room !== null) {
          await rel('RESIDES_IN', id, E.room + room);
          if (i % 10 < 3) await rel('OWNS', id, E.room + room);
        }
        const registered = city.registeredCommunity(i);
        if (registered !== null) await rel('REGISTERED_AT', id, E.region + registered);
        const employer = city.employerOf(i);
        if (employer !== null) {
          await rel('EMPLOYED_BY', id, E.enterprise + employer);
          if (i % 5 < 4) await rel('WORKS_AT', id, E.building + city.buildingOfEnterprise(employer));
        }
        await registry(p.code, counterOf(i), 'PERSON');
        break;
      }
      case 'enterprise': {
        const e = city.enterprise(i);
        const id = E.enterprise + i;
        const v = e.props;
        await w.line(
          'enterprises',
          csvLine([id, e.code, v.name, v.uscc, v.industry, v.establishedOn, v.status, v.registeredCapitalWan, v.address, v.districtCode, v.streetCode, v.communityCode]),
        );
        const building = E.building + city.buildingOfEnterprise(i);
        await rel('REGISTERED_AT', id, building);
        await rel('OPERATES', id, building);
        await rel('LEGAL_REPRESENTATIVE_OF', E.person + city.legalRepresentativeOf(i), id);
        await xid(id, 'USCC', String(v.uscc));
        await registry(e.code, counterOf(i), 'ENTERPRISE');
        break;
      }
    }
    if ((i - part.from) % 10_000 === 9_999) tick(10_000);
  }
  tick((part.to - part.from) % 10_000);
  return next;
}

export interface PartMarker {
  families: string[];
  rows: number;
  counters: NextCounters;
}

/** The marker of a finished part, or null. */
export function partMarker(dir: string, part: Part): PartMarker | null {
  const marker = join(dir, `${part.name}.done`);
  return existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as PartMarker) : null;
}

/** Writes the given parts (those without a marker), reporting rows as they are written. */
export async function writeParts(city: ScaleCity, dir: string, parts: readonly Part[], tick: (rows: number) => void): Promise<void> {
  const keys = piiKeys();
  for (const part of parts) {
    if (existsSync(join(dir, `${part.name}.done`))) continue;
    const w = new PartWriter(dir, part);
    const counters = await writePart(city, part, w, keys, tick);
    const marker: PartMarker = { families: await w.finish(), rows: part.to - part.from, counters };
    writeFileSync(join(dir, `${part.name}.done`), JSON.stringify(marker) + '\n');
  }
}

/**
 * Generates every part that has no marker yet, in `workers` processes (parts dealt round-robin;
 * each process computes its rows from their indexes alone, so the output is the same for any
 * number of workers). Returns the number of parts written now.
 */
export async function generateCity(city: ScaleCity, dir: string, scale: number, workers = 1): Promise<{ written: number; skipped: number }> {
  const parts = partsOf(city);
  const todo = parts.filter((p) => !existsSync(join(dir, `${p.name}.done`)));
  const rows = todo.reduce((n, p) => n + p.to - p.from, 0);
  const bar = progress('generate: city rows', rows);
  if (workers <= 1 || todo.length <= 1) {
    await writeParts(city, dir, todo, (n) => bar.advance(n));
  } else {
    const children = Array.from({ length: Math.min(workers, todo.length) }, (_, w) =>
      fork(join(__dirname, 'generateWorker.js'), [String(scale), dir, todo.filter((_, i) => i % workers === w).map((p) => p.name).join(',')], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            child.on('message', (m: { rows?: number }) => m.rows && bar.advance(m.rows));
            child.on('error', reject);
            child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a generate worker exited with code ${String(code)}`))));
          }),
      ),
    ).catch((err: Error) => {
      for (const c of children) c.kill();
      throw err;
    });
  }
  bar.done();
  return { written: todo.length, skipped: parts.length - todo.length };
}

/**
 * The importer's view of a file family. Labels and relationship types reach the store without
 * passing graph/cityWrites.ts, so they are checked against the city model here: a type or label
 * the model does not know is refused (the identifier graph's IDENTIFIES / ExternalId aside).
 */
export function familyHeader(family: string): { kind: 'nodes' | 'relationships'; label: string; header: string } {
  if (family.startsWith('rel-')) {
    const type = family.slice(4);
    if (type !== 'IDENTIFIES' && !STORED_RELATION_TYPES.has(type)) throw new Error(`${type} is not a stored relation type of the city model`);
    return { kind: 'relationships', label: type, header: type === 'IDENTIFIES' ? IDENTIFIES_HEADER : RELATION_HEADER };
  }
  const f = NODE_FILES[family as NodeFamily];
  if (!f) throw new Error(`unknown file family ${family}`);
  for (const label of f.labels.split(':')) {
    if (!NODE_LABELS_BESIDE_KINDS.has(label) && !isKindName(label)) throw new Error(`${label} is not a kind of the city model`);
  }
  return { kind: 'nodes', label: f.labels, header: f.header };
}
