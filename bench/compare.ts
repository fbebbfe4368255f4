/**
 * Two builds side by side (docs/benchmarks.md, "What the limits, headers, logs and metrics cost"):
 * this checkout's API and a baseline checkout's (built, same node_modules), started together on the
 * same services and driven in interleaved rounds (A B B A A B …) with the nested by-code query, so
 * that the machine's drift falls on both alike.
 *   npm run build && node dist/bench/compare.js --baseline /path/to/other/checkout [--rounds 3] [--seconds 12] [--connections 50]
 * Make a baseline: `git worktree add /tmp/base <commit> && ln -s $PWD/node_modules /tmp/base/ &&
 * (cd /tmp/base && npx tsc -p tsconfig.build.json)`.
 */
import autocannon from 'autocannon';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config';
import { fromRoot } from '../core/paths';
import { closeStores, openStores } from '../store/stores';
import { BUILDING_QUERY, benchToken, startServer, stopServer, waitFor } from './harness';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '12' },
    connections: { type: 'string', default: '50' },
  },
});

async function main(): Promise<void> {
  if (!values.baseline) throw new Error('--baseline <checkout> is required');
  const stores = openStores(loadConfig());
  const codes = (await stores.graph.read<{ code: string }>(`MATCH (b:CityObject {objectKind: 'BUILDING', usage: '住宅'}) RETURN b.code AS code ORDER BY b.code LIMIT 1200`)).map((r) => r.code);
  await closeStores(stores);
  const builds = { baseline: { root: values.baseline, port: 4601 }, current: { root: fromRoot(), port: 4602 } };
  const servers = Object.values(builds).map((b) => startServer('api/server.js', { PORT: String(b.port), CITYCODE_RETURN_FLOW_TICK_MS: '0' }, b.root));
  try {
    for (const b of Object.values(builds)) await waitFor(`http://127.0.0.1:${b.port}/healthz`);
    const headers = { 'content-type': 'application/json', ...(await benchToken()) };
    let k = 0;
    const seconds = Number(values.seconds);
    const run = async (which: keyof typeof builds, duration = seconds) => {
      const r = await autocannon({
        url: `http://127.0.0.1:${builds[which].port}`,
        connections: Number(values.connections),
        duration,
        requests: [{ method: 'POST', path: '/graphql', headers, setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: BUILDING_QUERY, variables: { code: codes[k++ % codes.length] } }) }) }],
      });
      return Math.round(r.requests.total / duration);
    };
    await run('baseline', 8);
    await run('current', 8);
    const result: Record<keyof typeof builds, number[]> = { baseline: [], current: [] };
    for (let i = 0; i < Number(values.rounds); i++) {
      for (const which of (i % 2 === 0 ? ['baseline', 'current'] : ['current', 'baseline']) as (keyof typeof builds)[]) {
        result[which].push(await run(which));
        process.stderr.write(`${which} ${result[which].at(-1)} req/s\n`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(JSON.stringify({ ...result, medians: { baseline: median(result.baseline), current: median(result.current) }, currentOverBaseline: Math.round((median(result.current) / median(result.baseline)) * 100) / 100 }, null, 2));
  } finally {
    for (const s of servers) await stopServer(s);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
