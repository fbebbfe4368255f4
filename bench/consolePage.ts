/**
 * The console's first page on a warm server (docs/benchmarks.md, "Governance console"): Debian's
 * Chromium signs in once as zhang.data, then loads /console/ round after round until the district
 * table has its rows and the map its canvas, as test/browser/console.test.ts times it.
 *   npm run build && node dist/bench/consolePage.js [--url http://127.0.0.1:4000] [--rounds 16] [--baseline /path/to/dist/console]
 * With --baseline (another build of the console), its assets are copied beside this build's (the
 * names are content hashes, so both sets live in one folder) and the rounds alternate between the
 * two index.html files, so that the machine's drift falls on both alike; this build's index.html
 * is put back at the end.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CONSOLE_DIR } from '../api/console';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:4000' },
    rounds: { type: 'string', default: '16' },
    baseline: { type: 'string' },
    user: { type: 'string', default: 'zhang.data' },
    password: { type: 'string', default: process.env.CITYCODE_DEMO_PASSWORD ?? 'citycode-dev-pw' },
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const index = join(CONSOLE_DIR, 'index.html');
  const builds: Record<string, string> = { current: readFileSync(index, 'utf8') };
  if (values.baseline) {
    for (const f of readdirSync(join(values.baseline, 'assets'))) copyFileSync(join(values.baseline, 'assets', f), join(CONSOLE_DIR, 'assets', f));
    builds.baseline = readFileSync(join(values.baseline, 'index.html'), 'utf8');
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const times: Record<string, { rows: number; canvas: number }[]> = Object.fromEntries(Object.keys(builds).map((b) => [b, []]));
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${values.url}/console/`);
    await page.waitForSelector('#username', { timeout: 20_000 });
    await page.fill('#username', values.user!);
    await page.fill('#password', values.password!);
    await page.click('#kc-login');
    await page.waitForSelector('[data-test=region-stats] .el-table__row', { timeout: 30_000 });
    const names = Object.keys(builds);
    // Two warm-up loads of each build, then the rounds, alternating.
    for (let i = -2 * names.length; i < Number(values.rounds); i++) {
      const which = names[(i + 2 * names.length) % names.length];
      writeFileSync(index, builds[which]);
      const started = Date.now();
      await page.goto(`${values.url}/console/`);
      await page.waitForSelector('[data-test=region-stats] .el-table__row');
      const rows = Date.now() - started;
      await page.waitForSelector('[data-test=map] canvas');
      if (i >= 0) times[which].push({ rows, canvas: Date.now() - started });
    }
  } finally {
    writeFileSync(index, builds.current);
    await browser.close();
  }
  for (const [which, t] of Object.entries(times)) {
    console.log(`${which}: median ${median(t.map((x) => x.rows))} ms to the table's rows, ${median(t.map((x) => x.canvas))} ms to the map's canvas; rounds ${t.map((x) => x.canvas).join(' / ')}`);
  }
  if (times.baseline) console.log(`ratio current/baseline (canvas medians): ${(median(times.current.map((x) => x.canvas)) / median(times.baseline.map((x) => x.canvas))).toFixed(2)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
