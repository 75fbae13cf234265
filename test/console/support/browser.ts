import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildConsole, consoleBuildIsStale } from '../../../src/bootstrap/console-build';

/** Debian's chromium (`.ci/run` installs it when missing). A missing browser fails the suite; it never skips. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CONSOLE_DIST = path.join(ROOT, 'console', 'dist');
/** Screenshots and console logs of failed browser tests (gitignored). */
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console');

/** Builds the console when missing or older than its sources (what npm start does). */
export async function ensureConsoleBuilt(): Promise<string> {
  // npm test runs from the repository root, where console-build looks for console/.
  if (consoleBuildIsStale(CONSOLE_DIST)) await buildConsole();
  assert.ok(existsSync(path.join(CONSOLE_DIST, 'index.html')), 'the console did not build');
  return CONSOLE_DIST;
}

export async function launchChromium(): Promise<Browser> {
  assert.ok(
    existsSync(CHROMIUM),
    `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does it)`,
  );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Console messages and page errors, in order. */
  log: string[];
  /** Console errors and uncaught page errors (not the browser's note on an HTTP 4xx a test provoked). */
  errors: string[];
}

/** A fresh browser context (no cookies) with its console recorded. */
export async function openConsole(browser: Browser, baseUrl: string): Promise<ConsolePage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const log: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => {
    const line = `[${m.type()}] ${m.text()}`;
    log.push(line);
    // Chromium notes every 4xx a fetch got as a console error; those the tests provoke are asserted on the page.
    if (
      m.type() === 'error' &&
      !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())
    )
      errors.push(line);
  });
  page.on('pageerror', (e) => {
    log.push(`[pageerror] ${e.message}`);
    errors.push(`[pageerror] ${e.message}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) errors.push(`[http ${r.status()}] ${r.request().method()} ${r.url()}`);
  });
  return { context, page, log, errors };
}

/** After each test: a failed test leaves its screenshot and console log under test-artifacts/console/. */
export async function closeConsole(cp: ConsolePage | undefined, test: Mocha.Test | undefined): Promise<void> {
  if (!cp) return;
  try {
    if (test?.state === 'failed') {
      await mkdir(ARTIFACTS, { recursive: true });
      const name = test
        .fullTitle()
        .replace(/[^A-Za-z0-9]+/g, '-')
        .slice(0, 100);
      await cp.page
        .screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true })
        .catch(() => undefined);
      await writeFile(path.join(ARTIFACTS, `${name}.console.log`), `${cp.log.join('\n')}\n`);
      console.log(`        browser artifacts: ${path.join(ARTIFACTS, name)}.{png,console.log}`);
    }
  } finally {
    await cp.context.close();
  }
}

export async function signIn(page: Page, apiKey: string): Promise<void> {
  await page.goto('/console/');
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Configurations' }).waitFor();
}

/**
 * `CONSOLE_SCREENSHOTS=docs/console npx mocha test/console/browser.test.ts` also saves each page as the tests see
 * it (the README's pictures); a normal run saves nothing.
 */
export async function pageShot(page: Page, name: string): Promise<void> {
  const dir = process.env.CONSOLE_SCREENSHOTS;
  if (!dir) return;
  await mkdir(path.resolve(ROOT, dir), { recursive: true });
  await page.screenshot({ path: path.resolve(ROOT, dir, `${name}.png`), fullPage: true });
}
