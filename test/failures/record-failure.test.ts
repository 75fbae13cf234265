import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createBillSyncActivities } from '../../src/activities/bill-sync.activities';
import { createDisabledNotifier } from '../../src/bill-sync/disabled-notifier';
import {
  claimNotification,
  listIntegrationEvents,
  NOTIFICATION_CLAIM_STALE_MS,
} from '../../src/db/repositories/integration-events.repository';
import { createRun } from '../../src/db/repositories/runs.repository';
import { createLogger } from '../../src/platform/logger';
import { createReferenceCache } from '../../src/settings/reference-cache';
import { createSmtpMailer } from '../../src/platform/mailer';
import { QuickBooksConnector } from '../../src/quickbooks/connector';
import { INTUIT, type QuickBooksEndpoints } from '../../src/quickbooks/endpoints';
import { useApi } from '../support/api-harness';
import { startSmtpServer } from '../support/smtp';
import { decodeHeader, type IntegrationBody } from './helpers';

/**
 * The bookkeeping of failures on real PostgreSQL and a real SMTP server, without a workflow around it: the
 * recordFailure activity under concurrent calls and retries, and the disablement e-mail under repeated and
 * failed sends. (The workflow-level behaviour is in auto-disable.test.ts.)
 */
describe('failures: recordFailure and the disablement e-mail, exactly once', function () {
  this.timeout(30_000);
  const ctx = useApi();
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  before(async () => {
    smtp = await startSmtpServer();
  });
  after(async () => smtp?.stop());

  const logger = createLogger({ level: 'silent' });
  const endpoints: QuickBooksEndpoints = {
    ...INTUIT,
    clientId: 'unused',
    clientSecret: 'unused',
    redirectUri: 'http://127.0.0.1/cb',
  };
  const notifierWith = (smtpUrl: string) => {
    const mailer = createSmtpMailer(smtpUrl, 'QuickBooks sync <sync@example.test>');
    return {
      notifier: createDisabledNotifier({ db: ctx.t.db, mailer, logger, publicBaseUrl: ctx.api.baseUrl }),
      mailer,
    };
  };
  const activities = () =>
    createBillSyncActivities({
      db: ctx.t.db,
      reference: createReferenceCache({ db: ctx.t.db, ttlMs: 0 }),
      quickBooks: new QuickBooksConnector({ db: ctx.t.db, secretBox: ctx.api.secretBox, endpoints }),
      endpoints,
      notifier: notifierWith(smtp.url).notifier,
      logger,
    });

  /** An integration (auto-disable after `n`) with two notification users, and `runs` started runs of it. */
  const setUp = async (n: number, runs: number) => {
    const suffix = randomUUID().slice(0, 8);
    const users = [1, 2].map((i) => ({
      id: `u-${suffix}-${i}`,
      name: `User ${i}`,
      email: `u${i}.${suffix}@seller.example`,
    }));
    for (const u of users)
      assert.ok((await ctx.api.request('PUT', `/reference/users/${u.id}`, u)).status < 300);
    const created = await ctx.api.request<IntegrationBody>('POST', '/integrations', {
      name: `Integration ${suffix}`,
      destination: 'QuickBooks',
      autoDisableAfterConsecutiveFailures: n,
      integrationDisabledNotificationUserIds: users.map((u) => u.id),
    });
    assert.equal(created.status, 201, created.text);
    const integrationId = created.body.id;
    const runIds: string[] = [];
    for (let i = 0; i < runs; i++) {
      const run = await createRun(ctx.t.db, {
        integrationId,
        billId: `bill-${suffix}-${i}`,
        workflowId: `bill-sync/${integrationId}/bill-${suffix}-${i}`,
        workflowRunId: randomUUID(),
        trigger: 'webhook',
        idempotencyKey: randomUUID(),
      });
      runIds.push(run.id);
    }
    return { integrationId, runIds, users, name: `Integration ${suffix}` };
  };
  const failure = { code: 'QBO_VALIDATION' as const, message: 'Duplicate Document Number Error (code 6140)' };
  const events = (integrationId: string) => listIntegrationEvents(ctx.t.db, { integrationId });

  it('counts concurrent failures once each and disables once; a retried call hands back the same disablement', async () => {
    const { integrationId, runIds } = await setUp(2, 5);
    const a = activities();
    const results = await Promise.all(
      runIds.map((runId) => a.recordFailure({ runId, failure, exhausted: false })),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      ['ERROR', 'ERROR', 'ERROR', 'ERROR', 'ERROR'],
    );
    const disablers = results.flatMap((r, i) =>
      r.disablementId ? [{ runId: runIds[i]!, disablementId: r.disablementId }] : [],
    );
    assert.equal(disablers.length, 1, 'exactly one call disabled the integration');
    const [disabler] = disablers;

    const integration = (await ctx.api.request<IntegrationBody>('GET', `/integrations/${integrationId}`))
      .body;
    assert.deepEqual([integration.enabled, integration.consecutiveFailures], [false, 5]);
    assert.match(
      integration.disabledReason ?? '',
      /^2 syncs failed in a row; the last: Duplicate Document Number Error/,
    );
    const recorded = await events(integrationId);
    assert.equal(recorded.filter((e) => e.eventType === 'integration.validation.error').length, 5);
    const disabledEvents = recorded.filter((e) => e.eventType === 'integration.disabled.error');
    assert.equal(disabledEvents.length, 1);
    assert.equal(disabledEvents[0]!.runId, disabler!.runId);
    assert.equal(disabledEvents[0]!.details.disablementId, disabler!.disablementId);
    const { rows } = await ctx.t.db.query(
      'SELECT id FROM integration_disablements WHERE integration_id = $1',
      [integrationId],
    );
    assert.deepEqual(
      rows.map((r: { id: string }) => r.id),
      [disabler!.disablementId],
    );

    // Temporal retries an activity whose result was lost after its transaction committed.
    const again = await Promise.all(
      runIds.map((runId) => a.recordFailure({ runId, failure, exhausted: false })),
    );
    assert.deepEqual(
      again,
      results,
      'the same answers, the disablement included, and nothing recorded twice',
    );
    assert.equal(
      (await ctx.api.request<IntegrationBody>('GET', `/integrations/${integrationId}`)).body
        .consecutiveFailures,
      5,
    );
    assert.equal((await events(integrationId)).length, 6);
  });

  it('e-mails each notification user once per disablement, however often notify runs; a failed send is sent again later', async () => {
    const { integrationId, runIds, users, name } = await setUp(1, 1);
    const { disablementId } = await activities().recordFailure({
      runId: runIds[0]!,
      failure,
      exhausted: false,
    });
    assert.ok(disablementId);

    // SMTP unreachable first: nothing is delivered and the activity fails (to be retried by Temporal).
    const broken = notifierWith('smtp://127.0.0.1:9');
    await assert.rejects(
      broken.notifier.notify(integrationId, disablementId),
      /disablement e-mail failed for/,
    );
    broken.mailer.close();
    const subject = `QuickBooks integration "${name}" was disabled`;
    const received = () => smtp.messages.filter((m) => decodeHeader(m.subject) === subject);
    assert.equal(received().length, 0);

    const working = notifierWith(smtp.url);
    // Concurrent attempts: one sends each e-mail; one that finds a send in progress fails, to look again later.
    const settled = await Promise.allSettled([
      working.notifier.notify(integrationId, disablementId),
      working.notifier.notify(integrationId, disablementId),
      working.notifier.notify(integrationId, disablementId),
    ]);
    for (const s of settled)
      if (s.status === 'rejected') assert.match(String(s.reason), /a send is in progress/);
    await working.notifier.notify(integrationId, disablementId);
    working.mailer.close();
    assert.deepEqual(
      received()
        .map((m) => m.to)
        .sort(),
      users.map((u) => [u.email]).sort(),
    );
    const { rows } = await ctx.t.db.query<{ state: string }>(
      'SELECT state FROM disablement_notifications WHERE disablement_id = $1',
      [disablementId],
    );
    assert.deepEqual(
      rows.map((r) => r.state),
      ['sent', 'sent'],
    );
  });

  it('sends an e-mail whose claim a dead worker left behind once the claim is stale, and not before', async () => {
    const { integrationId, runIds, users, name } = await setUp(1, 1);
    const { disablementId } = await activities().recordFailure({
      runId: runIds[0]!,
      failure,
      exhausted: false,
    });
    assert.ok(disablementId);
    // A worker claimed the first user's e-mail and died before sending it.
    assert.equal(await claimNotification(ctx.t.db, disablementId, users[0]!.id, users[0]!.email), 'claimed');
    const subject = `QuickBooks integration "${name}" was disabled`;
    const received = () => smtp.messages.filter((m) => decodeHeader(m.subject) === subject).map((m) => m.to);

    const working = notifierWith(smtp.url);
    await assert.rejects(working.notifier.notify(integrationId, disablementId), /a send is in progress/);
    assert.deepEqual(received(), [[users[1]!.email]], 'the fresh claim is left alone');

    await ctx.t.db.query(
      `UPDATE disablement_notifications SET updated_at = now() - $2::int * interval '1 millisecond'
       WHERE disablement_id = $1 AND state = 'sending'`,
      [disablementId, NOTIFICATION_CLAIM_STALE_MS + 1000],
    );
    await working.notifier.notify(integrationId, disablementId);
    await working.notifier.notify(integrationId, disablementId);
    working.mailer.close();
    assert.deepEqual(received(), [[users[1]!.email], [users[0]!.email]]);
  });
});
