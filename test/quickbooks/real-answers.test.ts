import assert from 'node:assert/strict';
import QuickBooks from 'node-quickbooks';
import { startEmulator, type RunningEmulator } from '../../emulators/quickbooks';
import type { ReplySettings } from '../../emulators/quickbooks';
import {
  classifyFailure,
  failureFromQuickBooks,
  type FailureClass,
  type SyncFailureCode,
} from '../../src/domain/sync-failure';
import { QuickBooksClient } from '../../src/quickbooks/client';
import { QuickBooksError, toQuickBooksError, type QuickBooksErrorFields } from '../../src/quickbooks/errors';

/**
 * QuickBooks' real replies — XML throttles and auth failures, the older 403 throttle, a 504 without Detail,
 * 2030 / 4001 / 2500 — through node-quickbooks against the emulator over HTTP, each read into one
 * QuickBooksError and classified by the domain exactly as the sync will treat it.
 */
describe('QuickBooks errors as QuickBooks really answers', () => {
  let emulator: RunningEmulator;
  let realmId: string;
  let accessToken: string;

  before(async () => {
    emulator = await startEmulator();
  });
  beforeEach(() => {
    emulator.control.reset();
    realmId = emulator.control.createRealm().realmId;
    accessToken = emulator.control.mintTokens(realmId).access_token;
  });
  after(async () => emulator?.stop());

  const client = (token = accessToken) =>
    new QuickBooksClient({ realmId, accessToken: token, apiBaseUrl: emulator.v3BaseUrl, timeoutMs: 5000 });

  type Callback = (err: unknown, data: unknown) => void;
  /** node-quickbooks itself, for calls the typed client does not make. */
  const nodeQuickBooks = (): QuickBooks => {
    const qbo = new QuickBooks('', '', accessToken, false, realmId, false, false, '75', '2.0');
    qbo.endpoint = emulator.v3BaseUrl;
    return qbo;
  };
  const call = (invoke: (cb: Callback) => void): Promise<unknown> =>
    new Promise((resolve, reject) => invoke((err, data) => (err ? reject(err) : resolve(data))));

  /** The QuickBooksError a call ends in: from the typed client, or node-quickbooks' raw error read by it. */
  async function failure(promise: Promise<unknown>, isWrite = false): Promise<QuickBooksError> {
    const err = await promise.then(
      () => assert.fail('expected the call to fail'),
      (e: unknown) => e,
    );
    const qbe = err instanceof QuickBooksError ? err : toQuickBooksError(err, isWrite);
    assert.ok(qbe instanceof QuickBooksError);
    return qbe;
  }

  type Expected = Omit<QuickBooksErrorFields, 'intuitTid' | 'uncertain'> & { message: string };
  /** Every field, exactly; intuit_tid must be there (its value is random). */
  function assertFields(err: QuickBooksError, expected: Expected): void {
    const { intuitTid, ...rest } = err.toJSON();
    assert.deepEqual(rest, {
      message: expected.message,
      kind: expected.kind,
      httpStatus: expected.httpStatus,
      code: expected.code,
      element: expected.element,
      detail: expected.detail,
      uncertain: false,
    });
    assert.match(intuitTid ?? '', /^1-[0-9a-f]+-[0-9a-f]{24}$/);
  }

  function assertClassified(err: QuickBooksError, code: SyncFailureCode, cls: FailureClass): void {
    const failure = failureFromQuickBooks(err.toJSON());
    assert.equal(failure.code, code);
    assert.equal(failure.message, err.message);
    assert.deepEqual(classifyFailure(failure), cls);
  }

  const RATE_LIMITED: FailureClass = { retryable: true, runStatus: 'RATE_LIMIT_RETRY' };
  const VALIDATION: FailureClass = {
    retryable: false,
    runStatus: 'ERROR',
    event: 'integration.validation.error',
  };
  const THROTTLE_DETAIL = 'The request limit was reached.  Try again later';

  async function throttled(replies: Partial<ReplySettings>): Promise<QuickBooksError> {
    emulator.control.setReplies(replies);
    emulator.control.failNext(1, { type: 'status', status: 429 }, { realmId });
    return failure(client().getPreferences());
  }

  describe('throttles are rate-limit waits, whatever the status or format', () => {
    it('a 429 in XML (code 3001) → throttled, QBO_RATE_LIMITED', async () => {
      const err = await throttled({});
      assertFields(err, {
        message: `message=ThrottleExceeded; errorCode=003001; statusCode=429: ${THROTTLE_DETAIL} (code 3001)`,
        kind: 'throttled',
        httpStatus: 429,
        code: '3001',
        element: undefined,
        detail: THROTTLE_DETAIL,
      });
      assertClassified(err, 'QBO_RATE_LIMITED', RATE_LIMITED);
    });

    it('the older 403 throttle in XML → throttled, never AUTH_FAILED', async () => {
      const err = await throttled({ throttleStatus: 403 });
      assertFields(err, {
        message: `message=ThrottleExceeded; errorCode=003001; statusCode=403: ${THROTTLE_DETAIL} (code 3001)`,
        kind: 'throttled',
        httpStatus: 403,
        code: '3001',
        element: undefined,
        detail: THROTTLE_DETAIL,
      });
      assertClassified(err, 'QBO_RATE_LIMITED', RATE_LIMITED);
    });

    it('the 403 throttle in JSON (code 003001, element "") → throttled, element absent', async () => {
      const err = await throttled({ throttleStatus: 403, throttleFormat: 'json' });
      assertFields(err, {
        message: `message=ThrottleExceeded; errorCode=003001; statusCode=403: ${THROTTLE_DETAIL} (code 003001)`,
        kind: 'throttled',
        httpStatus: 403,
        code: '003001',
        element: undefined,
        detail: THROTTLE_DETAIL,
      });
      assertClassified(err, 'QBO_RATE_LIMITED', RATE_LIMITED);
    });

    it('a 429 in JSON → throttled', async () => {
      const json = await throttled({ throttleFormat: 'json' });
      assert.equal(json.kind, 'throttled');
      assert.equal(json.httpStatus, 429);
      assert.equal(json.code, '003001');
      assertClassified(json, 'QBO_RATE_LIMITED', RATE_LIMITED);
    });

    it('a 403 throttle from the realm’s request limit → throttled', async () => {
      emulator.control.setReplies({ throttleStatus: 403 });
      emulator.control.setLimits({ enabled: true, requestsPerMinute: 1 }, realmId);
      await client().getPreferences();
      const limited = await failure(client().getPreferences());
      assert.equal(limited.kind, 'throttled');
      assert.equal(limited.httpStatus, 403);
      assert.equal(limited.code, '3001');
      assertClassified(limited, 'QBO_RATE_LIMITED', RATE_LIMITED);
    });
  });

  describe('authentication, authorization and outages', () => {
    const AUTH_FAILED: FailureClass = {
      retryable: false,
      runStatus: 'AUTH_FAILED',
      event: 'integration.authentication.error',
    };

    it('a 401 in XML (AuthenticationFault, code 100) → auth', async () => {
      emulator.control.setReplies({ authFormat: 'xml' });
      const err = await failure(client('not-a-token').getPreferences());
      assertFields(err, {
        message:
          'General Authentication Error: AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401 (code 100)',
        kind: 'auth',
        httpStatus: 401,
        code: '100',
        element: undefined,
        detail: 'AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401',
      });
      assertClassified(err, 'AUTH_FAILED', AUTH_FAILED);
    });

    it('a 401 in the lower-case JSON shape (3200, element null) → auth', async () => {
      const err = await failure(client('not-a-token').getPreferences());
      assertFields(err, {
        message:
          'message=AuthenticationFailed; errorCode=003200; statusCode=401: Token invalid: not-a-token... (code 3200)',
        kind: 'auth',
        httpStatus: 401,
        code: '3200',
        element: undefined,
        detail: 'Token invalid: not-a-token...',
      });
    });

    it('a 403 authorization failure (lower-case 3100, type SERVICE) → forbidden, AUTH_FAILED', async () => {
      const otherRealm = emulator.control.createRealm().realmId;
      const elsewhere = new QuickBooksClient({
        realmId: otherRealm,
        accessToken,
        apiBaseUrl: emulator.v3BaseUrl,
      });
      const err = await failure(elsewhere.getPreferences());
      const detail = `The access token is for company ${realmId}, not ${otherRealm}`;
      assertFields(err, {
        message: `message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403: ${detail} (code 3100)`,
        kind: 'forbidden',
        httpStatus: 403,
        code: '3100',
        element: undefined,
        detail,
      });
      assertClassified(err, 'AUTH_FAILED', AUTH_FAILED);
    });

    it('a 504 in XML (code 6002, no Detail) → server, QBO_UNAVAILABLE', async () => {
      emulator.control.failNext(1, { type: 'status', status: 504 }, { realmId });
      const err = await failure(client().getPreferences());
      assertFields(err, {
        message: 'message=GatewayTimeout; errorCode=006002; statusCode=504 (code 6002)',
        kind: 'server',
        httpStatus: 504,
        code: '6002',
        element: undefined,
        detail: undefined,
      });
      assertClassified(err, 'QBO_UNAVAILABLE', { retryable: true, runStatus: 'AWAITING_RETRY' });
    });

    it('the HTML 503 page (no Fault) → server by its status', async () => {
      emulator.control.failNext(1, { type: 'status', status: 503 }, { realmId });
      const err = await failure(client().getPreferences());
      assertFields(err, {
        message: 'QuickBooks answered HTTP 503',
        kind: 'server',
        httpStatus: 503,
        code: undefined,
        element: undefined,
        detail: undefined,
      });
    });
  });

  describe('validation faults', () => {
    it('GET invoice/abc → 2030 fault without element', async () => {
      const err = await failure(client().getDocument('Invoice', 'abc'));
      assertFields(err, {
        message: 'Invalid ID: Id should be a valid number. Supplied value:abc (code 2030)',
        kind: 'fault',
        httpStatus: 400,
        code: '2030',
        element: undefined,
        detail: 'Id should be a valid number. Supplied value:abc',
      });
      assertClassified(err, 'QBO_VALIDATION', VALIDATION);
    });

    it('a query on an unknown entity → 4001 fault, element "" read as absent', async () => {
      const qbo = nodeQuickBooks();
      const err = await failure(call((cb) => qbo.findAccounts({}, cb)));
      assertFields(err, {
        message: 'Invalid query: QueryValidationError: Unsupported entity for query: account (code 4001)',
        kind: 'fault',
        httpStatus: 400,
        code: '4001',
        element: undefined,
        detail: 'QueryValidationError: Unsupported entity for query: account',
      });
      assertClassified(err, 'QBO_VALIDATION', VALIDATION);
    });

    it('an invoice for an inactive item → 2500 without element; for a missing item → 2500 naming ItemRef', async () => {
      const qbo = nodeQuickBooks();
      const item = (await call((cb) => qbo.getItem('3', cb))) as { Id: string; SyncToken: string };
      await call((cb) =>
        qbo.updateItem({ Id: item.Id, SyncToken: item.SyncToken, Active: false, sparse: true }, cb),
      );
      const invoice = (itemId: string) => ({
        CustomerRef: { value: '1' },
        Line: [
          {
            DetailType: 'SalesItemLineDetail',
            Amount: 5,
            SalesItemLineDetail: { ItemRef: { value: itemId } },
          },
        ],
      });
      const inactive = await failure(
        call((cb) => qbo.createInvoice(invoice('3'), cb)),
        true,
      );
      const madeInactive =
        "Invalid Reference Id : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.";
      assertFields(inactive, {
        message: `Invalid Reference Id: ${madeInactive} (code 2500)`,
        kind: 'fault',
        httpStatus: 400,
        code: '2500',
        element: undefined,
        detail: madeInactive,
      });
      assertClassified(inactive, 'QBO_VALIDATION', VALIDATION);

      const missing = await failure(
        call((cb) => qbo.createInvoice(invoice('999'), cb)),
        true,
      );
      assertFields(missing, {
        message: 'Invalid Reference Id: Invalid Reference Id : Line.SalesItemLineDetail.ItemRef (code 2500)',
        kind: 'fault',
        httpStatus: 400,
        code: '2500',
        element: 'Line.SalesItemLineDetail.ItemRef',
        detail: 'Invalid Reference Id : Line.SalesItemLineDetail.ItemRef',
      });
      assertClassified(missing, 'QBO_VALIDATION', VALIDATION);
    });
  });

  describe('what QuickBooks echoes on create', () => {
    it('a US customer is Taxable with default tax code 2; its invoice ships to its address, NeedToPrint, no Deposit or BillEmail', async () => {
      const customer = await client().createCustomer(
        {
          DisplayName: 'Echo Corp',
          PrimaryEmailAddr: { Address: 'ap@echo.test' },
          BillAddr: { Line1: '1 Echo Way', City: 'Echoville' },
        },
        { requestId: 'cust-echo-1' },
      );
      assert.equal(customer.Taxable, true);
      assert.deepEqual(customer.DefaultTaxCodeRef, { value: '2' });

      const qbo = nodeQuickBooks();
      const lines = [{ DetailType: 'SalesItemLineDetail', Amount: 12, SalesItemLineDetail: {} }];
      const created = (await call((cb) =>
        qbo.createInvoice({ CustomerRef: { value: customer.Id }, Line: lines }, cb),
      )) as Record<string, unknown>;
      assert.deepEqual(created.ShipAddr, { Line1: '1 Echo Way', City: 'Echoville' });
      assert.deepEqual(created.BillAddr, created.ShipAddr);
      assert.equal(created.PrintStatus, 'NeedToPrint');
      assert.equal('Deposit' in created, false);
      assert.equal('BillEmail' in created, false, 'the customer e-mail is not copied');
      assert.equal(created.Balance, 12);
      // The typed client reads it back unchanged.
      const read = await client().getDocument('Invoice', String(created.Id));
      assert.equal(read?.PrintStatus, 'NeedToPrint');

      const withEmail = (await call((cb) =>
        qbo.createInvoice(
          { CustomerRef: { value: customer.Id }, Line: lines, BillEmail: { Address: 'billing@echo.test' } },
          cb,
        ),
      )) as Record<string, unknown>;
      assert.deepEqual(withEmail.BillEmail, { Address: 'billing@echo.test' });
    });
  });
});
