/**
 * Answers kept for a bounded time and shared while being fetched: a key's answer is fetched at
 * most once per `ttlMs` (callers asking while it is being fetched wait for the same fetch), a
 * failed fetch is not kept, and at most `maxEntries` answers are kept (the oldest goes first).
 * Time comes in as an argument, so the rule is unit-tested without a clock.
 */
export class Recheck<V> {
  private readonly kept = new Map<string, { value: V; at: number }>();
  private readonly pending = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The answer for `key`: the kept one while younger than the TTL at `now`, else a fresh `load()`. */
  get(key: string, now: number, load: () => Promise<V>): Promise<V> {
    const kept = this.kept.get(key);
    if (kept && now - kept.at < this.ttlMs) return Promise.resolve(kept.value);
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const fetching = load().then(
      (value) => {
        this.pending.delete(key);
        this.kept.delete(key);
        if (this.kept.size >= this.maxEntries) this.kept.delete(this.kept.keys().next().value as string);
        this.kept.set(key, { value, at: now });
        return value;
      },
      (err: unknown) => {
        this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, fetching);
    return fetching;
  }

  /** Forgets a key (its token expired or was refused). */
  forget(key: string): void {
    this.kept.delete(key);
  }

  get size(): number {
    return this.kept.size;
  }
}
