import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { mapAccount } from '../failures/helpers';
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

type RunBody = {
  id: string;
  status: string;
  externalId: string | null;
  externalType: string | null;
  url: string | null;
  replayedFromRunId: string | null;
  error: { code?: string; quickBooks?: { code?: string; intuitTid?: string } } | null;
};
type MappingBody = {
  m3terEntity: string;
  m3terId: string;
  externalSystem: string;
  externalTable: string;
  externalId: string;
  integrationConfigId: string | null;
};

/**
 * The console's external mappings page, a run's own page, bulk replay and the events' one-click fix, in a
 * real browser against the real app (API on PostgreSQL, worker on Temporal, the QuickBooks and m3ter emulators).
 */
describe('console: external mappings, run page, bulk replay, one-click fix (browser)', function () {
  this.timeout(120_000);
  let h: SyncHarness;
  let browser: Browser;
  let cp: ConsolePage | undefined;

  before(async () => {
    const consoleDir = await ensureConsoleBuilt();
    browser = await launchChromium();
    h = await startSyncHarness({ workers: 1, consoleDir });
    const res = await h.api.request('PUT', '/reference/accounts/acct-globex', {
      id: 'acct-globex',
      name: 'Globex Corp',
      code: 'globex',
      currency: 'USD',
      version: 1,
    });
    assert.ok(res.status < 300, res.text);
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

  function customerId(realmId: string, displayName: string): string {
    const customers = h.emulator.control.documents(realmId).Customer as Array<{
      Id: string;
      DisplayName: string;
    }>;
    const found = customers.find((c) => c.DisplayName === displayName);
    assert.ok(found, displayName);
    return found.Id;
  }

  async function getRun(id: string): Promise<RunBody> {
    const res = await h.api.request<RunBody>('GET', `/integration-runs/${id}`);
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  /** An integration that sends only mapped accounts' bills, and a bill of `accountId` that failed for it. */
  async function failedForMissingMapping(accountId: string, name: string, bills = 1) {
    await h.putAccount({ ...ACME_ACCOUNT, id: accountId, name });
    const integration = await h.createIntegration({
      name: `${name} books`,
      accountIds: [accountId],
      useExternalMappingAccountCode: true,
    });
    const sent = [];
    for (let n = 0; n < bills; n++) {
      const bill = sampleBill({ accountId });
      assert.equal((await h.sendWebhook(h.billEvent(bill))).status, 202);
      const result = await h.waitForSync(integration.id, bill.id);
      assert.equal(result.status, 'ERROR');
      sent.push({ bill, runId: result.runId });
    }
    return { integration, sent };
  }

  it('external mappings: creates one in two stages with the live QuickBooks customer search, lists it with its integration, filters, deletes after confirming', async () => {
    const { page } = cp!;
    // Scoped to one account: the other tests' bills are not its business.
    const integration = await h.createIntegration({ name: 'Mapping books', accountIds: ['acct-globex'] });
    const coolCars = customerId(integration.realmId, 'Cool Cars');
    await signIn(page, h.api.apiKey);
    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'External mappings' })
      .click();
    await page.getByRole('heading', { name: 'External mappings', level: 2 }).waitFor();
    await page.getByText('No mappings match.').waitFor();

    await page.getByRole('button', { name: 'Create external mapping' }).click();
    const modal = page.getByRole('dialog', { name: 'Create external mapping' });
    await modal.getByRole('heading', { name: 'Stage 1: Select mapping type' }).waitFor();
    const table = modal.getByLabel('External table', { exact: true });
    assert.equal(await table.isDisabled(), true, 'no table before a system is chosen');
    assert.equal(await modal.getByRole('button', { name: 'Next' }).isDisabled(), true);
    await modal.getByLabel('M3ter entity type', { exact: true }).selectOption('Account');
    await modal.getByLabel('External system', { exact: true }).selectOption('QuickBooks');
    assert.equal(await table.isDisabled(), false);
    assert.equal(await table.inputValue(), 'Customer');
    await modal.getByRole('button', { name: 'Next' }).click();

    await modal.getByRole('heading', { name: 'Stage 2: Add mapping IDs' }).waitFor();
    const combobox = (label: string) => modal.getByRole('combobox', { name: label, exact: true });
    await combobox('M3ter entity ID').click();
    await combobox('M3ter entity ID').fill('globex');
    await page.getByRole('option', { name: 'Globex Corp (globex) · acct-globex', exact: true }).click();
    assert.equal(await combobox('External entity ID').isDisabled(), true, 'no search before a company');
    await combobox('QuickBooks company').click();
    await page
      .getByRole('listbox', { name: 'QuickBooks company' })
      .getByRole('option', { name: 'Mapping books', exact: true })
      .click();
    await combobox('External entity ID').click();
    await combobox('External entity ID').fill('cool');
    // Found in the company, live: only the match is offered.
    const found = page.getByRole('listbox', { name: 'External entity ID' });
    const option = found.getByRole('option', { name: `Cool Cars · ${coolCars}`, exact: true });
    await option.waitFor();
    await found.getByRole('option', { name: /^Amy/ }).waitFor({ state: 'detached' });
    assert.deepEqual(await found.getByRole('option').allInnerTexts(), [`Cool Cars · ${coolCars}`]);
    await option.click();
    await modal.getByLabel('Link to this integration only').check();
    await pageShot(page, 'external-mappings-create');
    await modal.getByRole('button', { name: 'Create mapping' }).click();
    await modal.waitFor({ state: 'hidden' });

    const row = page.getByRole('row').filter({ hasText: 'acct-globex' });
    await row.waitFor();
    assert.deepEqual((await row.getByRole('cell').allInnerTexts()).slice(0, 6), [
      'Account',
      'acct-globex',
      'QuickBooks',
      'Customer',
      coolCars,
      'Mapping books',
    ]);
    const stored = await h.api.request<{ data: MappingBody[] }>(
      'GET',
      '/external-mappings?m3terId=acct-globex',
    );
    assert.deepEqual(
      stored.body.data.map((m) => [
        m.m3terEntity,
        m.m3terId,
        m.externalSystem,
        m.externalTable,
        m.externalId,
        m.integrationConfigId,
      ]),
      [['Account', 'acct-globex', 'QuickBooks', 'Customer', coolCars, integration.id]],
    );
    await pageShot(page, 'external-mappings');

    await page.getByLabel('External table', { exact: true }).selectOption('Item');
    await page.getByText('No mappings match.').waitFor();
    await page.getByLabel('External table', { exact: true }).selectOption('');
    await page.getByLabel('Linked integration', { exact: true }).selectOption(integration.id);
    await row.waitFor();
    await page.getByLabel('Linked integration', { exact: true }).selectOption('unlinked');
    await page.getByText('No mappings match.').waitFor();
    await page.getByLabel('Linked integration', { exact: true }).selectOption('');

    await row.getByRole('button', { name: 'Delete mapping of Account acct-globex' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete external mapping' });
    await confirm
      .getByText(`Delete the mapping of Account acct-globex to QuickBooks Customer ${coolCars}?`)
      .waitFor();
    await confirm.getByRole('button', { name: 'Delete mapping' }).click();
    await page.getByText('No mappings match.').waitFor();
    const after = await h.api.request<{ data: unknown[] }>('GET', '/external-mappings?m3terId=acct-globex');
    assert.deepEqual(after.body.data, []);
  });

  it('events: a bill failed for a missing account mapping; Fix maps the account (QuickBooks search) and replays; the run page shows COMPLETE and the invoice', async () => {
    const { page } = cp!;
    const { integration, sent } = await failedForMissingMapping('acct-fix', 'Fix Me Ltd');
    const [{ bill, runId }] = sent as [(typeof sent)[number]];
    const coolCars = customerId(integration.realmId, 'Cool Cars');
    await signIn(page, h.api.apiKey);
    await page.goto(`/console/events?integrationId=${integration.id}`);
    await page.getByRole('heading', { name: 'Events', level: 2 }).waitFor();
    const row = page.getByRole('row').filter({ hasText: bill.id });
    await row.getByText('integration.missingaccountmapping.error').waitFor();
    await row
      .getByText('Map the account to a QuickBooks customer, then replay the bill (Fix does both).')
      .waitFor();

    await row.getByRole('button', { name: /^Fix: / }).click();
    const fix = row.getByRole('region', { name: 'Fix the missing mapping' });
    await fix.getByText('Map m3ter account acct-fix to a QuickBooks customer').waitFor();
    const search = fix.getByRole('combobox', { name: 'QuickBooks customer', exact: true });
    await search.click();
    await search.fill('cool');
    await page.getByRole('option', { name: `Cool Cars · ${coolCars}`, exact: true }).click();
    await fix.getByRole('button', { name: 'Create mapping and replay' }).click();

    // The replay's own page: it goes to COMPLETE live, with its invoice in QuickBooks.
    await page.waitForURL(/\/console\/runs\/[0-9a-f-]{36}$/);
    const replayId = decodeURIComponent(page.url().split('/').pop() ?? '');
    assert.notEqual(replayId, runId);
    await page.getByRole('heading', { name: 'Run', level: 2 }).waitFor();
    await page
      .getByRole('region', { name: 'Run details' })
      .getByRole('link', { name: /^Invoice / })
      .waitFor({ timeout: 60_000 });
    const replay = await getRun(replayId);
    assert.deepEqual(
      [replay.status, replay.replayedFromRunId, replay.externalType],
      ['COMPLETE', runId, 'Invoice'],
    );
    assert.ok(replay.externalId && replay.url, JSON.stringify(replay));
    await page.getByText('COMPLETE', { exact: true }).first().waitFor();
    const link = page.getByRole('link', { name: `Invoice ${replay.externalId}`, exact: true });
    assert.equal(await link.getAttribute('href'), replay.url);
    assert.match(replay.url, new RegExp(`/app/invoice\\?txnId=${replay.externalId}$`));
    const history = page.getByRole('table', { name: 'Status history' });
    await history.getByRole('row').nth(2).waitFor();
    assert.equal(await history.getByRole('row').count(), 3, 'the header, the replay and the failed run');

    const mappings = await h.api.request<{ data: MappingBody[] }>(
      'GET',
      '/external-mappings?m3terId=acct-fix',
    );
    assert.deepEqual(
      mappings.body.data.map((m) => [m.m3terEntity, m.externalSystem, m.externalTable, m.externalId]),
      [['Account', 'QuickBooks', 'Customer', coolCars]],
      JSON.stringify(mappings.body.data),
    );
    const invoices = h.emulator.control.documents(integration.realmId).Invoice as Array<{
      Id: string;
      CustomerRef: { value: string };
    }>;
    assert.deepEqual(
      invoices.map((i) => [i.Id, i.CustomerRef.value]),
      [[replay.externalId, coolCars]],
    );
    const events = await h.api.request<{ data: Array<{ actioned: boolean }> }>(
      'GET',
      `/integration-events?integrationId=${integration.id}`,
    );
    assert.deepEqual(
      events.body.data.map((e) => e.actioned),
      [true],
    );
  });

  it('run page: a QuickBooks validation fault shows its QuickBooks code, detail and intuit_tid; Replay opens the new run', async () => {
    const { page } = cp!;
    await h.putAccount({ ...ACME_ACCOUNT, id: 'acct-fault', name: 'Faulty Ltd' });
    const integration = await h.createIntegration({ name: 'Faulty books', accountIds: ['acct-fault'] });
    const fault = {
      type: 'fault' as const,
      code: '6000',
      message: 'A business validation error has occurred while processing your request',
      detail: 'Business Validation Error: the line amount is not valid',
      element: 'Line.Amount',
    };
    h.emulator.control.enqueueFaults([
      { action: fault, match: { realmId: integration.realmId, entity: 'invoice', operation: 'create' } },
      { action: fault, match: { target: 'batch-item', realmId: integration.realmId, operation: 'create' } },
    ]);
    const bill = sampleBill({ accountId: 'acct-fault' });
    assert.equal((await h.sendWebhook(h.billEvent(bill))).status, 202);
    const result = await h.waitForSync(integration.id, bill.id);
    assert.equal(result.status, 'ERROR');
    const run = await getRun(result.runId);
    const intuitTid = run.error?.quickBooks?.intuitTid;
    assert.equal(run.error?.quickBooks?.code, '6000');
    assert.ok(intuitTid, JSON.stringify(run.error));

    await signIn(page, h.api.apiKey);
    await page.goto(`/console/runs?integrationId=${integration.id}`);
    await page.getByRole('row').filter({ hasText: bill.id }).getByRole('link').first().click();
    await page.waitForURL(new RegExp(`/console/runs/${run.id}$`));
    const error = page.getByRole('region', { name: 'Error' });
    await error.waitFor();
    const text = await error.innerText();
    assert.match(text, /QuickBooks code\s+6000/);
    assert.match(text, /QuickBooks element\s+Line\.Amount/);
    assert.match(text, /QuickBooks detail\s+Business Validation Error: the line amount is not valid/);
    assert.match(text, new RegExp(`intuit_tid\\s+${intuitTid}`));
    await page.getByText('ERROR', { exact: true }).first().waitFor();
    const workflow = page.getByRole('link', { name: 'Workflow in Temporal' });
    assert.ok(
      ((await workflow.getAttribute('href')) ?? '').includes(
        encodeURIComponent(`bill-sync/${integration.id}/${bill.id}`),
      ),
    );
    await pageShot(page, 'run-detail');

    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.waitForURL(
      (url) => /\/console\/runs\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(run.id),
    );
    await page
      .getByRole('region', { name: 'Run details' })
      .getByRole('link', { name: /^Invoice / })
      .waitFor({ timeout: 60_000 });
  });

  it('runs: filters by bill and time; bulk replay says how many runs it replays and replays that many', async () => {
    const { page } = cp!;
    const { integration, sent } = await failedForMissingMapping('acct-bulk', 'Bulk Ltd', 3);
    await mapAccount(h, 'acct-bulk', customerId(integration.realmId, 'Cool Cars'));
    await signIn(page, h.api.apiKey);
    await page.goto(`/console/runs?integrationId=${integration.id}`);
    await page.getByRole('heading', { name: 'Runs', level: 2 }).waitFor();
    const rows = page.getByRole('table', { name: 'Runs' }).getByRole('row');
    await rows.nth(3).waitFor();
    assert.equal(await rows.count(), 4);

    await page.getByLabel('Bill ID', { exact: true }).fill(sent[1]!.bill.id);
    await page.getByRole('row').filter({ hasText: sent[0]!.bill.id }).waitFor({ state: 'detached' });
    assert.equal(await rows.count(), 2);
    await page.getByLabel('Bill ID', { exact: true }).fill('');
    await page.getByLabel('Started from', { exact: true }).fill('2099-01-01T00:00');
    await page.getByText('No runs match.').waitFor();
    await page.getByLabel('Started from', { exact: true }).fill('');
    await rows.nth(3).waitFor();

    await page.getByLabel('Status', { exact: true }).selectOption('ERROR');
    await page.getByRole('button', { name: 'Replay matching runs' }).click();
    const confirm = page.getByRole('dialog', { name: 'Replay matching runs' });
    await confirm
      .getByText(/^This replays 3 runs: the latest run of each bill of Bulk Ltd books with status ERROR\.$/)
      .waitFor();
    for (const s of sent)
      assert.equal((await h.runs({ integrationId: integration.id, billId: s.bill.id })).length, 1);
    await confirm.getByRole('button', { name: 'Replay 3 runs' }).click();
    await page.getByRole('status').filter({ hasText: 'Replayed 3 runs.' }).waitFor();
    for (const s of sent) {
      const result = await h.waitForSync(integration.id, s.bill.id);
      assert.equal(result.status, 'COMPLETE');
      const runs = await h.runs({ integrationId: integration.id, billId: s.bill.id });
      assert.deepEqual(
        runs.map((r) => [r.status, r.replayedFromRunId]),
        [
          ['COMPLETE', s.runId],
          ['ERROR', null],
        ],
      );
    }
    await page.getByLabel('Status', { exact: true }).selectOption('COMPLETE');
    await rows.nth(3).waitFor();
  });
});
