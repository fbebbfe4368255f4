import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEV_PASSWORD } from './tokens';

/**
 * Browser tests drive Debian's Chromium (/usr/bin/chromium, installed by infra/run.sh) through
 * playwright-core; no browser is downloaded. Screenshots go to test-output/console/.
 */
// The browser global the function passed to page.evaluate reads (compiled without the DOM library).
declare const window: unknown;

export const SCREENSHOTS = join(__dirname, '..', '..', 'test-output', 'console');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    // Without the background-networking flags Chromium keeps dialling Google's hosts, which this
    // closed network refuses; --no-sandbox because CI runs as root.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A fresh browser context (its own cookies and storage) signed in to the console as `username`. */
export async function signedIn(browser: Browser, baseUrl: string, username: string, options: { purpose?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  if (options.purpose) {
    await context.addInitScript((p) => localStorage.setItem('citycode.purpose', p), options.purpose);
  }
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/`);
  await signInAt(page, username);
  return { context, page };
}

/** Fills Keycloak's login form (the page the console redirected to) and waits for the console. */
export async function signInAt(page: Page, username: string): Promise<void> {
  await page.waitForSelector('#username', { timeout: 20_000 });
  await page.fill('#username', username);
  await page.fill('#password', DEV_PASSWORD);
  await page.click('#kc-login');
  await page.waitForSelector('[data-test=whoami]', { timeout: 20_000 });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Clicks a node of the Cytoscape graph on the page where a real user would: at its rendered position. */
export async function clickGraphNode(page: Page, containerSelector: string, nodeId: string): Promise<void> {
  const box = (await page.locator(containerSelector).boundingBox())!;
  const pos = await page.evaluate((id) => {
    const cy = (window as unknown as { __citycodeLineage?: { $id(id: string): { renderedPosition(): { x: number; y: number } } } }).__citycodeLineage;
    return cy ? cy.$id(id).renderedPosition() : null;
  }, nodeId);
  if (!pos) throw new Error(`lineage graph has no node ${nodeId}`);
  await page.mouse.click(box.x + pos.x, box.y + pos.y);
}
