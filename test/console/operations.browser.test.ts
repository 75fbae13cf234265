import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { Bill as EmulatedBill } from '../../emulators/m3ter/types';
import { QuickBooksClient } from '../../src/quickbooks/client';
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

type Doc = { Id: string; TotalAmt: number; PrivateNote?: string };

/**
 * The operations pages in a real browser against the real app (API on PostgreSQL, worker on Temporal, both
 * emulators): reconciliation with its actions, backfill with its live progress, the missed-webhook sweep.
 */
describe('console: reconciliation, backfill and sweep in the browser', function () {
  this.timeout(150_000);
  let h: SyncHarness;
  let browser: Browser;
  let cp: ConsolePage | undefined;
  let integrationId: string;
  let realmId: string;
  const org = () => h.m3ter.defaultOrgId;

  before(async () => {
    const consoleDir = await ensureConsoleBuilt();
    browser = await launchChromium();
    h = await startSyncHarness({ workers: 1, consoleDir });
    h.m3ter.control.createAccount(org(), { id: 'ops-acct', code: 'OPS', name: 'Ops Ltd', currency: 'USD' });
    ({ id: integrationId, realmId } = await h.createIntegration({ accountIds: ['ops-acct'] }));
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

  function bill(billDate: string, usageCents: number): EmulatedBill {
    return h.m3ter.control.createBill(org(), {
      accountId: 'ops-acct',
      billDate,
      currency: 'USD',
      status: 'APPROVED',
      lineItems: [
        { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 99 },
        { description: 'Usage', lineItemType: 'USAGE', quantity: 3, subtotal: usageCents / 100 },
      ],
    });
  }

  async function sync(billId: string): Promise<void> {
    const res = await h.api.request('POST', `/integrations/${integrationId}/bills/${billId}/sync`);
    assert.equal(res.status, 202, res.text);
    assert.equal((await h.waitForSync(integrationId, billId)).status, 'COMPLETE');
  }

  const invoices = (): Doc[] => h.emulator.control.documents(realmId).Invoice as Doc[];
  const docsOf = (b: EmulatedBill) =>
    invoices().filter((d) => d.PrivateNote?.includes(`[m3ter-bill:${b.id}]`));

  async function runReconciliation(page: Page, from: string, to: string): Promise<void> {
    await page.goto(`/console/integrations/${integrationId}`);
    await page.getByRole('button', { name: 'Reconciliation' }).click();
    await page.getByRole('heading', { name: 'Reconciliation', exact: true }).waitFor();
    await page.getByLabel('Bill date from (inclusive)').fill(from);
    await page.getByLabel('Bill date to (exclusive)').fill(to);
    const rows = page.locator('tr[data-reconciliation-id]');
    await page.getByText('No reconciliation has run yet.').or(rows.first()).waitFor();
    const before = await rows.count();
    await page.getByRole('button', { name: 'Run reconciliation' }).click();
    await rows.nth(before).waitFor();
    // The list refreshes by itself until the run is complete.
    await rows.first().getByText('COMPLETE').waitFor({ timeout: 60_000 });
    await rows.first().getByRole('link').click();
    await page.getByRole('heading', { name: `Reconciliation ${from} → ${to}` }).waitFor();
  }

  it('reconciles seeded bills, fixes one with its action and two in bulk; a second run is all MATCHED', async () => {
    const { page } = cp!;
    const [changed, missing, edited, matched] = [10001, 2002, 303, 44].map((c) => bill('2026-10-01', c));
    for (const b of [changed, edited, matched]) await sync(b!.id);
    // m3ter recalculated one bill after its sync (the webhook was missed): its amount differs.
    h.m3ter.control.recalculateBill(org(), changed!.id, {
      lineItems: [
        { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 149.99 },
      ],
    });
    // Someone changed another invoice's amount in QuickBooks.
    h.emulator.control.editDocument(realmId, 'Invoice', docsOf(edited!)[0]!.Id, { lineAmounts: [109] });

    await signIn(page, h.api.apiKey);
    await runReconciliation(page, '2026-10-01', '2026-11-01');
    const row = (b: EmulatedBill) => page.locator(`tr[data-bill-id="${b.id}"]`);
    const summary = page.getByLabel('Summary');
    for (const t of ['AMOUNT_DIFFERS: 1', 'MISSING: 1', 'EDITED_IN_QUICKBOOKS: 1', 'MATCHED: 1'])
      await summary.getByText(t).waitFor();
    // The total drift to the cent, as the API computed it.
    const run = await h.api.request<{ summary: { amounts: { USD: { driftMinor: number } } } }>(
      'GET',
      page.url().replace(/^.*\/console/, ''),
    );
    const drift = run.body.summary.amounts.USD.driftMinor;
    await summary
      .getByText(`Total drift (USD): ${Math.floor(drift / 100)}.${String(drift % 100).padStart(2, '0')} USD`)
      .waitFor();
    assert.deepEqual((await row(changed!).locator('td').allInnerTexts()).slice(1, 7), [
      changed!.id,
      'AMOUNT_DIFFERS',
      `Invoice ${docsOf(changed!)[0]!.Id}`,
      '149.99 USD',
      '199.01 USD',
      '49.02 USD',
    ]);
    await row(missing!).getByText('MISSING').waitFor();
    await pageShot(page, 'reconciliation-run');

    assert.equal(await row(matched!).getByRole('button').count(), 0, 'MATCHED has nothing to fix');

    // Filter by kind, then the one-click resync of the amount that differs.
    await page.getByLabel('Result', { exact: true }).selectOption('AMOUNT_DIFFERS');
    assert.equal(await page.locator('tr[data-bill-id]').count(), 1);
    const csvHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.match(csvHref ?? '', /\/results\.csv\?result=AMOUNT_DIFFERS$/);
    const csv = await page.evaluate(async (href) => (await fetch(href)).text(), csvHref!);
    assert.match(csv, new RegExp(`^${changed!.id},AMOUNT_DIFFERS,Invoice,\\d+,USD,14999,19901,4902,`, 'm'));
    await page.getByRole('button', { name: `Resync ${changed!.id}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Resync of ${changed!.id} requested.` })
      .waitFor();
    assert.equal((await h.waitForSync(integrationId, changed!.id)).status, 'COMPLETE');

    // Bulk: select the missing and the edited ones; the confirmation says how many.
    await page.getByLabel('Result', { exact: true }).selectOption('');
    await page.getByLabel(`Select ${missing!.id}`).check();
    await page.getByLabel(`Select ${edited!.id}`).check();
    await page.getByRole('button', { name: 'Resync selected' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('This will resync 2 results').waitFor();
    await dialog.getByRole('button', { name: 'Resync 2' }).click();
    await page.getByRole('status').filter({ hasText: 'Resync: acted on 2.' }).waitFor();
    for (const b of [missing, edited])
      assert.equal((await h.waitForSync(integrationId, b!.id)).status, 'COMPLETE');

    await runReconciliation(page, '2026-10-01', '2026-11-01');
    await page.getByLabel('Summary').getByText('MATCHED: 4').waitFor();
    await page.getByLabel('Summary').getByText('Total drift (USD): 0.00 USD').waitFor();
    for (const b of [changed, missing, edited, matched])
      assert.equal(docsOf(b!).length, 1, `one invoice for ${b!.id}`);
    assert.equal(docsOf(changed!)[0]!.TotalAmt, 149.99);

    await page.getByRole('link', { name: 'Reconciliation' }).click();
    await page.locator('tr[data-reconciliation-id]').nth(1).waitFor();
    await pageShot(page, 'reconciliation');
  });

  it('starts a backfill from the page and shows it finish with its counts; pauses the sweep', async () => {
    const { page } = cp!;
    const bills = [1, 2, 3].map((n) => bill('2026-09-10', n * 100));
    await signIn(page, h.api.apiKey);
    await page.goto(`/console/integrations/${integrationId}`);
    await page.getByRole('button', { name: 'Backfill and sweep' }).click();
    await page.getByRole('heading', { name: 'Backfill and sweep' }).waitFor();
    await page.getByText('No backfill yet.').waitFor();
    await page.getByLabel('Backfill from (inclusive)').fill('2026-09-01');
    await page.getByLabel('Backfill to (exclusive)').fill('2026-10-01');
    await page.getByRole('button', { name: 'Start backfill' }).click();
    const row = page.locator('tr[data-backfill-id]').first();
    await row.getByText('COMPLETE').waitFor({ timeout: 60_000 });
    // Found, started, complete, skipped, failed.
    assert.deepEqual((await row.locator('td').allInnerTexts()).slice(4), ['3', '3', '3', '0', '0']);
    for (const b of bills) assert.equal(docsOf(b).length, 1);

    const sweep = page.getByLabel('Missed-webhook sweep');
    await sweep.getByText('Active').waitFor();
    await sweep.getByLabel('Interval (minutes)').fill('30');
    await sweep.getByRole('button', { name: 'Save interval' }).click();
    await sweep.getByText('The sweep runs every 30 minutes.').waitFor();
    await sweep.getByRole('button', { name: 'Pause sweep' }).click();
    await sweep.getByText('The sweep is paused.').waitFor();
    await sweep.getByText('Paused', { exact: true }).waitFor();
    const state = await h.api.request<{ paused: boolean; intervalMinutes: number }>(
      'GET',
      `/integrations/${integrationId}/sweep`,
    );
    assert.deepEqual([state.body.paused, state.body.intervalMinutes], [true, 30]);
    // Run now works while paused; the sweep lists the bills and shows up among the recent ones.
    await sweep.getByRole('button', { name: 'Run sweep now' }).click();
    await sweep.getByText('A sweep was started.').waitFor();
    await sweep
      .getByRole('table', { name: 'Recent sweeps' })
      .locator('tbody tr')
      .first()
      .waitFor({ timeout: 30_000 });
    await pageShot(page, 'backfill');
  });

  it("shows a 409's message in the result's row: adopting a document deleted since the run", async () => {
    const { page } = cp!;
    const b = bill('2026-08-05', 500);
    const customerId = (h.emulator.control.documents(realmId).Customer as Array<{ Id: string }>)[0]!.Id;
    const client = new QuickBooksClient({
      realmId,
      accessToken: h.emulator.control.mintTokens(realmId).access_token,
      apiBaseUrl: h.emulator.v3BaseUrl,
    });
    const doc = await client.createDocument(
      {
        type: 'Invoice',
        payload: {
          CustomerRef: { value: customerId },
          TxnDate: '2026-08-05',
          PrivateNote: `made by hand [m3ter-bill:${b.id}]`,
          AllowOnlineACHPayment: false,
          AllowOnlineCreditCardPayment: false,
          Line: [{ DetailType: 'SalesItemLineDetail', Amount: 42, SalesItemLineDetail: {} }],
        },
      },
      { requestId: `by-hand-${b.id}` },
    );
    await signIn(page, h.api.apiKey);
    await runReconciliation(page, '2026-08-01', '2026-09-01');
    const row = page.locator(`tr[data-bill-id="${b.id}"]`);
    await row.getByText('UNLINKED').waitFor();
    h.emulator.control.deleteDocument(realmId, 'Invoice', doc.Id);
    await row.getByRole('button', { name: `Adopt ${b.id}` }).click();
    const alert = row.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), new RegExp(`^${b.id}: Invoice ${doc.Id} .*; reconcile again$`));
  });
});
