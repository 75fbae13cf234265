/**
 * Shows the whole flow locally, against a running `npm start` (with the bundled QuickBooks emulator): a
 * credential connected through the QuickBooks connect flow (the emulator's consent page approves at once),
 * an integration scoped to a new account of its own, and a signed bill webhook; then waits for the invoice and
 * prints the run, its workflow in the Temporal Web UI, the replay command and the invoice.
 *
 *   npm start            # in one terminal
 *   npm run demo         # in another (run it as often as you like: each run is its own account)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EmulatorControlClient } from '../emulators/quickbooks/control-client';
import { signWebhook } from '../src/api/webhook-signature';

const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
const api = process.env.API_URL || 'http://127.0.0.1:3000';
const emulatorUrl = process.env.EMULATOR_URL || 'http://127.0.0.1:4010';
const secret = (name: string) => readFileSync(path.join(dataDir, 'secrets', name), 'utf8').trim();
const apiKey = process.env.ADMIN_API_KEY || secret('admin-api.key');

async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${api}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      accept: 'application/json',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Run {
  id: string;
  status: string;
  externalId: string | null;
  temporalUrl: string | null;
}

async function main(): Promise<void> {
  const demo = randomUUID().slice(0, 8);
  const emulator = new EmulatorControlClient(emulatorUrl);
  const { realmId } = await emulator.createRealm();

  // Connect QuickBooks as an operator would: the API's connect link → Intuit's consent page (here the
  // emulator, which approves at once and names the company) → back to the API's callback.
  const credential = await call<{ id: string }>('POST', '/credentials', {
    name: `Demo company ${realmId}`,
    destination: 'QuickBooks',
  });
  const { authorizeUrl } = await call<{ authorizeUrl: string }>(
    'GET',
    `/credentials/${credential.id}/connect`,
  );
  const consent = new URL(authorizeUrl);
  consent.searchParams.set('realmId', realmId);
  const callback = await fetch(consent, { redirect: 'follow' });
  if (!callback.ok) throw new Error(`connect flow: ${callback.status} ${await callback.text()}`);
  console.log(
    `credential ${credential.id}: ${(await call<{ status: string }>('GET', `/credentials/${credential.id}`)).status}`,
  );

  const accountId = `acct-demo-${demo}`;
  await call('PUT', `/reference/accounts/${accountId}`, {
    id: accountId,
    code: `DEMO-${demo}`,
    name: `Demo Customer ${demo} Ltd`,
    emailAddress: 'ap@demo-customer.example',
    address: { addressLine1: '1 Demo Street', locality: 'Springfield', country: 'US' },
  });
  // Scoped to this demo's account, so a second demo's bill does not reach this integration too.
  const integration = await call<{ id: string }>('POST', '/integrations', {
    name: `Demo ${demo}`,
    destination: 'QuickBooks',
    credentialId: credential.id,
    accountIds: [accountId],
    sortLineItemsBy: 'SUBTOTAL',
  });
  const billId = `bill-demo-${demo}`;
  const bill = {
    id: billId,
    accountId,
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
  const webhookKey = process.env.M3TER_WEBHOOK_API_KEY || 'demo';
  const res = await fetch(`${api}/webhooks/m3ter`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-m3ter-apikey': webhookKey,
      'x-m3ter-timestamp': String(timestamp),
      'x-m3ter-signature': signWebhook(process.env.M3TER_WEBHOOK_SECRET || secret('m3ter-webhook.secret'), {
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
    const { data } = await call<{ data: Run[] }>(
      'GET',
      `/integration-runs?integrationId=${integration.id}&billId=${billId}`,
    );
    const run = data[0];
    if (run && !['STARTED', 'AWAITING_RETRY', 'RATE_LIMIT_RETRY', 'WAITING'].includes(run.status)) {
      console.log(`run ${run.id}: ${run.status}, QuickBooks document ${run.externalId ?? '-'}`);
      if (run.temporalUrl) console.log(`workflow: ${run.temporalUrl}`);
      console.log(`replay it: npm run replay -- --run ${run.id}`);
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
