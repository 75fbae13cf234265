/**
 * Shows the whole flow locally, against a running `npm start` (with the bundled emulator):
 * a credential authorized against the emulator's company, an integration, an account, and a signed
 * bill webhook; then waits for the invoice and prints where to look.
 *
 *   npm start            # in one terminal
 *   npm run demo         # in another
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EmulatorControlClient } from '../emulators/quickbooks/control-client';
import { signWebhook } from '../src/api/webhook-signature';

const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';
const emulatorUrl = process.env.EMULATOR_URL ?? 'http://127.0.0.1:4010';
const secret = (name: string) => readFileSync(path.join(dataDir, 'secrets', name), 'utf8').trim();
const apiKey = process.env.ADMIN_API_KEY ?? secret('admin-api.key');

async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${api}${route}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function main(): Promise<void> {
  const emulator = new EmulatorControlClient(emulatorUrl);
  const { realmId } = await emulator.createRealm();
  const tokens = await emulator.mintTokens(realmId);
  const credential = await call<{ id: string }>('POST', '/credentials', {
    name: `Demo company ${realmId}`,
    destination: 'QuickBooks',
  });
  const now = Date.now();
  await call('PUT', `/credentials/${credential.id}/tokens`, {
    realmId,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    accessTokenExpiresAt: new Date(now + tokens.expires_in * 1000).toISOString(),
    refreshTokenExpiresAt: new Date(now + tokens.x_refresh_token_expires_in * 1000).toISOString(),
  });
  const integration = await call<{ id: string }>('POST', '/integrations', {
    name: `Demo ${realmId}`,
    destination: 'QuickBooks',
    credentialId: credential.id,
    sortLineItemsBy: 'SUBTOTAL',
  });
  await call('PUT', '/reference/accounts/acct-demo', {
    id: 'acct-demo',
    code: 'DEMO',
    name: 'Demo Customer Ltd',
    emailAddress: 'ap@demo-customer.example',
    address: { addressLine1: '1 Demo Street', locality: 'Springfield', country: 'US' },
  });
  const billId = `bill-demo-${randomUUID().slice(0, 8)}`;
  const bill = {
    id: billId,
    accountId: 'acct-demo',
    billDate: '2026-11-01',
    dueDate: '2026-12-01',
    startDate: '2026-10-01',
    endDate: '2026-11-01',
    currency: 'USD',
    status: 'APPROVED',
    version: 1,
    lineItems: [
      { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 250 },
      {
        description: 'API calls',
        lineItemType: 'USAGE',
        quantity: 123456,
        units: 123456,
        subtotal: 617.28,
        averageUnitPrice: 0.005,
      },
      { description: 'Launch credit', lineItemType: 'CREDIT_MEMO', quantity: 1, subtotal: -50 },
    ],
  };
  const body = JSON.stringify({
    id: randomUUID(),
    eventName: 'billing.bill.updated',
    m3terEvent: { eventData: { newDto: bill } },
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const webhookKey = process.env.M3TER_WEBHOOK_API_KEY ?? 'demo';
  const res = await fetch(`${api}/webhooks/m3ter`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-m3ter-apikey': webhookKey,
      'x-m3ter-timestamp': String(timestamp),
      'x-m3ter-signature': signWebhook(process.env.M3TER_WEBHOOK_SECRET ?? secret('m3ter-webhook.secret'), {
        path: '/webhooks/m3ter',
        apiKey: webhookKey,
        timestamp,
        body,
      }),
    },
    body,
  });
  console.log(`webhook: ${res.status} ${await res.text()}`);

  for (let i = 0; i < 60; i++) {
    const { data } = await call<{
      data: Array<{
        status: string;
        externalId: string | null;
        url: string | null;
        temporalUrl: string | null;
      }>;
    }>('GET', `/integration-runs?integrationId=${integration.id}&billId=${billId}`);
    const run = data[0];
    if (run && !['STARTED', 'AWAITING_RETRY', 'RATE_LIMIT_RETRY', 'WAITING'].includes(run.status)) {
      console.log(`run: ${run.status}, QuickBooks document ${run.externalId ?? '-'}`);
      if (run.temporalUrl) console.log(`workflow: ${run.temporalUrl}`);
      const docs = await emulator.documents(realmId);
      console.log(JSON.stringify(docs.Invoice, null, 2));
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the bill did not sync within 30 s');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
