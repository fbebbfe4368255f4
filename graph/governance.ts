/**
 * Cypher of the governance views over ingested data: conflicts (数据打架), the review queue,
 * source records and their MAPS_TO edges, quality per dataset, the change feed and provenance.
 * Every statement that returns entity data takes the caller's row scope (`visible`).
 */
import { KINDS, KIND_NAMES, type KindName } from '../domain/model';
import type { GraphStore } from '../store/neo4j';
import { GraphScope, scopeParam, visible } from './scope';
import { CREATE_PENDING_CHANGES } from './ingest';

/** Where an entity lies (what per-row decisions of its attributes' values read). */
export interface EntityRegion {
  districtCode: string | null;
  streetCode: string | null;
}

export interface ConflictRecord {
  key: string;
  /** Where the entity lies. */
  region: EntityRegion;
  entity: string;
  entityType: string;
  attribute: string;
  valueA: string;
  datasetA: string;
  recordA: string;
  atA: string | null;
  valueB: string;
  datasetB: string;
  recordB: string;
  atB: string | null;
  winnerDataset: string;
  rule: string;
  status: string;
  createdAt: string;
  resolvedBy: string | null;
  resolution: string | null;
}

/** Conflicts on entities the scope lets the caller see, keyset-paged by key. */
export async function listConflicts(
  graph: GraphStore,
  filter: { status: string | null; dataset: string | null; entity: string | null; after: string | null; first: number },
  scope: GraphScope,
): Promise<{ rows: ConflictRecord[]; total: number }> {
  const match = `MATCH (c:Conflict)
     WHERE ($status IS NULL OR c.status = $status)
       AND ($dataset IS NULL OR c.datasetA = $dataset OR c.datasetB = $dataset)
       AND ($entity IS NULL OR c.entity = $entity)
     MATCH (e:Entity {code: c.entity}) WHERE ${visible('e', scope)}`;
  const params = { ...filter, scope: scopeParam(scope) };
  const [count] = await graph.read<{ total: number }>(`${match} RETURN count(c) AS total`, params);
  const rows = await graph.read<{ c: ConflictRecord; region: EntityRegion }>(
    `${match} WITH c, e WHERE $after IS NULL OR c.key > $after
     RETURN properties(c) AS c, {districtCode: e.districtCode, streetCode: e.streetCode} AS region ORDER BY c.key LIMIT toInteger($first)`,
    params,
  );
  return { rows: rows.map((r) => ({ ...r.c, region: r.region })), total: count?.total ?? 0 };
}

export async function conflictByKey(graph: GraphStore, key: string, scope: GraphScope): Promise<ConflictRecord | null> {
  const rows = await graph.read<{ c: ConflictRecord; region: EntityRegion }>(
    `MATCH (c:Conflict {key: $key}) MATCH (e:Entity {code: c.entity}) WHERE ${visible('e', scope)}
     RETURN properties(c) AS c, {districtCode: e.districtCode, streetCode: e.streetCode} AS region`,
    { key, scope: scopeParam(scope) },
  );
  return rows[0] ? { ...rows[0].c, region: rows[0].region } : null;
}

/** Marks a conflict resolved and writes the chosen value and its provenance on the entity, in one transaction. */
export async function resolveConflict(
  graph: GraphStore,
  input: {
    key: string;
    property: string | null;
    relation: string | null;
    value: string | number;
    provenanceKey: string;
    provenance: string;
    resolvedBy: string;
    resolution: string;
    now: string;
    /** The resolution's change event, kept with it until it is in the outbox (graph/ingest.ts). */
    pending: { key: string; changes: string } | null;
  },
): Promise<void> {
  await graph.writeTransaction(async (tx) => {
    await tx.run(
      `MATCH (c:Conflict {key: $key})
       SET c.status = 'RESOLVED', c.resolvedBy = $resolvedBy, c.resolution = $resolution, c.resolvedAt = $now`,
      input,
    );
    if (input.property) {
      await tx.run(`MATCH (c:Conflict {key: $key}) MATCH (e:Entity {code: c.entity}) SET e[$property] = $value, e[$provenanceKey] = $provenance, e.changedAt = $now`, input);
    } else if (input.relation) {
      // The relation type is one the city model lets datasets feed (domain/modelIndex.ts; never user input).
      await tx.run(
        `MATCH (c:Conflict {key: $key}) MATCH (e:Entity {code: c.entity}) MATCH (t:Entity {code: $value})
         OPTIONAL MATCH (e)-[old:${input.relation}]->(o) WHERE o <> t DELETE old
         WITH DISTINCT e, t MERGE (e)-[:${input.relation}]->(t)
         SET e[$provenanceKey] = $provenance, e.changedAt = $now`,
        input,
      );
    }
    if (input.pending) await tx.run(CREATE_PENDING_CHANGES, { key: input.pending.key, changes: input.pending.changes, now: input.now });
  });
}

