import assert from 'node:assert/strict';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { JsonObject } from '../../emulators/quickbooks/json';
import type { IntegrationRun } from '../../src/db/repositories/runs.repository';
import { startSyncHarness, WEBHOOK_API_KEY, WEBHOOK_SECRET, type SyncHarness } from '../support/sync-harness';

type Doc = JsonObject & { Id: string; TotalAmt: number; SyncToken: string; PrivateNote?: string };

interface SweepBody {
  scheduleId: string;
  intervalMinutes: number;
  paused: boolean;
  nextRunAt: string | null;
  recent: Array<{ listed: number; requested: number; requestedBillIds: string[] }>;
}

/**
 * The missed-webhook sweep on a real Temporal Schedule: m3ter (the emulator) delivers its webhooks to the
 * service for real, some are lost on the way, and the sweep finds the bills no run has seen.
 */
describe('missed-webhook sweep (Temporal Schedule per integration)', function () {
  this.timeout(180_000);
  let h: SyncHarness;
  const org = () => h.m3ter.defaultOrgId;

  before(async () => {
    h = await startSyncHarness();
    h.m3ter.control.subscribe(org(), {
      url: `${h.api.baseUrl}/webhooks/m3ter`,
      apiKey: WEBHOOK_API_KEY,
      secret: WEBHOOK_SECRET,
    });
  });
  after(async () => h?.stop());

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const completeRun = (integrationId: string, billId: string, version: number) =>
    until(`a COMPLETE run of ${billId} v${version}`, async () =>
      (await h.runs({ integrationId, billId })).find(
        (r: IntegrationRun) => r.status === 'COMPLETE' && r.billVersion === version,
      ),
    );
  const sweep = async (integrationId: string) =>
    (await h.api.request<SweepBody>('GET', `/integrations/${integrationId}/sweep`)).body;

  it('gives each integration a schedule (every 15 minutes), changed and paused through the API, gone with it', async () => {
    const { id: integrationId } = await h.createIntegration();
    const schedule = h.temporal.schedule.getHandle(`sweep/${integrationId}`);
    const described = await schedule.describe();
    assert.equal(described.spec.intervals?.[0]?.every, 15 * 60_000);
    assert.equal(described.state.paused, false);
    assert.equal(described.action.type, 'startWorkflow');

    const state = await sweep(integrationId);
    assert.equal(state.scheduleId, `sweep/${integrationId}`);
    assert.equal(state.intervalMinutes, 15);
    assert.equal(state.paused, false);
    assert.ok(state.nextRunAt && Date.parse(state.nextRunAt) > Date.now());

    const changed = await h.api.request<SweepBody>('PUT', `/integrations/${integrationId}/sweep`, {
      intervalMinutes: 5,
      paused: true,
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.intervalMinutes, 5);
    assert.equal(changed.body.paused, true);
    assert.equal(changed.body.nextRunAt, null);
    assert.equal((await schedule.describe()).spec.intervals?.[0]?.every, 5 * 60_000);

    const bad = await h.api.request<{ error: { details: { issues: Array<{ field: string }> } } }>(
      'PUT',
      `/integrations/${integrationId}/sweep`,
      { intervalMinutes: 0 },
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.issues[0]?.field, 'intervalMinutes');

    const current = await h.api.request<{ version: number }>('GET', `/integrations/${integrationId}`);
    const deleted = await h.api.request(
      'DELETE',
      `/integrations/${integrationId}?version=${current.body.version}`,
    );
    assert.equal(deleted.status, 204, deleted.text);
    await assert.rejects(schedule.describe(), ScheduleNotFoundError);
  });

  it('syncs a bill whose webhook was lost, and a recalculation whose webhook was lost, within one sweep', async () => {
    h.m3ter.control.createAccount(org(), {
      id: 'sweep-acct',
      code: 'SWEEP',
      name: 'Sweep Ltd',
      currency: 'USD',
    });
    const { id: integrationId, realmId } = await h.createIntegration({
      accountIds: ['sweep-acct'],
      onlySendBillOnApproval: true,
    });
    // Only the sweeps triggered below run: a scheduled one (every 15 minutes on the clock) could take a bill first.
    const paused = await h.api.request('PUT', `/integrations/${integrationId}/sweep`, { paused: true });
    assert.equal(paused.status, 200, paused.text);
    const lineItems = [{ description: 'Fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 120.5 }];

    // Delivered: generated (PENDING → SKIPPED), approved (→ an invoice).
    const delivered = h.m3ter.control.generateBill(org(), {
      accountId: 'sweep-acct',
      billDate: '2026-11-01',
      lineItems,
    });
    h.m3ter.control.approveBill(org(), delivered.id);
    await completeRun(integrationId, delivered.id, 2);

    // Lost: a new bill's two events, and the recalculation of the first (back to PENDING) and its approval.
    // No earlier delivery may still be retrying (a slow acknowledgement): the rule would drop that retry and
    // let the last new event through, so the recalculation would sync by webhook, not by the sweep.
    await h.m3ter.control.waitForDeliveries();
    h.m3ter.control.dropNextDeliveries({ count: 4 });
    const lost = h.m3ter.control.generateBill(org(), {
      accountId: 'sweep-acct',
      billDate: '2026-11-01',
      lineItems: [{ description: 'Fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 80.25 }],
    });
    h.m3ter.control.approveBill(org(), lost.id);
    const recalculated = h.m3ter.control.recalculateBill(org(), delivered.id, {
      lineItems: [{ description: 'Fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 130.75 }],
    });
    const approved = h.m3ter.control.approveBill(org(), recalculated.id);
    await h.m3ter.control.waitForDeliveries();
    assert.equal(h.m3ter.control.counters().deliveries.dropped, 4);
    assert.deepEqual(
      await h.runs({ integrationId, billId: lost.id }),
      [],
      'no run: the webhooks never arrived',
    );

    const triggered = await h.api.request('POST', `/integrations/${integrationId}/sweep/trigger`);
    assert.equal(triggered.status, 202, triggered.text);
    await completeRun(integrationId, lost.id, 2);
    await completeRun(integrationId, delivered.id, approved.version);

    const invoices = h.emulator.control.documents(realmId).Invoice as Doc[];
    assert.equal(invoices.length, 2);
    const byBill = (id: string) => invoices.find((i) => i.PrivateNote?.includes(`[m3ter-bill:${id}]`));
    assert.equal(byBill(lost.id)?.TotalAmt, 80.25);
    assert.equal(byBill(delivered.id)?.TotalAmt, 130.75, 'the recalculated bill updated its invoice');
    assert.equal(byBill(delivered.id)?.SyncToken, '1');

    const state = await until('the sweep recorded', async () => {
      const s = await sweep(integrationId);
      return s.recent.length ? s : undefined;
    });
    assert.equal(state.recent[0]!.requested, 2);
    assert.deepEqual([...state.recent[0]!.requestedBillIds].sort(), [delivered.id, lost.id].sort());

    // Everything seen: the next sweep asks for nothing.
    await h.api.request('POST', `/integrations/${integrationId}/sweep/trigger`);
    const next = await until('a second sweep', async () => {
      const s = await sweep(integrationId);
      return s.recent.length > 1 ? s : undefined;
    });
    assert.equal(next.recent[0]!.requested, 0);
    assert.ok(next.recent[0]!.listed >= 2);
  });
});
