/**
 * An entity as a row of a file or a delivery (exports, return flows): its code, kind and the
 * attributes it stores as properties, each released through the caller's gate — denied ones left
 * out (and not recorded as denials: the row simply holds what the caller may have), masked ones
 * masked, read ones recorded for the audit. Rows outside the caller's row scope give null.
 * Encrypted (citizen ID) and computed attributes (geometry) are not part of rows.
 */
import { attributesOf, type AttributeInfo } from '../domain/modelIndex';
import type { KindName } from '../domain/model';
import { regionOf, type Release } from '../policy/release';

export interface ReleasedRow {
  code: string;
  kind: string;
  values: Record<string, unknown>;
}

const STORED = new Map<KindName, AttributeInfo[]>();
/** The attributes of a kind stored as properties (what a row carries), in the model's order. */
export function storedAttributes(kind: KindName): AttributeInfo[] {
  let list = STORED.get(kind);
  if (!list) STORED.set(kind, (list = attributesOf(kind).filter((a) => a.source.from === 'property')));
  return list;
}

export function releasedRow(release: Release, kind: KindName, record: { code: string; props: Record<string, unknown> }): ReleasedRow | null {
  if (!release.admitsRow(kind, record.props)) return null;
  const row = regionOf(record.props);
  const values: Record<string, unknown> = {};
  for (const a of storedAttributes(kind)) {
    if (release.decide(a.key, row).effect === 'DENY') continue;
    const stored = record.props[a.reads[0]];
    values[a.field] = stored === undefined || stored === null ? null : release.release(a.key, { code: record.code, row }, stored);
  }
  return { code: record.code, kind, values };
}
