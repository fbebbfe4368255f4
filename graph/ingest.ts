/**
 * Cypher of ingestion (docs/ingestion.md): source records, MAPS_TO edges, entity updates with
 * provenance, conflicts, review cases and the per-run checkpoint. Every statement is an UNWIND
 * over a batch; every write is a MERGE or a SET of computed values, so replaying a batch
 * changes nothing, and all writes of one batch share one transaction with its checkpoint.
 */
import type { ManagedTransaction } from 'neo4j-driver';
import type { EntityType } from '../domain/datasets';
import { FEEDABLE_ATTRIBUTES, isKindName } from '../domain/modelIndex';
import type { GraphStore } from '../store/neo4j';

/** Relation types datasets may feed (the city model's, domain/modelIndex.ts): the only ones that enter a statement's text. */
export const RELATION_TYPES: readonly string[] = [
  ...new Set(Object.values(FEEDABLE_ATTRIBUTES).filter((a) => a.kind === 'relation').map((a) => a.target)),
].sort();

/** A kind's label (its name, checked against the model: never user input). */
function labelOf(entity: EntityType): string {
  if (!isKindName(entity)) throw new Error(`${String(entity)} is not a kind of the city model`);
  return entity;
}

/** Blocking predicates per entity kind over `r.values` (ingest/matching.ts blockingKeys); other kinds block on name. */
const BLOCKING: Partial<Record<EntityType, readonly string[]>> = {
  Person: ['x.name = r.values.name', 'x.phone = r.values.phone', 'x.birthDate = r.values.birthDate'],
  Enterprise: ['x.name = r.values.name', 'x.address = r.values.address', 'x.establishedOn = r.values.establishedOn'],
  CityObject: ['x.name = r.values.name', 'x.address = r.values.address'],
};

export interface ExistingRecord {
  key: string;
  hash: string;
  status: string;
  code: string | null;
  method: string | null;
}

export async function existingRecords(graph: GraphStore, keys: readonly string[]): Promise<Map<string, ExistingRecord>> {
  if (keys.length === 0) return new Map();
  const rows = await graph.read<ExistingRecord>(
    `UNWIND $keys AS k
     MATCH (sr:SourceRecord {key: k})
     OPTIONAL MATCH (sr)-[m:MAPS_TO]->(e:Entity)
     RETURN k AS key, sr.hash AS hash, sr.status AS status, e.code AS code, m.method AS method`,
    { keys: [...keys] },
  );
  return new Map(rows.map((r) => [r.key, r]));
}

export interface EntityState {
  code: string;
  labels: string[];
  props: Record<string, unknown>;
  /** Relation type → target city code. */
  relations: Record<string, string>;
  /** External identifiers (scheme:value) of a blocking candidate. */
  identifiers?: string[];
}

export async function entityStates(graph: GraphStore, codes: readonly string[]): Promise<Map<string, EntityState>> {
  if (codes.length === 0) return new Map();
  const rows = await graph.read<{ code: string; labels: string[]; props: Record<string, unknown>; rels: [string, string][] }>(
    `UNWIND $codes AS c
     MATCH (e:Entity {code: c})
     RETURN c AS code, labels(e) AS labels, properties(e) AS props,
            [(e)-[r:RESIDES_IN|REGISTERED_AT|PART_OF]->(t:Entity) | [type(r), t.code]] AS rels`,
    { codes: [...new Set(codes)] },
  );
  return new Map(rows.map((r) => [r.code, { code: r.code, labels: r.labels, props: r.props, relations: Object.fromEntries(r.rels) }]));
}

export interface BlockingRow {
  i: number;
  /** Blocking values by node property (name, phone, birthDate, address). */
  values: Record<string, string | null>;
}

/**
 * Candidates of probabilistic matching (blocking): entities of the type that share at least one
 * blocking property (a person's name, phone or birth date; an enterprise's or object's name or
 * address) with the record, at most `limit` per key. Returns record index → candidate states.
 */
