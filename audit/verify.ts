import type { KeyObject } from 'node:crypto';
import type { SqlStore } from '../store/postgres';
import { ChainBreakReason, ChainVerification, GENESIS_HASH, verifyRows } from './chain';
import { trustedPublicKeys } from './keys';
import { AuditCheckpoint, hashesOf, idOfHash, idRange, Queryable, readCheckpoints, readHead, readRows } from './rows';
import { checkSignature, keyring } from './signature';

/**
 * Verification of the audit trail in the database (docs/audit.md, "Verifying"): the chain is
 * walked in pages of rows in id order, checking contiguity, every prev_hash link and every hash;
 * every checkpoint's signature is checked and its last_hash compared with the row it names; the
 * chain head is compared with the last row. The earliest broken row is reported.
 */

export type AuditBreakReason =
  | ChainBreakReason
  /** Rows at the end are gone: a signed checkpoint (or the chain head) names a row past the last one. */
  | 'TRUNCATED'
  /** The chain head disagrees with the last row (rows added or changed around the append trigger). */
  | 'HEAD_MISMATCH'
  /** A validly signed checkpoint names a row whose stored hash differs: the chain was rewritten. */
  | 'CHECKPOINT_MISMATCH'
  /** A checkpoint's signature is wrong, or made by a key the verifier does not trust. */
  | 'CHECKPOINT_SIGNATURE'
  /** A checkpoint kept outside the database (an anchor) is no longer in audit_checkpoint. */
  | 'CHECKPOINT_MISSING';

export interface AuditVerification {
  ok: boolean;
  /** Rows whose hash and link were checked (up to the first break). */
  checkedRows: number;
  /** Checkpoints with a valid signature whose last_hash matched their row. */
  checkpointsVerified: number;
  /** The range checked: fromId .. toId (toId = the last row when not given). */
  fromId: number;
  toId: number;
  firstBrokenId?: number;
  reason?: AuditBreakReason;
  /** The checkpoint behind a TRUNCATED / CHECKPOINT_* finding (an anchor's id for anchors). */
  checkpointId?: number;
  message?: string;
  /** The hash of the last row checked, when the chain is intact. */
  lastHash?: string;
}

export interface VerifyAuditOptions {
  fromId?: number;
  toId?: number;
  /** Keys trusted for checkpoint signatures; default trustedPublicKeys() (audit/keys.ts). */
  publicKeys?: KeyObject[];
  /**
   * Checkpoints kept outside the database, e.g. from an earlier export: each must still verify
   * against the rows and still be in audit_checkpoint. They bound an attacker who rewrites or cuts
   * the chain and deletes the checkpoints in the database.
   */
  anchors?: AuditCheckpoint[];
  /** Rows read per query (default 5000). */
  pageSize?: number;
}

interface Finding {
  firstBrokenId?: number;
  reason: AuditBreakReason;
  message: string;
  checkpointId?: number;
}

export type SegmentVerification = ChainVerification;

/**
 * Walks the rows after `afterId` up to `toId` (inclusive), expecting the first to link to
 * `startPrevHash`; stops at the first break. A row linking to a hash elsewhere in the table is
 * REORDERED rather than PREV_HASH_MISMATCH.
 */
export async function verifySegment(
  db: Queryable,
  afterId: number,
  startPrevHash: string,
  toId: number,
  pageSize = 5000,
): Promise<SegmentVerification> {
  let expectedId = afterId + 1;
  let prev = startPrevHash;
  let checked = 0;
  let lastId: number | null = null;
  while (expectedId <= toId) {
    const page = await readRows(db, expectedId - 1, toId, pageSize);
    if (page.length === 0) break;
    const result = verifyRows(page, prev, { startId: expectedId });
    if (!result.ok) {
      if (result.reason === 'PREV_HASH_MISMATCH') {
        const row = page[result.index];
        const elsewhere = await idOfHash(db, row.prev_hash);
        if (elsewhere !== undefined) {
          return {
            ...result,
            reason: 'REORDERED',
            count: checked + result.count,
            message: `row ${row.id} is a genuine entry of the chain but follows row ${elsewhere}, not row ${row.id - 1}`,
          };
        }
      }
      return { ...result, count: checked + result.count };
    }
    checked += result.count;
    prev = result.lastHash;
    lastId = result.lastId;
    expectedId = (result.lastId ?? expectedId - 1) + 1;
    if (page.length < pageSize) break;
  }
  return { ok: true, count: checked, lastId, lastHash: prev };
}

