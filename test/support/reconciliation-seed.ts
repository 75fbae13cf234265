import type { Bill as EmulatedBill } from '../../emulators/m3ter/types';
import { markSynced } from '../../src/db/repositories/bill-documents.repository';
import { QuickBooksClient } from '../../src/quickbooks/client';
import { QuickBooksConnector } from '../../src/quickbooks/connector';
import { PgRateGovernor } from '../../src/quickbooks/rate-governor';
import type { SyncHarness } from './sync-harness';

/** What runReconciliation needs, on the harness's database, emulators and credentials. */
export function reconciliationDeps(h: SyncHarness) {
  return {
    db: h.database.db,
    m3ter: h.m3terClient,
    reference: h.reference,
    connector: new QuickBooksConnector({
      db: h.database.db,
      secretBox: h.secretBox,
      endpoints: h.endpoints,
      governor: new PgRateGovernor(h.database.db),
      ...h.connectorOptions,
    }),
  };
}

/**
 * `count` approved bills in m3ter (dated 2026-10-01) over `accounts` new accounts of one integration, each with
 * its invoice in QuickBooks and the link recorded — as syncs would have left them, without a workflow each.
 */
export async function seedLinkedBills(
  h: SyncHarness,
  options: { prefix: string; count: number; accounts: number },
): Promise<{ integrationId: string; realmId: string; bills: EmulatedBill[] }> {
  const org = h.m3ter.defaultOrgId;
  const accounts = Array.from({ length: options.accounts }, (_, a) => `${options.prefix}-${a}`);
  for (const id of accounts)
    h.m3ter.control.createAccount(org, { id, code: id.toUpperCase(), name: `Many ${id}`, currency: 'USD' });
  const { id: integrationId, realmId } = await h.createIntegration({ accountIds: accounts });
  const client = new QuickBooksClient({
    realmId,
    accessToken: h.emulator.control.mintTokens(realmId).access_token,
    apiBaseUrl: h.emulator.v3BaseUrl,
  });
  const customers = new Map<string, string>();
  for (const a of accounts)
    customers.set(a, (await client.createCustomer({ DisplayName: `Many ${a}` }, { requestId: `c-${a}` })).Id);
  const bills: EmulatedBill[] = [];
  for (let n = 0; n < options.count; n++) {
    const accountId = accounts[n % accounts.length]!;
    const b = h.m3ter.control.createBill(org, {
      accountId,
      billDate: '2026-10-01',
      currency: 'USD',
      status: 'APPROVED',
      lineItems: [
        { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 99 + n },
      ],
    });
    bills.push(b);
    const customerId = customers.get(accountId)!;
    const doc = await client.createDocument(
      {
        type: 'Invoice',
        payload: {
          CustomerRef: { value: customerId },
          TxnDate: '2026-10-01',
          PrivateNote: `[m3ter-bill:${b.id}]`,
          AllowOnlineACHPayment: false,
          AllowOnlineCreditCardPayment: false,
          Line: [
            {
              DetailType: 'SalesItemLineDetail',
              Amount: 99 + n,
              Description: 'Platform fee',
              SalesItemLineDetail: { Qty: 1, UnitPrice: 99 + n },
            },
          ],
        },
      },
      { requestId: `${options.prefix}-${n}` },
    );
    await markSynced(h.database.db, {
      integrationId,
      billId: b.id,
      documentType: 'Invoice',
      generation: 1,
      customerId,
      externalId: doc.Id,
      syncToken: doc.SyncToken,
      payloadHash: 'h',
    });
  }
  return { integrationId, realmId, bills };
}
