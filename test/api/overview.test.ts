import assert from 'node:assert/strict';
import { useApi } from '../support/api-harness';
import { assertFieldRejected, UNKNOWN_UUID } from './helpers';

interface Overview {
  integrationId: string;
  days: number;
  runsByDay: Array<{ day: string; counts: Record<string, number>; total: number }>;
  latency: { completedRuns: number; p50Ms: number | null; p95Ms: number | null };
  needsAction: {
    enabled: boolean;
    autoDisabled: boolean;
    unactionedEvents: number;
    runsInError: number;
    credential: { status: string; expiresAt: string | null; needsAttention: boolean } | null;
  };
}

const DAY = 86_400_000;
const dayOf = (offset: number) => new Date(Date.now() - offset * DAY).toISOString().slice(0, 10);
/** Noon UTC of the day `offset` days ago, plus `ms`. */
const at = (offset: number, ms = 0) => new Date(Date.parse(`${dayOf(offset)}T12:00:00Z`) + ms);

describe('integration overview API', () => {
  const ctx = useApi();
  let id = '';

  before(async () => {
    const created = await ctx.api.request<{ id: string }>('POST', '/integrations', {
      name: 'Overview company',
      destination: 'QuickBooks',
    });
    assert.equal(created.status, 201, created.text);
    id = created.body.id;
    const cred = await ctx.t.db.query<{ id: string }>(
      `INSERT INTO credentials (name, destination, status, refresh_token_hard_expires_at)
       VALUES ('Books', 'QuickBooks', 'AUTHORIZED', now() + interval '7 days') RETURNING id`,
    );
    await ctx.t.db.query('UPDATE integrations SET credential_id = $2 WHERE id = $1', [id, cred.rows[0]!.id]);
    // [days ago, bill, status, latency ms (COMPLETE only)]
    const runs: Array<[number, string, string, number | null]> = [
      [2, 'b1', 'COMPLETE', 1000],
      [2, 'b2', 'COMPLETE', 2000],
      [2, 'b3', 'COMPLETE', 3000],
      [2, 'e1', 'ERROR', null],
      [1, 'e1', 'COMPLETE', 5000],
      [1, 'e2', 'ERROR', null],
      [5, 'b4', 'COMPLETE', 4000],
      [5, 'b5', 'COMPLETE', 10_000],
      [5, 'b6', 'WAITING', null],
      [31, 'b7', 'COMPLETE', 999_999],
    ];
    for (const [offset, bill, status, ms] of runs) {
      const started = at(offset);
      await ctx.t.db.query(
        `INSERT INTO integration_runs (integration_id, bill_id, status, trigger, workflow_id, workflow_run_id, started_at, completed_at)
         VALUES ($1, $2, $3, 'webhook', $4, '', $5, $6)`,
        [
          id,
          bill,
          status,
          `wf-${bill}-${offset}`,
          started,
          ms === null ? null : new Date(started.getTime() + ms),
        ],
      );
    }
    for (const actioned of [false, false, true]) {
      await ctx.t.db.query(
        `INSERT INTO integration_events (integration_id, event_type, message, actioned)
         VALUES ($1, 'integration.perform.error', 'failed', $2)`,
        [id, actioned],
      );
    }
  });

  it('counts runs per UTC day by status over the window, every day listed', async () => {
    const res = await ctx.api.request<Overview>('GET', `/integrations/${id}/overview?days=30`);
    assert.equal(res.status, 200, res.text);
    const { runsByDay } = res.body;
    assert.equal(runsByDay.length, 30);
    assert.equal(runsByDay[0]!.day, dayOf(29));
    assert.equal(runsByDay[29]!.day, dayOf(0));
    const byDay = Object.fromEntries(runsByDay.filter((d) => d.total > 0).map((d) => [d.day, d]));
    assert.deepEqual(byDay, {
      [dayOf(5)]: { day: dayOf(5), counts: { COMPLETE: 2, WAITING: 1 }, total: 3 },
      [dayOf(2)]: { day: dayOf(2), counts: { COMPLETE: 3, ERROR: 1 }, total: 4 },
      [dayOf(1)]: { day: dayOf(1), counts: { COMPLETE: 1, ERROR: 1 }, total: 2 },
    });
  });

  it('latency p50/p95 of the COMPLETE runs in the window (interpolated percentiles)', async () => {
    const res = await ctx.api.request<Overview>('GET', `/integrations/${id}/overview`);
    assert.equal(res.body.days, 30);
    // 1000, 2000, 3000, 4000, 5000, 10000 ms (the run 31 days ago is outside)
    assert.deepEqual(res.body.latency, { completedRuns: 6, p50Ms: 3500, p95Ms: 8750 });
    const week = await ctx.api.request<Overview>('GET', `/integrations/${id}/overview?days=3`);
    assert.equal(week.body.runsByDay.length, 3);
    assert.deepEqual(week.body.latency, { completedRuns: 4, p50Ms: 2500, p95Ms: 4700 });
  });

  it('what needs action: unactioned events, bills whose latest run is in ERROR, the expiring credential', async () => {
    const res = await ctx.api.request<Overview>('GET', `/integrations/${id}/overview`);
    assert.equal(res.body.needsAction.enabled, true);
    assert.equal(res.body.needsAction.autoDisabled, false);
    assert.equal(res.body.needsAction.unactionedEvents, 2);
    assert.equal(res.body.needsAction.runsInError, 1);
    assert.equal(res.body.needsAction.credential?.status, 'AUTHORIZED');
    assert.equal(res.body.needsAction.credential?.needsAttention, true);
    await ctx.t.db.query(
      `UPDATE integrations SET enabled = false, disabled_at = now(), disabled_reason = '5 failures' WHERE id = $1`,
      [id],
    );
    const off = await ctx.api.request<Overview>('GET', `/integrations/${id}/overview`);
    assert.equal(off.body.needsAction.autoDisabled, true);
  });

  it('an unknown integration is 404, a bad window names the field', async () => {
    assert.equal((await ctx.api.request('GET', `/integrations/${UNKNOWN_UUID}/overview`)).status, 404);
    assertFieldRejected(await ctx.api.request('GET', `/integrations/${id}/overview?days=0`), 'query.days');
  });
});
