import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestFile } from '../../ingest/pipeline';
import type { Stores } from '../../store/stores';
import { makeCitizenId } from '../../domain/identifiers';
import { parseDataset } from '../../domain/datasets';
import { departmentsOf, register } from '../../ingest/registry';
import { loadPolicyDir } from '../../store/policy';

/**
 * Source files and datasets for ingestion tests. Each namespace ('A', 'B') has its own persons
 * (own birth division, names, phones), so files of two namespaces have the same shape and the
 * same matching outcomes without ever touching each other's entities or the seeded city.
 */
const DIGITS = '零一二三四五六七八九';
const NS: Record<string, { division: string; phone: string; word: string; year: number }> = {
  A: { division: '440310', phone: '1990', word: '甲', year: 1940 },
  B: { division: '440311', phone: '1665', word: '乙', year: 1960 },
  C: { division: '440308', phone: '1773', word: '丙', year: 1980 },
  D: { division: '440309', phone: '1884', word: '丁', year: 1990 },
  E: { division: '440307', phone: '1775', word: '戊', year: 1970 },
  F: { division: '440306', phone: '1996', word: '己', year: 1950 },
  S: { division: '440303', phone: '1997', word: '庚', year: 1955 },
  R: { division: '440305', phone: '1998', word: '辛', year: 1965 },
};

export function testDatasetId(ns: string): string {
  return `test-ingest-${ns.toLowerCase()}`;
}

export async function registerTestDataset(stores: Stores, ns: string): Promise<void> {
  const policy = loadPolicyDir();
  const def = parseDataset(
    {
      id: testDatasetId(ns),
      name: `测试人口 ${ns}`,
      department: 'SZ-GAJ',
      topic: '测试',
      domain: 'POPULATION',
      level: 'L3',
      cadence: 'DAILY',
      entity: 'Person',
      classCode: '010000',
      recordKey: 'record_id',
      recordTime: 'updated_at',
      fields: [
        { name: 'record_id', type: 'string', required: true },
        { name: 'id_number', type: 'CITIZEN_ID', attribute: 'Person.idNumber' },
        { name: 'name', type: 'string', attribute: 'Person.name', required: true },
        { name: 'sex', type: 'sex', attribute: 'Person.sex' },
        { name: 'birth_date', type: 'date', attribute: 'Person.birthDate' },
        { name: 'phone', type: 'phone', attribute: 'Person.phone' },
        { name: 'updated_at', type: 'datetime' },
      ],
      authoritative: ['Person.name'],
    },
    new Set(departmentsOf(policy).keys()),
  );
  await register(stores, policy, def, 'test');
}

function chinese(n: number): string {
  return [...String(n)].map((d) => DIGITS[Number(d)]).join('');
}

export interface PersonRow {
  recordKey: string;
  idNumber: string | null;
  name: string;
  sex: string;
  birthDate: string;
  phone: string;
  updatedAt: string;
}