export interface ReviewRecord {
  key: string;
  dataset: string;
  recordKey: string;
  line: number;
  candidate: string;
  score: number;
  status: string;
  values: string;
  decidedBy: string | null;
  /** Where the candidate entity lies. */
  region: EntityRegion;
}

export async function listReviews(
  graph: GraphStore,
  filter: { status: string | null; dataset: string | null; first: number; key?: string | null },
  scope: GraphScope,
): Promise<ReviewRecord[]> {
  return graph.read<ReviewRecord>(
    `MATCH (c:ReviewCase)
     WHERE ($status IS NULL OR c.status = $status) AND ($dataset IS NULL OR c.dataset = $dataset) AND ($key IS NULL OR c.key = $key)
     MATCH (e:Entity {code: c.candidate}) WHERE ${visible('e', scope)}
     MATCH (s:SourceRecord {key: c.key})
     RETURN c.key AS key, c.dataset AS dataset, c.recordKey AS recordKey, c.line AS line, c.candidate AS candidate,
            c.score AS score, c.status AS status, s.values AS values, c.decidedBy AS decidedBy,
            {districtCode: e.districtCode, streetCode: e.streetCode} AS region
     ORDER BY c.key LIMIT toInteger($first)`,
    { key: null, ...filter, scope: scopeParam(scope) },
  );
}

export async function markReview(graph: GraphStore, key: string, status: 'ACCEPTED' | 'REJECTED', decidedBy: string, reason: string): Promise<void> {
  await graph.write(`MATCH (c:ReviewCase {key: $key}) SET c.status = $status, c.decidedBy = $decidedBy, c.reason = $reason, c.decidedAt = toString(datetime())`, {
    key,
    status,
    decidedBy,
    reason,
  });
}

/** The stored source record of a review case (to push it through ingestion again). */
export async function sourceRecordValues(graph: GraphStore, key: string): Promise<{ hash: string; values: string; line: number; time: string | null } | null> {
  const rows = await graph.read<{ hash: string; values: string; line: number; time: string | null }>(
    `MATCH (s:SourceRecord {key: $key}) RETURN s.hash AS hash, s.values AS values, s.line AS line, s.time AS time`,
    { key },
  );
  return rows[0] ?? null;
}

export interface SourceRecordRow {
  key: string;
  recordKey: string;
  line: number;
  status: string;
  method: string | null;
  score: number | null;
  at: string | null;
  code: string | null;
  registeredTo: string | null;
  /** Where the mapped entity lies (null when there is none the caller may see). */
  region: EntityRegion | null;
}

/** A dataset's source records with their MAPS_TO edges (entities outside the scope: code hidden). */
export async function sourceRecords(graph: GraphStore, dataset: string, first: number, after: number | null, scope: GraphScope): Promise<SourceRecordRow[]> {
  return graph.read<SourceRecordRow>(
    `MATCH (s:SourceRecord {dataset: $dataset}) WHERE $after IS NULL OR s.line > $after
     WITH s ORDER BY s.line LIMIT toInteger($first)
     OPTIONAL MATCH (s)-[m:MAPS_TO]->(e:Entity)
     RETURN s.key AS key, s.recordKey AS recordKey, s.line AS line, s.status AS status, m.method AS method, m.score AS score,
            m.at AS at, s.registeredTo AS registeredTo,
            CASE WHEN e IS NOT NULL AND ${visible('e', scope)} THEN e.code ELSE null END AS code,
            CASE WHEN e IS NOT NULL AND ${visible('e', scope)} THEN {districtCode: e.districtCode, streetCode: e.streetCode} ELSE null END AS region`,
    { dataset, first, after, scope: scopeParam(scope) },
  );
}

