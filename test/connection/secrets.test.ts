import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createApp } from '../../src/api/app';
import { codecRoutes } from '../../src/api/routes/codec.routes';
import { readCredentialTokens } from '../../src/db/repositories/credentials';
import { createLogger } from '../../src/platform/logger';
import { EncryptionCodec } from '../../src/temporal/payload-codec';
import { ACME_ACCOUNT, sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import { captureLogs, connectThroughIntuit } from './helpers';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

const EMAIL = ACME_ACCOUNT.emailAddress;
const UI_ORIGIN = 'http://127.0.0.1:8233';
const CODEC_KEY = 'codec-test-admin-key-0123456789';

interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}

/** Every Payload in a history, with where it sits (search attributes are Temporal's index, never encoded). */
function payloadsOf(
  value: unknown,
  path = '',
  out: Array<{ path: string; payload: Payload }> = [],
): Array<{ path: string; payload: Payload }> {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return out;
  const o = value as Record<string, unknown>;
  if (
    'data' in o &&
    'metadata' in o &&
    (o.data instanceof Uint8Array || o.data === null || o.data === undefined) &&
    typeof o.metadata === 'object'
  ) {
    out.push({ path, payload: o as Payload });
    return out;
  }
  for (const [k, v] of Object.entries(o)) payloadsOf(v, `${path}.${k}`, out);
  return out;
}

function rawBytes(history: History): Buffer {
  const type = history.constructor as unknown as { encode(h: History): { finish(): Uint8Array } };
  return Buffer.from(type.encode(history).finish());
}

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});
const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  data: new Uint8Array(Buffer.from(p.data, 'base64')),
});

/**
 * Secrets kept secret: a full sync (connect flow, a token refresh after a 401, a retried QuickBooks failure,
 * an invoice for a customer with an e-mail) leaves no token, client secret, key or customer e-mail in the
 * logs or, unencrypted, in Temporal's history; the codec endpoint turns the history back into plaintext for
 * the Web UI and is closed to everyone else.
 */
