import type { PoolClient } from 'pg';
import type { AuditEntry } from '../policy/release';
import { logger as rootLogger, Logger } from '../core/logger';
import type { SqlStore } from '../store/postgres';
import { AuditRow, AuditRowContent, DECISIONS, isoMillis, JsonValue, rowHash } from './chain';
import { auditSettingsFromEnv, AuditSettings } from './config';
import { insertRows, readHead } from './rows';

/**
 * The audit writer (docs/audit.md, "Writing"). record() only validates and enqueues, so the
 * request path never waits for PostgreSQL; a background flush appends the queue in batches, each
 * batch one transaction:
 *
 *   BEGIN; SELECT last_id, last_hash FROM audit_chain_head FOR UPDATE;
 *   -- number the batch last_id + 1 .. and hash it in order, in this process
 *   INSERT INTO audit_log VALUES (...), (...), ...;   -- its trigger checks the links, moves the head
 *   COMMIT
 *
 * The head row lock serialises writers across processes, so the chain never forks or gaps.
 * While PostgreSQL is unreachable entries stay queued (up to maxQueue) and the flush is retried
 * with back-off; beyond maxQueue new entries are dropped, logged and counted in metrics.
 */

/** One audit entry: what the release gate (policy/release.ts) records of a request, or a governance change. */
export type { AuditEntry } from '../policy/release';

export interface AuditWriterMetrics {
  /** Entries accepted by record(). */
  enqueued: number;
  /** Entries committed to audit_log. */
  written: number;
  /** Entries refused because the queue was full (PostgreSQL unreachable for long). */
  dropped: number;
  /** Entries PostgreSQL refused as invalid data even alone; logged in full, then skipped. */
  rejected: number;
  /** Committed flush transactions. */
  batches: number;
  /** Flush attempts that failed (the entries stayed queued). */
  failedFlushes: number;
  /** Entries waiting now. */
  queueDepth: number;
  /** Duration of the last committed flush (ms). */
  lastFlushMs: number;
  lastError: string | null;
}

export interface AuditWriterOptions extends Partial<Omit<AuditSettings, 'checkpointIntervalMs'>> {
  logger?: Logger;
  /** First retry delay after a failed flush (ms); doubles up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** How long close() keeps retrying to drain the queue (ms). */
  closeTimeoutMs?: number;
  /**
   * The (sub)graph this writer records for, stamped as detail.subgraph on every entry that does not
   * name one: 'city' for the city API, 'futian' for the 福田 subgraph (the usage trail's "from which
   * subgraph"). Unset: nothing is stamped.
   */
  subgraph?: string;
}

type PendingRow = AuditRowContent;

/** The largest batch one flush transaction takes (a bound on statement size, ~0.7 kB a row). */
export const MAX_BATCH_SIZE = 5000;

interface Queued {
  seq: number;
  row: PendingRow;
}

/** SQLSTATEs that mean the data itself is unacceptable, so a retry cannot succeed. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('22') || code === '23502' || code === '23514' || code === '54000');
}

// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL text and jsonb cannot hold
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text PostgreSQL can store: no NUL, no lone surrogates (pg would turn them into U+FFFD). */
function storable(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

function storableJson(value: unknown, path: string): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return storable(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map((v, i) => storableJson(v, `${path}[${i}]`));
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      out[storable(k)] = storableJson(v, `${path}.${k}`);
    }
    return out;
  }
  throw new TypeError(`audit detail ${path} is a ${typeof value}, which JSON cannot hold`);
}

function text(value: unknown, name: string, nullable: boolean): string | null {
  if (value === undefined || value === null) {
    if (nullable) return null;
    throw new TypeError(`audit entry: ${name} is required`);
  }
  if (typeof value !== 'string') throw new TypeError(`audit entry: ${name} must be a string`);
  if (!nullable && value.trim() === '') throw new TypeError(`audit entry: ${name} must not be empty`);
  return storable(value);
}

function strings(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new TypeError(`audit entry: ${name} must be an array of strings`);
  }
  return value.map((v: string) => storable(v));
}

/**
 * Validates an entry and snapshots it as the row content that will be hashed (later changes to
 * the caller's objects do not reach the log). Throws TypeError for a malformed entry: that is a
 * bug in the caller, and silently losing an audit record would be worse.
 */