export interface QualityRow {
  dataset: string;
  records: number;
  filled: number;
  mappable: number;
  mapped: number;
  matched: number;
  review: number;
  located: number;
  registered: number;
  lastIngest: string | null;
  conflicts: number;
  openConflicts: number;
}

/** Quality counters of every dataset (or one), from its source records and conflicts. */
export async function qualityRows(graph: GraphStore, dataset: string | null): Promise<QualityRow[]> {
  return graph.read<QualityRow>(
    `MATCH (d:Dataset) WHERE d.definition IS NOT NULL AND ($dataset IS NULL OR d.id = $dataset)
     CALL (d) {
       OPTIONAL MATCH (s:SourceRecord {dataset: d.id})
       RETURN count(s) AS records, coalesce(sum(s.filled), 0) AS filled, coalesce(sum(s.mappable), 0) AS mappable,
              count(CASE WHEN s.status = 'MAPPED' THEN 1 END) AS mapped,
              count(CASE WHEN s.method IN ['DETERMINISTIC', 'PROBABILISTIC', 'DETERMINISTIC_BATCH', 'REVIEW'] THEN 1 END) AS matched,
              count(CASE WHEN s.status = 'REVIEW' THEN 1 END) AS review,
              count(CASE WHEN s.located THEN 1 END) AS located,
              count(CASE WHEN s.registeredTo IS NOT NULL THEN 1 END) AS registered,
              max(s.ingestedAt) AS lastIngest
     }
     CALL (d) {
       OPTIONAL MATCH (c:Conflict) WHERE c.datasetA = d.id OR c.datasetB = d.id
       RETURN count(c) AS conflicts, count(CASE WHEN c.status = 'OPEN' THEN 1 END) AS openConflicts
     }
     RETURN d.id AS dataset, records, filled, mappable, mapped, matched, review, located, registered, lastIngest, conflicts, openConflicts
     ORDER BY d.id`,
    { dataset },
  );
}

export interface ChangeRow {
  code: string;
  labels: string[];
  props: Record<string, unknown>;
  changedAt: string;
}

/** The kind whose rows belong to each row domain (the change feed is asked by domain). */
const KIND_OF_ROW_DOMAIN: Readonly<Record<string, KindName>> = Object.fromEntries(KIND_NAMES.map((k) => [KINDS[k].rowDomain, k]));

/**
 * Entities of one row domain changed after (since, afterCode), in (changedAt, code) order, inside
 * a region (district or street code) and the caller's row scope.
 */
export async function changedEntities(
  graph: GraphStore,
  input: { domain: string; since: string; afterCode: string | null; region: string | null; first: number },
  scope: GraphScope,
): Promise<ChangeRow[]> {
  const label = KIND_OF_ROW_DOMAIN[input.domain];
  if (!label) return [];
  return graph.read<ChangeRow>(
    `MATCH (e:${label}) WHERE e.changedAt IS NOT NULL
       AND (e.changedAt > $since OR (e.changedAt = $since AND $afterCode IS NOT NULL AND e.code > $afterCode))
       AND ($region IS NULL OR e.districtCode = $region OR e.streetCode = $region OR e.communityCode = $region)
       AND ${visible('e', scope)}
     RETURN e.code AS code, labels(e) AS labels, properties(e) AS props, e.changedAt AS changedAt
     ORDER BY e.changedAt, e.code LIMIT toInteger($first)`,
    { ...input, scope: scopeParam(scope) },
  );
}
