/**
 * Which value an attribute keeps when sources disagree (一数一源): pure.
 *
 * A claim is a value with its source (dataset, record, the record's time) and whether that
 * dataset is the attribute's authoritative source. Rules, in order:
 *   1. no current value → the incoming one;
 *   2. the same dataset → its newer record (a source correcting itself is not a conflict);
 *   3. equal values → the value stays; the provenance moves to the authoritative source if the
 *      incoming one is it and the current one is not;
 *   4. different values → a conflict (数据打架) is recorded with both claims; the authoritative
 *      source wins; between two non-authoritative (or two authoritative) sources the more recent
 *      record wins, and a record without a time counts as newer (files arrive in time order).
 */
import type { Scalar } from './records';

export interface Claim {
  value: Scalar;
  /** Dataset id; '' for the baseline value of an entity with no recorded source. */
  dataset: string;
  record: string;
  at: string | null;
  authoritative: boolean;
}

export interface MergeOutcome {
  /** True when the incoming claim becomes the attribute's value and provenance. */
  take: boolean;
  conflict: { current: Claim; incoming: Claim; winner: 'CURRENT' | 'INCOMING' } | null;
}

function newer(incoming: Claim, current: Claim): boolean {
  if (incoming.at === null || current.at === null) return true;
  return incoming.at >= current.at;
}

export function mergeClaim(current: Claim | null, incoming: Claim): MergeOutcome {
  if (current === null) return { take: true, conflict: null };
  if (current.dataset === incoming.dataset) return { take: newer(incoming, current), conflict: null };
  if (current.value === incoming.value) return { take: incoming.authoritative && !current.authoritative, conflict: null };
  let take: boolean;
  if (incoming.authoritative !== current.authoritative) take = incoming.authoritative;
  else take = newer(incoming, current);
  return { take, conflict: { current, incoming, winner: take ? 'INCOMING' : 'CURRENT' } };
}