export function entryToContent(entry: AuditEntry, now: Date = new Date()): AuditRowContent {
  if (!entry || typeof entry !== 'object') throw new TypeError('audit entry must be an object');
  const subject = entry.subject;
  if (!subject || typeof subject.id !== 'string') throw new TypeError('audit entry: subject is required');
  if (!DECISIONS.includes(entry.decision)) {
    throw new TypeError(`audit entry: decision must be one of ${DECISIONS.join(', ')}, got ${String(entry.decision)}`);
  }
  const at = entry.at ?? now;
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError('audit entry: at must be a valid Date');
  const detail = storableJson(
    {
      ...(entry.detail ?? {}),
      actor: {
        username: subject.username,
        clearance: subject.clearance,
        serviceAccount: subject.serviceAccount,
        anonymous: subject.anonymous,
      },
    },
    'detail',
  );
  return {
    at: isoMillis(at),
    subject: text(subject.id, 'subject.id', false) as string,
    department: text(subject.department, 'subject.department', true),
    purpose: text(entry.purpose, 'purpose', true),
    operation_hash: text(entry.operationHash, 'operationHash', false) as string,
    operation_name: text(entry.operationName, 'operationName', true),
    entity_codes: strings(entry.entityCodes, 'entityCodes'),
    fields: strings(entry.fields, 'fields'),
    decision: entry.decision,
    policy: text(entry.policy, 'policy', false) as string,
    detail,
  };
}

export class AuditWriter {
  private readonly queue: Queued[] = [];
  private readonly settings: Omit<AuditSettings, 'checkpointIntervalMs'>;
  private readonly log: Logger;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly closeTimeoutMs: number;
  private readonly counters = {
    enqueued: 0,
    written: 0,
    dropped: 0,
    rejected: 0,
    batches: 0,
    failedFlushes: 0,
    lastFlushMs: 0,
    lastError: null as string | null,
  };
  private nextSeq = 1;
  /** Every entry with seq <= settledSeq is committed, rejected or dropped. */
  private settledSeq = 0;
  private inflight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private failureStreak = 0;
  /** After a data error in a batch, this many entries are written one at a time to find the bad one. */
  private isolate = 0;
  private closing = false;
  private closed = false;
  private readonly subgraph: string | undefined;

  constructor(
    private readonly sql: SqlStore,
    options: AuditWriterOptions = {},
  ) {
    const env = auditSettingsFromEnv();
    this.settings = {
      flushIntervalMs: options.flushIntervalMs ?? env.flushIntervalMs,
      batchSize: options.batchSize ?? env.batchSize,
      maxQueue: options.maxQueue ?? env.maxQueue,
    };
    if (!(this.settings.batchSize >= 1 && this.settings.batchSize <= MAX_BATCH_SIZE)) {
      throw new RangeError(`audit batchSize must be between 1 and ${MAX_BATCH_SIZE}, got ${this.settings.batchSize}`);
    }
    this.log = (options.logger ?? rootLogger).child({ module: 'audit' });
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.subgraph = options.subgraph;
  }

  get metrics(): AuditWriterMetrics {
    return { ...this.counters, queueDepth: this.queue.length };
  }

  /** Milliseconds the oldest entry not yet written has waited (0 when none waits): the audit lag. */
  get lagMs(): number {
    const oldest = this.queue[0];
    return oldest ? Math.max(0, Date.now() - Date.parse(oldest.row.at)) : 0;
  }

  /** True when the queue is full: a new entry would be dropped, so the API refuses reads instead (fail closed). */
  get saturated(): boolean {
    return this.closed || this.queue.length >= this.settings.maxQueue;
  }

  /**
   * Enqueues one audit entry and returns at once. Throws TypeError for a malformed entry; never
   * waits for or fails on PostgreSQL.
   */
  record(entry: AuditEntry): void {
    const row = entryToContent(this.subgraph && entry?.detail?.subgraph === undefined ? { ...entry, detail: { subgraph: this.subgraph, ...(entry.detail ?? {}) } } : entry);
    if (this.closed) {
      this.drop(row, 'the audit writer is closed');
      return;
    }
    if (this.queue.length >= this.settings.maxQueue) {
      this.drop(row, `the audit queue is full (${this.settings.maxQueue} entries waiting)`);
      return;
    }
    this.queue.push({ seq: this.nextSeq++, row });
    this.counters.enqueued++;
    if (this.failureStreak > 0) return; // a retry is already scheduled
    this.schedule(this.queue.length >= this.settings.batchSize ? 0 : this.settings.flushIntervalMs);
  }

  /**
   * Resolves when every entry recorded before the call is committed (or rejected); rejects with
   * the database error when a flush attempt fails (the entries stay queued and are retried).
   */
  async flush(): Promise<void> {
    const target = this.nextSeq - 1;
    while (this.settledSeq < target) {
      await this.runFlush(true);
    }
  }

