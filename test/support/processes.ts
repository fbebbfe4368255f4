import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net, { AddressInfo } from 'node:net';
import { fromRoot } from '../../core/paths';

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
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const path = fromRoot('dist', this.script);
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first (npm test does)`);
    this.output = '';
    const child = spawn(process.execPath, [path], { env: { ...process.env, LOG_LEVEL: 'warn', ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  gateway: NodeProcess;
  stop(): Promise<void>;
}

/** City subgraph, 福田 subgraph and gateway, wired together by URL. */
export async function startFederation(gatewayEnv: Record<string, string> = {}): Promise<Federation> {
  const [cityPort, futianPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
  const city = new NodeProcess('city subgraph', 'api/server.js', cityPort, { PORT: String(cityPort), CITYCODE_AUDIT_FLUSH_MS: '20' });
  const futian = new NodeProcess('futian subgraph', 'districts/futian/server.js', futianPort, { FUTIAN_PORT: String(futianPort) });
  const gateway = new NodeProcess('gateway', 'gateway/server.js', gatewayPort, {
    GATEWAY_PORT: String(gatewayPort),
    CITY_SUBGRAPH_URL: `${city.url}/graphql`,
    FUTIAN_SUBGRAPH_URL: `${futian.url}/graphql`,
    ...gatewayEnv,
  });
  await Promise.all([city.start(), futian.start(), gateway.start()]);
  return {
    city,
    futian,
    gateway,
    async stop() {
      await Promise.all([gateway.stop(), futian.stop(), city.stop()]);
    },
  };
}