export async function blockingCandidates(graph: GraphStore, entity: EntityType, rows: readonly BlockingRow[], limit = 25): Promise<Map<number, EntityState[]>> {
  if (rows.length === 0) return new Map();
  const label = labelOf(entity);
  const branches = (BLOCKING[entity] ?? ['x.name = r.values.name'])
    .map((p) => `WITH r MATCH (x:${label}) WHERE ${p} RETURN x LIMIT ${limit}`)
    .join(' UNION ');
  const result = await graph.read<{ i: number; code: string; labels: string[]; props: Record<string, unknown>; rels: [string, string][]; ids: string[] }>(
    `UNWIND $rows AS r
     CALL { ${branches} }
     RETURN r.i AS i, x.code AS code, labels(x) AS labels, properties(x) AS props,
            [(x)-[rel:${RELATION_TYPES.join('|')}]->(t:Entity) | [type(rel), t.code]] AS rels,
            [(x)<-[:IDENTIFIES]-(id:ExternalId) | id.scheme + ':' + id.value] AS ids`,
    { rows: rows.map((r) => ({ i: r.i, values: r.values })) },
  );
  const out = new Map<number, EntityState[]>();
  for (const r of result) {
    const list = out.get(r.i) ?? [];
    list.push({ code: r.code, labels: r.labels, props: r.props, relations: Object.fromEntries(r.rels), identifiers: r.ids });
    out.set(r.i, list);
  }
  return out;
}

export interface RunState {
  id: string;
  lastBatch: number;
  batchSize: number;
  status: string;
  summary: string | null;
}

export async function ingestRun(graph: GraphStore, id: string): Promise<RunState | null> {
  const rows = await graph.read<RunState>(
    `MATCH (r:IngestRun {id: $id})
     RETURN r.id AS id, r.lastBatch AS lastBatch, r.batchSize AS batchSize, r.status AS status, r.summary AS summary`,
    { id },
  );
  return rows[0] ?? null;
}

export async function startRun(graph: GraphStore, run: { id: string; dataset: string; file: string; fileHash: string; batchSize: number; fresh: boolean }): Promise<void> {
  await graph.write(
    `MERGE (r:IngestRun {id: $id})
     ON CREATE SET r.dataset = $dataset, r.fileHash = $fileHash, r.lastBatch = -1, r.passes = 0
     SET r.file = $file, r.batchSize = $batchSize, r.status = 'RUNNING', r.startedAt = toString(datetime()),
         r.lastBatch = CASE WHEN $fresh THEN -1 ELSE r.lastBatch END,
         r.summary = CASE WHEN $fresh THEN null ELSE r.summary END,
         r.passes = r.passes + CASE WHEN $fresh THEN 1 ELSE 0 END`,
    run,
  );
}

export async function finishRun(graph: GraphStore, id: string, summary: string): Promise<void> {
  await graph.write(`MATCH (r:IngestRun {id: $id}) SET r.status = 'DONE', r.finishedAt = toString(datetime()), r.summary = $summary`, { id, summary });
}

export interface NewEntity {
  code: string;
  props: Record<string, unknown>;
}

export interface SourceRecordWrite {
  key: string;
  props: Record<string, unknown>;
  /** True when the record is not in the graph yet (read before the batch): it is created, not merged. */
  fresh: boolean;
}

export interface BatchWrite {
  entity: EntityType;
  now: string;
  /** Entities not in the graph yet (their code was never used in it): created, not merged. */
  newEntities: NewEntity[];
  externalIds: { scheme: string; value: string; code: string }[];
  idCiphers: { code: string; cipher: string }[];
  updates: { code: string; props: Record<string, unknown> }[];
  relations: { code: string; type: string; target: string }[];
  records: SourceRecordWrite[];
  maps: { key: string; code: string; method: string; score: number | null }[];
  reviews: { key: string; dataset: string; recordKey: string; candidate: string; score: number; line: number }[];
  conflicts: Record<string, unknown>[];
  /** Checkpoint of the run, committed with the batch. */
  checkpoint: { run: string; batch: number; summary: string };
  /**
   * The batch's change events (JSON), kept in the graph with the batch until they are in the
   * change outbox: a process that dies between the two leaves them for the sweep (ingest/changes.ts).
   */
  pending?: { key: string; changes: string } | null;
}

interface EntityRow {
  code: string;
  props: Record<string, unknown>;
  cipher: string | null;
  ids: { scheme: string; value: string }[];
}

type Runner = Pick<ManagedTransaction, 'run'>;

