import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../src/db/embedded-postgres';
import { createPool } from '../../src/db/pool';
import { errorHandler } from '../../src/api/http-errors';
import { createLogger } from '../../src/platform/logger';

// What a webhook sender sees while PostgreSQL or the Temporal server is down: the real errors of the real
// clients (a closed port), answered 503 with Retry-After, so m3ter delivers again.
describe('API: PostgreSQL or Temporal unreachable → 503 with Retry-After', function () {
  this.timeout(60_000);
  let server: Server;
  let base: string;
  let closePool: () => Promise<void>;
  let closeTemporal: () => Promise<void>;

  before(async () => {
    const deadPort = await freePort();
    const pool = createPool(`postgres://nobody:x@127.0.0.1:${deadPort}/none`, 1);
    closePool = () => pool.end();
    const connection = Connection.lazy({ address: `127.0.0.1:${deadPort}` });
    closeTemporal = () => connection.close();
    const temporal = new Client({ connection });
    const app = express();
    app.get('/db', async (_req, res, next) => {
      try {
        res.json(await pool.query('SELECT 1'));
      } catch (err) {
        next(err);
      }
    });
    app.get('/temporal', async (_req, res, next) => {
      try {
        await temporal.workflow.signalWithStart('billSync', {
          workflowId: 'bill-sync/i/b',
          taskQueue: 'q',
          signal: 'billChanged',
          signalArgs: [],
        });
        res.json({});
      } catch (err) {
        next(err);
      }
    });
    app.get('/bug', () => {
      throw new Error('a plain bug');
    });
    app.use(errorHandler(createLogger({ level: 'silent' })));
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.close();
    await closePool?.();
    await closeTemporal?.();
  });

  for (const path of ['/db', '/temporal']) {
    it(`${path}: 503 SERVICE_UNAVAILABLE, Retry-After: 5`, async () => {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.deepEqual(await res.json(), {
        error: {
          code: 'SERVICE_UNAVAILABLE',
          message: 'The database or the workflow server is unavailable; try again shortly',
        },
      });
    });
  }

  it('any other failure stays a 500 (not retried as if the service were down)', async () => {
    const res = await fetch(`${base}/bug`);
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('retry-after'), null);
  });
});
