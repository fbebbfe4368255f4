import { badInput } from '../core/errors';
import { decryptIdNumber, piiKeys } from '../domain/pii';
import type { EntityRecord } from '../graph/entities';
import type { StoredDataset } from '../graph/datasets';
import type { RelationName } from '../graph/relations';
import { ATTRIBUTES, type AttributeSpec } from '../ingest/datasets';
import { parseProvenance, provenanceKey } from '../ingest/merge';
import { applyDecision, fieldDeniedError } from '../policy/engine';
import type { Decision } from '../policy/model';
import type { RequestContext } from './context';
import { toOnePlan } from './relations';
import type { ProvenanceType } from './types/lineage';

/**
 * The provenance of one attribute value of one entity (dataset, department, record, time), shared
 * by the entity field `provenance(attribute:)` and the query `provenance(code, attribute)`.
 *
 * Permission: exactly the attribute's own decision (docs/permissions.md §3): DENY → FORBIDDEN_FIELD
 * naming the attribute; MASK → the value masked like the attribute; the entity itself came through
 * the caller's row scope. The catalogue entries `<Type>.provenance` are L1 so that the field gate
 * never differs from the attribute's decision.
 */
export type RowType = 'Person' | 'Enterprise' | 'CityObject';

/** To-one relations fed by ingestion, by attribute (resolvers/lookahead.ts TO_ONE names). */
const RELATION_OF_ATTRIBUTE: Readonly<Record<string, RelationName>> = {
  'Person.residence': 'residence',
  'Enterprise.registeredAt': 'registeredAt',
  'CityObject.parent': 'parent',
};

/** The catalogue key that classifies an ingestion attribute. */
export function catalogueKey(attribute: string): string {
  return attribute === 'CityObject.parkingCode' ? 'CityObject.deviceCode' : attribute;
}

/** The row type of a stored entity. */
export function rowTypeOf(labels: readonly string[]): RowType {
  return labels.includes('Person') ? 'Person' : labels.includes('Enterprise') ? 'Enterprise' : 'CityObject';
}

/** `phone` or `Person.phone` → the ingested attribute of `type`, or null when there is none. */
export function attributeOf(type: RowType, attribute: string): { key: string; spec: AttributeSpec } | null {
  const key = attribute.includes('.') ? attribute : `${type}.${attribute}`;
  const spec = ATTRIBUTES[key];
  return spec && spec.entity === type ? { key, spec } : null;
}

/** The attribute of `type`, or BAD_USER_INPUT saying which ones exist. */
export function requireAttribute(type: RowType, attribute: string): { key: string; spec: AttributeSpec } {
  const found = attributeOf(type, attribute);
  if (!found) {
    throw badInput(
      `${attribute.slice(0, 80)} is not an ingested attribute of ${type}`,
      `Use one of ${Object.keys(ATTRIBUTES).filter((a) => a.startsWith(`${type}.`)).map((a) => a.split('.')[1]).join(', ')}.`,
      { argument: 'attribute' },
    );
  }
  return found;
}

/** The stored properties the provenance of `attribute` reads from its node (look-ahead). */
export function provenanceProperties(type: RowType, attribute: string): string[] {
  const found = attributeOf(type, attribute);
  if (!found) return [];
  const { key, spec } = found;
  const value = spec.kind === 'relation' ? [] : key === 'Person.idNumber' ? ['idCipher'] : [spec.target];
  return [...value, provenanceKey(key)];
}

/** The to-one relation whose target is the value of `attribute`, if it is one (look-ahead). */
export function provenanceRelation(type: RowType, attribute: string): { relation: RelationName; fieldKey: string } | null {
  const found = attributeOf(type, attribute);
  const relation = found && RELATION_OF_ATTRIBUTE[found.key];
  return relation ? { relation, fieldKey: catalogueKey(found.key) } : null;
}

let maskingKey: Buffer | undefined;

