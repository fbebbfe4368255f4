import { createHash } from 'node:crypto';

/**
 * The audit hash chain, pure (docs/audit.md, "Hashing"). Each audit_log row's hash is
 *
 *   hash = sha256_hex( prev_hash || canonical JSON of the row's content )
 *
 * where prev_hash is the previous row's hash (64 zeros before the first row) and `||` joins the
 * two as text. The id is not part of the content: a row's place is bound by the link, and ids are
 * checked to be contiguous from 1, so a genuine row moved elsewhere is recognisable (REORDERED). The canonical JSON has the content fields in the fixed order of CONTENT_KEYS,
 * timestamps as ISO-8601 UTC strings with milliseconds, arrays in their given order, and nested
 * objects (detail) with their keys sorted by UTF-16 code units, numbers as ECMAScript prints them
 * (RFC 8785 / JCS). audit/verify-offline.mjs implements the same rules without the repo.
 */

export const GENESIS_HASH = '0'.repeat(64);

export const DECISIONS = ['ALLOW', 'MASK', 'DENY', 'GOVERNANCE'] as const;
export type AuditDecision = (typeof DECISIONS)[number];

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * An audit row as stored in audit_log and exported by exportAudit: the column names, ids as
 * numbers, `at` as an ISO string with milliseconds.
 */
export interface AuditRowContent {
  at: string;
  subject: string;
  department: string | null;
  purpose: string | null;
  operation_hash: string;
  operation_name: string | null;
  entity_codes: string[];
  fields: string[];
  decision: AuditDecision;
  policy: string;
  detail: JsonValue | null;
}

export interface AuditRow extends AuditRowContent {
  id: number;
  prev_hash: string;
  hash: string;
}

/** The content fields in the order the canonical JSON writes them. */
export const CONTENT_KEYS: readonly (keyof AuditRowContent)[] = [
  'at',
  'subject',
  'department',
  'purpose',
  'operation_hash',
  'operation_name',
  'entity_codes',
  'fields',
  'decision',
  'policy',
  'detail',
];

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** JSON with object keys sorted (UTF-16 code unit order) at every level; undefined members dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no form for the number ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(isoMillis(value));
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const members = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
}

/** ISO-8601 UTC with milliseconds, e.g. 2026-03-01T08:00:00.000Z. */
export function isoMillis(at: Date | string): string {
  const date = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(date.getTime())) throw new TypeError(`not a timestamp: ${String(at)}`);
  return date.toISOString();
}

/** The canonical JSON of a row's content fields, in CONTENT_KEYS order. */
export function canonicalContent(row: AuditRowContent): string {
  const members = CONTENT_KEYS.map((key) => {
    const value = key === 'at' ? isoMillis(row.at) : row[key];
    return `${JSON.stringify(key)}:${canonicalJson(value)}`;
  });
  return `{${members.join(',')}}`;
}

/** sha256(prev || canonical content), lower-case hex. */
export function rowHash(prev: string, row: AuditRowContent): string {
  return sha256Hex(prev + canonicalContent(row));
}

/** sha256 of a GraphQL document and its variables: the operation_hash column. */
export function operationHash(document: string, variables?: Record<string, unknown> | null): string {
  return sha256Hex(`${document}\n${canonicalJson(variables ?? {})}`);
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

/**
 * Why a chain is broken at a row:
 * - HASH_MISMATCH: the row's stored hash is not the hash of its content and prev_hash (a field was
 *   changed);
 * - PREV_HASH_MISMATCH: the row is self-consistent but links to a hash no row has (its predecessor
 *   was removed and the ids closed up, or the row was forged);
 * - GAP: the ids skip (the rows in between were removed);
 * - REORDERED: the row is self-consistent and links to another row of the chain, not to the row
 *   before it (rows swapped, moved or duplicated), or its id is out of order.
 */
export type ChainBreakReason = 'HASH_MISMATCH' | 'PREV_HASH_MISMATCH' | 'GAP' | 'REORDERED';

export type ChainVerification =
  | { ok: true; count: number; lastId: number | null; lastHash: string }
  | {
      ok: false;
      /** The id of the first broken row (as stored). */
      firstBrokenId: number;
      /** Its position in the rows given. */
      index: number;
      reason: ChainBreakReason;
      /** Rows verified before it. */
      count: number;
      message: string;
    };

export interface VerifyRowsOptions {
  /** The id the first row must have; default 1 after the genesis hash, else the first row's id. */
  startId?: number;
  /**
   * Says whether some row of the chain has this hash, to tell REORDERED from PREV_HASH_MISMATCH;
   * returns that row's id. Default: looks among the rows given (verifyAudit also asks the table).
   */
  lookupHash?: (hash: string) => number | undefined;
}

/** Checks that rows form an unbroken chain that continues startPrevHash; stops at the first break. */
export function verifyRows(
  rows: readonly AuditRow[],
  startPrevHash: string = GENESIS_HASH,
  options: VerifyRowsOptions = {},
): ChainVerification {
  const byHash = new Map<string, number>();
  const ids = new Set<number>();
  for (const r of rows) {
    if (!byHash.has(r.hash)) byHash.set(r.hash, r.id);
    ids.add(r.id);
  }
  const lookup = options.lookupHash ?? ((h: string) => byHash.get(h));
  let expectedId = options.startId ?? (startPrevHash === GENESIS_HASH || rows.length === 0 ? 1 : rows[0].id);
  let expectedPrev = startPrevHash;

  for (let index = 0; index < rows.length; index++) {
    const row = rows[index];
    const broken = (reason: ChainBreakReason, message: string): ChainVerification => ({
      ok: false,
      firstBrokenId: row.id,
      index,
      reason,
      count: index,
      message,
    });
    if (row.id !== expectedId) {
      if (!Number.isSafeInteger(row.id) || row.id < expectedId || ids.has(expectedId)) {
        return broken('REORDERED', `row ${row.id} stands where row ${expectedId} belongs`);
      }
      const missing = row.id - 1 > expectedId ? `rows ${expectedId}..${row.id - 1} are` : `row ${expectedId} is`;
      return broken('GAP', `${missing} missing before row ${row.id}`);
    }
    if (safeRowHash(row.prev_hash, row) !== row.hash) {
      return broken('HASH_MISMATCH', `row ${row.id}: the stored hash is not the hash of the row's content`);
    }
    if (row.prev_hash !== expectedPrev) {
      const predecessor = row.prev_hash === GENESIS_HASH ? 0 : lookup(row.prev_hash);
      if (predecessor !== undefined) {
        const after = predecessor === 0 ? 'the genesis hash' : `row ${predecessor}`;
        return broken('REORDERED', `row ${row.id} is a genuine entry of the chain but follows ${after}, not row ${row.id - 1}`);
      }
      return broken('PREV_HASH_MISMATCH', `row ${row.id} does not link to the hash of row ${row.id - 1}`);
    }
    expectedPrev = row.hash;
    expectedId = row.id + 1;
  }
  return { ok: true, count: rows.length, lastId: rows.length > 0 ? rows[rows.length - 1].id : null, lastHash: expectedPrev };
}

/** rowHash that treats unhashable content (a tampered value of the wrong type) as a mismatch. */
function safeRowHash(prev: string, row: AuditRowContent): string | null {
  try {
    return rowHash(prev, row);
  } catch {
    return null;
  }
}
