import assert from 'node:assert/strict';
import { startEmulator } from '../../emulators/quickbooks';
import { EmulatorControlClient, EmulatorControlError } from '../../emulators/quickbooks/control-client';
import {
  bearer,
  connect,
  connectNew,
  fails,
  failsWithText,
  firstError,
  http,
  line,
  ok,
  ref,
  useEmulator,
  withoutXmlTime,
} from './helpers';

/** The XML Fault QBO sends, `time` blanked (see withoutXmlTime). */
const xmlFault = (type: string, error: string): string =>
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
  '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="">' +
  `<Fault type="${type}">${error}</Fault></IntuitResponse>`;

const THROTTLE_DETAIL = 'The request limit was reached.  Try again later';
const XML = 'application/xml;charset=UTF-8';

describe('QBO emulator: replies as QuickBooks really sends them', () => {
  const emulator = useEmulator({ clockStart: '2026-03-10T17:00:00Z' });

  describe('throttles', () => {
    it('answers a 429 as XML with code 3001 by default, even though JSON was asked for', async () => {
      const em = emulator();
      const qbo = connectNew(em);
      em.control.failNext(1, { type: 'status', status: 429 });
      const throttled = await failsWithText((cb) => qbo.getPreferences(cb));
      assert.equal(throttled.status, 429);
      assert.equal(throttled.contentType, XML);
      assert.equal(
        withoutXmlTime(throttled.text),
        xmlFault(
          'SERVICE',
          '<Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>' +
            `<Detail>${THROTTLE_DETAIL}</Detail></Error>`,
        ),
      );
      // `time` is the company's local time, like every QBO timestamp.
      assert.match(throttled.text, / time="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-07:00"/);
    });

    it('throttles with HTTP 403 as older QBO did, when switched, and still counts it as throttled', async () => {
      const em = emulator();
      const qbo = connectNew(em);
      assert.deepEqual(em.control.setReplies({ throttleStatus: 403 }), {
        throttleStatus: 403,
        throttleFormat: 'xml',
        authFormat: 'json',
        gatewayTimeoutFormat: 'xml',
      });
      em.control.setLimits({ enabled: true, requestsPerMinute: 1 });
      await ok((cb) => qbo.getPreferences(cb));
      const throttled = await failsWithText((cb) => qbo.getPreferences(cb));
      assert.equal(throttled.status, 403);
      assert.equal(
        withoutXmlTime(throttled.text),
        xmlFault(
          'SERVICE',
          '<Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=403</Message>' +
            `<Detail>${THROTTLE_DETAIL}</Detail></Error>`,
        ),
      );
      const counters = em.control.counters();
      assert.equal(counters.throttled, 1);
      assert.deepEqual(counters.byStatus, { '200': 1, '403': 1 });
    });

    it('answers the JSON throttle body when switched, with 429 or 403', async () => {
      const em = emulator();
      const qbo = connectNew(em);
      em.control.setReplies({ throttleFormat: 'json' });
      em.control.failNext(1, { type: 'status', status: 429 });
      const json429 = await fails((cb) => qbo.getPreferences(cb));
      assert.equal(json429.status, 429);
      assert.deepEqual(json429.data.Fault, {
        Error: [
          {
            Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
            Detail: THROTTLE_DETAIL,
            code: '003001',
            element: '',
          },
        ],
        type: 'SERVICE',
      });
      em.control.setReplies({ throttleStatus: 403 });
      em.control.setFaults({ throttleShare: 1 });
      const json403 = await fails((cb) => qbo.getPreferences(cb));
      assert.equal(json403.status, 403);
      assert.equal(
        firstError(json403.data).Message,
        'message=ThrottleExceeded; errorCode=003001; statusCode=403',
      );
      assert.equal(em.control.counters().throttled, 2);
    });

    it('keeps a realm’s own reply switches over the global ones', async () => {
      const em = emulator();
      const other = em.control.createRealm().realmId;
      em.control.setReplies({ throttleStatus: 403 }, other);
      assert.equal(em.control.replies(other).throttleStatus, 403);
      assert.equal(em.control.replies().throttleStatus, 429);
      em.control.enqueueFaults([{ action: { type: 'status', status: 429 }, count: 2 }]);
      assert.equal((await failsWithText((cb) => connectNew(em).getPreferences(cb))).status, 429);
      assert.equal((await failsWithText((cb) => connectNew(em, other).getPreferences(cb))).status, 403);
      em.control.reset();
      assert.equal(em.control.replies(other).throttleStatus, 429, 'reset forgets the switches');
    });
  });

  describe('authentication and gateway timeouts', () => {
    it('answers a bad token with the XML AuthenticationFault code 100 when switched', async () => {
      const em = emulator();
      em.control.setReplies({ authFormat: 'xml' });
      const failure = await failsWithText((cb) =>
        connect(em, em.defaultRealmId, 'not-a-token').getPreferences(cb),
      );
      assert.equal(failure.status, 401);
      assert.equal(failure.contentType, XML);
      assert.equal(
        withoutXmlTime(failure.text),
        xmlFault(
          'AuthenticationFault',
          '<Error code="100"><Message>General Authentication Error</Message>' +
            '<Detail>AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401</Detail></Error>',
        ),
      );
      // An injected 401 follows the same switch.
      em.control.failNext(1, { type: 'status', status: 401 });
      const injected = await failsWithText((cb) => connectNew(em).getPreferences(cb));
      assert.equal(injected.status, 401);
      assert.match(injected.text, /<Error code="100">/);
    });

    it('injects a 504 as XML code 6002 without Detail, or as JSON when switched', async () => {
      const em = emulator();
      const qbo = connectNew(em);
      em.control.failNext(1, { type: 'status', status: 504 });
      const xml = await failsWithText((cb) => qbo.getPreferences(cb));
      assert.equal(xml.status, 504);
      assert.equal(xml.contentType, XML);
      assert.equal(
        withoutXmlTime(xml.text),
        xmlFault(
          'SERVICE',
          '<Error code="6002"><Message>message=GatewayTimeout; errorCode=006002; statusCode=504</Message></Error>',
        ),
      );
      em.control.setReplies({ gatewayTimeoutFormat: 'json' });
      em.control.failNext(1, { type: 'status', status: 504 });
      const json = await fails((cb) => qbo.getPreferences(cb));
      assert.equal(json.status, 504);
      assert.deepEqual(json.data.Fault, {
        Error: [{ Message: 'message=GatewayTimeout; errorCode=006002; statusCode=504', code: '6002' }],
        type: 'SERVICE',
      });
    });

    it('keeps the OAuth endpoints on JSON whatever the API switches say', async () => {
      const em = emulator();
      em.control.setReplies({ throttleFormat: 'xml', throttleStatus: 403 });
      em.control.failNext(1, { type: 'status', status: 429 }, { target: 'oauth' });
      const res = await http(em.oauth.tokenUrl, { method: 'POST' });
      assert.equal(res.status, 429);
      assert.equal(firstError(res.json()).code, '003001');
    });
  });

  describe('validation answers', () => {
    it('answers a non-numeric id with 2030, without element and without time', async () => {
      const em = emulator();
      const failure = await fails((cb) => connectNew(em).getInvoice('abc', cb));
      assert.equal(failure.status, 400);
      assert.deepEqual(failure.data, {
        Fault: {
          Error: [
            {
              Message: 'Invalid ID',
              Detail: 'Id should be a valid number. Supplied value:abc',
              code: '2030',
            },
          ],
          type: 'ValidationFault',
        },
      });
      // A numeric id that does not exist is still 610.
      assert.equal(firstError((await fails((cb) => connectNew(em).getInvoice('999', cb))).data).code, '610');
    });

    it('answers a query on an unknown entity with 4001', async () => {
      const em = emulator();
      // node-quickbooks can only name real entities; Account is one the emulator does not hold.
      const failure = await fails((cb) => connectNew(em).findAccounts({}, cb));
      assert.equal(failure.status, 400);
      assert.deepEqual(firstError(failure.data), {
        Message: 'Invalid query',
        Detail: 'QueryValidationError: Unsupported entity for query: account',
        code: '4001',
        element: '',
      });
    });
  });

  describe('what a created invoice echoes', () => {
    it('ships to the customer’s ShipAddr (else its BillAddr), echoes BillEmail only when sent, no Deposit, NeedToPrint', async () => {
      const em = emulator();
      const qbo = connectNew(em);
      const billAddr = { Line1: '1 Bill Road', City: 'Billtown' };
      const shipAddr = { Line1: '2 Ship Street', City: 'Shipton' };
      const withShip = await ok((cb) =>
        qbo.createCustomer(
          {
            DisplayName: 'Ships Elsewhere',
            PrimaryEmailAddr: { Address: 'ap@ships.test' },
            BillAddr: billAddr,
            ShipAddr: shipAddr,
          },
          cb,
        ),
      );
      const inv = await ok((cb) =>
        qbo.createInvoice({ CustomerRef: { value: String(withShip.Id) }, Line: [line(10)] }, cb),
      );
      assert.deepEqual(inv.BillAddr, billAddr);
      assert.deepEqual(inv.ShipAddr, shipAddr);
      assert.equal('BillEmail' in inv, false);
      assert.equal('Deposit' in inv, false);
      assert.equal(inv.PrintStatus, 'NeedToPrint');
      assert.equal(inv.EmailStatus, 'NotSet');
      assert.equal(inv.Balance, 10);

      const sent = await ok((cb) =>
        qbo.createInvoice(
          {
            CustomerRef: { value: String(withShip.Id) },
            Line: [line(10)],
            BillEmail: { Address: 'invoices@ships.test' },
            ShipAddr: { Line1: '3 Sent Lane' },
          },
          cb,
        ),
      );
      assert.deepEqual(sent.BillEmail, { Address: 'invoices@ships.test' });
      assert.deepEqual(sent.ShipAddr, { Line1: '3 Sent Lane' });

      // Seeded customer 1 has a BillAddr and no ShipAddr.
      const seeded = await ok((cb) =>
        qbo.createInvoice({ CustomerRef: { value: '1' }, Line: [line(5)] }, cb),
      );
      const customer = await ok((cb) => qbo.getCustomer('1', cb));
      assert.equal(customer.ShipAddr, undefined);
      assert.deepEqual(seeded.ShipAddr, customer.BillAddr);
    });

    it('leaves PrintStatus NotSet for a customer who is not sent paper', async () => {
      const em = emulator();
      const qbo = connectNew(em);
      const customer = await ok((cb) =>
        qbo.createCustomer({ DisplayName: 'Paperless', PreferredDeliveryMethod: 'Email' }, cb),
      );
      const inv = await ok((cb) =>
        qbo.createInvoice({ CustomerRef: { value: String(customer.Id) }, Line: [line(1)] }, cb),
      );
      assert.equal(inv.PrintStatus, 'NotSet');
    });
  });

  describe('customers of a US company', () => {
    it('creates them Taxable with the default tax code 2, unless told otherwise', async () => {
      const em = emulator();
      const qbo = connectNew(em);
      const info = await ok((cb) => qbo.getCompanyInfo(em.defaultRealmId, cb));
      assert.equal(info.Country, 'US');
      const taxable = await ok((cb) => qbo.createCustomer({ DisplayName: 'Taxed Inc' }, cb));
      assert.equal(taxable.Taxable, true);
      assert.deepEqual(taxable.DefaultTaxCodeRef, { value: '2' });
      const exempt = await ok((cb) => qbo.createCustomer({ DisplayName: 'Exempt Inc', Taxable: false }, cb));
      assert.equal(exempt.Taxable, false);
      assert.equal('DefaultTaxCodeRef' in exempt, false);
      // A sparse update keeps what was stored.
      const renamed = await ok((cb) =>
        qbo.updateCustomer({ ...ref(taxable), DisplayName: 'Taxed Incorporated', sparse: true }, cb),
      );
      assert.equal(renamed.Taxable, true);
      assert.deepEqual(renamed.DefaultTaxCodeRef, { value: '2' });
    });

    it('creates them not Taxable in a company outside the US', async () => {
      const em = emulator();
      const realmId = em.control.createRealm(undefined, { country: 'GB', homeCurrency: 'GBP' }).realmId;
      const qbo = connectNew(em, realmId);
      const info = await ok((cb) => qbo.getCompanyInfo(realmId, cb));
      assert.equal(info.Country, 'GB');
      const customer = await ok((cb) => qbo.createCustomer({ DisplayName: 'London Ltd' }, cb));
      assert.equal(customer.Taxable, false);
      assert.equal('DefaultTaxCodeRef' in customer, false);
    });
  });

  describe('over /_emulator', () => {
    it('reads and sets the reply switches globally and per realm, rejecting bad values', async () => {
      const em = emulator();
      const control = new EmulatorControlClient(em.url);
      assert.deepEqual(await control.replies(), {
        throttleStatus: 429,
        throttleFormat: 'xml',
        authFormat: 'json',
        gatewayTimeoutFormat: 'xml',
      });
      await control.setReplies({ throttleFormat: 'json' });
      const realm = await control.setReplies({ throttleStatus: 403 }, em.defaultRealmId);
      assert.deepEqual(realm, {
        throttleStatus: 403,
        throttleFormat: 'json',
        authFormat: 'json',
        gatewayTimeoutFormat: 'xml',
      });
      assert.deepEqual(await control.replies(em.defaultRealmId), realm);
      await control.failNext(1, { type: 'status', status: 429 });
      const throttled = await fails((cb) => connectNew(em).getPreferences(cb));
      assert.equal(throttled.status, 403);
      assert.equal(firstError(throttled.data).code, '003001');

      for (const bad of [{ throttleStatus: 500 }, { throttleFormat: 'html' }, { colour: 'red' }]) {
        const res = await http(`${em.url}/_emulator/replies`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(bad),
        });
        assert.equal(res.status, 400, JSON.stringify(bad));
        assert.equal(typeof res.json().error, 'string');
      }
      assert.deepEqual((await control.replies()).throttleFormat, 'json', 'bad input changes nothing');
      await assert.rejects(
        control.updateRealm(em.defaultRealmId, { country: 'usa' }),
        (e: unknown) => e instanceof EmulatorControlError && e.status === 400 && /country/.test(e.message),
      );
      assert.equal((await control.updateRealm(em.defaultRealmId, { country: 'CA' })).country, 'CA');
    });

    it('takes reply switches as a start option, and reset returns to them', async () => {
      const em = await startEmulator({ replies: { throttleStatus: 403, throttleFormat: 'json' } });
      try {
        em.control.setReplies({ throttleStatus: 429 });
        em.control.reset();
        assert.deepEqual(em.control.replies(), {
          throttleStatus: 403,
          throttleFormat: 'json',
          authFormat: 'json',
          gatewayTimeoutFormat: 'xml',
        });
        const token = em.control.mintTokens(em.defaultRealmId).access_token;
        em.control.failNext(1, { type: 'status', status: 429 });
        const res = await http(`${em.v3BaseUrl}${em.defaultRealmId}/preferences`, { headers: bearer(token) });
        assert.equal(res.status, 403);
        assert.equal(
          firstError(res.json()).Message,
          'message=ThrottleExceeded; errorCode=003001; statusCode=403',
        );
      } finally {
        await em.stop();
      }
    });
  });
});