/** Verifies the audit trail (or the range fromId..toId) in the database. */
export async function verifyAudit(sql: SqlStore, options: VerifyAuditOptions = {}): Promise<AuditVerification> {
  const fromId = options.fromId ?? 1;
  if (!Number.isSafeInteger(fromId) || fromId < 1) throw new RangeError(`fromId must be a positive integer, got ${fromId}`);
  if (options.toId !== undefined && (!Number.isSafeInteger(options.toId) || options.toId < fromId)) {
    throw new RangeError(`toId must be an integer >= fromId, got ${options.toId}`);
  }
  const keys = keyring(options.publicKeys ?? trustedPublicKeys());
  return sql.transaction(async (client) => {
    // One snapshot for the whole walk: appends that commit meanwhile are simply not seen.
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const head = await readHead(client);
    const { maxId } = await idRange(client);
    const lastRow = maxId ?? 0;
    const toEnd = options.toId === undefined;
    const toId = options.toId ?? lastRow;
    const findings: Finding[] = [];

    // 1. The chain itself.
    let checkedRows = 0;
    let lastHash: string | undefined;
    let startPrev: string | undefined = GENESIS_HASH;
    if (fromId > 1) startPrev = (await hashesOf(client, [fromId - 1])).get(fromId - 1);
    if (startPrev === undefined) {
      findings.push({ firstBrokenId: fromId, reason: 'GAP', message: `row ${fromId - 1}, which row ${fromId} links to, is missing` });
    } else if (toId >= fromId) {
      const walk = await verifySegment(client, fromId - 1, startPrev, toId, options.pageSize);
      checkedRows = walk.count;
      if (walk.ok) lastHash = walk.lastHash;
      else findings.push({ firstBrokenId: walk.firstBrokenId, reason: walk.reason, message: walk.message });
    }

    // 2. The head: it moves with every append, so it must name the last row.
    if (toEnd) {
      if (head.lastId > lastRow) {
        findings.push({
          firstBrokenId: lastRow + 1,
          reason: 'TRUNCATED',
          message: `the chain head records ${head.lastId} rows but the log ends at row ${lastRow}`,
        });
      } else if (head.lastId < lastRow) {
        findings.push({
          firstBrokenId: head.lastId + 1,
          reason: 'HEAD_MISMATCH',
          message: `rows ${head.lastId + 1}..${lastRow} lie beyond the chain head (added around the append trigger)`,
        });
      } else if (head.lastId > 0 && (await hashesOf(client, [head.lastId])).get(head.lastId) !== head.lastHash) {
        findings.push({
          firstBrokenId: head.lastId,
          reason: 'HEAD_MISMATCH',
          message: `row ${head.lastId}'s hash is not the one the chain head recorded`,
        });
      }
    }

    // 3. Checkpoints in the database, then anchors kept elsewhere.
    const stored = await readCheckpoints(client, fromId, toEnd ? null : toId);
    const anchors = (options.anchors ?? []).filter((a) => a.last_id >= fromId && (toEnd || a.last_id <= toId));
    const storedKeys = new Set(stored.map((c) => `${c.last_id}:${c.signature}`));
    const hashes = await hashesOf(client, [...new Set([...stored, ...anchors].map((c) => c.last_id))]);
    let checkpointsVerified = 0;
    const check = (cp: AuditCheckpoint, what: string): boolean => {
      const status = checkSignature(cp, keys);
      if (status !== 'VALID') {
        findings.push({
          reason: 'CHECKPOINT_SIGNATURE',
          checkpointId: cp.id,
          message:
            status === 'UNKNOWN_KEY'
              ? `${what} ${cp.id} is signed by key ${cp.key_id}, which is not trusted`
              : `${what} ${cp.id} (row ${cp.last_id}) has a signature that does not verify`,
        });
        return false;
      }
      if (cp.row_count !== cp.last_id) {
        findings.push({
          firstBrokenId: cp.last_id,
          reason: 'CHECKPOINT_MISMATCH',
          checkpointId: cp.id,
          message: `${what} ${cp.id} counts ${cp.row_count} rows up to row ${cp.last_id}`,
        });
        return false;
      }
      if (cp.last_id > lastRow) {
        findings.push({
          firstBrokenId: lastRow + 1,
          reason: 'TRUNCATED',
          checkpointId: cp.id,
          message: `${what} ${cp.id} signed ${cp.row_count} rows up to row ${cp.last_id}, but the log ends at row ${lastRow}`,
        });
        return false;
      }
      const hash = hashes.get(cp.last_id);
      if (hash !== cp.last_hash) {
        findings.push({
          firstBrokenId: cp.last_id,
          reason: 'CHECKPOINT_MISMATCH',
          checkpointId: cp.id,
          message:
            hash === undefined
              ? `${what} ${cp.id} signed row ${cp.last_id}, which is missing`
              : `row ${cp.last_id}'s hash is not the one ${what} ${cp.id} signed: the chain was rewritten up to here`,
        });
        return false;
      }
      return true;
    };
    for (const cp of stored) if (check(cp, 'checkpoint')) checkpointsVerified++;
    for (const anchor of anchors) {
      const present = storedKeys.has(`${anchor.last_id}:${anchor.signature}`);
      if (check(anchor, 'anchor checkpoint') && !present) {
        checkpointsVerified++;
        findings.push({
          reason: 'CHECKPOINT_MISSING',
          checkpointId: anchor.id,
          message: `checkpoint ${anchor.id} (row ${anchor.last_id}) held outside the database is no longer in audit_checkpoint`,
        });
      }
    }

    const first = earliest(findings);
    const result: AuditVerification = { ok: first === undefined, checkedRows, checkpointsVerified, fromId, toId };
    if (first) Object.assign(result, first);
    else if (lastHash !== undefined) result.lastHash = lastHash;
    return result;
  });
}

/** The finding at the lowest row id (the first in order on a tie); findings without a row last. */
function earliest(findings: Finding[]): Finding | undefined {
  let best: Finding | undefined;
  for (const f of findings) {
    if (!best) best = f;
    else if (f.firstBrokenId !== undefined && (best.firstBrokenId === undefined || f.firstBrokenId < best.firstBrokenId)) best = f;
  }
  return best;
}
