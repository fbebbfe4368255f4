/**
 * Batches of an ingest (ingest/pipeline.ts): the rows of one batch prepared into records (pure),
 * and the batch whose write transaction is still running while the next one is resolved.
 */
import type { EntityState, BatchWrite } from '../graph/ingest';
import { externalIdKey } from '../graph/identifiers';
import type { DatasetDefinition } from '../domain/datasets';
import { PreparedRecord, prepareRecord, RejectedRow } from './records';

export type SourceRow = { line: number; fields: Record<string, unknown> | null; error: string | null };

/**
 * The rows of one batch → prepared records and rejections (pure): unreadable rows, rows that fail
 * their dataset's types, and a record key already seen in the batch are rejected with their line.
 */
export function prepareBatch(def: DatasetDefinition, rows: readonly SourceRow[], hmacKey: Uint8Array): { records: PreparedRecord[]; rejected: RejectedRow[] } {
  const records: PreparedRecord[] = [];
  const rejected: RejectedRow[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    if (!row.fields) {
      rejected.push({ line: row.line, reason: row.error ?? 'unreadable', field: null });
      continue;
    }
    const p = prepareRecord(def, row.line, row.fields, hmacKey);
    if (!p.ok) rejected.push(p.rejected);
    else if (seen.has(p.record.recordKey)) {
      rejected.push({ line: row.line, reason: `duplicate record key ${p.record.recordKey} (first at line ${seen.get(p.record.recordKey)})`, field: def.recordKey });
    } else {
      seen.set(p.record.recordKey, row.line);
      records.push(p.record);
    }
  }
  return { records, rejected };
}

/**
 * The previous batch while its write transaction is still running (pipelining, ingestFile): what
 * it writes, so the next batch resolves exactly as if it had committed. Its external identifiers
 * are known (the transaction writes exactly these), and so are the states it leaves on the
 * entities it touched (values, provenance, district, relations: what the merge reads), except
 * where it writes a relation (the statement also fills district codes from the target). For
 * anything else the previous batch wrote (a record key, such an entity, blocking candidates,
 * which any entity it wrote could change) the next batch waits for the commit and reads.
 */
export interface BatchInFlight {
  written: Promise<void>;
  recordKeys: Set<string>;
  externalIds: Map<string, string>;
  /** Entities the batch writes → their state after the write. */
  states: Map<string, EntityState>;
  /** Entities whose state only a read after the commit tells exactly. */
  unsettled: Set<string>;
}

export function inFlight(resolved: ResolvedBatch, written: Promise<void>): BatchInFlight {
  const w = resolved.write;
  const touched = new Set([...w.newEntities.map((n) => n.code), ...w.updates.map((u) => u.code), ...w.idCiphers.map((c) => c.code), ...w.externalIds.map((x) => x.code)]);
  const unsettled = new Set(w.relations.map((r) => r.code));
  const states = new Map<string, EntityState>();
  for (const code of touched) {
    const state = resolved.states.get(code);
    if (state && !unsettled.has(code)) states.set(code, state);
    else unsettled.add(code);
  }
  return { written, recordKeys: new Set(w.records.map((r) => r.key)), externalIds: new Map(w.externalIds.map((x) => [externalIdKey(x), x.code])), states, unsettled };
}

export interface ResolvedBatch {
  write: BatchWrite;
  /** States of the entities the batch resolved to, as its write leaves them. */
  states: Map<string, EntityState>;
  /** Per entity the batch changes, the catalogue keys of the attributes it changes (for the change outbox). */
  changed: Map<string, Set<string>>;
}

