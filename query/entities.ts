/**
 * Entity values as the query layer hands them to the schema: the kind (its GraphQL type), the
 * city code and the node's properties as fetched (possibly a projection planned by look-ahead).
 * Fields read from `props` through the release gate; nothing else of the node reaches a client.
 */
import type { KindName } from '../domain/model';
import { kindOfLabels } from '../domain/modelIndex';
import type { EntityRecord } from '../graph/entities';

export interface EntityValue {
  readonly __typename: KindName;
  readonly code: string;
  readonly props: Readonly<Record<string, unknown>>;
}

/** A stored node as an entity value, or null when its labels name no kind of the model. */
export function asEntity(record: EntityRecord): EntityValue | null {
  const kind = kindOfLabels(record.labels);
  return kind ? { __typename: kind, code: record.code, props: record.props } : null;
}

/** Entity values of the stored nodes whose kind is `kind` (or any kind). */
export function entitiesOf(records: readonly (EntityRecord | null | Error)[], kind?: KindName): EntityValue[] {
  const out: EntityValue[] = [];
  for (const r of records) {
    if (!r || r instanceof Error) continue;
    const e = asEntity(r);
    if (e && (!kind || e.__typename === kind)) out.push(e);
  }
  return out;
}
