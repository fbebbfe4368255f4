import { logger as rootLogger, Logger } from '../core/logger';
import type { SqlStore } from '../store/postgres';
import { GENESIS_HASH } from './chain';
import { AuditSigningKey, loadSigningKey } from './keys';
import { AuditCheckpoint, hashesOf, insertCheckpoint, latestCheckpoint, readHead } from './rows';
import { signCheckpoint } from './signature';
import { verifySegment } from './verify';

/**
 * Signed checkpoints (docs/audit.md, "Checkpoints"). A checkpoint states, under the Ed25519 audit
 * key, that the chain had row_count rows and ended at row last_id with hash last_hash at
 * created_at. Before signing, the rows since the previous checkpoint are verified, so a key never
 * signs a broken chain.
 */

/** Rows verified per page by a checkpoint (each page is hashed on the event loop). */
const CHECKPOINT_PAGE_ROWS = 500;

export class AuditIntegrityError extends Error {
  constructor(
    message: string,
    readonly firstBrokenId: number | undefined,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'AuditIntegrityError';
  }
}

/**
 * Signs a checkpoint at the current chain head. Returns the existing checkpoint when nothing was
 * appended since the last one, and null while the log is empty. Throws AuditIntegrityError (and
 * signs nothing) when the rows since the previous checkpoint do not verify.
 */
export async function createCheckpoint(sql: SqlStore, key: AuditSigningKey = loadSigningKey()): Promise<AuditCheckpoint | null> {
  // The head is read without a lock: it only names committed rows, and appends may go on.
  const head = await readHead(sql.pool);
  if (head.lastId === 0) return null;
  const previous = await latestCheckpoint(sql.pool);
  if (previous && previous.last_id > head.lastId) {
    throw new AuditIntegrityError(
      `checkpoint ${previous.id} signed row ${previous.last_id} but the chain head is at row ${head.lastId}: the log was cut`,
      head.lastId + 1,
      'TRUNCATED',
    );
  }
  if (previous && previous.last_id === head.lastId) return previous;

  let afterId = 0;
  let startPrev = GENESIS_HASH;
  let counted = 0;
  if (previous) {
    const stored = (await hashesOf(sql.pool, [previous.last_id])).get(previous.last_id);
    if (stored !== previous.last_hash) {
      throw new AuditIntegrityError(
        `row ${previous.last_id} no longer has the hash checkpoint ${previous.id} signed`,
        previous.last_id,
        'CHECKPOINT_MISMATCH',
      );
    }
    afterId = previous.last_id;
    startPrev = previous.last_hash;
    counted = previous.row_count;
  }
  // Small pages: the API process verifies between requests, never holding its event loop for more
  // than one page (~25 ms), so deliveries and requests do not wait behind a checkpoint.
  const segment = await verifySegment(sql.pool, afterId, startPrev, head.lastId, CHECKPOINT_PAGE_ROWS);
  if (!segment.ok) {
    throw new AuditIntegrityError(
      `refusing to sign a checkpoint: ${segment.message} (${segment.reason})`,
      segment.firstBrokenId,
      segment.reason,
    );
  }
  if (segment.lastId !== head.lastId || segment.lastHash !== head.lastHash) {
    throw new AuditIntegrityError(
      `refusing to sign a checkpoint: the chain ends at row ${segment.lastId ?? afterId} but the head names row ${head.lastId}`,
      (segment.lastId ?? afterId) + 1,
      'TRUNCATED',
    );
  }
  const signed = signCheckpoint(
    { last_id: head.lastId, last_hash: head.lastHash, row_count: counted + segment.count, created_at: new Date().toISOString() },
    key,
  );
  return insertCheckpoint(sql.pool, signed);
}

export interface CheckpointTimer {
  /** Stops the timer and waits for a checkpoint being created. */
  stop(): Promise<void>;
}

/**
 * Creates a checkpoint every intervalMs (skipped when nothing was appended; never two at once).
 * Failures are logged; an integrity failure is logged as an error with the first broken row.
 */
export function startCheckpointTimer(
  sql: SqlStore,
  intervalMs: number,
  key: AuditSigningKey = loadSigningKey(),
  log: Logger = rootLogger,
): CheckpointTimer {
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) throw new RangeError(`intervalMs must be a positive integer, got ${intervalMs}`);
  const audit = log.child({ module: 'audit' });
  if (key.development) audit.warn({ keyId: key.keyId }, 'audit checkpoints are signed with the public development key');
  let running: Promise<void> | null = null;
  const tick = (): void => {
    if (running) return;
    running = createCheckpoint(sql, key)
      .then((cp) => {
        if (cp) audit.debug({ checkpoint: cp.id, lastId: cp.last_id }, 'audit checkpoint');
      })
      .catch((err: unknown) => {
        if (err instanceof AuditIntegrityError) {
          audit.error({ firstBrokenId: err.firstBrokenId, reason: err.reason, err }, 'AUDIT TRAIL BROKEN: checkpoint refused');
        } else {
          audit.warn({ err }, 'audit checkpoint failed; retried at the next interval');
        }
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      if (running) await running;
    },
  };
}
