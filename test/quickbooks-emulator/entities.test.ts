import assert from 'node:assert/strict';
import {
  asJson,
  bearer,
  connectNew,
  fails,
  firstError,
  http,
  line,
  ok,
  ref,
  useEmulator,
  type JsonObject,
} from './helpers';

describe('QBO emulator: entities through node-quickbooks', () => {
  const emulator = useEmulator({ clockStart: '2026-03-10T17:00:00Z' });

  const invoiceBody = (extra: JsonObject = {}): JsonObject => ({
    CustomerRef: { value: '1' },
    Line: [line(30, '2', { Qty: 3, UnitPrice: 10 }), line(12.5, '3')],
    ...extra,
  });

  it('creates an invoice with computed totals, a SubTotal line, defaults and the response extras', async () => {
    const qbo = connectNew(emulator());
    const inv = await ok((cb) => qbo.createInvoice(invoiceBody({ PrivateNote: 'note' }), cb));
    assert.equal(inv.Id, '1');
    assert.equal(inv.SyncToken, '0');
    assert.equal(inv.domain, 'QBO');
    assert.equal(inv.sparse, false);
    assert.equal(inv.TotalAmt, 42.5);
    assert.equal(inv.Balance, 42.5);
    assert.equal('Deposit' in inv, false, 'QBO echoes no Deposit that was not sent');
    assert.equal(inv.PrintStatus, 'NeedToPrint');
    assert.deepEqual(inv.LinkedTxn, []);
    assert.deepEqual(inv.TxnTaxDetail, { TotalTax: 0 });
    assert.equal(inv.TxnDate, '2026-03-10');
    assert.equal(inv.DueDate, '2026-04-09');
    assert.equal(inv.DocNumber, '1001');
    assert.deepEqual(inv.CustomerRef, { value: '1', name: "Amy's Bird Sanctuary" });
    assert.deepEqual(inv.CurrencyRef, { value: 'USD', name: 'United States Dollar' });
    assert.equal(asJson(inv.BillAddr).City, 'Bayshore');
    assert.deepEqual(inv.ShipAddr, inv.BillAddr, 'a customer without ShipAddr ships to its BillAddr');
    assert.equal(inv.BillEmail, undefined, 'BillEmail is not copied from the customer');
    assert.deepEqual(inv.MetaData, {
      CreateTime: '2026-03-10T10:00:00-07:00',
      LastUpdatedTime: '2026-03-10T10:00:00-07:00',
    });
    const lines = (inv.Line as JsonObject[]).map(asJson);
    assert.equal(lines.length, 3);
    assert.deepEqual(
      lines.map((l) => [l.Id, l.LineNum, l.Amount, l.DetailType]),
      [
        ['1', 1, 30, 'SalesItemLineDetail'],
        ['2', 2, 12.5, 'SalesItemLineDetail'],
        [undefined, undefined, 42.5, 'SubTotalLineDetail'],
      ],
    );
    assert.deepEqual(lines[2], { Amount: 42.5, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} });
    assert.deepEqual(asJson(lines[0]?.SalesItemLineDetail).ItemRef, { value: '2', name: 'Hours' });

    const read = await ok((cb) => qbo.getInvoice('1', cb));
    assert.deepEqual(read, inv);
  });

  it('accepts entity names in any case, ignores minorversion/format and answers intuit_tid', async () => {
    const em = emulator();
    const token = em.control.mintTokens(em.defaultRealmId).access_token;
    const res = await http(`${em.v3BaseUrl}${em.defaultRealmId}/INVOICE?minorversion=3&format=json`, {
      method: 'POST',
      headers: { ...bearer(token), 'Request-Id': 'abc' },
      body: JSON.stringify(invoiceBody()),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('intuit_tid') ?? '', /^1-[0-9a-f]+-[0-9a-f]{24}$/);
    const id = String(asJson(res.json().Invoice).Id);
    const read = await http(`${em.v3BaseUrl}${em.defaultRealmId}/Invoice/${id}`, { headers: bearer(token) });
    assert.equal(read.status, 200);
    assert.equal(asJson(read.json().Invoice).TotalAmt, 42.5);
  });

  it('sparse update changes only the fields sent, replaces Line, keeps line ids and bumps SyncToken', async () => {
    const qbo = connectNew(emulator());
    const inv = await ok((cb) =>
      qbo.createInvoice(invoiceBody({ PrivateNote: 'keep me', CustomerMemo: { value: 'memo' } }), cb),
    );
    emulator().control.clock.advance(60_000);
    const updated = await ok((cb) =>
      qbo.updateInvoice({ ...ref(inv), Line: [{ ...line(99, '4'), Id: '2' }, line(1, '1')] }, cb),
    );
    assert.equal(updated.SyncToken, '1');
    assert.equal(updated.PrivateNote, 'keep me');
    assert.deepEqual(updated.CustomerMemo, { value: 'memo' });
    assert.equal(updated.TotalAmt, 100);
    assert.equal(updated.Balance, 100);
    const lines = (updated.Line as JsonObject[]).map(asJson);
    assert.deepEqual(
      lines.map((l) => [l.Id, l.LineNum, l.Amount]),
      [
        ['2', 1, 99],
        ['3', 2, 1],
        [undefined, undefined, 100],
      ],
    );
    const meta = asJson(updated.MetaData);
    assert.equal(meta.CreateTime, '2026-03-10T10:00:00-07:00');
    assert.equal(meta.LastUpdatedTime, '2026-03-10T10:01:00-07:00');
  });

  it('full update sets fields left out to absent', async () => {
    const qbo = connectNew(emulator());
    const inv = await ok((cb) =>
      qbo.createInvoice(invoiceBody({ PrivateNote: 'gone soon', CustomerMemo: { value: 'memo' } }), cb),
    );
    const updated = await ok((cb) =>
      qbo.updateInvoice({ ...ref(inv), sparse: false, CustomerRef: { value: '2' }, Line: [line(5)] }, cb),
    );
    assert.equal(updated.PrivateNote, undefined);
    assert.equal(updated.CustomerMemo, undefined);
    assert.equal(updated.DocNumber, undefined);
    assert.equal(asJson(updated.CustomerRef).value, '2');
    assert.equal(updated.TotalAmt, 5);
    assert.equal(updated.SyncToken, '1');
  });

  it('round-trips a full update of the object as read (invoice, customer, item)', async () => {
    const qbo = connectNew(emulator());
    const inv = await ok((cb) => qbo.createInvoice(invoiceBody({ PrivateNote: 'p', DocNumber: 'RT-1' }), cb));
    const echoed = await ok((cb) => qbo.updateInvoice({ ...inv, ...ref(inv), sparse: false }, cb));
    const strip = (d: JsonObject) => ({ ...d, SyncToken: undefined, MetaData: undefined });
    assert.deepEqual(strip(echoed), strip(inv));
    assert.equal(echoed.SyncToken, '1');
    const customer = await ok((cb) => qbo.getCustomer('4', cb));
    const customerEcho = await ok((cb) =>
      qbo.updateCustomer({ ...customer, ...ref(customer), sparse: false }, cb),
    );
    assert.deepEqual(strip(customerEcho), strip(customer));
    const item = await ok((cb) => qbo.getItem('2', cb));
    const itemEcho = await ok((cb) => qbo.updateItem({ ...item, ...ref(item), sparse: false }, cb));
    assert.deepEqual(strip(itemEcho), strip(item));
  });

  it('rejects a stale SyncToken with 5010', async () => {
    const qbo = connectNew(emulator());
    const inv = await ok((cb) => qbo.createInvoice(invoiceBody(), cb));
    await ok((cb) => qbo.updateInvoice({ Id: String(inv.Id), SyncToken: '0', PrivateNote: 'first' }, cb));
    const failure = await fails((cb) =>
      qbo.updateInvoice({ Id: String(inv.Id), SyncToken: '0', PrivateNote: 'second' }, cb),
    );
    assert.equal(failure.status, 400);
    assert.deepEqual(failure.data.Fault, {
      Error: [
        {
          Message: 'Stale Object Error',
          Detail:
            'Stale Object Error : You and QuickBooks were working on this at the same time. QuickBooks finished before you did, so your work was not saved.',
          code: '5010',
          element: 'SyncToken',
        },
      ],
      type: 'ValidationFault',
    });
    assert.match(String(failure.data.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-07:00$/);
  });

  it('voids an invoice: amounts and quantities 0, Balance 0, "Voided" note, SyncToken +1', async () => {
    const qbo = connectNew(emulator());
    const inv = await ok((cb) => qbo.createInvoice(invoiceBody({ PrivateNote: 'marker' }), cb));
    const body = await ok((cb) => qbo.voidInvoice({ ...ref(inv) }, cb));
    const voided = asJson(body.Invoice);
    assert.equal(voided.TotalAmt, 0);
    assert.equal(voided.Balance, 0);
    assert.equal(voided.SyncToken, '1');
    assert.equal(voided.PrivateNote, 'Voided - marker');
    const lines = (voided.Line as JsonObject[]).map(asJson);
    assert.deepEqual(
      lines.map((l) => l.Amount),
      [0, 0, 0],
    );
    assert.equal(asJson(lines[0]?.SalesItemLineDetail).Qty, 0);
    const read = await ok((cb) => qbo.getInvoice(String(inv.Id), cb));
    assert.equal(read.PrivateNote, 'Voided - marker');
    // By id: node-quickbooks reads the invoice first and posts it back whole.
    const other = await ok((cb) => qbo.createInvoice(invoiceBody(), cb));
    const byId = await ok((cb) => qbo.voidInvoice(String(other.Id), cb));
    assert.equal(asJson(byId.Invoice).PrivateNote, 'Voided');
    assert.equal(asJson(byId.Invoice).Balance, 0);
  });

  it('deletes an invoice: status stub, then reads and deletes give 400/610', async () => {
    const qbo = connectNew(emulator());
    const inv = await ok((cb) => qbo.createInvoice(invoiceBody(), cb));
    const deleted = await ok((cb) => qbo.deleteInvoice({ ...ref(inv) }, cb));
    assert.deepEqual(deleted.Invoice, { status: 'Deleted', domain: 'QBO', Id: inv.Id });
    assert.match(String(deleted.time), /-07:00$/);
    for (const failure of [
      await fails((cb) => qbo.getInvoice(String(inv.Id), cb)),
      await fails((cb) => qbo.deleteInvoice({ ...ref(inv) }, cb)),
    ]) {
      assert.equal(failure.status, 400);
      const e = firstError(failure.data);
      assert.equal(e.code, '610');
      assert.equal(e.Message, 'Object Not Found');
    }
    const listed = await ok((cb) => qbo.findInvoices({}, cb));
    assert.deepEqual(listed.QueryResponse, {});
  });

  it('reports missing CustomerRef and Line together (2020) and a long DocNumber (2050)', async () => {
    const qbo = connectNew(emulator());
    const missing = await fails((cb) => qbo.createInvoice({ PrivateNote: 'x' }, cb));
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.data.Fault, {
      Error: [
        {
          Message: 'Required param missing, need to supply the required value for the API',
          Detail: 'Required parameter CustomerRef is missing in the request',
          code: '2020',
          element: 'CustomerRef',
        },
        {
          Message: 'Required param missing, need to supply the required value for the API',
          Detail: 'Required parameter Line is missing in the request',
          code: '2020',
          element: 'Line',
        },
      ],
      type: 'ValidationFault',
    });
    const long = await fails((cb) => qbo.createInvoice(invoiceBody({ DocNumber: 'X'.repeat(22) }), cb));
    assert.deepEqual(firstError(long.data), {
      Message: 'String length is either shorter or longer than supported by specification',
      Detail:
        'String length specified does not match the supported length. Min:0 Max:21 supported. Supplied length:22',
      code: '2050',
      element: 'DocNumber',
    });
    const exact = await ok((cb) => qbo.createInvoice(invoiceBody({ DocNumber: 'X'.repeat(21) }), cb));
    assert.equal(exact.DocNumber, 'X'.repeat(21));
  });

  it('checks references: unknown item/customer 2500, inactive item 2500, inactive customer 610', async () => {
    const qbo = connectNew(emulator());
    const badItem = await fails((cb) => qbo.createInvoice(invoiceBody({ Line: [line(1, '999')] }), cb));
    assert.deepEqual(firstError(badItem.data), {
      Message: 'Invalid Reference Id',
      Detail: 'Invalid Reference Id : Line.SalesItemLineDetail.ItemRef',
      code: '2500',
      element: 'Line.SalesItemLineDetail.ItemRef',
    });
    const badCustomer = await fails((cb) =>
      qbo.createInvoice(invoiceBody({ CustomerRef: { value: '999' } }), cb),
    );
    assert.equal(firstError(badCustomer.data).code, '2500');
    assert.equal(firstError(badCustomer.data).element, 'CustomerRef');

    const item = await ok((cb) => qbo.getItem('3', cb));
    await ok((cb) => qbo.updateItem({ ...ref(item), Active: false }, cb));
    const inactiveItem = await fails((cb) => qbo.createInvoice(invoiceBody(), cb));
    assert.deepEqual(firstError(inactiveItem.data), {
      Message: 'Invalid Reference Id',
      Detail:
        "Invalid Reference Id : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.",
      code: '2500',
      element: '',
    });

    const customer = await ok((cb) => qbo.getCustomer('2', cb));
    await ok((cb) => qbo.updateCustomer({ ...ref(customer), Active: false }, cb));
    const inactiveCustomer = await fails((cb) =>
      qbo.createInvoice({ CustomerRef: { value: '2' }, Line: [line(1)] }, cb),
    );
    assert.equal(firstError(inactiveCustomer.data).code, '610');
  });

  it('checks Amount = round-half-up(Qty × UnitPrice) to the cent (6070)', async () => {
    const qbo = connectNew(emulator());
    const good = await ok((cb) =>
      qbo.createInvoice(invoiceBody({ Line: [line(0.02, '1', { Qty: 3, UnitPrice: 0.005 })] }), cb),
    );
    assert.equal(good.TotalAmt, 0.02);
    const exact = await ok((cb) =>
      qbo.createInvoice(invoiceBody({ Line: [line(0.3, '1', { Qty: 3, UnitPrice: 0.1 })] }), cb),
    );
    assert.equal(exact.TotalAmt, 0.3);
    const bad = await fails((cb) =>
      qbo.createInvoice(invoiceBody({ Line: [line(10.01, '1', { Qty: 1, UnitPrice: 10 })] }), cb),
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(firstError(bad.data), {
      Message: 'Amount calculation incorrect in the request',
      Detail: 'Amount is not equal to Qty * UnitPrice. Supplied value:10.01',
      code: '6070',
      element: 'Line.Amount',
    });
  });

  it('rejects an invoice with a negative total (6000) but allows a negative line', async () => {
    const qbo = connectNew(emulator());
    const negative = await fails((cb) => qbo.createInvoice(invoiceBody({ Line: [line(5), line(-10)] }), cb));
    assert.equal(negative.status, 400);
    const e = firstError(negative.data);
    assert.equal(e.code, '6000');
    assert.equal(e.Message, 'A business validation error has occurred while processing your request');
    assert.match(String(e.Detail), /^Business Validation Error: /);
    const mixed = await ok((cb) => qbo.createInvoice(invoiceBody({ Line: [line(15), line(-10)] }), cb));
    assert.equal(mixed.TotalAmt, 5);
  });

  it('rejects a duplicate DocNumber with 6140 naming the TxnId, unless allowDuplicateDocNum', async () => {
    const qbo = connectNew(emulator());
    const first = await ok((cb) => qbo.createInvoice(invoiceBody({ DocNumber: 'B-1' }), cb));
    const dup = await fails((cb) => qbo.createInvoice(invoiceBody({ DocNumber: 'B-1' }), cb));
    assert.deepEqual(firstError(dup.data), {
      Message: 'Duplicate Document Number Error',
      Detail: `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=B-1 is assigned to TxnType=Invoice with TxnId=${String(first.Id)}`,
      code: '6140',
      element: 'DocNumber',
    });
    const allowed = await ok((cb) =>
      qbo.createInvoice(invoiceBody({ DocNumber: 'B-1', allowDuplicateDocNum: true }), cb),
    );
    assert.equal(allowed.DocNumber, 'B-1');
    assert.notEqual(allowed.Id, first.Id);
    // A renumbered or deleted document frees its number.
    const renamed = await ok((cb) => qbo.updateInvoice({ ...ref(first), DocNumber: 'B-2' }, cb));
    await ok((cb) => qbo.deleteInvoice(ref(allowed), cb));
    const reused = await ok((cb) => qbo.createInvoice(invoiceBody({ DocNumber: 'B-1' }), cb));
    assert.equal(reused.DocNumber, 'B-1');
    const clash = await fails((cb) => qbo.createInvoice(invoiceBody({ DocNumber: 'B-2' }), cb));
    assert.match(String(firstError(clash.data).Detail), new RegExp(`TxnId=${String(renamed.Id)}$`));
  });

  it('numbers documents itself unless CustomTxnNumbers is on', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    const a = await ok((cb) => qbo.createInvoice(invoiceBody(), cb));
    await ok((cb) => qbo.createInvoice(invoiceBody({ DocNumber: '1002' }), cb));
    const c = await ok((cb) => qbo.createCreditMemo(invoiceBody(), cb));
    assert.deepEqual([a.DocNumber, c.DocNumber], ['1001', '1003']);
    em.control.updateRealm(em.defaultRealmId, { customTxnNumbers: true });
    const prefs = await ok((cb) => qbo.getPreferences(cb));
    assert.equal(asJson(prefs.SalesFormsPrefs).CustomTxnNumbers, true);
    const none = await ok((cb) => qbo.createInvoice(invoiceBody(), cb));
    assert.equal(none.DocNumber, undefined);
  });

  it('rejects unknown properties with 2010', async () => {
    const qbo = connectNew(emulator());
    const failure = await fails((cb) => qbo.createInvoice(invoiceBody({ Memo: 'typo' }), cb));
    assert.equal(firstError(failure.data).code, '2010');
    assert.match(String(firstError(failure.data).Detail), /Unrecognized field "Memo"/);
  });

  it('creates credit memos with positive amounts, RemainingCredit and Balance', async () => {
    const qbo = connectNew(emulator());
    const cm = await ok((cb) =>
      qbo.createCreditMemo({ CustomerRef: { value: '3' }, Line: [line(20, '5')] }, cb),
    );
    assert.equal(cm.TotalAmt, 20);
    assert.equal(cm.Balance, 20);
    assert.equal(cm.RemainingCredit, 20);
    assert.equal(cm.DueDate, undefined);
    const lines = (cm.Line as JsonObject[]).map(asJson);
    assert.equal(lines.at(-1)?.DetailType, 'SubTotalLineDetail');
    const read = await ok((cb) => qbo.getCreditMemo(String(cm.Id), cb));
    assert.deepEqual(read, cm);
    const customer = await ok((cb) => qbo.getCustomer('3', cb));
    assert.equal(customer.Balance, -20);
  });

  it('keeps customers unique by DisplayName (6240 with the existing Id) and fills the defaults', async () => {
    const qbo = connectNew(emulator());
    const created = await ok((cb) =>
      qbo.createCustomer(
        {
          DisplayName: 'Acme Ltd',
          PrimaryEmailAddr: { Address: 'ap@acme.test' },
          BillAddr: { Line1: '1 Road' },
        },
        cb,
      ),
    );
    assert.equal(created.Active, true);
    assert.deepEqual(created.CurrencyRef, { value: 'USD', name: 'United States Dollar' });
    assert.deepEqual(created.PrimaryEmailAddr, { Address: 'ap@acme.test' });
    assert.equal(created.FullyQualifiedName, 'Acme Ltd');
    const inv = await ok((cb) =>
      qbo.createInvoice({ CustomerRef: { value: String(created.Id) }, Line: [line(1)] }, cb),
    );
    assert.equal(inv.BillEmail, undefined, 'the customer e-mail is not copied onto the invoice');
    assert.deepEqual(inv.ShipAddr, { Line1: '1 Road' });
    await ok((cb) => qbo.updateCustomer({ ...ref(created), DisplayName: 'Acme Limited' }, cb));
    const reread = await ok((cb) => qbo.getInvoice(String(inv.Id), cb));
    assert.deepEqual(reread.CustomerRef, { value: String(created.Id), name: 'Acme Limited' });
    const dup = await fails((cb) => qbo.createCustomer({ DisplayName: 'acme limited' }, cb));
    const e = firstError(dup.data);
    assert.equal(e.code, '6240');
    assert.equal(e.Message, 'Duplicate Name Exists Error');
    assert.match(String(e.Detail), new RegExp(`Id=${String(created.Id)}$`));
    const otherCurrency = await fails((cb) =>
      qbo.createCustomer({ DisplayName: 'Euro GmbH', CurrencyRef: { value: 'EUR' } }, cb),
    );
    assert.equal(firstError(otherCurrency.data).code, '6000');
    assert.match(String(firstError(otherCurrency.data).Detail), /EUR.*USD/);
  });

  it('keeps items unique by Name (6240) with Type and Active', async () => {
    const qbo = connectNew(emulator());
    const created = await ok((cb) => qbo.createItem({ Name: 'Platform fee', Type: 'Service' }, cb));
    assert.equal(created.Type, 'Service');
    assert.equal(created.Active, true);
    const dup = await fails((cb) => qbo.createItem({ Name: 'Services' }, cb));
    assert.equal(firstError(dup.data).code, '6240');
    assert.match(String(firstError(dup.data).Detail), /Id=1$/);
  });

  it('marks invoices paid through the control API and then refuses to void or delete them', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    const inv = await ok((cb) => qbo.createInvoice(invoiceBody(), cb));
    const paid = em.control.applyPayment(em.defaultRealmId, 'Invoice', String(inv.Id), 10);
    assert.equal(paid.TotalAmt, 42.5);
    assert.equal(paid.Balance, 32.5);
    assert.equal(paid.SyncToken, '1');
    assert.deepEqual(paid.LinkedTxn, [{ TxnId: '1', TxnType: 'Payment' }]);
    const read = await ok((cb) => qbo.getInvoice(String(inv.Id), cb));
    assert.notEqual(read.Balance, read.TotalAmt);
    const voidFailure = await fails((cb) =>
      qbo.voidInvoice({ Id: String(inv.Id), SyncToken: String(read.SyncToken) }, cb),
    );
    assert.equal(firstError(voidFailure.data).code, '6000');
    const deleteFailure = await fails((cb) =>
      qbo.deleteInvoice({ Id: String(inv.Id), SyncToken: String(read.SyncToken) }, cb),
    );
    assert.equal(firstError(deleteFailure.data).code, '6000');
    const updated = await ok((cb) =>
      qbo.updateInvoice({ Id: String(inv.Id), SyncToken: String(read.SyncToken), Line: [line(50)] }, cb),
    );
    assert.equal(updated.Balance, 40);
  });

  it('refuses documents dated in a closed accounting period (6210)', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    const old = await ok((cb) => qbo.createInvoice(invoiceBody({ TxnDate: '2026-01-15' }), cb));
    em.control.updateRealm(em.defaultRealmId, { bookCloseDate: '2026-01-31' });
    const prefs = await ok((cb) => qbo.getPreferences(cb));
    assert.equal(asJson(prefs.AccountingInfoPrefs).BookCloseDate, '2026-01-31');
    const create = await fails((cb) => qbo.createInvoice(invoiceBody({ TxnDate: '2026-01-31' }), cb));
    assert.equal(create.status, 400);
    assert.equal(firstError(create.data).code, '6210');
    const update = await fails((cb) => qbo.updateInvoice({ ...ref(old), TxnDate: '2026-02-02' }, cb));
    assert.equal(firstError(update.data).code, '6210');
    const remove = await fails((cb) => qbo.deleteInvoice(ref(old), cb));
    assert.equal(firstError(remove.data).code, '6210');
    const open = await ok((cb) => qbo.createInvoice(invoiceBody({ TxnDate: '2026-02-01' }), cb));
    assert.equal(open.TxnDate, '2026-02-01');
  });

  it('serves Preferences and CompanyInfo', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    const prefs = await ok((cb) => qbo.getPreferences(cb));
    assert.deepEqual(prefs.CurrencyPrefs, { MultiCurrencyEnabled: false, HomeCurrency: { value: 'USD' } });
    assert.equal(asJson(prefs.SalesFormsPrefs).CustomTxnNumbers, false);
    const info = await ok((cb) => qbo.getCompanyInfo(em.defaultRealmId, cb));
    assert.equal(info.CompanyName, 'Sandbox Company_US_1');
    assert.equal(info.Country, 'US');
  });

  it('seeds every realm the same way', async () => {
    const em = emulator();
    const docs = em.control.documents(em.control.createRealm().realmId);
    assert.deepEqual(
      docs.Item.map((i) => i.Name),
      ['Services', 'Hours', 'Usage', 'Subscription', 'Credit'],
    );
    assert.equal(docs.Customer.length, 5);
    assert.deepEqual(docs.Invoice, []);
  });

  it('runs batches with per-item results', async () => {
    const qbo = connectNew(emulator());
    const body = await ok((cb) =>
      qbo.batch(
        [
          { bId: 'b1', operation: 'create', Invoice: invoiceBody() },
          { bId: 'b2', operation: 'create', Invoice: { CustomerRef: { value: '1' } } },
          { bId: 'b3', operation: 'query', Query: "select * from Item where Name = 'Usage'" },
        ],
        cb,
      ),
    );
    const items = (body.BatchItemResponse as JsonObject[]).map(asJson);
    assert.equal(asJson(items[0]?.Invoice).TotalAmt, 42.5);
    assert.equal(items[1]?.bId, 'b2');
    assert.equal(firstError(asJson(items[1])).code, '2020');
    const found = (asJson(items[2]?.QueryResponse).Item as JsonObject[]).map(asJson);
    assert.deepEqual(
      found.map((i) => i.Name),
      ['Usage'],
    );
  });
});
