import assert from 'node:assert/strict';
import { asJson, connectNew, fails, firstError, line, ok, useEmulator } from './helpers';

describe('QBO emulator: multicurrency', () => {
  const emulator = useEmulator();

  it('is off by default: documents come back in the home currency and another currency is rejected', async () => {
    const qbo = connectNew(emulator());
    const prefs = await ok((cb) => qbo.getPreferences(cb));
    assert.deepEqual(prefs.CurrencyPrefs, { MultiCurrencyEnabled: false, HomeCurrency: { value: 'USD' } });
    const inv = await ok((cb) => qbo.createInvoice({ CustomerRef: { value: '1' }, Line: [line(10)] }, cb));
    assert.deepEqual(inv.CurrencyRef, { value: 'USD', name: 'United States Dollar' });
    assert.equal(inv.ExchangeRate, undefined);
    assert.equal(inv.HomeTotalAmt, undefined);
    const failure = await fails((cb) =>
      qbo.createInvoice({ CustomerRef: { value: '1' }, CurrencyRef: { value: 'EUR' }, Line: [line(10)] }, cb),
    );
    assert.equal(failure.status, 400);
    const e = firstError(failure.data);
    assert.equal(e.code, '6000');
    assert.match(String(e.Detail), /EUR/);
    assert.match(String(e.Detail), /USD/);
  });

  it('when on: CurrencyRef is required and must be the customer currency; ExchangeRate and Home amounts are returned', async () => {
    const em = emulator();
    em.control.setMultiCurrency(em.defaultRealmId, true);
    const qbo = connectNew(em);
    const prefs = await ok((cb) => qbo.getPreferences(cb));
    assert.deepEqual(prefs.CurrencyPrefs, { MultiCurrencyEnabled: true, HomeCurrency: { value: 'USD' } });
    const euro = await ok((cb) =>
      qbo.createCustomer({ DisplayName: 'Euro GmbH', CurrencyRef: { value: 'EUR' } }, cb),
    );
    assert.deepEqual(euro.CurrencyRef, { value: 'EUR', name: 'Euro' });

    const missing = await fails((cb) =>
      qbo.createInvoice({ CustomerRef: { value: String(euro.Id) }, Line: [line(100)] }, cb),
    );
    assert.equal(firstError(missing.data).code, '2020');
    assert.equal(firstError(missing.data).element, 'CurrencyRef');

    const clash = await fails((cb) =>
      qbo.createInvoice(
        { CustomerRef: { value: String(euro.Id) }, CurrencyRef: { value: 'USD' }, Line: [line(100)] },
        cb,
      ),
    );
    const e = firstError(clash.data);
    assert.equal(e.code, '6000');
    assert.equal(e.Message, 'A business validation error has occurred while processing your request');
    assert.match(String(e.Detail), /currency USD does not match the currency EUR of customer Euro GmbH/);

    const inv = await ok((cb) =>
      qbo.createInvoice(
        {
          CustomerRef: { value: String(euro.Id) },
          CurrencyRef: { value: 'EUR' },
          Line: [line(100), line(0.5)],
        },
        cb,
      ),
    );
    assert.deepEqual(inv.CurrencyRef, { value: 'EUR', name: 'Euro' });
    assert.equal(inv.ExchangeRate, 1.08);
    assert.equal(inv.TotalAmt, 100.5);
    assert.equal(inv.HomeTotalAmt, 108.54);
    assert.equal(inv.HomeBalance, 108.54);

    em.control.setExchangeRate(em.defaultRealmId, 'EUR', 1.1);
    const cm = await ok((cb) =>
      qbo.createCreditMemo(
        { CustomerRef: { value: String(euro.Id) }, CurrencyRef: { value: 'EUR' }, Line: [line(10)] },
        cb,
      ),
    );
    assert.equal(cm.ExchangeRate, 1.1);
    assert.equal(cm.HomeTotalAmt, 11);
    const explicit = await ok((cb) =>
      qbo.createInvoice(
        {
          CustomerRef: { value: String(euro.Id) },
          CurrencyRef: { value: 'EUR' },
          ExchangeRate: 1.2,
          Line: [line(10)],
        },
        cb,
      ),
    );
    assert.equal(explicit.HomeTotalAmt, 12);

    const home = await ok((cb) =>
      qbo.createInvoice({ CustomerRef: { value: '1' }, CurrencyRef: { value: 'USD' }, Line: [line(10)] }, cb),
    );
    assert.equal(home.ExchangeRate, 1);
    assert.equal(home.HomeTotalAmt, 10);
    assert.equal(asJson(home.CurrencyRef).value, 'USD');
  });

  it('keeps a customer currency fixed once it has transactions', async () => {
    const em = emulator();
    em.control.setMultiCurrency(em.defaultRealmId, true);
    const qbo = connectNew(em);
    const gbp = await ok((cb) =>
      qbo.createCustomer({ DisplayName: 'Pound Ltd', CurrencyRef: { value: 'GBP' } }, cb),
    );
    await ok((cb) =>
      qbo.createInvoice(
        { CustomerRef: { value: String(gbp.Id) }, CurrencyRef: { value: 'GBP' }, Line: [line(10)] },
        cb,
      ),
    );
    const change = await fails((cb) =>
      qbo.updateCustomer(
        { Id: String(gbp.Id), SyncToken: String(gbp.SyncToken), CurrencyRef: { value: 'EUR' } },
        cb,
      ),
    );
    assert.equal(firstError(change.data).code, '6000');
  });
});
