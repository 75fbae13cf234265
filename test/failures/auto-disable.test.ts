import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Bill } from '../../src/domain/m3ter';
import { sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import {
  getIntegrationApi,
  getRunApi,
  invoicesOf,
  invoicesOfBill,
  listEventsApi,
  listRunsApi,
  mailWithSubject,
  mapAccount,
  newAccount,
  putUser,
  scopedIntegration,
  seededCustomer,
  type IntegrationBody,
} from './helpers';

interface ReplayResponse {
  replayed: number;
  runs: Array<{ replayedFromRunId: string; billId: string; workflowId: string }>;
}

/** `iso` written with a +02:00 offset (the same instant). */
function withOffset(iso: string): string {
  const d = new Date(Date.parse(iso) + 2 * 3600_000);
  return `${d.toISOString().slice(0, 23)}+02:00`;
}

/**
 * Auto-disable (spec §7) and replay (§8), end to end: failures in a row disable the integration once, with
 * one e-mail per notification user over real SMTP; bills that arrive meanwhile become DISABLED runs; after
 * the cause is fixed and the integration enabled again, a bulk replay completes every bill exactly once.
 */
describe('failures: auto-disable, notification e-mail and bulk replay', function () {
  this.timeout(90_000);
  let h: SyncHarness;

  before(async () => {
    h = await startSyncHarness();
  });
  after(async () => h?.stop());

  const sync = async (integrationId: string, bill: Bill) => {
    await h.sendWebhook(h.billEvent(bill));
    return h.waitForSync(integrationId, bill.id);
  };

  it('a success resets the count: only N failures in a row disable', async () => {
    const [mapped, unmapped] = await Promise.all([newAccount(h), newAccount(h)]);
    const { id: integrationId, realmId } = await scopedIntegration(h, [mapped.id, unmapped.id], {
      useExternalMappingAccountCode: true,
      autoDisableAfterConsecutiveFailures: 3,
    });
    await mapAccount(h, mapped.id, seededCustomer(h, realmId).Id, integrationId);
    const failing = () => sync(integrationId, sampleBill({ accountId: unmapped.id }));
    const state = async () => {
      const i = await getIntegrationApi(h, integrationId);
      return [i.enabled, i.consecutiveFailures];
    };

    assert.equal((await failing()).status, 'ERROR');
    assert.equal((await failing()).status, 'ERROR');
    assert.deepEqual(await state(), [true, 2]);
    assert.equal((await sync(integrationId, sampleBill({ accountId: mapped.id }))).status, 'COMPLETE');
    assert.deepEqual(await state(), [true, 0]);
    assert.equal((await failing()).status, 'ERROR');
    assert.equal((await failing()).status, 'ERROR');
    assert.deepEqual(await state(), [true, 2]);
    assert.equal((await failing()).status, 'ERROR');
    assert.deepEqual(await state(), [false, 3]);
    assert.equal(
      (await listEventsApi(h, { integrationId, eventType: 'integration.disabled.error' })).length,
      1,
    );
  });

  describe('N failures at once, then fix, enable and replay', () => {
    const suffix = randomUUID().slice(0, 8);
    const users = [
      { id: `ops-${suffix}-1`, name: 'Olive Ops', email: `olive.${suffix}@seller.example` },
      { id: `ops-${suffix}-2`, name: 'Fred Finance', email: `fred.${suffix}@seller.example` },
    ];
    let integration: { id: string; realmId: string };
    let accountId: string;
    let accountName: string;
    let failedBills: Bill[];
    let disabledBills: Bill[];
    let beforeFailures: string;

    before(async () => {
      for (const u of users) await putUser(h, u.id, u.name, u.email);
      const account = await newAccount(h);
      accountId = account.id;
      accountName = account.name;
      integration = await scopedIntegration(h, [account.id], {
        name: `US company ${suffix}`,
        useExternalMappingAccountCode: true,
        autoDisableAfterConsecutiveFailures: 3,
        integrationDisabledNotificationUserIds: users.map((u) => u.id),
      });
    });

    it('five bills failing at once disable the integration once, record one integration.disabled.error and e-mail each user exactly once', async () => {
      beforeFailures = new Date().toISOString();
      // QuickBooks answers slowly, so all five syncs are past the eligibility check before the first fails.
      h.emulator.control.setFaults({ latencyMs: 700 }, integration.realmId);
      failedBills = Array.from({ length: 5 }, () => sampleBill({ accountId }));
      await Promise.all(failedBills.map((bill) => h.sendWebhook(h.billEvent(bill))));
      const results = await Promise.all(failedBills.map((bill) => h.waitForSync(integration.id, bill.id)));
      h.emulator.control.setFaults({}, integration.realmId);
      assert.deepEqual(
        results.map((r) => r.status),
        ['ERROR', 'ERROR', 'ERROR', 'ERROR', 'ERROR'],
      );

      const state: IntegrationBody = await getIntegrationApi(h, integration.id);
      assert.equal(state.enabled, false);
      assert.ok(state.disabledAt);
      assert.match(
        state.disabledReason ?? '',
        new RegExp(
          `^3 syncs failed in a row; the last: No QuickBooks customer is mapped to m3ter account ${accountId}`,
        ),
      );
      assert.equal(state.consecutiveFailures, 5, 'each failed run counted once');
      const runs = await h.runs({ integrationId: integration.id });
      assert.equal(runs.length, 5);
      assert.ok(runs.every((r) => r.countedAsFailure && r.status === 'ERROR'));

      const disabledEvents = await listEventsApi(h, {
        integrationId: integration.id,
        eventType: 'integration.disabled.error',
      });
      assert.equal(disabledEvents.length, 1);
      const [disabled] = disabledEvents;
      const disabler = runs.find((r) => r.id === disabled!.runId);
      assert.ok(disabler, 'the event names the failed run that disabled the integration');
      assert.equal(disabled!.billId, disabler.billId);
      assert.equal(
        disabled!.message,
        `Integration "US company ${suffix}" was disabled automatically: ${state.disabledReason}. Fix the cause, enable it again and replay the failed runs.`,
      );
      assert.equal(disabled!.details.consecutiveFailures, 3);
      assert.equal(
        (
          await listEventsApi(h, {
            integrationId: integration.id,
            eventType: 'integration.missingaccountmapping.error',
          })
        ).length,
        5,
      );

      const mails = mailWithSubject(h, `QuickBooks integration "US company ${suffix}" was disabled`);
      assert.deepEqual(mails.map((m) => m.to).sort(), users.map((u) => [u.email]).sort());
      for (const mail of mails) {
        const text = mail.text;
        assert.match(
          text,
          new RegExp(
            `^The QuickBooks integration "US company ${suffix}" \\(${integration.id}\\) was disabled automatically at `,
          ),
        );
        assert.ok(text.includes(`Why: ${state.disabledReason}`), text);
        const errorLines = text.split(/\r?\n/).filter((l) => l.startsWith('  - bill '));
        assert.equal(errorLines.length, 3, text);
        for (const l of errorLines) {
          assert.ok(
            failedBills.some((b) =>
              l.startsWith(
                `  - bill ${b.id}: ERROR: No QuickBooks customer is mapped to m3ter account ${accountId} (${accountName})`,
              ),
            ),
            l,
          );
        }
        assert.ok(
          text.includes('bills are recorded as DISABLED runs and nothing is sent to QuickBooks'),
          text,
        );
        assert.ok(text.includes(`${h.api.baseUrl}/integrations/${integration.id}/enable`), text);
        assert.ok(
          text.includes(
            `-d '{"statuses":["ERROR","AUTH_FAILED","TIMEOUT_LIMIT_EXCEEDED","DISABLED"]}' ${h.api.baseUrl}/integrations/${integration.id}/replay`,
          ),
          text,
        );
      }
    });

    it('records bills that arrive while disabled as DISABLED runs and sends nothing', async () => {
      h.emulator.control.resetCounters();
      disabledBills = [sampleBill({ accountId }), sampleBill({ accountId })];
      for (const bill of disabledBills) {
        const result = await sync(integration.id, bill);
        assert.equal(result.status, 'DISABLED');
        const run = await getRunApi(h, result.runId);
        assert.match(run.message ?? '', /^the integration is disabled: 3 syncs failed in a row/);
        assert.equal(run.error, null);
      }
      assert.equal(h.emulator.control.counters().byRealm[integration.realmId] ?? 0, 0, 'no QuickBooks call');
      assert.equal(invoicesOf(h, integration.realmId).length, 0);
      const state = await getIntegrationApi(h, integration.id);
      assert.equal(state.consecutiveFailures, 5, 'DISABLED runs do not count');
      assert.equal(
        mailWithSubject(h, `QuickBooks integration "US company ${suffix}" was disabled`).length,
        2,
        'no more e-mail',
      );
    });

    it('after mapping the account and enabling again, bulk replay brings every failed and disabled bill to COMPLETE with one invoice each', async () => {
      const customer = seededCustomer(h, integration.realmId, 'Cool Cars');
      await mapAccount(h, accountId, customer.Id);
      const enabled = await h.api.request<IntegrationBody>('POST', `/integrations/${integration.id}/enable`);
      assert.equal(enabled.status, 200, enabled.text);
      assert.deepEqual(
        [enabled.body.enabled, enabled.body.disabledReason, enabled.body.consecutiveFailures],
        [true, null, 0],
      );

      const latestRunOf = new Map<string, string>();
      for (const bill of [...failedBills, ...disabledBills])
        latestRunOf.set(bill.id, (await h.runs({ integrationId: integration.id, billId: bill.id }))[0]!.id);

      // A window that ends before the failures picks nothing (the bound given with another offset).
      const none = await h.api.request<ReplayResponse>('POST', `/integrations/${integration.id}/replay`, {
        to: withOffset(beforeFailures),
      });
      assert.equal(none.status, 202, none.text);
      assert.equal(none.body.replayed, 0);

      // First the disabled ones only, then the rest (default statuses: the failures and DISABLED).
      const disabledOnly = await h.api.request<ReplayResponse>(
        'POST',
        `/integrations/${integration.id}/replay`,
        { statuses: ['DISABLED'], from: withOffset(beforeFailures) },
      );
      assert.equal(disabledOnly.status, 202, disabledOnly.text);
      assert.deepEqual(
        disabledOnly.body.runs.map((r) => r.billId).sort(),
        disabledBills.map((b) => b.id).sort(),
      );
      await Promise.all(disabledBills.map((b) => h.waitForSync(integration.id, b.id)));
      const rest = await h.api.request<ReplayResponse>('POST', `/integrations/${integration.id}/replay`, {});
      assert.equal(rest.status, 202, rest.text);
      assert.deepEqual(rest.body.runs.map((r) => r.billId).sort(), failedBills.map((b) => b.id).sort());
      for (const r of [...disabledOnly.body.runs, ...rest.body.runs]) {
        assert.equal(r.replayedFromRunId, latestRunOf.get(r.billId));
        assert.equal(r.workflowId, `bill-sync/${integration.id}/${r.billId}`);
      }
      const results = await Promise.all(failedBills.map((b) => h.waitForSync(integration.id, b.id)));
      assert.ok(results.every((r) => r.status === 'COMPLETE'));

      const all = [...failedBills, ...disabledBills];
      assert.equal(invoicesOf(h, integration.realmId).length, all.length);
      for (const bill of all) {
        const docs = invoicesOfBill(h, integration.realmId, bill.id);
        assert.equal(docs.length, 1, `one invoice for ${bill.id}`);
        assert.equal((docs[0]!.CustomerRef as { value: string }).value, customer.Id);
        const [latest, previous, ...older] = await h.runs({ integrationId: integration.id, billId: bill.id });
        assert.equal(older.length, 0);
        assert.equal(latest!.status, 'COMPLETE');
        assert.equal(latest!.trigger, 'replay');
        assert.equal(latest!.replayedFromRunId, previous!.id);
        assert.equal(latest!.externalId, docs[0]!.Id);
        assert.equal(previous!.status, disabledBills.includes(bill) ? 'DISABLED' : 'ERROR');
      }
      const state = await getIntegrationApi(h, integration.id);
      assert.deepEqual([state.enabled, state.consecutiveFailures], [true, 0]);

      // Nothing left to replay; and no second e-mail for the same disablement.
      const again = await h.api.request<ReplayResponse>('POST', `/integrations/${integration.id}/replay`, {});
      assert.equal(again.body.replayed, 0);
      assert.equal(
        mailWithSubject(h, `QuickBooks integration "US company ${suffix}" was disabled`).length,
        2,
      );
    });

    it('lists the runs with filters: integration, bill, status (one or several) and a time window', async () => {
      const q = (query: Record<string, string>) =>
        listRunsApi(h, { integrationId: integration.id, ...query });
      const all = await q({});
      assert.equal(all.length, 5 + 2 + 7, 'five failed, two disabled, seven replays');
      assert.ok(
        all.every((r, i) => i === 0 || all[i - 1]!.startedAt >= r.startedAt),
        'newest first',
      );
      assert.equal((await q({ status: 'DISABLED' })).length, 2);
      assert.equal((await q({ status: 'ERROR,DISABLED' })).length, 7);
      assert.equal((await q({ status: 'COMPLETE' })).length, 7);
      const bill = failedBills[0]!.id;
      assert.deepEqual(
        (await q({ billId: bill })).map((r) => [r.billId, r.status, r.trigger]),
        [
          [bill, 'COMPLETE', 'replay'],
          [bill, 'ERROR', 'webhook'],
        ],
      );
      assert.equal((await q({ from: withOffset(beforeFailures) })).length, 14);
      assert.equal((await q({ to: withOffset(beforeFailures) })).length, 0);
      assert.equal((await q({ limit: '3' })).length, 3);
      assert.equal((await h.api.request('GET', `/integration-runs?status=BROKEN`)).status, 400);
    });
  });

  it('rejects a replay window that is not a date-time with 400', async () => {
    const account = await newAccount(h);
    const { id } = await scopedIntegration(h, [account.id]);
    const bad = await h.api.request('POST', `/integrations/${id}/replay`, { from: 'yesterday' });
    assert.equal(bad.status, 400, bad.text);
    const badList = await h.api.request('GET', `/integration-runs?integrationId=${id}&from=yesterday`);
    assert.equal(badList.status, 400, badList.text);
    const badEvents = await h.api.request('GET', `/integration-events?integrationId=${id}&to=soon`);
    assert.equal(badEvents.status, 400, badEvents.text);
    assert.equal((await h.api.request('POST', `/integrations/${randomUUID()}/replay`, {})).status, 404);
    assert.equal((await h.api.request('POST', `/integration-runs/${randomUUID()}/replay`)).status, 404);
  });
});