interface RecordRow {
  key: string;
  props: Record<string, unknown>;
  map: BatchWrite['maps'][number] | null;
}

function timed(rawTx: ManagedTransaction): Runner {
  if (process.env.CITYCODE_INGEST_TIMING !== '1') return rawTx;
  return {
    run: (async (q: string, p: Record<string, unknown>) => {
      const t = Date.now();
      const r = await rawTx.run(q, p);
      process.stderr.write(`  ${Date.now() - t} ms  ${q.replace(/\s+/g, ' ').slice(0, 70)}\n`);
      return r;
    }) as ManagedTransaction['run'],
  };
}

/**
 * All writes of one batch and its checkpoint in ONE transaction: a batch is in the graph entirely
 * or not at all. Entities and source records the batch's reads did not find are CREATEd (with
 * their external identifiers and MAPS_TO edges), which needs no look-up; the unique constraints
 * on Entity.code and SourceRecord.key still refuse a duplicate, failing the whole transaction.
 * Everything else is a MERGE or a SET of computed values, so replaying a batch changes nothing.
 */
export async function writeBatch(graph: GraphStore, w: BatchWrite): Promise<void> {
  const label = labelOf(w.entity);
  await graph.writeTransaction(async (rawTx: ManagedTransaction) => {
    const tx = timed(rawTx);
    // One row per entity the batch touches: its values with provenance, the encrypted ID copy
    // and its new external identifiers.
    const entities = new Map<string, EntityRow>();
    const entity = (code: string) => {
      let e = entities.get(code);
      if (!e) entities.set(code, (e = { code, props: {}, cipher: null, ids: [] }));
      return e;
    };
    for (const n of w.newEntities) Object.assign(entity(n.code).props, n.props);
    for (const u of w.updates) Object.assign(entity(u.code).props, u.props);
    for (const c of w.idCiphers) entity(c.code).cipher = c.cipher;
    for (const x of w.externalIds) entity(x.code).ids.push({ scheme: x.scheme, value: x.value });
    const created = new Set(w.newEntities.map((n) => n.code));
    // Source records: a new record of a new entity is created with it, in the same statement.
    const maps = new Map(w.maps.map((m) => [m.key, m]));
    const withEntity = new Map<string, RecordRow[]>();
    const freshRows: RecordRow[] = [];
    const knownRows: RecordRow[] = [];
    for (const r of w.records) {
      const row = { key: r.key, props: r.props, map: maps.get(r.key) ?? null };
      if (r.fresh && row.map && created.has(row.map.code)) {
        const list = withEntity.get(row.map.code);
        if (list) list.push(row);
        else withEntity.set(row.map.code, [row]);
      } else (r.fresh ? freshRows : knownRows).push(row);
    }
    // A created node gets all its properties with one `SET n = map` (the code and key included):
    // Cypher plans fewer eager barriers than for CREATE {code} plus SET +=.
    const createRows = [...entities.values()]
      .filter((e) => created.has(e.code))
      .map((e) => ({
        all: { ...e.props, code: e.code, idCipher: e.cipher },
        ids: e.ids,
        records: (withEntity.get(e.code) ?? []).map((r) => ({ all: { ...r.props, key: r.key, ingestedAt: w.now }, method: r.map!.method, score: r.map!.score })),
      }));
    const mergeRows = [...entities.values()].filter((e) => !created.has(e.code));
    if (createRows.length) {
      await tx.run(
        `UNWIND $rows AS r
         CREATE (e:Entity:${label})
         SET e = r.all
         FOREACH (id IN r.ids |
           MERGE (x:ExternalId {scheme: id.scheme, value: id.value})
           CREATE (x)-[:IDENTIFIES]->(e))
         FOREACH (s IN r.records |
           CREATE (sr:SourceRecord)
           SET sr = s.all
           CREATE (sr)-[:MAPS_TO {method: s.method, score: s.score, at: $now}]->(e))`,
        { rows: createRows, now: w.now },
      );
    }
    if (mergeRows.length) {
      await tx.run(
        `UNWIND $rows AS r
         MERGE (e:Entity {code: r.code})
         SET e:${label}, e += r.props, e.idCipher = coalesce(e.idCipher, r.cipher)
         WITH e, r
         UNWIND r.ids AS id
         MERGE (x:ExternalId {scheme: id.scheme, value: id.value})
         MERGE (x)-[:IDENTIFIES]->(e)`,
        { rows: mergeRows },
      );
    }
    for (const type of RELATION_TYPES) {
      const rows = w.relations.filter((r) => r.type === type);
      if (rows.length === 0) continue;
      await tx.run(
        `UNWIND $rows AS r
         MATCH (e:Entity {code: r.code})
         MATCH (t:Entity {code: r.target})
         OPTIONAL MATCH (e)-[old:${type}]->(o) WHERE o <> t
         DELETE old
         WITH DISTINCT e, t
         MERGE (e)-[:${type}]->(t)
         SET e.districtCode = coalesce(e.districtCode, t.districtCode),
             e.streetCode = coalesce(e.streetCode, t.streetCode),
             e.communityCode = coalesce(e.communityCode, t.communityCode)`,
        { rows },
      );
    }
    if (freshRows.length) {
      await tx.run(
        `UNWIND $rows AS r
         CREATE (sr:SourceRecord {key: r.key})
         SET sr += r.props, sr.ingestedAt = $now
         WITH sr, r WHERE r.map IS NOT NULL
         MATCH (e:Entity {code: r.map.code})
         CREATE (sr)-[:MAPS_TO {method: r.map.method, score: r.map.score, at: $now}]->(e)`,
        { rows: freshRows, now: w.now },
      );
    }
    if (knownRows.length) {
      await tx.run(
        `UNWIND $rows AS r
         MERGE (sr:SourceRecord {key: r.key})
         SET sr += r.props, sr.ingestedAt = $now
         WITH sr, r WHERE r.map IS NOT NULL
         MATCH (e:Entity {code: r.map.code})
         MERGE (sr)-[x:MAPS_TO]->(e)
         ON CREATE SET x.method = r.map.method, x.score = r.map.score, x.at = $now`,
        { rows: knownRows, now: w.now },
      );
    }
    if (w.reviews.length) {
      await tx.run(
        `UNWIND $rows AS r
         MERGE (c:ReviewCase {key: r.key})
         ON CREATE SET c.status = 'OPEN', c.createdAt = $now
         SET c.dataset = r.dataset, c.recordKey = r.recordKey, c.candidate = r.candidate, c.score = r.score, c.line = r.line`,
        { rows: w.reviews, now: w.now },
      );
    }
    if (w.conflicts.length) {
      await tx.run(
        `UNWIND $rows AS r
         MERGE (c:Conflict {key: r.key})
         ON CREATE SET c.status = 'OPEN', c.createdAt = $now
         SET c.status = CASE WHEN c.valueA = r.valueA AND c.valueB = r.valueB THEN c.status ELSE 'OPEN' END
         SET c += r`,
        { rows: w.conflicts, now: w.now },
      );
    }
    await tx.run(
      `MATCH (r:IngestRun {id: $run}) SET r.lastBatch = $batch, r.summary = $summary`,
      { run: w.checkpoint.run, batch: w.checkpoint.batch, summary: w.checkpoint.summary },
    );
    if (w.pending) await tx.run(CREATE_PENDING_CHANGES, { key: w.pending.key, changes: w.pending.changes, now: w.now });
  });
  graph.stats.roundTrips++;
}

/** Run inside a write's own transaction: its change events wait in the graph until they are in the outbox. */
export const CREATE_PENDING_CHANGES = `CREATE (p:PendingChanges) SET p.key = $key, p.changes = $changes, p.at = $now`;

/** Change events committed batches left for the outbox, written before `before` (oldest first). */
export async function pendingChanges(graph: GraphStore, before: string, limit: number): Promise<{ key: string; changes: string }[]> {
  return graph.read<{ key: string; changes: string }>(
    `MATCH (p:PendingChanges) WHERE p.at < $before RETURN p.key AS key, p.changes AS changes ORDER BY p.at LIMIT toInteger($limit)`,
    { before, limit },
  );
}

/** Forgets a batch's pending events once they are in the outbox. */
export async function clearPendingChanges(graph: GraphStore, key: string): Promise<void> {
  await graph.write(`MATCH (p:PendingChanges {key: $key}) DELETE p`, { key });
}
