import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { signWebhook } from '../../src/api/webhook-signature';
import { M3TER_WEBHOOK_EVENTS } from '../../src/settings/m3ter-connection';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';

const repoRoot = path.resolve(__dirname, '..', '..');

/** `npm run m3ter:connect -- …` as a real process against the test API. */
function connectCli(
  h: SyncHarness,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'm3ter:connect', '--', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, API_URL: h.api.baseUrl, ADMIN_API_KEY: h.api.apiKey },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/**
 * `npm run m3ter:connect` against the m3ter emulator's API: the destination, the rules and their links made
 * once, the secret stored sealed, and m3ter's real deliveries to it verified with the credentials it made.
 */
describe('npm run m3ter:connect (m3ter emulator)', function () {
  this.timeout(180_000);
  let h: SyncHarness;
  const org = () => h.m3ter.defaultOrgId;
  const webhookUrl = () => `${h.api.baseUrl}/webhooks/m3ter`;
  const objects = () => ({
    destinations: h.m3ter.control.webhookDestinations(org()),
    rules: h.m3ter.control.notificationConfigurations(org()),
    links: h.m3ter.control.integrationConfigs(org()),
  });

  before(async () => {
    h = await startSyncHarness();
  });
  after(async () => h?.stop());

  it('--dry-run lists what it would create and creates nothing', async () => {
    const out = await connectCli(h, ['--dry-run']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`m3ter → ${webhookUrl()} \\(dry run: nothing created\\)`));
    assert.match(out.stdout, /would create\s+WebhookDestination/);
    for (const eventName of M3TER_WEBHOOK_EVENTS)
      assert.match(
        out.stdout,
        new RegExp(`would create\\s+NotificationConfiguration\\s+${eventName.replace(/\./g, '\\.')}`),
      );
    assert.match(
      out.stdout,
      new RegExp(`${1 + 2 * M3TER_WEBHOOK_EVENTS.length} of ${1 + 2 * M3TER_WEBHOOK_EVENTS.length} to make`),
    );
    assert.deepEqual(objects(), { destinations: [], rules: [], links: [] });
  });

  it('makes one destination, one rule per event and one link each — and run again, nothing more', async () => {
    const first = await connectCli(h);
    assert.equal(first.code, 0, first.stderr);
    const made = objects();
    assert.equal(made.destinations.length, 1);
    const [destination] = made.destinations;
    assert.equal(destination!.url, webhookUrl());
    assert.deepEqual(made.rules.map((r) => r.eventName).sort(), [...M3TER_WEBHOOK_EVENTS].sort());
    assert.ok(made.rules.every((r) => r.alwaysFireEvent === true && r.active === true));
    assert.equal(made.links.length, M3TER_WEBHOOK_EVENTS.length);
    for (const rule of made.rules)
      assert.ok(
        made.links.some(
          (l) =>
            l.entityType === 'Notification' && l.entityId === rule.id && l.destinationId === destination!.id,
        ),
        `rule ${rule.eventName} is linked to the destination`,
      );

    // The secret is stored sealed: not as it is in m3ter.
    const { rows } = await h.database.db.query<{ api_key: string; secret_sealed: string }>(
      'SELECT api_key, secret_sealed FROM m3ter_webhook_destinations',
    );
    assert.equal(rows.length, 1);
    const credentials = destination!.credentials as { apiKey: string; secret: string };
    assert.equal(rows[0]!.api_key, credentials.apiKey);
    assert.ok(!rows[0]!.secret_sealed.includes(credentials.secret));
    assert.ok(!first.stdout.includes(credentials.secret), 'the secret is never printed');

    const again = await connectCli(h);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`all ${1 + 2 * M3TER_WEBHOOK_EVENTS.length} in place`));
    assert.deepEqual(objects(), made);
  });

  it("m3ter's deliveries to the destination are verified with its own credentials; another secret is refused", async () => {
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['connect-acct'] });
    h.m3ter.control.createAccount(org(), {
      id: 'connect-acct',
      code: 'CONN',
      name: 'Connect Ltd',
      currency: 'USD',
    });
    const bill = h.m3ter.control.generateBill(org(), {
      accountId: 'connect-acct',
      billDate: '2026-11-01',
      lineItems: [{ description: 'Fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 42.42 }],
    });
    await h.m3ter.control.waitForDeliveries();
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'COMPLETE');
    const [invoice] = h.emulator.control.documents(realmId).Invoice as Array<{ TotalAmt: number }>;
    assert.equal(invoice?.TotalAmt, 42.42);
    const deliveries = h.m3ter.control.deliveries().filter((d) => d.eventName === 'billing.bill.created');
    assert.ok(
      deliveries.length > 0 && deliveries.every((d) => d.status === 'delivered'),
      JSON.stringify(deliveries.map((d) => d.status)),
    );

    const [destination] = h.m3ter.control.webhookDestinations(org());
    const apiKey = (destination!.credentials as { apiKey: string }).apiKey;
    const body = JSON.stringify({
      id: 'evt-forged',
      eventName: 'billing.bill.updated',
      m3terEvent: { eventData: { newDto: { id: bill.id } } },
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const forged = await fetch(webhookUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-m3ter-apikey': apiKey,
        'x-m3ter-timestamp': String(timestamp),
        'x-m3ter-signature': signWebhook('not-the-destination-secret-0123456789', {
          path: '/webhooks/m3ter',
          apiKey,
          timestamp,
          body,
        }),
      },
      body,
    });
    assert.equal(forged.status, 401);
  });

  it('gives the destination new credentials when the stored ones are gone (a new database)', async () => {
    const before = h.m3ter.control.webhookDestinations(org())[0]!;
    await h.database.db.query('DELETE FROM m3ter_webhook_destinations');
    const out = await connectCli(h);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /rotated\s+WebhookDestination/);
    const after = h.m3ter.control.webhookDestinations(org());
    assert.equal(after.length, 1);
    assert.equal(after[0]!.id, before.id);
    assert.notEqual(
      (after[0]!.credentials as { secret: string }).secret,
      (before.credentials as { secret: string }).secret,
    );

    // Deliveries signed with the new secret are accepted.
    h.m3ter.control.createAccount(org(), {
      id: 'rotate-acct',
      code: 'ROT',
      name: 'Rotate Ltd',
      currency: 'USD',
    });
    const { id: integrationId } = await h.createIntegration({ accountIds: ['rotate-acct'] });
    const bill = h.m3ter.control.generateBill(org(), {
      accountId: 'rotate-acct',
      billDate: '2026-11-01',
      lineItems: [{ description: 'Fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 10 }],
    });
    await h.m3ter.control.waitForDeliveries();
    assert.equal((await h.waitForSync(integrationId, bill.id)).status, 'COMPLETE');
  });
});
