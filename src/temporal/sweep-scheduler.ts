import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import { DEFAULT_SWEEP, type SweepScheduler, type SweepSettings } from '../bill-sync/sweep';
import { sweepScheduleId } from '../domain/ids';
import { billSweep } from '../workflows/sweep.workflow';
import { IntegrationIdKey } from '../workflows/search-attributes';

/**
 * The sweeps on Temporal: one Schedule `sweep/<integrationId>` per integration (the Web UI's Schedules page),
 * starting `billSweep` every interval; a sweep still running when the next is due makes that one skip.
 */
export function temporalSweepScheduler(client: Client, taskQueue: string): SweepScheduler {
  const handle = (integrationId: string) => client.schedule.getHandle(sweepScheduleId(integrationId));
  const settingsOf = (d: ScheduleDescription): SweepSettings => ({
    intervalMinutes: Math.round(
      (d.spec.intervals?.[0]?.every ?? DEFAULT_SWEEP.intervalMinutes * 60_000) / 60_000,
    ),
    paused: d.state.paused,
  });
  return {
    async ensure(integrationId, settings = {}) {
      const wanted = { ...DEFAULT_SWEEP, ...settings };
      try {
        await client.schedule.create({
          scheduleId: sweepScheduleId(integrationId),
          spec: { intervals: [{ every: `${wanted.intervalMinutes}m` }] },
          action: {
            type: 'startWorkflow',
            workflowType: billSweep,
            workflowId: sweepScheduleId(integrationId),
            taskQueue,
            args: [{ integrationId }],
            workflowExecutionTimeout: '1 hour',
            typedSearchAttributes: [{ key: IntegrationIdKey, value: integrationId }],
          },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
          state: { paused: wanted.paused, note: 'missed-webhook sweep' },
          typedSearchAttributes: [{ key: IntegrationIdKey, value: integrationId }],
        });
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      }
    },
    async describe(integrationId) {
      try {
        const d = await handle(integrationId).describe();
        return {
          scheduleId: d.scheduleId,
          ...settingsOf(d),
          nextRunAt: d.state.paused ? null : (d.info.nextActionTimes[0]?.toISOString() ?? null),
        };
      } catch (err) {
        if (err instanceof ScheduleNotFoundError) return null;
        throw err;
      }
    },
    async update(integrationId, settings) {
      const h = handle(integrationId);
      if (settings.intervalMinutes !== undefined) {
        const every = `${settings.intervalMinutes}m` as const;
        await h.update((previous) => ({ ...previous, spec: { ...previous.spec, intervals: [{ every }] } }));
      }
      if (settings.paused === true) await h.pause('paused through the API');
      if (settings.paused === false) await h.unpause('resumed through the API');
      // The schedule applies changes asynchronously: answer once a describe shows them.
      for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
        const now = settingsOf(await h.describe());
        if (
          (settings.intervalMinutes === undefined || now.intervalMinutes === settings.intervalMinutes) &&
          (settings.paused === undefined || now.paused === settings.paused)
        )
          return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async trigger(integrationId) {
      await handle(integrationId).trigger(ScheduleOverlapPolicy.SKIP);
    },
    async remove(integrationId) {
      try {
        await handle(integrationId).delete();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
    },
  };
}