  /** Stops accepting entries, drains the queue (retrying up to closeTimeoutMs) and stops the timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    const deadline = Date.now() + this.closeTimeoutMs;
    let lastError: unknown = null;
    while (this.queue.length > 0 && Date.now() < deadline) {
      try {
        await this.flush();
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, Math.min(this.backoff(), Math.max(0, deadline - Date.now()))));
      }
    }
    this.closed = true;
    this.clearTimer();
    if (this.inflight) await this.inflight.catch(() => undefined);
    if (this.queue.length > 0) {
      this.counters.dropped += this.queue.length;
      this.log.error(
        { lost: this.queue.length, err: lastError },
        'audit writer closed with entries it could not write; they follow in this log, 500 per line, and are not in audit_log',
      );
      for (let i = 0; i < this.queue.length; i += 500) {
        this.log.error({ entries: this.queue.slice(i, i + 500).map((q) => q.row) }, 'audit entries not written');
      }
      this.queue.length = 0;
      this.settledSeq = this.nextSeq - 1;
    }
  }

  // -------------------------------------------------------------------------------------------

  private drop(row: PendingRow, why: string): void {
    this.counters.dropped++;
    // Log the first drop and then every 1000th, so an outage does not flood the log.
    if (this.counters.dropped === 1 || this.counters.dropped % 1000 === 0) {
      this.log.error({ dropped: this.counters.dropped, entry: row }, `audit entry dropped: ${why}`);
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    const due = Date.now() + delayMs;
    if (this.timer && this.timerDue <= due) return;
    this.clearTimer();
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runFlush(false).catch(() => undefined);
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private backoff(): number {
    return Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** Math.max(0, this.failureStreak - 1));
  }

  /** One flush at a time per writer; a caller arriving during one waits for it and goes again. */
  private runFlush(rethrow: boolean): Promise<void> {
    if (this.inflight) {
      return this.inflight.then(
        () => undefined,
        (err) => {
          if (rethrow) throw err;
        },
      );
    }
    const attempt = this.flushOnce().finally(() => {
      this.inflight = null;
    });
    this.inflight = attempt;
    return attempt.then(
      () => {
        if (this.queue.length > 0) this.schedule(this.queue.length >= this.settings.batchSize ? 0 : this.settings.flushIntervalMs);
      },
      (err) => {
        if (!this.closing) this.schedule(this.backoff());
        if (rethrow) throw err;
      },
    );
  }

  private async flushOnce(): Promise<void> {
    if (this.queue.length === 0) return;
    const size = this.isolate > 0 ? 1 : this.settings.batchSize;
    const batch = this.queue.slice(0, size);
    const started = Date.now();
    try {
      await this.sql.transaction((client) => this.append(client, batch));
    } catch (err) {
      if (isDataError(err)) {
        if (batch.length > 1) {
          this.isolate = batch.length;
          this.log.warn({ err, entries: batch.length }, 'audit batch refused as invalid data; writing its entries one by one');
          return;
        }
        this.queue.shift();
        this.settledSeq = batch[0].seq;
        this.isolate = Math.max(0, this.isolate - 1);
        this.counters.rejected++;
        this.log.error({ err, entry: batch[0].row }, 'audit entry refused by PostgreSQL as invalid data; it is logged here and skipped');
        return;
      }
      this.failureStreak++;
      this.counters.failedFlushes++;
      this.counters.lastError = (err as Error).message;
      if (this.failureStreak === 1 || this.failureStreak % 20 === 0) {
        this.log.warn(
          { err, queued: this.queue.length, attempt: this.failureStreak },
          'audit flush failed; entries stay queued and are retried',
        );
      }
      throw err;
    }
    this.queue.splice(0, batch.length);
    this.settledSeq = batch[batch.length - 1].seq;
    this.isolate = Math.max(0, this.isolate - batch.length);
    this.counters.written += batch.length;
    this.counters.batches++;
    this.counters.lastFlushMs = Date.now() - started;
    if (this.failureStreak > 0) {
      this.log.info({ failedAttempts: this.failureStreak, queued: this.queue.length }, 'audit flush recovered');
      this.failureStreak = 0;
    }
  }

  private async append(client: PoolClient, batch: readonly Queued[]): Promise<void> {
    await client.query("SET LOCAL lock_timeout = '10s'");
    const head = await readHead(client, true);
    let prev = head.lastHash;
    const rows: AuditRow[] = batch.map((q, i) => {
      const hash = rowHash(prev, q.row);
      const row: AuditRow = { ...q.row, id: head.lastId + 1 + i, prev_hash: prev, hash };
      prev = hash;
      return row;
    });
    await insertRows(client, rows);
  }
}
