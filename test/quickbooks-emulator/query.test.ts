import assert from 'node:assert/strict';
import { parseQuery, QuerySyntaxError } from '../../emulators/quickbooks/query-language';
import {
  asJson,
  bearer,
  connectNew,
  fails,
  firstError,
  http,
  line,
  ok,
  useEmulator,
  type JsonObject,
} from './helpers';

describe('QBO emulator: query language', () => {
  describe('parser', () => {
    it('parses what node-quickbooks sends, in lower case with paging', () => {
      assert.deepEqual(
        parseQuery("select * from invoice where DocNumber = 'A\\'B&C #1+%' startposition 1 maxresults 1000"),
        {
          count: false,
          entity: 'invoice',
          where: [{ field: 'DocNumber', op: '=', value: "A'B&C #1+%" }],
          orderBy: [],
          startPosition: 1,
          maxResults: 1000,
        },
      );
    });

    it('parses count(*), IN, LIKE, comparisons, booleans, nested fields and ORDERBY', () => {
      const q = parseQuery(
        "SELECT count(*) FROM Customer WHERE Active IN (true, false) AND DisplayName LIKE '%acme%' AND MetaData.LastUpdatedTime >= '2026-01-01T00:00:00-07:00' AND Balance > -1.5 ORDERBY DisplayName DESC, Id",
      );
      assert.equal(q.count, true);
      assert.equal(q.entity, 'Customer');
      assert.deepEqual(q.where, [
        { field: 'Active', op: 'IN', value: [true, false] },
        { field: 'DisplayName', op: 'LIKE', value: '%acme%' },
        { field: 'MetaData.LastUpdatedTime', op: '>=', value: '2026-01-01T00:00:00-07:00' },
        { field: 'Balance', op: '>', value: -1.5 },
      ]);
      assert.deepEqual(q.orderBy, [
        { field: 'DisplayName', descending: true },
        { field: 'Id', descending: false },
      ]);
    });

    it('reports syntax errors with a position', () => {
      for (const bad of [
        'select * invoice',
        'select Id from invoice',
        "select * from invoice where DocNumber = 'open",
        'select * from invoice where',
        'select * from invoice or',
      ]) {
        assert.throws(() => parseQuery(bad), QuerySyntaxError, bad);
      }
    });
  });

  describe('over HTTP', () => {
    const emulator = useEmulator();

    async function seedInvoices(qbo: ReturnType<typeof connectNew>, n: number): Promise<JsonObject[]> {
      const out: JsonObject[] = [];
      for (let i = 1; i <= n; i++) {
        out.push(
          await ok((cb) =>
            qbo.createInvoice(
              {
                CustomerRef: { value: String(((i - 1) % 3) + 1) },
                DocNumber: `INV-${i}`,
                Line: [line(i * 10)],
              },
              cb,
            ),
          ),
        );
        emulator().control.clock.advance(1000);
      }
      return out;
    }

    it('finds by DocNumber with every character node-quickbooks percent-encodes', async () => {
      const qbo = connectNew(emulator());
      const docNumber = "A'B&C #1+%=<>";
      const created = await ok((cb) =>
        qbo.createInvoice({ CustomerRef: { value: '1' }, DocNumber: docNumber, Line: [line(1)] }, cb),
      );
      await ok((cb) =>
        qbo.createInvoice({ CustomerRef: { value: '1' }, DocNumber: 'other', Line: [line(1)] }, cb),
      );
      const found = await ok((cb) => qbo.findInvoices({ DocNumber: docNumber }, cb));
      const response = asJson(found.QueryResponse);
      assert.equal(response.startPosition, 1);
      assert.equal(response.maxResults, 1);
      assert.deepEqual(
        (response.Invoice as JsonObject[]).map((i) => i.Id),
        [created.Id],
      );
    });

    it('answers {"QueryResponse":{}} when nothing matches', async () => {
      const qbo = connectNew(emulator());
      const found = await ok((cb) => qbo.findInvoices({ DocNumber: 'nope' }, cb));
      assert.deepEqual(found.QueryResponse, {});
      assert.deepEqual(Object.keys(found), ['QueryResponse', 'time']);
    });

    it('pages with 1-based STARTPOSITION and MAXRESULTS, maxResults = number returned', async () => {
      const em = emulator();
      const qbo = connectNew(em);
      await seedInvoices(qbo, 5);
      const token = em.control.mintTokens(em.defaultRealmId).access_token;
      const page = async (q: string) => {
        const res = await http(
          `${em.v3BaseUrl}${em.defaultRealmId}/query?query=${encodeURIComponent(q)}&minorversion=75`,
          { headers: bearer(token) },
        );
        assert.equal(res.status, 200, res.text);
        return asJson(res.json().QueryResponse);
      };
      const p1 = await page('SELECT * FROM Invoice ORDERBY Id STARTPOSITION 1 MAXRESULTS 2');
      assert.deepEqual([p1.startPosition, p1.maxResults], [1, 2]);
      assert.deepEqual(
        (p1.Invoice as JsonObject[]).map((i) => i.DocNumber),
        ['INV-1', 'INV-2'],
      );
      const p3 = await page('SELECT * FROM Invoice ORDERBY Id STARTPOSITION 5 MAXRESULTS 2');
      assert.deepEqual([p3.startPosition, p3.maxResults], [5, 1]);
      assert.deepEqual(
        (p3.Invoice as JsonObject[]).map((i) => i.DocNumber),
        ['INV-5'],
      );
      assert.deepEqual(await page('SELECT * FROM Invoice STARTPOSITION 6 MAXRESULTS 2'), {});
      assert.deepEqual(await page('select count(*) from invoice'), { totalCount: 5 });
      const desc = await page(
        "select * from Invoice where TotalAmt >= '20' and CustomerRef IN ('1', '2') orderby TotalAmt desc",
      );
      assert.deepEqual(
        (desc.Invoice as JsonObject[]).map((i) => i.TotalAmt),
        [50, 40, 20],
      );
    });

    it('fetchAll pages through node-quickbooks until a short page', async () => {
      const qbo = connectNew(emulator());
      await seedInvoices(qbo, 5);
      const all = await ok((cb) => qbo.findInvoices({ fetchAll: true, limit: 2 }, cb));
      assert.deepEqual(
        (asJson(all.QueryResponse).Invoice as JsonObject[]).map((i) => i.DocNumber),
        ['INV-1', 'INV-2', 'INV-3', 'INV-4', 'INV-5'],
      );
    });

    it('filters on nested fields, references, LIKE and dates', async () => {
      const em = emulator();
      const qbo = connectNew(em);
      const invoices = await seedInvoices(qbo, 4);
      const third = asJson(invoices[2]?.MetaData).LastUpdatedTime;
      const byTime = await ok((cb) =>
        qbo.findInvoices([{ field: 'MetaData.LastUpdatedTime', value: third, operator: '>=' }], cb),
      );
      assert.deepEqual(
        (asJson(byTime.QueryResponse).Invoice as JsonObject[]).map((i) => i.DocNumber),
        ['INV-3', 'INV-4'],
      );
      const byCustomer = await ok((cb) => qbo.findInvoices({ CustomerRef: '1' }, cb));
      assert.deepEqual(
        (asJson(byCustomer.QueryResponse).Invoice as JsonObject[]).map((i) => i.DocNumber),
        ['INV-1', 'INV-4'],
      );
      await ok((cb) =>
        qbo.updateInvoice(
          { Id: String(invoices[1]?.Id), SyncToken: '0', PrivateNote: 'Sync marker [m3ter-bill:b-42]' },
          cb,
        ),
      );
      const byNote = await ok((cb) =>
        qbo.findInvoices([{ field: 'PrivateNote', value: '%[m3ter-bill:b-42]%', operator: 'LIKE' }], cb),
      );
      assert.deepEqual(
        (asJson(byNote.QueryResponse).Invoice as JsonObject[]).map((i) => i.DocNumber),
        ['INV-2'],
      );
      const byDate = await ok((cb) =>
        qbo.findInvoices([{ field: 'TxnDate', value: '2000-01-01', operator: '>' }], cb),
      );
      assert.equal((asJson(byDate.QueryResponse).Invoice as JsonObject[]).length, 4);
    });

    it('returns only active customers and items unless the query names Active', async () => {
      const qbo = connectNew(emulator());
      const c = await ok((cb) => qbo.getCustomer('5', cb));
      await ok((cb) => qbo.updateCustomer({ Id: '5', SyncToken: String(c.SyncToken), Active: false }, cb));
      const active = await ok((cb) => qbo.findCustomers({}, cb));
      assert.equal((asJson(active.QueryResponse).Customer as JsonObject[]).length, 4);
      const inactive = await ok((cb) => qbo.findCustomers({ Active: false }, cb));
      assert.deepEqual(
        (asJson(inactive.QueryResponse).Customer as JsonObject[]).map((x) => x.Id),
        ['5'],
      );
      const named = await ok((cb) => qbo.findCustomers({ DisplayName: "amy's bird sanctuary" }, cb));
      assert.deepEqual(
        (asJson(named.QueryResponse).Customer as JsonObject[]).map((x) => x.Id),
        ['1'],
      );
      const items = await ok((cb) => qbo.findItems({ Name: ['Usage', 'Credit'] }, cb));
      assert.deepEqual(
        (asJson(items.QueryResponse).Item as JsonObject[]).map((x) => x.Name),
        ['Usage', 'Credit'],
      );
    });

    it('answers parse errors with 400 code 4000, too-large pages and unknown entities with 4001', async () => {
      const em = emulator();
      const qbo = connectNew(em);
      const failure = await fails((cb) =>
        qbo.findInvoices(
          [
            { field: 'DocNumber', value: 'x', operator: '=' },
            { field: 'and', value: 1 },
          ],
          cb,
        ),
      );
      assert.equal(failure.status, 400);
      const e = firstError(failure.data);
      assert.equal(e.code, '4000');
      assert.equal(e.Message, 'Error parsing query');
      assert.match(String(e.Detail), /^QueryParserError: Encountered .* at line 1, column \d+/);
      const token = em.control.mintTokens(em.defaultRealmId).access_token;
      const unterminated = await http(
        `${em.v3BaseUrl}${em.defaultRealmId}/query?query=${encodeURIComponent("select * from invoice where DocNumber = 'x")}`,
        {
          headers: bearer(token),
        },
      );
      assert.equal(unterminated.status, 400);
      assert.equal(firstError(unterminated.json()).code, '4000');
      const tooMany = await http(
        `${em.v3BaseUrl}${em.defaultRealmId}/query?query=${encodeURIComponent('select * from Item maxresults 1001')}`,
        {
          headers: bearer(token),
        },
      );
      assert.equal(tooMany.status, 400);
      assert.equal(firstError(tooMany.json()).code, '4001');
      const unknown = await http(
        `${em.v3BaseUrl}${em.defaultRealmId}/query?query=${encodeURIComponent('select * from Widget')}`,
        { headers: bearer(token) },
      );
      assert.equal(unknown.status, 400);
      assert.deepEqual(firstError(unknown.json()), {
        Message: 'Invalid query',
        Detail: 'QueryValidationError: Unsupported entity for query: Widget',
        code: '4001',
        element: '',
      });
    });

    it('queries Preferences and CompanyInfo, and accepts POST query with an application/text body', async () => {
      const em = emulator();
      const token = em.control.mintTokens(em.defaultRealmId).access_token;
      const res = await http(`${em.v3BaseUrl}${em.defaultRealmId}/query`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/text' },
        body: 'select * from CompanyInfo',
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(asJson((asJson(res.json().QueryResponse).CompanyInfo as JsonObject[])[0]).Country, 'US');
    });
  });
});
