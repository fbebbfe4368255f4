/**
 * How an attribute value's provenance is stored on its entity: one JSON string property per
 * attribute (`_prov_<attribute>`), written by ingestion (graph/ingest.ts) and read by the
 * provenance queries (query/provenance.ts).
 */
/** The stored form of a provenance (one JSON string property per attribute on the entity). */
export interface Provenance {
  dataset: string;
  record: string;
  at: string | null;
  authoritative: boolean;
  /** Set when a steward chose this value resolving a conflict. */
  resolvedBy?: string;
}

export const PROVENANCE_PREFIX = '_prov_';

export function provenanceKey(attribute: string): string {
  return PROVENANCE_PREFIX + attribute.split('.')[1];
}

export function parseProvenance(raw: unknown): Provenance | null {
  if (typeof raw !== 'string') return null;
  try {
    const p = JSON.parse(raw) as Provenance;
    return typeof p.dataset === 'string' ? p : null;
  } catch {
    return null;
  }
}
