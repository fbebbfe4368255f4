/**
 * The change feed of one API process (实时推送): follows the outbox (sharing/changes.ts) in id order
 * — woken by PostgreSQL NOTIFY, and polled as a safety net — loads each batch's entities once, and
 * hands the events to the streams of this process's subscribers. Every process follows the same
 * outbox, so a subscriber gets the same stream from any of them and resumes on any of them.
 *
 * A stream (`openStream`) is gap-free and duplicate-free across a reconnect: it registers for live
 * events first, then replays the outbox from the subscriber's cursor up to where the live events
 * start, then passes the live ones. Values are not released here: each event goes to the
 * subscriber's release gate (resolvers/SubscriptionResolver.ts) before anything leaves.
 */
import { createHash } from 'node:crypto';
import { badInput } from '../core/errors';
import { logger } from '../core/logger';
import { entitiesByCodes, type EntityRecord } from '../graph/entities';
import { UNRESTRICTED } from '../graph/scope';
import { CHANGE_CHANNEL, changesAfter, outboxBounds, pruneChanges, type ChangeFilter, type ChangeRow } from '../sharing/changes';
import type { Stores } from '../store/stores';

/** An outbox event with its entity as the graph holds it now (null: no longer in the graph). */
export interface FeedEvent {
  change: ChangeRow;
  entity: EntityRecord | null;
}

export interface FeedSettings {
  /** Safety-net poll of the outbox (ms), for a notification lost with a connection. */
  pollMs: number;
  /** Outbox rows read per round trip. */
  batch: number;
  /** Events a stream may have waiting before it is ended as too slow (it resumes from its cursor). */
  maxQueued: number;
  /** Events older than this are pruned (days); 0 keeps them. */
  retentionDays: number;
}

export const DEFAULT_FEED_SETTINGS: FeedSettings = { pollMs: 1000, batch: 500, maxQueued: 10_000, retentionDays: 30 };

export function feedSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): FeedSettings {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  return {
    pollMs: int('CITYCODE_FEED_POLL_MS', DEFAULT_FEED_SETTINGS.pollMs, 50, 60_000),
    batch: int('CITYCODE_FEED_BATCH', DEFAULT_FEED_SETTINGS.batch, 1, 10_000),
    maxQueued: int('CITYCODE_FEED_MAX_QUEUED', DEFAULT_FEED_SETTINGS.maxQueued, 10, 1_000_000),
    retentionDays: int('CITYCODE_CHANGE_RETENTION_DAYS', DEFAULT_FEED_SETTINGS.retentionDays, 0, 3650),
  };
}

type Listener = (events: readonly FeedEvent[]) => void;

/** A batch taking longer than this (outbox read + entity load + hand-over) is logged. */
const SLOW_BATCH_MS = 250;

