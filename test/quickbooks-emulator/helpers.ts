/** Shared helpers for the emulator tests: a running emulator, node-quickbooks clients, promise wrappers. */
import assert from 'node:assert/strict';
import QuickBooks from 'node-quickbooks';
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from '../../emulators/quickbooks';
import type { JsonObject } from '../../emulators/quickbooks/json';

export type { JsonObject };
type Callback = (err: unknown, data: unknown, res: unknown) => void;

export interface QboOutcome {
  err: unknown;
  data: unknown;
  res: unknown;
}

/** Runs a node-quickbooks callback method and resolves with the callback's arguments. */
export function qboCall(invoke: (cb: Callback) => void): Promise<QboOutcome> {
  return new Promise((resolve) => invoke((err, data, res) => resolve({ err, data, res })));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function asJson(v: unknown): JsonObject {
  if (!isRecord(v) || Array.isArray(v)) assert.fail(`expected an object, got ${String(v)}`);
  return v as JsonObject;
}

/** The HTTP status of a node-quickbooks outcome (200 when it succeeded, 0 without a response). */
export function statusOf(outcome: QboOutcome): number {
  if (outcome.err === null) return 200;
  const response = isRecord(outcome.err) ? outcome.err.response : undefined;
  return isRecord(response) ? Number(response.status) : 0;
}

/** The error response (status and raw body) of a failed node-quickbooks outcome. */
export function errorResponse(outcome: QboOutcome): { status: number; data: unknown } {
  const response = isRecord(outcome.err) ? outcome.err.response : undefined;
  if (!isRecord(response)) assert.fail(`expected an HTTP error, got ${describeError(outcome.err)}`);
  return { status: Number(response.status), data: response.data };
}

/** The data of a successful call (fails the test with the fault when it was not). */
export async function ok(invoke: (cb: Callback) => void): Promise<JsonObject> {
  const { err, data } = await qboCall(invoke);
  if (err) assert.fail(`expected success, got ${describeError(err)}`);
  return asJson(data);
}

export interface HttpFailure {
  status: number;
  data: JsonObject;
  headers: Record<string, unknown>;
}

/** The HTTP failure of a call: node-quickbooks ≥ 2.0.48 hands over an AxiosError with the Fault in response.data. */
export async function fails(invoke: (cb: Callback) => void): Promise<HttpFailure> {
  const { err } = await qboCall(invoke);
  assert.ok(err, 'expected the call to fail');
  const response = isRecord(err) ? err.response : undefined;
  assert.ok(isRecord(response), `expected an HTTP error response, got ${describeError(err)}`);
  return { status: Number(response.status), data: asJson(response.data), headers: asJson(response.headers) };
}

/** The HTTP failure of a call whose body is text (QBO's XML Faults, its HTML 503), with its content type. */
export async function failsWithText(
  invoke: (cb: Callback) => void,
): Promise<{ status: number; text: string; contentType: string }> {
  const { err } = await qboCall(invoke);
  const response = isRecord(err) ? err.response : undefined;
  assert.ok(isRecord(response), `expected an HTTP error response, got ${describeError(err)}`);
  assert.equal(typeof response.data, 'string', `expected a text body, got ${JSON.stringify(response.data)}`);
  const headers = asJson(response.headers);
  return {
    status: Number(response.status),
    text: String(response.data),
    contentType: String(headers['content-type']),
  };
}

/** An XML Fault with its `time` attribute blanked, for exact comparison. */
export function withoutXmlTime(xml: string): string {
  return xml.replace(/ time="[^"]*"/, ' time=""');
}

/** The network error code of a call that got no HTTP response (e.g. ECONNRESET). */
export async function networkError(invoke: (cb: Callback) => void): Promise<string> {
  const { err } = await qboCall(invoke);
  assert.ok(isRecord(err), 'expected a network error');
  assert.equal(err.response, undefined, 'expected no HTTP response');
  return String(err.code);
}

export function describeError(err: unknown): string {
  if (isRecord(err) && isRecord(err.response))
    return `HTTP ${String(err.response.status)} ${JSON.stringify(err.response.data)}`;
  return err instanceof Error ? err.message : JSON.stringify(err);
}

/** The first Fault.Error entry of a QBO error body. */
export function firstError(data: JsonObject): JsonObject {
  const fault = asJson(data.Fault);
  assert.ok(Array.isArray(fault.Error) && fault.Error.length > 0, JSON.stringify(data));
  return asJson(fault.Error[0]);
}

export function connect(
  emulator: RunningEmulator,
  realmId: string,
  accessToken: string,
  refreshToken?: string,
): QuickBooks {
  const qbo = new QuickBooks(
    emulator.oauth.clientId,
    emulator.oauth.clientSecret,
    accessToken,
    false,
    realmId,
    true,
    false,
    '75',
    '2.0',
    refreshToken ?? null,
  );
  qbo.endpoint = emulator.v3BaseUrl;
  return qbo;
}

/** A client for a realm with freshly minted tokens. */
export function connectNew(emulator: RunningEmulator, realmId = emulator.defaultRealmId): QuickBooks {
  const tokens = emulator.control.mintTokens(realmId);
  return connect(emulator, realmId, tokens.access_token, tokens.refresh_token);
}

/** Starts an emulator for a describe block and resets it before every test. */
export function useEmulator(options: StartEmulatorOptions = {}): () => RunningEmulator {
  let emulator: RunningEmulator | undefined;
  before(async () => {
    emulator = await startEmulator(options);
  });
  beforeEach(() => emulator?.control.reset());
  after(async () => {
    await emulator?.stop();
  });
  return () => {
    assert.ok(emulator, 'emulator not started');
    return emulator;
  };
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: () => JsonObject;
}

/** Plain HTTP, for what the libraries cannot express. */
export async function http(url: string, init: RequestInit = {}): Promise<RawResponse> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => asJson(JSON.parse(text)) };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' };
}

export const line = (amount: number, itemId = '1', extra: JsonObject = {}): JsonObject => ({
  Amount: amount,
  DetailType: 'SalesItemLineDetail',
  SalesItemLineDetail: { ItemRef: { value: itemId }, ...extra },
});

/** Id and SyncToken of a document, for updates, voids and deletes. */
export const ref = (doc: JsonObject): { Id: string; SyncToken: string } => ({
  Id: String(doc.Id),
  SyncToken: String(doc.SyncToken),
});
