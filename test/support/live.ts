import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * A graphql-ws client of a test API (the protocol apps use: graphql-transport-ws over /graphql),
 * and a subscription that collects what it receives.
 */
export function liveClient(httpUrl: string, connectionParams: Record<string, string>): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let onClosed: (v: { code: number; reason: string }) => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    on: {
      closed: (event) => {
        const e = event as { code?: number; reason?: string };
        onClosed({ code: e.code ?? 0, reason: e.reason ?? '' });
      },
    },
  });
  return { client, closed };
}

export interface Collected<T> {
  events: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves when `n` events have arrived (rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<T[]>;
  /** Resolves when the subscription ended with an error or completed (rejects after `ms`). */
  ended(ms?: number): Promise<void>;
  stop(): void;
}

export function collect<T = Record<string, unknown>>(client: Client, query: string, variables: Record<string, unknown> = {}): Collected<T> {
  const c: Collected<T> = {
    events: [],
    errors: [],
    completed: false,
    waitFor: (n, ms = 10_000) => poll(() => c.events.length >= n, ms, () => `${c.events.length} of ${n} events; errors ${JSON.stringify(c.errors)}`).then(() => c.events),
    ended: (ms = 10_000) => poll(() => c.completed || c.errors.length > 0, ms, () => 'the subscription did not end'),
    stop: () => undefined,
  };
  c.stop = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) c.errors.push(...value.errors);
        else if (value.data) c.events.push(value.data as T);
      },
      error: (err) => c.errors.push(err),
      complete: () => (c.completed = true),
    },
  );
  return c;
}

async function poll(done: () => boolean, ms: number, what: () => string): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
