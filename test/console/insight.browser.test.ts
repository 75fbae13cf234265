import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { storeBill } from '../../src/db/repositories/bills.repository';
import { ACME_ACCOUNT, sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import {
  closeConsole,
  ensureConsoleBuilt,
  launchChromium,
  openConsole,
  pageShot,
  signIn,
  type ConsolePage,
} from './support/browser';

/** The Overview and Bill preview pages, and every page at a desktop and a phone width, in a real browser. */

const DAY = 86_400_000;
const dayOf = (offset: number) => new Date(Date.now() - offset * DAY).toISOString().slice(0, 10);

describe('console: overview, bill preview, narrow screens', function () {
  this.timeout(120_000);
  let h: SyncHarness;
  let browser: Browser;
  let cp: ConsolePage | undefined;

  before(async () => {
    const consoleDir = await ensureConsoleBuilt();
    browser = await launchChromium();
    h = await startSyncHarness({ workers: 1, consoleDir });
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
  });
  beforeEach(async () => {
    cp = await openConsole(browser, h.api.baseUrl);
  });
  afterEach(async function () {
    const errors = cp?.errors ?? [];
    await closeConsole(cp, this.currentTest);
    cp = undefined;
    if (this.currentTest?.state === 'passed')
      assert.deepEqual(errors, [], 'the page logged errors to its console');
  });

  it('overview: the seeded runs per day by status, latency p50/p95 and what needs action', async () => {
    const { page } = cp!;
    const created = await h.createIntegration({ name: 'Overview books' });
    const seed: Array<[number, string, string, number | null]> = [
      [3, 'ov-1', 'COMPLETE', 1000],
      [3, 'ov-2', 'COMPLETE', 3000],
      [3, 'ov-3', 'ERROR', null],
      [1, 'ov-4', 'COMPLETE', 2000],
    ];
    for (const [offset, bill, status, ms] of seed) {
      const started = new Date(Date.parse(`${dayOf(offset)}T12:00:00Z`));
      await h.database.db.query(
        `INSERT INTO integration_runs (integration_id, bill_id, status, trigger, workflow_id, workflow_run_id, started_at, completed_at)
         VALUES ($1, $2, $3, 'webhook', $4, '', $5, $6)`,
        [
          created.id,
          bill,
          status,
          `wf-${bill}`,
          started,
          ms === null ? null : new Date(started.getTime() + ms),
        ],
      );
    }
    await signIn(page, h.api.apiKey);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
    const card = page.getByRole('region', { name: 'Overview of Overview books' });
    await card.getByTestId('runs-total').filter({ hasText: '4 runs in the last 30 days' }).waitFor();
    await card.getByRole('img', { name: 'Runs per day, Overview books' }).waitFor();
    await card.getByText('Counts per day').click();
    const rows = await card.getByTestId('runs-by-day').getByRole('row').allInnerTexts();
    assert.deepEqual(
      rows.map((r) => r.replace(/\s+/g, ' ').trim()),
      [`${dayOf(3)} COMPLETE 2, ERROR 1`, `${dayOf(1)} COMPLETE 1`],
    );
    assert.equal(
      (await card.getByTestId('latency').innerText()).trim(),
      'p50 2.00 s · p95 2.90 s (3 completed runs)',
    );
    await card.getByText('1 runs in ERROR').waitFor();
    await card.getByText('0 unactioned events').waitFor();
    await pageShot(page, 'overview');
  });

  it('bill preview: the invoice as QuickBooks will show it beside its payload; Send now makes one invoice', async () => {
    const { page } = cp!;
    await h.putAccount(ACME_ACCOUNT);
    const created = await h.createIntegration({
      name: 'Preview books',
      accountIds: [ACME_ACCOUNT.id as string],
    });
    const bill = sampleBill({ accountId: ACME_ACCOUNT.id as string });
    await h.putBill(bill);
    await storeBill(h.database.db, bill);
    await signIn(page, h.api.apiKey);
    await page.goto(`/console/integrations/${created.id}`);
    await page.getByRole('button', { name: 'Bill preview' }).click();
    await page.getByRole('heading', { name: 'Bill preview', level: 2 }).waitFor();
    await page.getByLabel('Bill id').fill('no-such-bill');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByRole('alert').first().waitFor();

    await page.getByLabel('Bill id').fill(bill.id);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const total = page.getByTestId('preview-total');
    await total.waitFor();
    assert.match(await total.innerText(), /^Total 223\.45\b/);
    const payload = JSON.parse(await page.getByTestId('preview-payload').innerText()) as {
      Line: Array<{ Amount: number }>;
    };
    assert.equal(Math.round(payload.Line.reduce((s, l) => s + l.Amount, 0) * 100), 22345);
    await pageShot(page, 'bill-preview');

    await page.getByRole('button', { name: 'Send now' }).click();
    const link = page.getByTestId('sent-run').getByRole('link');
    await link.waitFor();
    const runId = (await link.innerText()).trim();
    assert.equal(await link.getAttribute('href'), `/console/runs/${runId}`);
    await h.waitForSync(created.id, bill.id);
    const runs = await h.runs({ integrationId: created.id, billId: bill.id });
    assert.deepEqual(
      runs.map((r) => [r.id, r.status]),
      [[runId, 'COMPLETE']],
    );
    assert.equal(h.emulator.control.documents(created.realmId).Invoice.length, 1);
  });

  it('every page fits 1280 px and 390 px wide (no horizontal overflow), the navigation reachable', async () => {
    const { page } = cp!;
    const created = await h.createIntegration({ name: 'Narrow books' });
    await signIn(page, h.api.apiKey);
    const pages = [
      ['/console/overview', 'Overview'],
      ['/console/', 'Configurations'],
      ['/console/integrations/new', 'Configure bill integration'],
      [`/console/integrations/${created.id}`, 'Narrow books'],
      [`/console/integrations/${created.id}/edit`, 'Narrow books'],
      [`/console/integrations/${created.id}/preview`, 'Bill preview'],
      ['/console/credentials', 'Credentials'],
      ['/console/runs', 'Runs'],
      ['/console/events', 'Events'],
    ];
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [url, heading] of pages) {
        await page.goto(url!);
        await page.getByRole('heading', { name: heading, level: 2 }).first().waitFor();
        await page.waitForLoadState('networkidle');
        const fit = await fits(page);
        assert.ok(fit.scroll <= fit.inner, `${url} at ${width}px: scrollWidth ${fit.scroll} > ${fit.inner}`);
        const nav = page.getByRole('navigation', { name: 'Pages' });
        for (const name of ['Overview', 'Configurations', 'Credentials', 'Runs', 'Events']) {
          const box = await nav.getByRole('link', { name, exact: true }).boundingBox();
          assert.ok(
            box && box.x >= 0 && box.x + box.width <= width,
            `${url} at ${width}px: ${name} not reachable`,
          );
        }
      }
      if (width === 390) {
        await page.goto('/console/overview');
        await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
        await pageShot(page, 'narrow');
      }
    }
  });
});

async function fits(page: Page): Promise<{ scroll: number; inner: number }> {
  return page.evaluate<{ scroll: number; inner: number }>(
    '({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })',
  );
}
