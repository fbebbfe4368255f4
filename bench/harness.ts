import type autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { fromRoot } from '../core/paths';

/** What the benchmarks share: the token, the by-code query, and starting and stopping servers. */

/** A real access token (default: the city data bureau's user) with the purpose its grants need. */
export async function benchToken(username = 'zhang.data', purpose = 'PUBLIC_SERVICE'): Promise<Record<string, string>> {
  const keycloak = process.env.KEYCLOAK_URL ?? `http://127.0.0.1:${process.env.KEYCLOAK_PORT ?? 8180}`;
  const body = new URLSearchParams({
    grant_type: 'password',
    client_id: 'citycode-cli',
    client_secret: 'citycode-cli-dev-secret',
    username,
    password: 'citycode-dev-pw',
  });
  const response = await fetch(`${keycloak}/realms/citycode/protocol/openid-connect/token`, { method: 'POST', body });
  const json = (await response.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`no token from Keycloak: ${JSON.stringify(json)}`);
  return { authorization: `Bearer ${json.access_token}`, 'x-purpose': purpose };
}

/** The by-code query: a building with two levels of nesting, ancestors and geometry. */
export { BUILDING_QUERY } from '../seed/scale/lookups';

/** What one autocannon run of a scenario measured. */
export interface RunResult {
  scenario: string;
  connections: number;
  durationS: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  graphqlErrors: number;
}

/** The figures of one autocannon result, as a RunResult. */
export function runResult(
  scenario: string,
  connections: number,
  durationS: number,
  result: autocannon.Result,
  graphqlErrors: number,
): RunResult {
  return {
    scenario,
    connections,
    durationS,
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors,
  };
}

/** Starts a compiled server script (dist/<script> of this checkout, or of `root`) with extra environment. */
export function startServer(script: string, env: Record<string, string>, root = fromRoot()): ChildProcess {
  // CITYCODE_BENCH_PROFILE=<dir>: the server writes a V8 CPU profile there when it stops.
  const profile = process.env.CITYCODE_BENCH_PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.CITYCODE_BENCH_PROFILE}`] : [];
  return spawn(process.execPath, [...profile, join(root, 'dist', script)], {
    env: { ...process.env, LOG_LEVEL: 'warn', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_IP: '0', ...env },
    // CITYCODE_BENCH_LOG=<file>: the server's structured log (stdout) goes there.
    stdio: ['ignore', process.env.CITYCODE_BENCH_LOG ? openSync(process.env.CITYCODE_BENCH_LOG, 'a') : 'ignore', 'inherit'],
  });
}

/** SIGTERM, then SIGKILL if the server is still draining a backlog after 5 s. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Resolves once `url` answers below 500, within 30 s. */
export async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

/**
 * POSTs a GraphQL body to 127.0.0.1:`port`/graphql over `agent`'s kept-alive connections (the
 * open-loop benchmarks), with the headers `headers()` gives at the time; 30 s per request.
 */
export function graphqlPoster(port: number, agent: Agent, headers: () => Record<string, string>): (body: string) => Promise<{ status: number; text: string }> {
  return (body) =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers() } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
}