function person(ns: string, i: number): Omit<PersonRow, 'recordKey' | 'updatedAt'> {
  const { division, phone, word, year } = NS[ns];
  const birth = new Date(Date.UTC(year, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
  const seq = 100 + (i % 2);
  return {
    idNumber: makeCitizenId(division, birth.replaceAll('-', ''), seq, { today: '20260101' }),
    name: `测${word}${chinese(i)}`,
    sex: seq % 2 === 1 ? 'M' : 'F',
    birthDate: birth,
    phone: `${phone}${String(1_000_000 + i).slice(-7)}`,
  };
}

/**
 * `rows` lines of namespace `ns`: mostly new persons; every 10th row a later record of a person
 * first seen 500 rows earlier (same ID, new phone: deterministic match across batches); every
 * 50th row a record of an earlier person without ID (probabilistic match); every 97th row a
 * bad date (rejected).
 */
export function personRows(ns: string, rows: number): PersonRow[] {
  const out: PersonRow[] = [];
  for (let i = 0; i < rows; i++) {
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    if (i % 97 === 96) {
      out.push({ recordKey: `${ns}-${i}`, ...person(ns, i), birthDate: '2026-13-01', updatedAt: at });
    } else if (i % 10 === 5 && i >= 500) {
      const p = person(ns, i - 500);
      out.push({ recordKey: `${ns}-${i}`, ...p, phone: `${p.phone.slice(0, 4)}9${p.phone.slice(5)}`, updatedAt: at });
    } else if (i % 50 === 7 && i >= 1000) {
      out.push({ recordKey: `${ns}-${i}`, ...person(ns, i - 1000), idNumber: null, updatedAt: at });
    } else {
      out.push({ recordKey: `${ns}-${i}`, ...person(ns, i), updatedAt: at });
    }
  }
  return out;
}

export function writePersonCsv(path: string, rows: PersonRow[]): void {
  const lines = ['record_id,id_number,name,sex,birth_date,phone,updated_at'];
  for (const r of rows) lines.push([r.recordKey, r.idNumber ?? '', r.name, r.sex, r.birthDate, r.phone, r.updatedAt].join(','));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Removes everything a test dataset wrote (its codes stay issued in the registry, as retired codes do). */
export async function cleanTestDataset(stores: Stores, ns: string): Promise<void> {
  const id = testDatasetId(ns);
  await stores.graph.write(
    `MATCH (e:Entity {createdBy: $id})
     OPTIONAL MATCH (x:ExternalId)-[:IDENTIFIES]->(e)
     DETACH DELETE x, e`,
    { id },
  );
  await stores.graph.write(`MATCH (s:SourceRecord {dataset: $id}) DETACH DELETE s`, { id });
  await stores.graph.write(`MATCH (r:IngestRun {dataset: $id}) DELETE r`, { id });
  await stores.graph.write(`MATCH (c:ReviewCase {dataset: $id}) DELETE c`, { id });
  await stores.graph.write(`MATCH (c:Conflict) WHERE c.datasetA = $id OR c.datasetB = $id DELETE c`, { id });
  await stores.sql.query('DELETE FROM source_record_code WHERE dataset = $1', [id]);
}

/** Forgets a test dataset's registration (its lineage nodes). */
export async function unregisterTestDataset(stores: Stores, ns: string): Promise<void> {
  await stores.graph.write(
    `MATCH (d:Dataset {lid: $lid}) OPTIONAL MATCH (d)-[:HAS_FIELD]->(f:DatasetField) DETACH DELETE f, d`,
    { lid: `dataset:${testDatasetId(ns)}` },
  );
}

export interface DatasetSnapshot {
  records: unknown[];
  entities: unknown[];
  counts: Record<string, number>;
}

/**
 * Everything the dataset's ingestion put in the graph, with city codes replaced by their order
 * of first appearance and namespace-specific text (record keys, names, phones, ID hashes)
 * reduced to what does not depend on the namespace, and wall-clock times left out.
 */
export async function snapshot(stores: Stores, ns: string): Promise<DatasetSnapshot> {
  const id = testDatasetId(ns);
  const rows = await stores.graph.read<{ line: number; status: string; method: string | null; score: number | null; code: string | null; x: string | null; filled: number; props: Record<string, unknown> | null; ids: number }>(
    `MATCH (s:SourceRecord {dataset: $id})
     OPTIONAL MATCH (s)-[m:MAPS_TO]->(e:Entity)
     RETURN s.line AS line, s.status AS status, m.method AS method, m.score AS score, e.code AS code,
            s.recordKey AS x, s.filled AS filled, properties(e) AS props,
            COUNT { (:ExternalId)-[:IDENTIFIES]->(e) } AS ids
     ORDER BY s.line`,
    { id },
  );
  const order = new Map<string, number>();
  const strip = (v: unknown): unknown => (typeof v === 'string' ? v.replaceAll(`${ns}-`, '#-').replaceAll(id, '#').replace(/^测.(.*)$/, '测#$1').replace(/^(1990|1665|1773)/, '1###') : v);
  const records = rows.map((r) => {
    if (r.code && !order.has(r.code)) order.set(r.code, order.size);
    // The best score of a record that became a new entity depends on the namespace's neighbours
    // in the seeded city (other birth years), not on the run; matched records keep theirs.
    return [r.line, r.status, r.method, r.method === 'NEW' ? null : r.score, r.code ? order.get(r.code) : null, strip(r.x), r.filled];
  });
  const entities = new Map<number, unknown>();
  for (const r of rows) {
    if (!r.code || !r.props) continue;
    const p = r.props;
    const prov = Object.keys(p)
      .filter((k) => k.startsWith('_prov_'))
      .sort()
      .map((k) => [k, strip(p[k])]);
    const shifted = typeof p.birthDate === 'string' ? `${Number(p.birthDate.slice(0, 4)) - NS[ns].year}${p.birthDate.slice(4)}` : p.birthDate;
    entities.set(order.get(r.code)!, [strip(p.name), p.sex, shifted, strip(p.phone), p.createdBy === id, typeof p.idCipher === 'string', r.ids, prov]);
  }
  const [counts] = await stores.graph.read<Record<string, number>>(
    `CALL () { MATCH (s:SourceRecord {dataset: $id}) RETURN count(s) AS records }
     CALL () { MATCH (:SourceRecord {dataset: $id})-[m:MAPS_TO]->() RETURN count(m) AS maps }
     CALL () { MATCH (e:Entity {createdBy: $id}) RETURN count(e) AS created }
     CALL () { MATCH (c:Conflict) WHERE c.datasetA = $id OR c.datasetB = $id RETURN count(c) AS conflicts }
     CALL () { MATCH (c:ReviewCase {dataset: $id}) RETURN count(c) AS reviews }
     CALL () { MATCH (x:ExternalId)-[:IDENTIFIES]->(:Entity {createdBy: $id}) RETURN count(x) AS externalIds }
     RETURN records, maps, created, conflicts, reviews, externalIds`,
    { id },
  );
  const [codes] = await stores.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM source_record_code WHERE dataset = $1', [id]);
  return { records, entities: [...entities.entries()].sort((a, b) => a[0] - b[0]), counts: { ...counts, issuedCodes: codes.n } };
}

/**
 * Persons of namespace `ns` created through the real ingest path (a file of `rows`), then placed
 * where they live (what spatial registration of their residence would give): row i gets
 * places[i % places.length]. Returns their city codes by row.
 */
export async function placedResidents(stores: Stores, ns: string, rows: PersonRow[], places: { districtCode: string; streetCode: string }[]): Promise<string[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'citycode-residents-')), `${ns}.csv`);
  writePersonCsv(file, rows);
  await ingestFile(stores, { dataset: testDatasetId(ns), file });
  const mapped = await stores.graph.read<{ key: string; code: string }>(
    `MATCH (s:SourceRecord {dataset: $id})-[:MAPS_TO]->(e:Person) RETURN s.recordKey AS key, e.code AS code`,
    { id: testDatasetId(ns) },
  );
  const byKey = new Map(mapped.map((m) => [m.key, m.code]));
  const codes = rows.map((r) => byKey.get(r.recordKey));
  if (codes.some((c) => !c)) throw new Error(`not every ${ns} row became a person`);
  await stores.graph.write(`UNWIND $rows AS r MATCH (e:Person {code: r.code}) SET e.districtCode = r.districtCode, e.streetCode = r.streetCode`, {
    rows: codes.map((code, i) => ({ code, ...places[i % places.length] })),
  });
  return codes as string[];
}
