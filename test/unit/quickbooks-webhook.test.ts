import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { parseIntuitNotifications, verifyIntuitSignature } from '../../src/domain/quickbooks-webhook';

describe('QuickBooks webhooks (pure)', () => {
  const token = 'verifier-token-1';
  const body = Buffer.from('{"eventNotifications":[]}');
  const sign = (b: Buffer, t = token) => createHmac('sha256', t).update(b).digest('base64');

  it('verifies intuit-signature over the raw bytes with the verifier token', () => {
    assert.equal(verifyIntuitSignature(token, body, sign(body)), true);
    assert.equal(verifyIntuitSignature(token, body, sign(body, 'another-token')), false);
    assert.equal(verifyIntuitSignature(token, Buffer.from(`${body.toString()} `), sign(body)), false);
    assert.equal(verifyIntuitSignature(token, body, undefined), false);
    assert.equal(verifyIntuitSignature(token, body, 'short'), false);
  });

  it('reads the legacy eventNotifications body', () => {
    const parsed = parseIntuitNotifications({
      eventNotifications: [
        {
          realmId: '9130',
          dataChangeEvent: {
            entities: [
              { name: 'Invoice', id: '42', operation: 'Update', lastUpdated: '2026-12-01T10:00:00.000Z' },
              { name: 'CreditMemo', id: '43', operation: 'Delete', lastUpdated: '2026-12-01T10:01:00.000Z' },
              { name: 'Invoice', operation: 'Update' },
            ],
          },
        },
        { dataChangeEvent: { entities: [] } },
      ],
    });
    assert.deepEqual(parsed.notifications, [
      {
        realmId: '9130',
        entity: 'Invoice',
        id: '42',
        operation: 'Update',
        lastUpdated: '2026-12-01T10:00:00.000Z',
      },
      {
        realmId: '9130',
        entity: 'CreditMemo',
        id: '43',
        operation: 'Delete',
        lastUpdated: '2026-12-01T10:01:00.000Z',
      },
    ]);
    assert.equal(parsed.unreadable, 2);
  });

  it('reads the CloudEvents array', () => {
    const parsed = parseIntuitNotifications([
      {
        specversion: '1.0',
        id: 'e-1',
        type: 'qbo.invoice.voided.v1',
        time: '2026-12-01T10:00:00Z',
        intuitentityid: '42',
        intuitaccountid: '9130',
      },
      { specversion: '1.0', type: 'qbo.creditmemo.deleted.v1', intuitentityid: '7', intuitaccountid: '9130' },
      { type: 'nonsense' },
    ]);
    assert.deepEqual(parsed.notifications, [
      {
        realmId: '9130',
        entity: 'Invoice',
        id: '42',
        operation: 'Void',
        lastUpdated: '2026-12-01T10:00:00Z',
      },
      { realmId: '9130', entity: 'CreditMemo', id: '7', operation: 'Delete', lastUpdated: '' },
    ]);
    assert.equal(parsed.unreadable, 1);
    assert.equal(parseIntuitNotifications({ nothing: true }).unreadable, 1);
  });
});
