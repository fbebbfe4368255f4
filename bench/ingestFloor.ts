/**
 * The floor of ingest throughput on this machine: Neo4j's own rate for a bare `UNWIND … CREATE`
 * of the same shape as one new person of the deterministic path (docs/benchmarks.md, "Ingest").
 * Per row: an `Entity:Person` with the same properties (values, provenance JSON, encrypted ID),
 * an `ExternalId` with its IDENTIFIES edge, a `SourceRecord` with the same properties and its
 * MAPS_TO edge; one statement per batch plus the checkpoint SET, one transaction per batch, the
 * same indexes and constraints. No reads, no matching, no codes from PostgreSQL, no HMAC: what
 * is left is what Neo4j needs to store it.
 */
import type { GraphStore } from '../store/neo4j';

const FLOOR_DATASET = 'bench-floor';

function floorRow(i: number, now: string): Record<string, unknown> {
  const prov = (attr: string) => JSON.stringify({ dataset: 'bench-population', record: `BR${i}`, at: now, authoritative: false, attr });
  const idKey = `f${String(i).padStart(15, '0')}${'0'.repeat(48)}`;
  return {
    code: `FLOOR${String(i).padStart(17, '0')}`,
    idKey,
    props: {
      createdBy: FLOOR_DATASET,
      name: `压测${i}`,
      sex: i % 2 ? 'M' : 'F',
      birthDate: '1980-01-01',
      phone: `13${String(100_000_000 + i).slice(-9)}`,
      _prov_name: prov('name'),
      _prov_sex: prov('sex'),
      _prov_birthDate: prov('birthDate'),
      _prov_phone: prov('phone'),
      changedAt: now,
      idCipher: `v1:${'A'.repeat(16)}:${'B'.repeat(24)}:${'C'.repeat(24)}`,
    },
    sr: {
      dataset: FLOOR_DATASET,
      recordKey: `BR${i}`,
      hash: 'h'.repeat(64),
      line: i + 2,
      time: now,
      values: JSON.stringify({ 'Person.name': `压测${i}`, 'Person.sex': 'M', 'Person.birthDate': '1980-01-01', 'Person.phone': '13100000000', 'Person.idNumber': idKey }),
      identifiers: JSON.stringify([{ scheme: 'CITIZEN_ID', value: idKey }]),
      status: 'MAPPED',
      method: 'NEW',
      filled: 5,
      mappable: 5,
      located: false,
      ingestedAt: now,
    },
  };
}

/**
 * Writes `rows` floor rows in batches of `batchSize` over `writers` concurrent sessions (batch b
 * goes to writer b mod writers, each with its own checkpoint node, so they never wait on one
 * lock: the best this shape can be stored here); returns rows per second. Cleans up after itself.
 */
export async function ingestFloor(
  graph: GraphStore,
  rows: number,
  batchSize: number,
  writers = 1,
): Promise<{ rows: number; batchSize: number; writers: number; seconds: number; recordsPerSecond: number }> {
  await cleanFloor(graph);
  for (let w = 0; w < writers; w++) {
    await graph.write(`MERGE (r:IngestRun {id: $id}) SET r.dataset = $dataset, r.lastBatch = -1`, { id: `${FLOOR_DATASET}-${w}`, dataset: FLOOR_DATASET });
  }
  const now = new Date().toISOString();
  const started = process.hrtime.bigint();
  const batches = Math.ceil(rows / batchSize);
  const writer = async (w: number) => {
    for (let b = w; b < batches; b += writers) {
      const batch = Array.from({ length: Math.min(batchSize, rows - b * batchSize) }, (_, j) => floorRow(b * batchSize + j, now));
      await graph.writeTransaction(async (tx) => {
        await tx.run(
          `UNWIND $rows AS r
           CREATE (e:Entity:Person {code: r.code}) SET e += r.props
           CREATE (x:ExternalId {scheme: 'CITIZEN_ID', value: r.idKey})-[:IDENTIFIES]->(e)
           CREATE (sr:SourceRecord {key: $dataset + '|' + r.sr.recordKey}) SET sr += r.sr
           CREATE (sr)-[:MAPS_TO {method: 'NEW', score: null, at: $now}]->(e)`,
          { rows: batch, now, dataset: FLOOR_DATASET },
        );
        await tx.run(`MATCH (r:IngestRun {id: $id}) SET r.lastBatch = $batch`, { id: `${FLOOR_DATASET}-${w}`, batch: b });
      });
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await cleanFloor(graph);
  return { rows, batchSize, writers, seconds, recordsPerSecond: Math.round(rows / seconds) };
}

async function cleanFloor(graph: GraphStore): Promise<void> {
  const session = graph.driver.session();
  try {
    for (const q of [
      `MATCH (e:Entity {createdBy: $id}) CALL (e) { OPTIONAL MATCH (x:ExternalId)-[:IDENTIFIES]->(e) DETACH DELETE x, e } IN TRANSACTIONS OF 10000 ROWS`,
      `MATCH (s:SourceRecord {dataset: $id}) CALL (s) { DETACH DELETE s } IN TRANSACTIONS OF 10000 ROWS`,
      `MATCH (r:IngestRun {dataset: $id}) DELETE r`,
    ]) {
      await session.run(q, { id: FLOOR_DATASET });
    }
  } finally {
    await session.close();
  }
}
