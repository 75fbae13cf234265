import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { recordIntegrationEvent } from '../../src/db/repositories/integration-events.repository';
import { incrementConsecutiveFailures } from '../../src/db/repositories/integrations';
import { disableIntegration } from '../../src/settings/integrations';
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

/**
 * The console in a real browser (Debian's chromium through playwright-core) against the real app: the API on
 * PostgreSQL with the worker on Temporal and the emulators (the sync harness), serving the built console.
 */

const ACCOUNTS = [
  {
    id: 'acct-acme',
    name: 'Acme Rockets Ltd',
    code: 'acme',
    currency: 'GBP',
    customFields: { country: 'UK' },
  },
  { id: 'acct-globex', name: 'Globex Corp', code: 'globex', currency: 'USD' },
  { id: 'acct-initech', name: 'Initech', code: 'initech', currency: 'USD' },
];

describe('console: in the browser', function () {
  this.timeout(120_000);
  let h: SyncHarness;
  let browser: Browser;
  let cp: ConsolePage | undefined;

  before(async () => {
    const consoleDir = await ensureConsoleBuilt();
    browser = await launchChromium();
    h = await startSyncHarness({ workers: 1, consoleDir });
    for (const a of ACCOUNTS) await put(`/reference/accounts/${a.id}`, { ...a, version: 1 });
    await put('/reference/products/prod-api', { id: 'prod-api', name: 'API calls', code: 'api', version: 1 });
    await put('/reference/products/prod-seats', {
      id: 'prod-seats',
      name: 'Seats',
      code: 'seats',
      version: 1,
    });
    await put('/reference/aggregations/agg-calls', {
      id: 'agg-calls',
      name: 'Calls',
      code: 'calls',
      version: 1,
    });
    await put('/reference/users/user-ops', {
      id: 'user-ops',
      email: 'ops@example.com',
      firstName: 'Olive',
      lastName: 'Ops',
      version: 1,
    });
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

  async function put(path: string, body: unknown) {
    const res = await h.api.request('PUT', path, body);
    assert.ok(res.status < 300, `${path}: ${res.status} ${res.text}`);
  }

  it('refuses a wrong API key, signs in with the right one (httpOnly cookie, key kept nowhere), signs out', async () => {
    const { page, context } = cp!;
    await page.goto('/console/');
    await page.getByLabel('API key').fill('this-is-not-the-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong API key.' }).waitFor();
    await pageShot(page, 'sign-in-wrong-key');
    assert.deepEqual(await context.cookies(), []);

    await page.getByLabel('API key').fill(h.api.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Configurations' }).waitFor();
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0]?.name, 'm3ter_qbo_console');
    assert.equal(cookies[0]?.httpOnly, true);
    assert.equal(cookies[0]?.sameSite, 'Strict');
    assert.equal(cookies[0]?.path, '/');
    const stored = await page.evaluate<string>('JSON.stringify({ ...localStorage, ...sessionStorage })');
    assert.ok(!stored.includes(h.api.apiKey), 'the key is not in web storage');
    assert.ok(!page.url().includes(h.api.apiKey), 'nor in the URL');
    assert.equal(await page.evaluate<string>('document.cookie'), '', 'the cookie is not readable by scripts');

    // From the page, a change without the CSRF token is refused even with the cookie.
    const status = await page.evaluate(async () => {
      const res = await fetch('/integrations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'forged', destination: 'QuickBooks' }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    });
    assert.deepEqual([status.status, status.body.error.code], [403, 'CSRF_TOKEN_INVALID']);

    await page.reload();
    await page.getByRole('heading', { name: 'Configurations' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    const after = await page.evaluate(async () => (await fetch('/integrations')).status);
    assert.equal(after, 401);
  });

  it('creates an integration through the three panels with every setting set; the API stores each value', async () => {
    const { page } = cp!;
    await signIn(page, h.api.apiKey);
    await page.getByRole('button', { name: 'Configure new integration' }).click();
    await page.getByRole('menuitem', { name: 'Configure bill integration' }).click();
    await page.getByRole('heading', { name: 'Configure bill integration' }).waitFor();
    for (const panel of ['Global configuration', 'Entity configuration', 'External system configuration'])
      await page.getByRole('heading', { name: panel }).waitFor();

    const field = (label: string) => page.getByLabel(label, { exact: true });
    const combobox = (label: string) => page.getByRole('combobox', { name: label, exact: true });
    const pick = async (label: string, search: string, option: string) => {
      await combobox(label).click();
      await combobox(label).fill(search);
      await page.getByRole('option', { name: option, exact: true }).click();
      await page.keyboard.press('Escape');
    };

    // Global configuration
    await field('Name').fill('UK books from the console');
    await field('Destination').selectOption('QuickBooksSandbox');
    await pick('Account ids', 'acme', 'Acme Rockets Ltd (acme) · acct-acme');
    await pick('Account ids', 'globex', 'Globex Corp (globex) · acct-globex');
    await pick('Restricted account ids', 'initech', 'Initech (initech) · acct-initech');
    await pick('Integration disabled notification users', 'olive', 'Olive Ops <ops@example.com>');
    // Entity configuration
    await field('Only send bill on approval').check();
    await field('Use external mapping account code').check();
    await pick('Excluded line item types', 'MINIMUM', 'MINIMUM_SPEND');
    await pick('Excluded line item types', 'AD_', 'AD_HOC');
    await field('Account filter').fill('customFields.country == UK AND currency != "USD"');
    await page.getByTestId('account-filter-valid').waitFor();
    await combobox('Test against account').click();
    await page.getByRole('option', { name: 'Acme Rockets Ltd (acme) · acct-acme' }).click();
    await page.getByTestId('account-filter-match').filter({ hasText: 'this account is in scope' }).waitFor();
    await field('Enforce external mappings for config').check();
    await pick('Excluded products', 'seats', 'Seats (seats) · prod-seats');
    await pick('Excluded aggregations', 'calls', 'Calls (calls) · agg-calls');
    // External system configuration
    await field('Split usage line items').selectOption({ label: 'Item per product' });
    await field('CREDIT_MEMO').fill('31');
    await field('DEBIT_MEMO').fill('32');
    await field('Send zero quantity line items').check();
    await field('Allow bank transfer payment').check();
    await field('Allow credit card payment').check();
    await field('Bcc invoice email address').fill('books@example.com');
    await field('Account manager email custom field').fill('accountManagerEmail');
    await field('Sort line items by').selectOption({ label: 'Subtotal' });

    // Every setting has its one-line help text, tied to the control.
    for (const label of [
      'Name',
      'Account ids',
      'Restricted account ids',
      'Integration disabled notification users',
      'Only send bill on approval',
      'Use external mapping account code',
      'Excluded line item types',
      'Account filter',
      'Enforce external mappings for config',
      'Excluded products',
      'Excluded aggregations',
      'Split usage line items',
      'Send zero quantity line items',
      'Allow bank transfer payment',
      'Allow credit card payment',
      'Bcc invoice email address',
      'Account manager email custom field',
      'Sort line items by',
    ]) {
      const control = (await combobox(label).count()) > 0 ? combobox(label) : field(label);
      const described = await control.getAttribute('aria-describedby');
      assert.ok(described, `${label} has no description`);
      const help = await page.locator(`[id="${described.split(' ')[0]}"]`).innerText();
      assert.ok(help.trim().length > 10, `${label}: help text "${help}"`);
    }
    await page.getByText('Quick books item mapping', { exact: true }).waitFor();
    await pageShot(page, 'configure-bill-integration');

    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.getByRole('heading', { name: 'Configurations' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'UK books from the console' });
    await row.waitFor();
    await row.getByText('No runs yet').waitFor();
    await pageShot(page, 'configurations');
    assert.match(
      await row.innerText(),
      /QuickBooks Sandbox[\s\S]*NOT CONNECTED[\s\S]*Enabled[\s\S]*No runs yet/,
    );

    const list = await h.api.request<{ data: Array<Record<string, unknown>> }>(
      'GET',
      '/integrations?limit=500',
    );
    const stored = list.body.data.find((i) => i.name === 'UK books from the console');
    assert.ok(stored, list.text);
    const { id, version, createdAt, updatedAt, ...settings } = stored;
    assert.equal(typeof id, 'string');
    void [version, createdAt, updatedAt];
    assert.deepEqual(settings, {
      name: 'UK books from the console',
      destination: 'QuickBooksSandbox',
      entityType: 'Bill',
      accountIds: ['acct-acme', 'acct-globex'],
      restrictedAccountIds: ['acct-initech'],
      integrationDisabledNotificationUserIds: ['user-ops'],
      onlySendBillOnApproval: true,
      useExternalMappingAccountCode: true,
      excludedLineItemTypes: ['MINIMUM_SPEND', 'AD_HOC'],
      accountFilter: 'customFields.country == UK AND currency != "USD"',
      enforceExternalMappingsForConfig: true,
      excludedProductIds: ['prod-seats'],
      excludedAggregationIds: ['agg-calls'],
      splitUsageLineItems: 'ITEM_PER_PRODUCT',
      quickBooksItemMapping: { CREDIT_MEMO: '31', DEBIT_MEMO: '32' },
      sendZeroQuantityLineItems: true,
      allowBankTransferPayment: true,
      allowCreditCardPayment: true,
      bccInvoiceEmailAddress: 'books@example.com',
      accountManagerEmailCustomField: 'accountManagerEmail',
      sortLineItemsBy: 'SUBTOTAL',
      autoDisableAfterConsecutiveFailures: 5,
      enabled: true,
      credentialId: null,
      connectionStatus: 'NOT_CONNECTED',
      disabledAt: null,
      disabledReason: null,
      consecutiveFailures: 0,
    });
    // The change is audited as this console session.
    const audit = await h.api.request<{ data: Array<{ actor: string; action: string }> }>(
      'GET',
      `/integrations/${String(id)}/audit`,
    );
    assert.equal(audit.body.data.length, 1);
    assert.match(audit.body.data[0]?.actor ?? '', /^console-session:[0-9a-f]{8}$/);
    assert.equal(audit.body.data[0]?.action, 'integration created');
  });

  it('shows an invalid account filter’s error at its position as you type, and a 4xx at the field it names', async () => {
    const { page } = cp!;
    await signIn(page, h.api.apiKey);
    await page.goto('/console/integrations/new');
    const filter = page.getByLabel('Account filter', { exact: true });
    await filter.fill('currency == USD AND');
    const pointer = page.getByTestId('account-filter-error-pointer');
    await pointer.waitFor();
    const [source, caret] = (await pointer.innerText()).split('\n');
    assert.equal(source, 'currency == USD AND');
    assert.equal(caret?.indexOf('^'), 19, `caret line: "${caret}"`);
    assert.match(caret ?? '', /\^ expected a value or "\("/);
    await pageShot(page, 'account-filter-error');
    await page.getByText('at position 19', { exact: false }).first().waitFor();
    // Fixed as you type: the error goes.
    await filter.fill('currency == USD');
    await page.getByTestId('account-filter-valid').waitFor();
    assert.equal(await pointer.count(), 0);
    // A mistake in the middle is pointed at where it is.
    await filter.fill('currency = USD');
    await pointer.waitFor();
    assert.equal((await pointer.innerText()).split('\n')[1]?.indexOf('^'), 9);

    // The API's 400 is shown at the field it names.
    await filter.fill('');
    await page.getByLabel('Name', { exact: true }).fill('Bad e-mail');
    await page.getByLabel('Bcc invoice email address', { exact: true }).fill('not-an-email');
    await page.getByRole('button', { name: 'Create integration' }).click();
    const bcc = page.getByLabel('Bcc invoice email address', { exact: true });
    await page.locator('input[type=email][aria-invalid="true"]').waitFor();
    const described = (await bcc.getAttribute('aria-describedby')) ?? '';
    const texts = await Promise.all(
      described
        .split(' ')
        .filter(Boolean)
        .map((d) => page.locator(`[id="${d}"]`).innerText()),
    );
    assert.ok(
      texts.some((t) => /email/i.test(t) && t.length > 3),
      `no error under the field: ${texts.join(' | ')}`,
    );
    await page.getByRole('heading', { name: 'Configure bill integration' }).waitFor();
  });
  it('integration details: the not-yet-connected warning, the ID with copy, Connect credential → Select credential → Confirm → CONNECTED', async () => {
    const { page, context } = cp!;
    const { credentialId, realmId } = await h.connectCredential();
    const created = await h.createIntegration({ name: 'US books to connect' }, { credentialId: null });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.api.baseUrl });
    await signIn(page, h.api.apiKey);
    await page.getByRole('link', { name: 'US books to connect' }).click();
    await page.getByRole('heading', { name: 'US books to connect', level: 2 }).waitFor();
    await page.getByText('This integration is not yet connected', { exact: false }).waitFor();
    await page.getByRole('region', { name: 'Changes' }).getByText('integration created').waitFor();
    await pageShot(page, 'integration-not-connected');
    const details = page.getByRole('region', { name: 'Details' });
    assert.match(await details.innerText(), /NOT CONNECTED/);
    assert.equal(await page.getByTestId('integration-id').innerText(), created.id);
    await page.getByRole('button', { name: 'Copy integration ID' }).click();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), created.id);

    await page.getByRole('button', { name: 'Connect credential' }).click();
    const modal = page.getByRole('dialog', { name: 'Select credential' });
    await modal.waitFor();
    await modal.getByRole('combobox', { name: 'Credential', exact: true }).click();
    await page.getByRole('option', { name: `realm ${realmId} (AUTHORIZED)` }).click();
    await pageShot(page, 'select-credential');
    await modal.getByRole('button', { name: 'Confirm' }).click();
    await modal.waitFor({ state: 'hidden' });
    await details.getByText('CONNECTED', { exact: true }).waitFor();
    await page
      .getByTestId('connected-credential')
      .filter({ hasText: `realm ${realmId} (AUTHORIZED, company ${realmId})` })
      .waitFor();
    assert.equal(await page.getByText('This integration is not yet connected', { exact: false }).count(), 0);
    await page.getByRole('button', { name: 'Change credential' }).waitFor();

    const stored = await h.api.request<{ credentialId: string; connectionStatus: string }>(
      'GET',
      `/integrations/${created.id}`,
    );
    assert.equal(stored.body.credentialId, credentialId);
    assert.equal(stored.body.connectionStatus, 'CONNECTED');
    // The change shows in the integration's audit, as this console session.
    await page
      .getByRole('region', { name: 'Changes' })
      .getByText('integration credential connected')
      .waitFor();
    await pageShot(page, 'integration-connected');
    const audit = await h.api.request<{ data: Array<{ actor: string; action: string }> }>(
      'GET',
      `/integrations/${created.id}/audit`,
    );
    assert.equal(audit.body.data[0]?.action, 'integration credential connected');
    assert.match(audit.body.data[0]?.actor ?? '', /^console-session:/);

    // Edit: the form opens with the stored values; Save changes replaces them (with the version read).
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit US books to connect' }).waitFor();
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'US books to connect');
    await page.getByLabel('Sort line items by', { exact: true }).selectOption({ label: 'Aggregation ID' });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'US books to connect', level: 2 }).waitFor();
    const edited = await h.api.request<{ sortLineItemsBy: string; credentialId: string; name: string }>(
      'GET',
      `/integrations/${created.id}`,
    );
    assert.deepEqual(
      [edited.body.sortLineItemsBy, edited.body.credentialId, edited.body.name],
      ['AGGREGATION_ID', credentialId, 'US books to connect'],
    );
  });
  it('an auto-disabled integration shows its reason in the list; Re-enable on its page; Disconnect credential', async () => {
    const { page } = cp!;
    const created = await h.createIntegration({
      name: 'Failing books',
      autoDisableAfterConsecutiveFailures: 2,
    });
    for (let n = 0; n < 2; n++) await incrementConsecutiveFailures(h.database.db, created.id);
    await disableIntegration(h.database.db, created.id, {
      reason: '2 syncs failed in a row; the last: boom',
    });
    await signIn(page, h.api.apiKey);
    const row = page.getByRole('row').filter({ hasText: 'Failing books' });
    await row.getByText('Auto-disabled: 2 syncs failed in a row; the last: boom').waitFor();
    assert.match(await row.innerText(), /(?<!NOT )CONNECTED/);

    await row.getByRole('link', { name: 'Failing books' }).click();
    await page.getByRole('button', { name: 'Re-enable' }).click();
    await page.getByRole('button', { name: 'Re-enable' }).waitFor({ state: 'detached' });
    await page.getByRole('region', { name: 'Details' }).getByText('Enabled', { exact: true }).waitFor();
    const enabled = await h.api.request<{
      enabled: boolean;
      consecutiveFailures: number;
      disabledReason: null;
    }>('GET', `/integrations/${created.id}`);
    assert.deepEqual(
      [enabled.body.enabled, enabled.body.consecutiveFailures, enabled.body.disabledReason],
      [true, 0, null],
    );

    await page.getByRole('button', { name: 'Disconnect credential' }).click();
    await page.getByText('This integration is not yet connected', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Connect credential' }).waitFor();
    const disconnected = await h.api.request<{ credentialId: null; connectionStatus: string }>(
      'GET',
      `/integrations/${created.id}`,
    );
    assert.deepEqual(
      [disconnected.body.credentialId, disconnected.body.connectionStatus],
      [null, 'NOT_CONNECTED'],
    );
    const audit = await h.api.request<{ data: Array<{ action: string }> }>(
      'GET',
      `/integrations/${created.id}/audit`,
    );
    assert.deepEqual(
      audit.body.data.map((e) => e.action),
      ['integration credential disconnected', 'integration enabled', 'integration created'],
    );
  });
  it('linked external mappings: created from the integration page with the account picker, listed, deleted', async () => {
    const { page } = cp!;
    const created = await h.createIntegration({ name: 'Mapped books' });
    await signIn(page, h.api.apiKey);
    await page.goto(`/console/integrations/${created.id}`);
    const card = page.getByRole('region', { name: 'Linked external mappings' });
    await card.getByText('No mappings linked to this integration.').waitFor();
    await card.getByRole('button', { name: 'Create mapping' }).click();
    const modal = page.getByRole('dialog', { name: 'Add linked external mapping' });
    await modal.getByLabel('M3ter entity', { exact: true }).selectOption('Account');
    await modal.getByRole('combobox', { name: 'M3ter entity ID', exact: true }).click();
    await modal.getByRole('combobox', { name: 'M3ter entity ID', exact: true }).fill('globex');
    await page.getByRole('option', { name: 'Globex Corp (globex) · acct-globex', exact: true }).click();
    // The API's 400 shows at the field it names.
    await modal.getByRole('button', { name: 'Create mapping' }).click();
    const externalId = modal.getByLabel('External entity ID', { exact: true });
    await modal.locator('input[aria-invalid="true"]').waitFor();
    assert.equal(await externalId.getAttribute('aria-invalid'), 'true');
    const describedBy = ((await externalId.getAttribute('aria-describedby')) ?? '')
      .split(' ')
      .filter(Boolean);
    const under = await Promise.all(describedBy.map((d) => page.locator(`[id="${d}"]`).innerText()));
    assert.ok(
      under.some((t) => /Too small/.test(t)),
      under.join(' | '),
    );
    await modal.getByLabel('External entity ID', { exact: true }).fill('58');
    await modal.getByRole('button', { name: 'Create mapping' }).click();
    await modal.waitFor({ state: 'hidden' });
    const row = card.getByRole('row').filter({ hasText: 'acct-globex' });
    await row.waitFor();
    assert.deepEqual((await row.getByRole('cell').allInnerTexts()).slice(0, 4), [
      'Account',
      'acct-globex',
      'Customer',
      '58',
    ]);
    const linked = await h.api.request<{ data: Array<Record<string, unknown>> }>(
      'GET',
      `/integrations/${created.id}/external-mappings`,
    );
    assert.equal(linked.body.data.length, 1);
    assert.deepEqual(
      [
        linked.body.data[0]?.m3terEntity,
        linked.body.data[0]?.m3terId,
        linked.body.data[0]?.externalSystem,
        linked.body.data[0]?.externalTable,
        linked.body.data[0]?.externalId,
        linked.body.data[0]?.integrationConfigId,
      ],
      ['Account', 'acct-globex', 'QuickBooks', 'Customer', '58', created.id],
    );
    await row.getByRole('button', { name: 'Delete mapping of Account acct-globex' }).click();
    await card.getByText('No mappings linked to this integration.').waitFor();
    const after = await h.api.request<{ data: unknown[] }>(
      'GET',
      `/integrations/${created.id}/external-mappings`,
    );
    assert.equal(after.body.data.length, 0);
    await page.getByRole('region', { name: 'Changes' }).getByText('external mapping deleted').waitFor();
  });
  it('credentials: create one, Connect to QuickBooks through the OAuth flow (the emulator) and back to the console, AUTHORIZED; revoke', async () => {
    const { page } = cp!;
    await signIn(page, h.api.apiKey);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Credentials' }).click();
    await page.getByRole('heading', { name: 'Credentials', level: 2 }).waitFor();
    await page.getByLabel('Credential name', { exact: true }).fill('Console books');
    await page.getByRole('button', { name: 'Create credential' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Console books' });
    await row.getByText('PENDING_AUTHORIZATION').waitFor();

    await row.getByRole('button', { name: 'Connect to QuickBooks' }).click();
    await page.getByRole('heading', { name: 'QuickBooks connected' }).waitFor();
    await page.getByRole('link', { name: 'Back to the console' }).click();
    await page.getByRole('heading', { name: 'Credentials', level: 2 }).waitFor();
    await row.getByText('AUTHORIZED', { exact: true }).waitFor();
    const list = await h.api.request<{
      data: Array<{ name: string; status: string; realmId: string | null; id: string }>;
    }>('GET', '/credentials?limit=500');
    const stored = list.body.data.find((c) => c.name === 'Console books');
    assert.equal(stored?.status, 'AUTHORIZED');
    assert.ok(stored?.realmId, 'connected to an emulator company');
    assert.match(await row.innerText(), new RegExp(stored.realmId));
    await pageShot(page, 'credentials');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('REVOKED', { exact: true }).waitFor();
  });
  it('runs: a sent bill’s run becomes COMPLETE live on the page, with its QuickBooks document and workflow links; Replay', async () => {
    const { page } = cp!;
    await h.putAccount(ACME_ACCOUNT);
    const created = await h.createIntegration({
      name: 'Runs books',
      accountIds: [ACME_ACCOUNT.id as string],
    });
    await signIn(page, h.api.apiKey);
    await page.goto(`/console/integrations/${created.id}`);
    await page.getByRole('button', { name: 'Runs' }).click();
    await page.getByRole('heading', { name: 'Runs', level: 2 }).waitFor();
    await page.getByText('No runs match.').waitFor();
    assert.equal(await page.getByLabel('Integration', { exact: true }).inputValue(), created.id);

    const bill = sampleBill();
    const sent = await h.sendWebhook(h.billEvent(bill));
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const row = page.getByRole('row').filter({ hasText: bill.id });
    await row.getByText('COMPLETE', { exact: true }).waitFor({ timeout: 60_000 });
    const [run] = await h.runs({ integrationId: created.id, billId: bill.id });
    assert.ok(run?.externalId && run.url, JSON.stringify(run));
    const document = row.getByRole('link', { name: `Invoice ${run.externalId}` });
    assert.equal(await document.getAttribute('href'), run.url);
    const workflow = row.getByRole('link', { name: 'Workflow in Temporal' });
    assert.match((await workflow.getAttribute('href')) ?? '', new RegExp(encodeURIComponent(run.workflowId)));
    await page.getByLabel('Status', { exact: true }).selectOption('ERROR');
    await page.getByText('No runs match.').waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await row.waitFor();
    await pageShot(page, 'runs');

    await row.getByRole('button', { name: `Replay run ${run.id}` }).click();
    await page.getByText(`replay of ${run.id}`).waitFor({ timeout: 60_000 });
    const runs = await h.runs({ integrationId: created.id, billId: bill.id });
    assert.equal(runs.length, 2);
    assert.ok(runs.some((r) => r.replayedFromRunId === run.id));
  });
  it('events: filtered by integration, says what to do, and the actioned toggle moves it between the lists', async () => {
    const { page } = cp!;
    const created = await h.createIntegration({ name: 'Evented books' });
    await recordIntegrationEvent(h.database.db, {
      integrationId: created.id,
      eventType: 'integration.missingaccountmapping.error',
      message: 'Account acct-9 has no QuickBooks customer mapping: create one, then replay the bill',
      billId: 'bill-9',
    });
    await signIn(page, h.api.apiKey);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Events' }).click();
    await page.getByRole('heading', { name: 'Events', level: 2 }).waitFor();
    await page.getByLabel('Integration', { exact: true }).selectOption(created.id);
    const row = page.getByRole('row').filter({ hasText: 'acct-9' });
    await row.getByText('integration.missingaccountmapping.error').waitFor();
    assert.match(await row.innerText(), /create one, then replay the bill[\s\S]*bill bill-9/);
    // Controlled by the server's answer: the row leaves the list once the API says it is actioned.
    await row.getByRole('checkbox').click();
    await page.getByText('No events match.').waitFor();
    await page.getByLabel('Show', { exact: true }).selectOption('actioned');
    await row.waitFor();
    assert.equal(await row.getByRole('checkbox').isChecked(), true);
    const events = await h.api.request<{ data: Array<{ actioned: boolean; actionedAt: string | null }> }>(
      'GET',
      `/integration-events?integrationId=${created.id}`,
    );
    assert.equal(events.body.data.length, 1);
    assert.equal(events.body.data[0]?.actioned, true);
    assert.ok(events.body.data[0]?.actionedAt);
  });
});
