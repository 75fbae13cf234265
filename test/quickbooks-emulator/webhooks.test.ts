import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorControlClient, EmulatorControlError } from '../../emulators/quickbooks/control-client';
import { intuitSignature } from '../../emulators/quickbooks/webhooks';
import { connect, line, ok, useEmulator } from './helpers';

interface Received {
  signature: string | undefined;
  body: string;
}

/** A loopback endpoint that answers the statuses given, in turn (then 200), and keeps what it received. */
async function endpoint(statuses: number[] = []): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        signature: req.headers['intuit-signature'] as string | undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('QBO emulator: webhook delivery', () => {
  const emulator = useEmulator();
  const TOKEN = 'verifier-token-for-the-emulator';

  it('gathers changes over the window into one signed body, one entry per realm, and retries a non-2xx', async () => {
    const em = emulator();
    const control = new EmulatorControlClient(em.url);
    const hook = await endpoint([500, 503]);
    try {
      const settings = await control.setWebhook({
        url: hook.url,
        verifierToken: TOKEN,
        batchWindowMs: 1000,
        retryDelayMs: 30,
      });
      assert.deepEqual(settings, {
        url: hook.url,
        batchWindowMs: 1000,
        maxAttempts: 5,
        retryDelayMs: 30,
        entities: ['Invoice', 'CreditMemo', 'Customer'],
        verifierTokenSet: true,
      });
      assert.deepEqual(await control.webhook(), settings);
      const a = (await control.createRealm('555000201')).realmId;
      const b = (await control.createRealm('555000202')).realmId;
      const qa = connect(em, a, (await control.mintTokens(a)).access_token);
      const qb = connect(em, b, (await control.mintTokens(b)).access_token);
      const inv = await ok((cb) => qa.createInvoice({ CustomerRef: { value: '1' }, Line: [line(40)] }, cb));
      const updated = await ok((cb) =>
        qa.updateInvoice(
          { Id: String(inv.Id), SyncToken: String(inv.SyncToken), sparse: true, PrivateNote: 'x' },
          cb,
        ),
      );
      await control.editDocument(a, 'Invoice', String(inv.Id), { lineAmounts: [41] });
      await control.applyPayment(a, 'Invoice', String(inv.Id), 1);
      const memo = await ok((cb) =>
        qb.createCreditMemo({ CustomerRef: { value: '2' }, Line: [line(5)] }, cb),
      );
      await control.voidDocument(b, 'CreditMemo', String(memo.Id));
      const customer = await ok((cb) => qb.createCustomer({ DisplayName: 'Hooked' }, cb));
      await ok((cb) => qb.createItem({ Name: 'Not delivered' }, cb)); // items are not subscribed
      const gone = await ok((cb) => qb.createInvoice({ CustomerRef: { value: '3' }, Line: [line(7)] }, cb));
      await control.deleteDocument(b, 'Invoice', String(gone.Id));

      await until(() => hook.received.length === 3, 'a delivery and its two retries');
      const [first, ...retries] = hook.received;
      assert.ok(retries.every((r) => r.body === first!.body && r.signature === first!.signature));
      assert.equal(first!.signature, intuitSignature(TOKEN, first!.body));
      const body = JSON.parse(first!.body) as {
        eventNotifications: Array<{
          realmId: string;
          dataChangeEvent: {
            entities: Array<{ name: string; id: string; operation: string; lastUpdated: string }>;
          };
        }>;
      };
      const summary = body.eventNotifications.map((n) => [
        n.realmId,
        n.dataChangeEvent.entities.map((e) => `${e.operation} ${e.name} ${e.id}`),
      ]);
      assert.deepEqual(summary, [
        [
          a,
          [
            `Create Invoice ${inv.Id}`,
            `Update Invoice ${inv.Id}`,
            `Update Invoice ${inv.Id}`,
            `Update Invoice ${inv.Id}`,
          ],
        ],
        [
          b,
          [
            `Create CreditMemo ${memo.Id}`,
            `Void CreditMemo ${memo.Id}`,
            `Create Customer ${customer.Id}`,
            `Create Invoice ${gone.Id}`,
            `Delete Invoice ${gone.Id}`,
          ],
        ],
      ]);
      const updateTime = body.eventNotifications[0]!.dataChangeEvent.entities[1]!.lastUpdated;
      assert.equal(updateTime, (updated.MetaData as { LastUpdatedTime: string }).LastUpdatedTime);
      const attempts = await control.webhookAttempts();
      assert.deepEqual(
        attempts.map((t) => [t.delivery, t.attempt, t.status, t.entities]),
        [
          [1, 1, 500, 9],
          [1, 2, 503, 9],
          [1, 3, 200, 9],
        ],
      );

      // After the window nothing more is pending; a new change is its own delivery, sent at once on flush.
      await control.editDocument(a, 'Invoice', String(inv.Id), { privateNote: 'again' });
      const flushed = await control.flushWebhooks();
      assert.deepEqual([flushed?.delivery, flushed?.status, flushed?.entities], [2, 200, 1]);
      assert.equal(await control.flushWebhooks(), null);

      await control.clearWebhook();
      assert.equal(await control.webhook(), null);
      await control.editDocument(a, 'Invoice', String(inv.Id), { privateNote: 'unheard' });
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(hook.received.length, 4);
    } finally {
      await hook.close();
    }
  });

  it('stops retrying after maxAttempts and refuses an endpoint that is not loopback', async () => {
    const em = emulator();
    const control = new EmulatorControlClient(em.url);
    const hook = await endpoint([500, 500, 500]);
    try {
      await control.setWebhook({ url: hook.url, verifierToken: TOKEN, maxAttempts: 2, retryDelayMs: 10 });
      await control.editDocument(em.defaultRealmId, 'Invoice', String(await firstInvoice(em)), {
        privateNote: 'n',
      });
      await control.flushWebhooks();
      await until(() => hook.received.length === 2, 'two attempts');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(hook.received.length, 2);
      await assert.rejects(
        control.setWebhook({ url: 'http://example.com/hook', verifierToken: TOKEN }),
        (err: unknown) => err instanceof EmulatorControlError && /loopback/.test(err.message),
      );
    } finally {
      await hook.close();
    }
  });

  async function firstInvoice(em: ReturnType<typeof emulator>): Promise<string> {
    const qbo = connect(em, em.defaultRealmId, em.control.mintTokens(em.defaultRealmId).access_token);
    const inv = await ok((cb) => qbo.createInvoice({ CustomerRef: { value: '1' }, Line: [line(3)] }, cb));
    return String(inv.Id);
  }
});