describe('secrets: logs, Temporal payloads (codec) and the codec endpoint', function () {
  this.timeout(120_000);
  let h: SyncHarness;
  let lines: string[] = [];
  let codecServer: Server;
  let codecUrl: string;

  before(async () => {
    const captured = captureLogs('trace');
    lines = captured.lines;
    h = await startSyncHarness({ encryptPayloads: true, logger: captured.logger });
    await h.putAccount(ACME_ACCOUNT);
    const app = createApp({
      logger: createLogger({ level: 'silent' }),
      adminApiKey: CODEC_KEY,
      maxBodyBytes: 4_194_304,
      healthChecks: [],
      publicRouters: [
        codecRoutes({
          codec: new EncryptionCodec(h.encryptionKey),
          adminApiKey: CODEC_KEY,
          allowedOrigins: [UI_ORIGIN],
          maxBodyBytes: 4_194_304,
        }),
      ],
    });
    codecServer = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    codecUrl = `http://127.0.0.1:${(codecServer.address() as AddressInfo).port}/codec`;
  });
  after(async () => {
    codecServer?.closeAllConnections();
    await new Promise<void>((resolve) => (codecServer ? codecServer.close(() => resolve()) : resolve()));
    await h?.stop();
  });

  const codec = (
    op: 'decode' | 'encode',
    payloads: JsonPayload[],
    headers: Record<string, string> = { authorization: `Bearer ${CODEC_KEY}` },
  ) =>
    fetch(`${codecUrl}/${op}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ payloads }),
    });

  it('a full sync leaves no token, secret or unencrypted e-mail in the logs or the raw Temporal history, and the codec endpoint decodes it', async () => {
    const realmId = h.emulator.control.createRealm().realmId;
    const created = await h.api.request<{ id: string }>('POST', '/credentials', {
      name: 'Acme books',
      destination: 'QuickBooks',
    });
    const credentialId = created.body.id;

    // Connect over HTTP (the callback URL carries the one-time code).
    const { callbackUrl, response } = await connectThroughIntuit(h, credentialId, realmId);
    assert.equal(response.status, 200);
    const code = callbackUrl.searchParams.get('code') ?? '';
    const state = callbackUrl.searchParams.get('state') ?? '';
    assert.equal((await fetch(callbackUrl)).status, 400, 'a replayed callback is refused (and logged)');
    const first = await readCredentialTokens(h.database.db, h.secretBox, credentialId);
    assert.ok(first);

    const { id: integrationId } = await h.createIntegration({}, { credentialId, realmId });
    // QuickBooks has expired the access token early (401 → refresh with rotation) and fails one create (500 → retry).
    h.emulator.control.expireAccessTokens(realmId);
    h.emulator.control.enqueueFaults([
      { action: { type: 'status', status: 500 }, match: { realmId, entity: 'invoice', operation: 'create' } },
    ]);
    const bill = sampleBill();
    assert.equal((await h.sendWebhook(h.billEvent(bill))).status, 202);
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'COMPLETE');
    const customer = (
      h.emulator.control.documents(realmId).Customer as Array<{ PrimaryEmailAddr?: { Address: string } }>
    ).find((c) => c.PrimaryEmailAddr?.Address === EMAIL);
    assert.ok(customer, 'the customer (with the e-mail) was created in QuickBooks');
    const second = await readCredentialTokens(h.database.db, h.secretBox, credentialId);
    assert.ok(
      second && second.refreshToken !== first.refreshToken,
      'the token was refreshed (and rotated) during the sync',
    );

    const secrets: Record<string, string> = {
      'first access token': first.accessToken,
      'first refresh token': first.refreshToken,
      'refreshed access token': second.accessToken,
      'rotated refresh token': second.refreshToken,
      'authorization code': code,
      'OAuth state': state,
      'client secret': h.emulator.oauth.clientSecret,
      'encryption key': h.encryptionKey.toString('base64'),
      'admin API key': h.api.apiKey,
    };

    // Logs: everything the API and the worker wrote at trace level.
    const log = lines.join('');
    assert.ok(lines.length >= 8, 'the connect flow and the sync were logged');
    assert.match(log, /QuickBooks authorization callback refused/);
    assert.match(log, /QuickBooks access token refreshed/);
    assert.match(log, /QuickBooks credential connected/);
    for (const [name, value] of Object.entries(secrets))
      assert.ok(!log.includes(value), `the logs contain the ${name}`);
    assert.ok(!log.includes(EMAIL), 'the logs contain the customer e-mail');

    // Temporal: the raw history bytes as the server stores them.
    const handle = h.temporal.workflow.getHandle(`bill-sync/${integrationId}/${bill.id}`);
    const history = await handle.fetchHistory();
    const raw = rawBytes(history);
    assert.ok(raw.length > 1000);
    for (const [name, value] of Object.entries(secrets))
      assert.ok(!raw.includes(value), `the history contains the ${name}`);
    assert.ok(!raw.includes(EMAIL), 'the history contains the customer e-mail');

    const payloads = payloadsOf(history);
    // Temporal writes marker metadata itself, past the codec: a local activity's sequence number, type and
    // timings (and a patch marker's id, once the workflow has one). No secret (the raw bytes were checked
    // above); results are encrypted.
    const markerMetadata = /markerRecordedEventAttributes\.details\.(patch-data|data)\./;
    const data = payloads.filter(
      (p) =>
        !/searchAttributes|indexedFields/i.test(p.path) &&
        !markerMetadata.test(p.path) &&
        (p.payload.data?.length ?? 0) > 0,
    );
    assert.ok(
      data.some((p) => /markerRecordedEventAttributes\.details\.result\./.test(p.path)),
      'local activity results are in the history, encrypted',
    );
    assert.ok(data.length >= 8, `inputs, results and failure details (${data.length})`);
    for (const { path, payload } of data) {
      assert.equal(
        Buffer.from(payload.metadata?.encoding ?? new Uint8Array()).toString(),
        'binary/encrypted',
        `${path} is encrypted`,
      );
    }
    // The injected 500 became an activity failure whose message and stack trace are encoded (encrypted) too.
    const retried = history.events?.find((e) => e.activityTaskStartedEventAttributes?.lastFailure);
    const failure = retried?.activityTaskStartedEventAttributes?.lastFailure;
    assert.ok(failure, 'the retried attempt left its failure in the history');
    assert.equal(failure.message, 'Encoded failure');
    assert.equal(failure.stackTrace, '');
    assert.ok(failure.encodedAttributes, 'the real message and stack trace are an (encrypted) payload');

    // The codec endpoint (what the Web UI calls) decodes every payload back.
    const res = await codec(
      'decode',
      data.map((d) => toJson(d.payload)),
    );
    assert.equal(res.status, 200);
    const decoded = ((await res.json()) as { payloads: JsonPayload[] }).payloads.map(fromJson);
    assert.equal(decoded.length, data.length);
    const values = decoded.map((p) => String(JSON.stringify(defaultPayloadConverter.fromPayload(p))));
    assert.ok(
      values.some((v) => v.includes(integrationId) && v.includes(bill.id)),
      'the workflow input',
    );
    assert.ok(
      values.some((v) => v.includes('stack_trace') && v.includes('System Failure Error')),
      "the failure's message and stack trace",
    );
    assert.ok(
      values.some((v) => v.includes('QBO_UNAVAILABLE')),
      'the failure details (SyncFailure)',
    );
    assert.ok(
      values.some((v) => v.includes(String(result.externalId))),
      'the upsert result',
    );
    for (const [name, value] of Object.entries(secrets))
      assert.ok(!values.some((v) => v.includes(value)), `a decoded payload contains the ${name}`);
  });

  it('encodes and decodes for the Web UI origin, refuses everyone else, and reports a payload it cannot open', async () => {
    const plain = toJson(defaultPayloadConverter.toPayload({ email: EMAIL }));

    // The Temporal Web UI: CORS preflight, then the request from its origin (no API key in a browser).
    const preflight = await fetch(`${codecUrl}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
    const encoded = await codec('encode', [plain], { origin: UI_ORIGIN, 'x-namespace': 'default' });
    assert.equal(encoded.status, 200);
    assert.equal(encoded.headers.get('access-control-allow-origin'), UI_ORIGIN);
    const encrypted = ((await encoded.json()) as { payloads: JsonPayload[] }).payloads;
    assert.ok(!Buffer.from(encrypted[0]!.data, 'base64').includes(EMAIL), 'encrypted');
    assert.equal(Buffer.from(encrypted[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
    const back = await codec('decode', encrypted, { origin: UI_ORIGIN });
    assert.deepEqual(((await back.json()) as { payloads: JsonPayload[] }).payloads, [plain]);

    // Another web page, or no credentials at all: refused, and no CORS grant.
    const evil = await codec('decode', encrypted, { origin: 'https://evil.example' });
    assert.equal(evil.status, 401);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const evilPreflight = await fetch(`${codecUrl}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(evilPreflight.headers.get('access-control-allow-origin'), null);
    assert.equal((await codec('decode', encrypted, {})).status, 401);
    assert.equal((await codec('decode', encrypted, { authorization: 'Bearer wrong' })).status, 401);

    // The CLI with the API key (temporal … --codec-auth "Bearer <key>").
    assert.equal((await codec('decode', encrypted)).status, 200);

    // Tampered or foreign ciphertext: 400 without the payload.
    const tampered = {
      ...encrypted[0]!,
      data: Buffer.from(
        Buffer.from(encrypted[0]!.data, 'base64').map((b, i) => (i === 20 ? b ^ 1 : b)),
      ).toString('base64'),
    };
    const bad = await codec('decode', [tampered]);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /failed authentication/);
    const foreign = await new EncryptionCodec(Buffer.alloc(32, 7)).encode([fromJson(plain)]);
    const unknownKey = await codec('decode', foreign.map(toJson));
    assert.equal(unknownKey.status, 400);
    assert.match(await unknownKey.text(), /unknown key/);
    assert.equal((await codec('decode', [{ metadata: {}, data: '!!' } as JsonPayload])).status, 400);
  });
});