export class ChangeFeed {
  private lastId = 0;
  private readonly listeners = new Set<Listener>();
  private pumping: Promise<void> | null = null;
  private again = false;
  private stopListening: (() => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Events dispatched since start (metrics and tests). */
  readonly stats = { dispatched: 0, batches: 0 };

  constructor(
    private readonly stores: Stores,
    readonly settings: FeedSettings = DEFAULT_FEED_SETTINGS,
  ) {}

  /** Starts at the outbox's end: events appended from now on are dispatched. */
  async start(): Promise<void> {
    this.lastId = (await outboxBounds(this.stores.sql)).lastId;
    this.stopListening = await this.stores.sql.listen(CHANGE_CHANNEL, () => this.wake(), () => this.wake());
    this.timer = setInterval(() => this.wake(), this.settings.pollMs).unref();
    if (this.settings.retentionDays > 0) {
      const prune = () =>
        void pruneChanges(this.stores.sql, new Date(Date.now() - this.settings.retentionDays * 86_400_000))
          .then((n) => n > 0 && logger.info({ pruned: n }, 'change outbox pruned'))
          .catch((err) => logger.warn({ err }, 'change outbox prune failed'));
      this.pruneTimer = setInterval(prune, 3_600_000).unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.pruneTimer);
    await this.stopListening?.();
    await this.pumping?.catch(() => undefined);
    this.listeners.clear();
  }

  /** The id of the last event dispatched: a stream registered now gets every event after it live. */
  get position(): number {
    return this.lastId;
  }

  /** Reads and dispatches what the outbox has after `position` (one pump at a time; a wake during one runs another). */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err) => logger.warn({ err }, 'change feed could not read the outbox; retrying on the next wake'))
      .finally(() => {
        this.pumping = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves once every event in the outbox now has been dispatched (tests, shutdown). */
  async caughtUp(): Promise<void> {
    const { lastId } = await outboxBounds(this.stores.sql);
    while (this.lastId < lastId && !this.stopped) {
      this.wake();
      await (this.pumping ?? new Promise((r) => setTimeout(r, 10)));
    }
  }

  private async pump(): Promise<void> {
    for (;;) {
      const t0 = Date.now();
      const rows = await changesAfter(this.stores.sql, this.lastId, { limit: this.settings.batch });
      if (rows.length === 0 || this.stopped) return;
      const t1 = Date.now();
      // With no stream open in this process nobody receives the batch: its entities are not loaded.
      const events = this.listeners.size > 0 ? await withEntities(this.stores, rows) : rows.map((change) => ({ change, entity: null }));
      const t2 = Date.now();
      this.lastId = rows[rows.length - 1].id;
      this.stats.dispatched += events.length;
      this.stats.batches++;
      for (const listener of [...this.listeners]) listener(events);
      const t3 = Date.now();
      if (t3 - t0 > SLOW_BATCH_MS) logger.warn({ events: rows.length, readMs: t1 - t0, loadMs: t2 - t1, dispatchMs: t3 - t2 }, 'change feed batch slow');
      if (rows.length < this.settings.batch) return;
    }
  }

  /** Registers a listener of live events (each batch in id order); returns its removal. */
  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}

/** The events of outbox rows with their entities, loaded in one read (internal: released per subscriber later). */
async function withEntities(stores: Stores, rows: readonly ChangeRow[]): Promise<FeedEvent[]> {
  const codes = [...new Set(rows.map((r) => r.code))];
  const records = await entitiesByCodes(stores.graph, codes, UNRESTRICTED);
  const byCode = new Map(records.map((r) => [r.code, r]));
  return rows.map((change) => ({ change, entity: byCode.get(change.code) ?? null }));
}

// -----------------------------------------------------------------------------------------------
// Streams and their cursors
// -----------------------------------------------------------------------------------------------

/** A stream's identity: the subscription field and its filter. A cursor carries it, so it resumes only the stream it came from. */
export function streamKey(field: string, filter: ChangeFilter): string {
  const canonical = JSON.stringify([field, filter.codes ? [...filter.codes].sort() : null, filter.domain ?? null, filter.dataset ?? null, filter.region ?? null]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

export function encodeCursor(key: string, id: number): string {
  return Buffer.from(`c1:${key}:${id}`, 'utf8').toString('base64url');
}

const CURSOR_HINT = 'Pass the cursor of an event this same subscription (same field and arguments) delivered, or omit `after` to start from now.';

/** The event id a cursor resumes after; refuses a cursor of another stream, of the future or pruned away. */
export async function decodeCursor(stores: Stores, key: string, cursor: string): Promise<number> {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (parts.length !== 3 || parts[0] !== 'c1' || !/^\d{1,15}$/.test(parts[2])) {
    throw badInput('after is not a change-stream cursor', CURSOR_HINT, { argument: 'after', cursor: 'MALFORMED' });
  }
  if (parts[1] !== key) throw badInput('after is a cursor of another stream (other field or arguments)', CURSOR_HINT, { argument: 'after', cursor: 'OTHER_STREAM' });
  const id = Number(parts[2]);
  const bounds = await outboxBounds(stores.sql);
  if (id > bounds.lastId) throw badInput('after is ahead of every event there is', CURSOR_HINT, { argument: 'after', cursor: 'UNKNOWN' });
  if (id < bounds.prunedThrough) {
    throw badInput('the events after this cursor have been pruned (older than the retention)', 'Catch up with the `changes` query from the time you last saw, then subscribe without `after`.', {
      argument: 'after',
      cursor: 'EXPIRED',
    });
  }
  return id;
}

export class SlowConsumerError extends Error {
  constructor(readonly lastDelivered: number) {
    super('the subscriber fell too far behind; resume from the last cursor received');
  }
}

/**
 * The events of one stream: those after `afterId` (replayed from the outbox), then live ones, each
 * exactly once and in id order. Without `afterId`, live events from now on.
 */
export function openStream(stores: Stores, feed: ChangeFeed, filter: ChangeFilter, afterId: number | null): AsyncIterableIterator<FeedEvent> & { close(): void } {
  const matches = matcher(filter);
  const queue: FeedEvent[] = [];
  let wakeUp: (() => void) | null = null;
  let closed = false;
  let overflow = false;
  let lastYielded = afterId ?? feed.position;
  // Live events start after the feed's position at registration; the replay covers up to it.
  const liveFrom = feed.position;
  const unlisten = feed.listen((events) => {
    if (closed) return;
    for (const e of events) if (e.change.id > liveFrom && matches(e.change)) queue.push(e);
    if (queue.length > feed.settings.maxQueued) {
      overflow = true;
      queue.length = 0;
    }
    wakeUp?.();
  });
  const close = () => {
    closed = true;
    unlisten();
    wakeUp?.();
  };

  async function* events(): AsyncGenerator<FeedEvent> {
    try {
      if (afterId !== null && afterId < liveFrom) {
        let from = afterId;
        for (;;) {
          const rows = await changesAfter(stores.sql, from, { limit: feed.settings.batch, throughId: liveFrom, filter });
          if (rows.length === 0 || closed) break;
          for (const e of await withEntities(stores, rows)) {
            lastYielded = e.change.id;
            yield e;
          }
          from = rows[rows.length - 1].id;
        }
      }
      while (!closed) {
        if (overflow) throw new SlowConsumerError(lastYielded);
        const next = queue.shift();
        if (next) {
          if (next.change.id <= lastYielded) continue;
          lastYielded = next.change.id;
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wakeUp = resolve));
        wakeUp = null;
      }
    } finally {
      close();
    }
  }
  const it = events();
  // An unsubscribe calls return() while the generator may be waiting for an event: wake it first,
  // or the return would wait for the next event to arrive.
  const finish = it.return.bind(it);
  it.return = (value?: unknown) => {
    close();
    return finish(value as never);
  };
  return Object.assign(it, { close });
}

function matcher(filter: ChangeFilter): (c: ChangeRow) => boolean {
  const codes = filter.codes ? new Set(filter.codes) : null;
  const region = filter.region ?? null;
  return (c) =>
    (!codes || codes.has(c.code)) &&
    (!filter.domain || c.domain === filter.domain) &&
    (!filter.dataset || c.dataset === filter.dataset) &&
    (!region || (region.length === 6 ? c.districtCode === region : c.streetCode === region));
}
