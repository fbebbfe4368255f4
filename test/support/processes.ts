import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net, { AddressInfo } from 'node:net';
import { fromRoot } from '../../core/paths';
import { DEPARTMENT_PLATFORMS, DISTRICT_PLATFORMS } from '../../domain/districtPlatforms';

/**
 * Real processes for the federation tests: the compiled city subgraph, 福田 subgraph and gateway
 * (dist/, built by `npm test` before jest runs), each on a free port.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class NodeProcess {
  private child?: ChildProcess;
  private output = '';

  constructor(
    readonly name: string,
    readonly script: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly args: readonly string[] = [],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** True while the process runs. */
  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last 4,000 characters it wrote. */
  get log(): string {
    return this.output;
  }

  /** Sends SIGTERM and resolves with the exit code once it is gone (no SIGKILL: the test sees how it ends). */
  async terminate(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const path = fromRoot('dist', this.script);
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first (npm test does)`);
    this.output = '';
    const child = spawn(process.execPath, [path, ...this.args], { env: { ...process.env, LOG_LEVEL: 'warn', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_IP: '0', ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}: ${this.output}`);
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.name} did not answer on ${this.url} within ${timeoutMs} ms: ${this.output}`);
  }

  /** SIGTERM, and wait until the process is gone (its port closed). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface Federation {
  city: NodeProcess;
  futian: NodeProcess;
  /** Every district subgraph served in development (domain/districtPlatforms.ts), 福田 included, by slug. */
  districts: Record<string, NodeProcess>;
  /** The department subgraphs (the N), by slug. */
  departments: Record<string, NodeProcess>;
  gateway: NodeProcess;
  stop(): Promise<void>;
}

/** City subgraph, the served district subgraphs (福田, 罗湖, 南山), the department subgraphs (交通运输局) and the gateway, wired together by URL. */
export async function startFederation(gatewayEnv: Record<string, string> = {}): Promise<Federation> {
  const served = DISTRICT_PLATFORMS.filter((p) => p.served);
  const [cityPort, gatewayPort] = [await freePort(), await freePort()];
  const city = new NodeProcess('city subgraph', 'api/server.js', cityPort, { PORT: String(cityPort), CITYCODE_AUDIT_FLUSH_MS: '20' });
  const districts: Record<string, NodeProcess> = {};
  for (const p of served) {
    const port = await freePort();
    districts[p.slug] = new NodeProcess(`${p.slug} subgraph`, 'districts/futian/server.js', port, { [`${p.envPrefix}_PORT`]: String(port) }, [p.slug]);
  }
  const departments: Record<string, NodeProcess> = {};
  for (const d of DEPARTMENT_PLATFORMS) {
    const port = await freePort();
    departments[d.slug] = new NodeProcess(`${d.slug} subgraph`, `districts/${d.slug}/server.js`, port, { [`${d.envPrefix}_PORT`]: String(port) });
  }
  const gateway = new NodeProcess('gateway', 'gateway/server.js', gatewayPort, {
    GATEWAY_PORT: String(gatewayPort),
    CITY_SUBGRAPH_URL: `${city.url}/graphql`,
    ...Object.fromEntries(served.map((p) => [`${p.envPrefix}_SUBGRAPH_URL`, `${districts[p.slug].url}/graphql`])),
    ...Object.fromEntries(DEPARTMENT_PLATFORMS.map((d) => [`${d.envPrefix}_SUBGRAPH_URL`, `${departments[d.slug].url}/graphql`])),
    ...gatewayEnv,
  });
  const partners = [...Object.values(districts), ...Object.values(departments)];
  await Promise.all([city.start(), ...partners.map((d) => d.start()), gateway.start()]);
  return {
    city,
    futian: districts.futian,
    districts,
    departments,
    gateway,
    async stop() {
      await Promise.all([gateway.stop(), ...partners.map((d) => d.stop()), city.stop()]);
    },
  };
}
