import { ATTRIBUTES, type AttributeSpec } from '../domain/datasets';
import type { KindName } from '../domain/model';
import { decryptIdNumber, piiKeys } from '../domain/pii';
import type { StoredDataset } from '../graph/datasets';
import { parseProvenance, provenanceKey } from '../graph/provenanceRecord';
import { RELEASED_AS, regionOf, type ReleaseDescriptors } from '../policy/release';
import type { QueryContext } from './context';
import { provenanceRelation, requireAttribute, valueProperty } from './attributes';
import { toOnePlan } from './plan';

/**
 * The provenance of one attribute value of one entity (dataset, department, record, time), shared
 * by the entity field `provenance(attribute:)` and the query `provenance(code, attribute)`.
 *
 * Permission: exactly the attribute's own decision for the entity's row (docs/permissions.md §3):
 * denied → FORBIDDEN_FIELD naming the attribute; masked → the value masked like the attribute.
 * The answer carries its values raw with a release descriptor (policy/release.ts RELEASED_AS): the
 * release gate serves `value` as the attribute and `record` as the attribute its dataset's record
 * key feeds, when it feeds one.
 */
export interface ProvenanceValue {
  code: string;
  attribute: string;
  value: unknown;
  dataset: string | null;
  datasetName: string | null;
  department: string | null;
  departmentName: string | null;
  record: string | null;
  at: string | null;
  authoritative: boolean;
  resolvedBy: string | null;
  [RELEASED_AS]: ReleaseDescriptors;
}

/** True when `props` carry the properties the provenance of `key` reads (and the row's region, when the decision needs it). */
function carries(props: Readonly<Record<string, unknown>>, key: string, spec: AttributeSpec, needsRegion: boolean): boolean {
  if (!(provenanceKey(key) in props) || (needsRegion && !('districtCode' in props))) return false;
  const value = valueProperty(spec);
  return value === null || value in props;
}

/**
 * The record key, which is a value of the dataset's record-key field: when that field feeds an
 * attribute (zjj-room's `house_code` → CityObject.houseCode, swj-device's `device_code` →
 * CityObject.deviceCode), it is released as that attribute; otherwise it is plain.
 */
export function recordKeyAttribute(dataset: StoredDataset | null): string | null {
  if (!dataset) return null;
  const field = dataset.definition.fields.find((f) => f.name === dataset.definition.recordKey);
  return field?.attribute ? (ATTRIBUTES[field.attribute]?.classifiedAs ?? field.attribute) : null;
}

/**
 * The provenance of `attribute` of the entity `code` of `kind`. `props` are the node's properties
 * as fetched (possibly a projection planned by look-ahead); missing ones are loaded by code through
 * the request's entity loader (batched; already cached for by-code and federation look-ups).
 */
export async function attributeProvenance(
  ctx: QueryContext,
  kind: KindName,
  code: string,
  props: Readonly<Record<string, unknown>> | undefined,
  attribute: string,
): Promise<ProvenanceValue | null> {
  const { key, spec } = requireAttribute(kind, attribute);
  let source = props;
  if (!source || !carries(source, key, spec, ctx.release.rowDependent(spec.classifiedAs))) {
    const full = await ctx.loaders.entity.load(code);
    if (!full) return null; // outside the caller's row scope (or gone)
    source = full.props;
  }
  const at = { code, row: regionOf(source) };
  // Readable exactly when the attribute is, for this entity's row.
  ctx.release.check(spec.classifiedAs, at);
  let raw: unknown;
  const relation = provenanceRelation(kind, attribute);
  if (relation) {
    // The target as the relation field shows it: through the caller's row scope.
    const page = await ctx.loaders.relation(toOnePlan(relation)).load(code);
    raw = page.items[0]?.code ?? null;
  } else if (spec.scheme === 'CITIZEN_ID') {
    raw = typeof source.idCipher === 'string' ? source.idCipher : null;
  } else {
    raw = source[spec.target] ?? null;
  }
  const prov = parseProvenance(source[provenanceKey(key)]);
  const dataset = prov ? await ctx.loaders.dataset.load(prov.dataset) : null;
  const recordAttribute = recordKeyAttribute(dataset);
  const cipher = spec.scheme === 'CITIZEN_ID' ? raw : null;
  const answer: ProvenanceValue = {
    code,
    attribute: key,
    value: raw,
    dataset: prov?.dataset ?? null,
    datasetName: dataset?.definition.name ?? null,
    department: dataset?.definition.department ?? null,
    departmentName: dataset?.departmentName ?? null,
    record: prov?.record ?? null,
    at: prov?.at ?? null,
    authoritative: prov?.authoritative ?? false,
    resolvedBy: prov?.resolvedBy ?? null,
    [RELEASED_AS]: {
      value: { key: spec.classifiedAs, at },
      record: recordAttribute ? { key: recordAttribute, at, onDeny: 'null' } : null,
    },
  };
  // An ID number is decrypted only when the release gate reads the value, after it allowed (or masks) it.
  if (typeof cipher === 'string') Object.defineProperty(answer, 'value', { get: () => decryptIdNumber(cipher, piiKeys().encryptionKey), enumerable: true });
  return answer;
}
