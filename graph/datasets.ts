/**
 * The dataset registry in Neo4j: datasets, their fields and the entity attributes the fields
 * feed are lineage nodes (label `Lineage`, key `lid`):
 *   (:Dataset {lid: 'dataset:<id>'})-[:HAS_FIELD]->(:DatasetField {lid: 'field:<id>.<name>'})
 *   (:DatasetField)-[:FEEDS]->(:Attribute {lid: 'attribute:Person.phone'})
 *   (:Dataset)-[:AUTHORITATIVE_FOR]->(:Attribute)
 *   (:Dataset)-[:DERIVED_FROM {job}]->(:Dataset)
 */
import type { Level } from '../core/subject';
import { ATTRIBUTES, DatasetDefinition } from '../domain/datasets';
import type { GraphStore } from '../store/neo4j';

export const datasetLid = (id: string): string => `dataset:${id}`;
export const fieldLid = (dataset: string, field: string): string => `field:${dataset}.${field}`;
export const attributeLid = (attribute: string): string => `attribute:${attribute}`;

export interface StoredDataset {
  id: string;
  definition: DatasetDefinition;
  departmentName: string;
  level: Level;
  inheritedLevel: Level;
  approvedLevel: Level | null;
  registeredAt: string;
  registeredBy: string;
}

interface Row {
  props: Record<string, unknown>;
}

function toStored(props: Record<string, unknown>): StoredDataset | null {
  if (typeof props.definition !== 'string') return null;
  return {
    id: String(props.id),
    definition: JSON.parse(props.definition) as DatasetDefinition,
    departmentName: String(props.departmentName ?? ''),
    level: props.level as Level,
    inheritedLevel: (props.inheritedLevel ?? props.level) as Level,
    approvedLevel: (props.approvedLevel as Level | undefined) ?? null,
    registeredAt: String(props.registeredAt ?? ''),
    registeredBy: String(props.registeredBy ?? ''),
  };
}

/** Registered datasets by id (placeholders of unregistered sources are absent). */
export async function datasetsByIds(graph: GraphStore, ids: readonly string[]): Promise<Map<string, StoredDataset>> {
  const rows = await graph.read<Row>(
    `UNWIND $lids AS lid MATCH (d:Dataset {lid: lid}) WHERE d.definition IS NOT NULL RETURN properties(d) AS props`,
    { lids: ids.map(datasetLid) },
  );
  const out = new Map<string, StoredDataset>();
  for (const r of rows) {
    const d = toStored(r.props);
    if (d) out.set(d.id, d);
  }
  return out;
}

export async function allDatasets(graph: GraphStore): Promise<StoredDataset[]> {
  const rows = await graph.read<Row>(`MATCH (d:Dataset) WHERE d.definition IS NOT NULL RETURN properties(d) AS props ORDER BY d.id`);
  return rows.map((r) => toStored(r.props)).filter((d): d is StoredDataset => d !== null);
}

export interface RegisterInput {
  definition: DatasetDefinition;
  departmentName: string;
  level: Level;
  inheritedLevel: Level;
  registeredBy: string;
}

/**
 * Creates or replaces a dataset's lineage nodes in one transaction: the dataset, its fields and
 * what they feed, its authoritative attributes and its sources (a source not registered yet is a
 * placeholder node until it is). Registering the same definition again changes nothing but the
 * registration time.
 */
export async function registerDataset(graph: GraphStore, input: RegisterInput): Promise<void> {
  const d = input.definition;
  const props = {
    id: d.id,
    name: d.name,
    department: d.department,
    departmentName: input.departmentName,
    topic: d.topic,
    domain: d.domain,
    declaredLevel: d.level,
    level: input.level,
    inheritedLevel: input.inheritedLevel,
    cadenceDays: d.cadenceDays,
    entity: d.entity,
    authoritative: d.authoritative,
    definition: JSON.stringify(d),
    registeredBy: input.registeredBy,
    placeholder: false,
  };
  const fields = d.fields.map((f) => ({
    lid: fieldLid(d.id, f.name),
    name: f.name,
    type: f.type,
    label: f.label,
    attribute: f.attribute ? attributeLid(f.attribute) : null,
    attributeKey: f.attribute,
    attributeLabel: f.attribute ? ATTRIBUTES[f.attribute].label : null,
  }));
  await graph.writeTransaction(async (tx) => {
    await tx.run(
      `MERGE (d:Lineage:Dataset {lid: $lid})
       SET d += $props, d.registeredAt = toString(datetime())
       WITH d
       OPTIONAL MATCH (d)-[:HAS_FIELD]->(old:DatasetField)
       WHERE NOT old.lid IN $fieldLids
       DETACH DELETE old`,
      { lid: datasetLid(d.id), props, fieldLids: fields.map((f) => f.lid) },
    );
    await tx.run(
      `MATCH (d:Dataset {lid: $lid})
       OPTIONAL MATCH (d)-[r:DERIVED_FROM|AUTHORITATIVE_FOR]->() DELETE r
       WITH DISTINCT d
       UNWIND $fields AS f
       MERGE (x:Lineage:DatasetField {lid: f.lid})
       SET x.name = f.name, x.type = f.type, x.label = f.label, x.dataset = $id
       MERGE (d)-[:HAS_FIELD]->(x)
       WITH x, f
       OPTIONAL MATCH (x)-[old:FEEDS]->() DELETE old
       WITH x, f WHERE f.attribute IS NOT NULL
       MERGE (a:Lineage:Attribute {lid: f.attribute})
       SET a.key = f.attributeKey, a.label = f.attributeLabel
       MERGE (x)-[:FEEDS]->(a)`,
      { lid: datasetLid(d.id), id: d.id, fields },
    );
    await tx.run(
      `MATCH (d:Dataset {lid: $lid})
       UNWIND $authoritative AS key
       MATCH (a:Attribute {lid: 'attribute:' + key})
       MERGE (d)-[:AUTHORITATIVE_FOR]->(a)`,
      { lid: datasetLid(d.id), authoritative: d.authoritative },
    );
    await tx.run(
      `MATCH (d:Dataset {lid: $lid})
       UNWIND $sources AS s
       MERGE (src:Lineage:Dataset {lid: s.lid})
       ON CREATE SET src.id = s.id, src.placeholder = true
       MERGE (d)-[r:DERIVED_FROM]->(src)
       SET r.job = s.job`,
      { lid: datasetLid(d.id), sources: d.derivedFrom.map((s) => ({ lid: datasetLid(s.dataset), id: s.dataset, job: s.job })) },
    );
  });
}

/** Records a steward's approval of a lower level for a derived dataset (audited by the caller). */
export async function approveDatasetLevel(
  graph: GraphStore,
  id: string,
  approval: { level: Level; effective: Level; approvedBy: string; reason: string },
): Promise<void> {
  await graph.write(
    `MATCH (d:Dataset {lid: $lid})
     SET d.approvedLevel = $level, d.level = $effective, d.levelApproval = $approval`,
    {
      lid: datasetLid(id),
      level: approval.level,
      effective: approval.effective,
      approval: JSON.stringify({ level: approval.level, approvedBy: approval.approvedBy, reason: approval.reason, at: new Date().toISOString() }),
    },
  );
}
