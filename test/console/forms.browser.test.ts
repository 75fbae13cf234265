import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import {
  closeConsole,
  ensureConsoleBuilt,
  launchChromium,
  openConsole,
  signIn,
  type ConsolePage,
} from './support/browser';

/** The integration form and its account filter editor, through the app in a real browser. */

const FIELDS: Array<[label: string, help: string]> = [
  ['Name', 'A name for this configuration, shown in the list.'],
  ['Destination', 'The QuickBooks company type this integration sends to.'],
  ['Account filter', 'Only accounts matching this expression are sent, e.g. customFields.country == UK.'],
  ['Split usage line items', 'How usage charges become QuickBooks invoice lines.'],
  ['Bcc invoice email address', 'Every invoice e-mail is blind-copied to this address.'],
  [
    'Account manager email custom field',
    'The account custom field holding the account manager’s e-mail, copied on invoice e-mails.',
  ],
  ['Sort line items by', 'The order of the lines on the invoice.'],
];

async function describedBy(page: Page, field: Locator): Promise<string> {
  const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()));
  return texts.join('\n');
}

describe('console: the integration form in the browser', function () {
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
    await closeConsole(cp, this.currentTest);
    cp = undefined;
  });

  it('each field has its label and its help text, tied to the control', async () => {
    const { page } = cp!;
    await signIn(page, h.api.apiKey);
    await page.goto('/console/integrations/new');
    await page.getByRole('heading', { name: 'Configure bill integration' }).waitFor();
    for (const [label, help] of FIELDS) {
      const field = page.getByLabel(label, { exact: true });
      assert.equal(await field.count(), 1, `one control labelled "${label}"`);
      assert.ok((await describedBy(page, field)).includes(help), `"${label}" is described by its help text`);
    }
  });

  it('a required name left empty: the API’s 400 is shown at the Name field and nothing is created', async () => {
    const { page } = cp!;
    await signIn(page, h.api.apiKey);
    await page.goto('/console/integrations/new');
    const before = await h.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM integrations');
    await page.getByRole('button', { name: 'Create integration' }).click();
    const name = page.getByLabel('Name', { exact: true });
    await page.locator('input[aria-invalid="true"]').first().waitFor();
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.ok((await describedBy(page, name)).length > HELP_NAME.length, 'an error beside the help text');
    const after = await h.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM integrations');
    assert.equal(after.rows[0]?.n, before.rows[0]?.n);
    // Filled in, it saves and the error goes.
    await name.fill('Required books');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.getByRole('heading', { name: 'Configurations', level: 2 }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Required books' }).waitFor();
    const saved = await h.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM integrations');
    assert.equal(saved.rows[0]?.n, (before.rows[0]?.n ?? 0) + 1);
  });

  it('the account filter editor points at the error’s position, in edit mode too', async () => {
    const { page } = cp!;
    const created = await h.createIntegration({ name: 'Filter books' });
    await signIn(page, h.api.apiKey);
    await page.goto(`/console/integrations/${created.id}/edit`);
    const filter = page.getByLabel('Account filter', { exact: true });
    await filter.fill('customFields.country == ');
    const pointer = page.getByTestId('account-filter-error-pointer');
    await pointer.waitFor();
    const [source, caret] = (await pointer.innerText()).split('\n');
    assert.equal(source?.trimEnd(), 'customFields.country ==');
    assert.equal(caret?.indexOf('^'), 24, `caret line: "${caret}"`);
    await filter.fill('customFields.country == UK');
    await page.getByTestId('account-filter-valid').waitFor();
    assert.equal(await pointer.count(), 0);
  });
});

const HELP_NAME = FIELDS[0]![1];
