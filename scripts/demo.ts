/**
 * Shows the whole flow locally, against a running `npm start` (with the bundled QuickBooks and m3ter
 * emulators): a credential connected through the QuickBooks connect flow (the emulator's consent page
 * approves at once), an account in "m3ter" and an integration scoped to it that sends bills on approval; then
 * a bill generated in "m3ter" (a run SKIPPED: awaiting approval) and approved (m3ter's webhooks tell the
 * service, which reads the bill from m3ter's API), and the invoice in "QuickBooks": prints the runs, the
 * workflow in the Temporal Web UI, the replay command and the invoice.
 *
 *   npm start            # in one terminal
 *   npm run demo         # in another (run it as often as you like: each run is its own account)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { M3terEmulatorControlClient } from '../emulators/m3ter/control-client';
import { EmulatorControlClient } from '../emulators/quickbooks/control-client';

const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
const api = process.env.API_URL || 'http://127.0.0.1:3000';
const emulatorUrl = process.env.EMULATOR_URL || 'http://127.0.0.1:4010';
const m3terUrl = process.env.M3TER_EMULATOR_URL || 'http://127.0.0.1:4020';
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
  message: string | null;
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

  // In "m3ter" (the bundled emulator): an account of its own for this demo.
  const m3ter = new M3terEmulatorControlClient(m3terUrl);
  const [org] = await m3ter.organizations();
  if (!org) throw new Error(`the m3ter emulator at ${m3terUrl} has no organization`);
  const account = await m3ter.createAccount(org.orgId, {
    code: `DEMO-${demo}`,
    name: `Demo Customer ${demo} Ltd`,
    emailAddress: 'ap@demo-customer.example',
    address: { addressLine1: '1 Demo Street', locality: 'Springfield', country: 'US' },
  });
  // Scoped to this demo's account (so a second demo's bill does not reach it); sent once approved.
  const integration = await call<{ id: string }>('POST', '/integrations', {
    name: `Demo ${demo}`,
    destination: 'QuickBooks',
    credentialId: credential.id,
    accountIds: [account.id],
    onlySendBillOnApproval: true,
    sortLineItemsBy: 'SUBTOTAL',
  });
  console.log(`integration ${integration.id} for m3ter account ${account.id} (${account.name})`);

  // A bill run in m3ter: the bill is generated PENDING; m3ter's webhook tells the service, which reads the bill
  // from m3ter's API and waits for the approval.
  const bill = await m3ter.generateBill(org.orgId, {
    accountId: account.id,
    billDate: '2026-11-01',
    dueDate: '2026-12-01',
    startDate: '2026-10-01',
    endDate: '2026-11-01',
    currency: 'USD',
    lineItems: [
      { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 250 },
      { description: 'API calls', lineItemType: 'USAGE', quantity: 123456, units: 123456, subtotal: 617.28 },
      { description: 'Launch credit', lineItemType: 'CREDIT_MEMO', quantity: 1, subtotal: -50 },
    ],
  });
  const billId = bill.id;
  const pending = await settledRun(integration.id, billId);
  console.log(
    `bill ${billId} generated in m3ter (PENDING): run ${pending.id} ${pending.status} — ${pending.message ?? ''}`,
  );
  await m3ter.approveBill(org.orgId, billId);
  console.log(`bill ${billId} approved in m3ter`);

  const run = await settledRun(integration.id, billId, pending.id);
  console.log(`run ${run.id}: ${run.status}, QuickBooks document ${run.externalId ?? '-'}`);
  if (run.temporalUrl) console.log(`workflow: ${run.temporalUrl}`);
  console.log(`replay it: npm run replay -- --run ${run.id}`);
  const docs = await emulator.documents(realmId);
  console.log(JSON.stringify(docs.Invoice, null, 2));
}

/** The bill's newest run once it has ended (and is not `after`). */
async function settledRun(integrationId: string, billId: string, after?: string): Promise<Run> {
  for (let i = 0; i < 60; i++) {
    const { data } = await call<{ data: Run[] }>(
      'GET',
      `/integration-runs?integrationId=${integrationId}&billId=${encodeURIComponent(billId)}`,
    );
    const run = data[0];
    if (
      run &&
      run.id !== after &&
      !['STARTED', 'AWAITING_RETRY', 'RATE_LIMIT_RETRY', 'WAITING'].includes(run.status)
    )
      return run;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`bill ${billId} did not sync within 30 s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
