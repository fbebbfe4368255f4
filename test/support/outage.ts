import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fromRoot } from '../../core/paths';

/**
 * Really stopping and starting the services `npm test` runs (infra/<service>.sh), for the fault
 * tests (test/faults, run alone after every other test: nothing else may be using the services).
 */
const run = promisify(execFile);

export type ServiceName = 'neo4j' | 'postgres' | 'keycloak';

export async function stopService(name: ServiceName): Promise<void> {
  await run('bash', [fromRoot('infra', `${name}.sh`), 'stop'], { cwd: fromRoot(), timeout: 120_000 });
}

export async function startService(name: ServiceName): Promise<void> {
  await run('bash', [fromRoot('infra', `${name}.sh`), 'start'], { cwd: fromRoot(), timeout: 240_000 });
}

export interface Sample {
  /** When the request was sent (ms since the load started). */
  at: number;
  ms: number;
  /** HTTP status, or 0 for a request that got no answer within the client's timeout (a hang). */
  status: number;
  codes: string[];
}

export interface Load {
  samples: Sample[];
  /** Milliseconds since the load started. */
  now(): number;
  stop(): Promise<void>;
}

/**
 * `concurrency` clients sending `requests` round-robin as fast as they are answered, each with a
 * client-side timeout of `hangMs` (a request that takes longer counts as a hang).
 */
export function startLoad(url: string, requests: { body: unknown; headers: Record<string, string> }[], concurrency: number, hangMs = 15_000): Load {
  const started = Date.now();
  const samples: Sample[] = [];
  let running = true;
  let next = 0;
  const client = async () => {
    while (running) {
      const r = requests[next++ % requests.length];
      const at = Date.now() - started;
      const t0 = performance.now();
      let status = 0;
      let codes: string[] = [];
      try {
        const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...r.headers }, body: JSON.stringify(r.body), signal: AbortSignal.timeout(hangMs) });
        status = res.status;
        const json = (await res.json().catch(() => ({}))) as { errors?: { extensions?: { code?: string } }[] };
        codes = (json.errors ?? []).map((e) => e.extensions?.code ?? 'NONE');
      } catch {
        status = 0;
      }
      samples.push({ at, ms: performance.now() - t0, status, codes });
      // Failing requests come back fast: do not spin.
      if (status !== 200 || codes.length) await new Promise((res) => setTimeout(res, 50));
    }
  };
  const clients = Array.from({ length: concurrency }, client);
  return {
    samples,
    now: () => Date.now() - started,
    stop: async () => {
      running = false;
      await Promise.all(clients);
    },
  };
}

/** Polls `check` until it is true (or throws after `ms`). */
export async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A number from the Prometheus text of `url`/metrics. */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name}`);
  return Number(line.split(' ').pop());
}
