import assert from 'node:assert/strict';
import {
  classifyFailure,
  exhaustedStatus,
  failureFromQuickBooks,
  NON_RETRYABLE_FAILURE_CODES,
  SYNC_FAILURE_CODES,
} from '../../src/domain/sync-failure';

describe('sync failure classification', () => {
  const qbo = (kind: Parameters<typeof failureFromQuickBooks>[0]['kind'], code?: string, httpStatus = 400) =>
    failureFromQuickBooks({
      kind,
      code,
      httpStatus,
      message: 'm',
      element: 'DocNumber',
      detail: 'd',
      intuitTid: 'tid-1',
    });

  it('retries network trouble, 5xx, timeouts and 429 (429 shows RATE_LIMIT_RETRY)', () => {
    assert.deepEqual(classifyFailure(qbo('server', '10000', 500)), {
      retryable: true,
      runStatus: 'AWAITING_RETRY',
    });
    assert.deepEqual(classifyFailure(qbo('network')), { retryable: true, runStatus: 'AWAITING_RETRY' });
    assert.deepEqual(classifyFailure(qbo('timeout')), { retryable: true, runStatus: 'AWAITING_RETRY' });
    assert.deepEqual(classifyFailure(qbo('throttled', '003001', 429)), {
      retryable: true,
      runStatus: 'RATE_LIMIT_RETRY',
    });
  });

  it('does not retry validation faults and keeps QuickBooks code, element, detail and intuit_tid', () => {
    const f = qbo('fault', '6140');
    assert.equal(f.code, 'QBO_VALIDATION');
    assert.deepEqual(f.quickBooks, {
      kind: 'fault',
      code: '6140',
      httpStatus: 400,
      element: 'DocNumber',
      detail: 'd',
      intuitTid: 'tid-1',
    });
    assert.deepEqual(classifyFailure(f), {
      retryable: false,
      runStatus: 'ERROR',
      event: 'integration.validation.error',
    });
  });

  it('maps auth, closed period, paid invoice and missing mapping to their statuses and events', () => {
    assert.deepEqual(classifyFailure(qbo('auth', '3200', 401)), {
      retryable: false,
      runStatus: 'AUTH_FAILED',
      event: 'integration.authentication.error',
    });
    assert.equal(classifyFailure(qbo('fault', '6210')).runStatus, 'ACCOUNTING_PERIOD_CLOSED');
    assert.equal(classifyFailure({ code: 'INVOICE_ALREADY_PAID' }).runStatus, 'INVOICE_ALREADY_PAID');
    assert.deepEqual(classifyFailure({ code: 'MISSING_ACCOUNT_MAPPING' }), {
      retryable: false,
      runStatus: 'ERROR',
      event: 'integration.missingaccountmapping.error',
    });
  });

  it('ends exhausted retries in ERROR, or TIMEOUT_LIMIT_EXCEEDED for timeouts', () => {
    assert.equal(exhaustedStatus({ code: 'QBO_UNAVAILABLE' }).runStatus, 'ERROR');
    assert.equal(exhaustedStatus({ code: 'QBO_TIMEOUT' }).runStatus, 'TIMEOUT_LIMIT_EXCEEDED');
    assert.equal(exhaustedStatus({ code: 'QBO_RATE_LIMITED' }).event, 'integration.perform.error');
  });

  it('classifies every code, and lists exactly the permanent ones as non-retryable', () => {
    for (const code of SYNC_FAILURE_CODES) {
      const c = classifyFailure({ code });
      assert.equal(NON_RETRYABLE_FAILURE_CODES.includes(code), !c.retryable, code);
    }
  });
});