/** A value as the decision lets the caller see it (as the field guard serves the attribute). */
function release(decision: Decision | null, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (!decision || decision.effect === 'ALLOW') return String(value);
  if (typeof value !== 'string') return null; // a masked number is withheld, as by the field guard
  if (decision.mask === 'HASH') maskingKey ??= piiKeys().maskingKey;
  return applyDecision(decision, value, { hashKey: maskingKey });
}

/**
 * The record key, which is a value of the dataset's record-key field: when that field feeds an
 * attribute (zjj-room's `house_code` → CityObject.houseCode, swj-device's `device_code` →
 * CityObject.deviceCode), the caller sees it as that attribute (clear, masked, or null).
 */
function guardRecord(ctx: RequestContext, dataset: StoredDataset | null, record: string | null, code: string): string | null {
  if (record === null || !dataset) return record;
  const field = dataset.definition.fields.find((f) => f.name === dataset.definition.recordKey);
  if (!field?.attribute) return record;
  const key = catalogueKey(field.attribute);
  const decision = ctx.access.decide(key);
  if (!decision) return record;
  if (decision.effect === 'DENY') {
    ctx.access.recordDenial(decision, key, code);
    return null;
  }
  ctx.access.recordRead(decision, key, code);
  return release(decision, record);
}

/** True when `record` carries the properties the provenance of `key` reads. */
function carries(props: Record<string, unknown>, key: string, spec: AttributeSpec): boolean {
  if (!(provenanceKey(key) in props)) return false;
  if (spec.kind === 'relation') return true;
  return (key === 'Person.idNumber' ? 'idCipher' : spec.target) in props;
}

/**
 * The provenance of `attribute` of the entity `code` of `type`. `props` are the node's properties
 * as fetched (possibly a projection planned by look-ahead); missing ones are loaded by code through
 * the request's entity loader (batched; already cached for by-code and federation look-ups).
 */
export async function attributeProvenance(
  ctx: RequestContext,
  type: RowType,
  code: string,
  props: Record<string, unknown> | undefined,
  attribute: string,
): Promise<ProvenanceType | null> {
  const { key, spec } = requireAttribute(type, attribute);
  const fieldKey = catalogueKey(key);
  const decision = ctx.access.decide(fieldKey);
  if (decision?.effect === 'DENY') {
    ctx.access.recordDenial(decision, fieldKey, code);
    throw fieldDeniedError(decision);
  }
  let source = props;
  if (!source || !carries(source, key, spec)) {
    const full: EntityRecord | null = await ctx.loaders.entity.load(code);
    if (!full) return null; // outside the caller's row scope (or gone)
    source = full.props;
  }
  let raw: unknown;
  const relation = RELATION_OF_ATTRIBUTE[key];
  if (relation) {
    // The target as the relation field shows it: through the caller's row scope.
    const page = await ctx.loaders.relation(toOnePlan(relation)).load(code);
    raw = page.items[0]?.code ?? null;
  } else if (key === 'Person.idNumber') {
    raw = typeof source.idCipher === 'string' ? decryptIdNumber(source.idCipher, piiKeys().encryptionKey) : null;
  } else {
    raw = source[spec.target];
  }
  if (decision) ctx.access.recordRead(decision, fieldKey, code);
  const value = release(decision, raw);
  const prov = parseProvenance(source[provenanceKey(key)]);
  const dataset = prov ? await ctx.loaders.dataset.load(prov.dataset) : null;
  return {
    code,
    attribute: key,
    value,
    dataset: prov?.dataset ?? null,
    datasetName: dataset?.definition.name ?? null,
    department: dataset?.definition.department ?? null,
    departmentName: dataset?.departmentName ?? null,
    record: guardRecord(ctx, dataset, prov?.record ?? null, code),
    at: prov?.at ?? null,
    authoritative: prov?.authoritative ?? false,
    resolvedBy: prov?.resolvedBy ?? null,
  };
}
