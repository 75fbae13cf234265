import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/db/embedded-postgres';
import { startTemporalDevServer } from '../../src/temporal/dev-server';

/** A socket listening on a loopback port, as another process's server would. */
async function occupy(): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return { port: address.port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function selectOne(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    return rows[0]!.one;
  } finally {
    await client.end();
  }
}

/**
 * The servers the suite and `npm start` run start on a busy machine: ports other processes hold, several
 * starts at once, and failures that say what failed (the root set-up once failed with "Promise rejected with no
 * or falsy reason": PostgreSQL had exited on a port another process held).
 */
describe('server start on a busy machine', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  const started: EmbeddedPostgresHandle[] = [];
  const dir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'qbo-server-start-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    for (const h of started.splice(0)) await h.stop().catch(() => undefined);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('embedded PostgreSQL: two concurrent starts without a port both come up, each on its own OS-assigned port', async () => {
    const [a, b] = await Promise.all([
      startEmbeddedPostgres({ dataDir: dir(), persistent: false }),
      startEmbeddedPostgres({ dataDir: dir(), persistent: false }),
    ]);
    started.push(a, b);
    assert.notEqual(a.port, b.port);
    assert.equal(new URL(a.url).port, String(a.port));
    assert.equal(await selectOne(a.url), 1);
    assert.equal(await selectOne(b.url), 1);
  });

  it('embedded PostgreSQL: a port that turns out to be taken is retried on another one', async () => {
    const taken = await occupy();
    try {
      const tried: number[] = [];
      const lines: string[] = [];
      const handle = await startEmbeddedPostgres({
        dataDir: dir(),
        persistent: false,
        onLog: (l) => lines.push(l),
        // The first pick loses the race to another process; the next is one the OS assigns.
        pickPort: async () => {
          const port = tried.length === 0 ? taken.port : await freePort();
          tried.push(port);
          return port;
        },
      });
      started.push(handle);
      assert.equal(tried.length, 2);
      assert.equal(tried[0], taken.port);
      assert.equal(handle.port, tried[1]);
      assert.equal(await selectOne(handle.url), 1);
      assert.match(
        lines.join(''),
        new RegExp(`\\[port ${taken.port} was taken; retrying on another port\\]`),
      );
    } finally {
      await taken.close();
    }
  });

  it('embedded PostgreSQL: a fixed port that is taken fails, naming the port, the reason and the server output', async () => {
    const taken = await occupy();
    try {
      const dataDir = dir();
      const err = await startEmbeddedPostgres({ dataDir, port: taken.port, persistent: false }).then(
        () => assert.fail('started on a taken port'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof Error, `rejected with ${String(err)}`);
      const databaseDir = path.join(dataDir, 'postgres');
      assert.ok(
        err.message.startsWith(
          `embedded PostgreSQL (127.0.0.1:${taken.port}, data in ${databaseDir}) did not start ` +
            `(port ${taken.port} is in use by another process): ` +
            'the server exited before it was ready (could not create any TCP/IP sockets)\n' +
            "Last lines of the server's output:\n",
        ),
        err.message,
      );
      assert.match(err.message, /could not bind IPv4 address "127\.0\.0\.1": Address already in use/);
    } finally {
      await taken.close();
    }
  });

  it('Temporal dev server: a fixed port that is taken fails at once, naming the port', async () => {
    const taken = await occupy();
    try {
      await assert.rejects(
        startTemporalDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH, port: taken.port }),
        (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.equal(
            err.message,
            `Temporal dev server: the gRPC frontend port 127.0.0.1:${taken.port} is not available (EADDRINUSE); ` +
              'another process (maybe another Temporal server) is using it',
          );
          return true;
        },
      );
    } finally {
      await taken.close();
    }
  });

  it('Temporal dev server: its output goes to the log file, not to this process', async () => {
    const logFile = path.join(dir(), 'temporal.log');
    const server = await startTemporalDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH, logFile });
    try {
      assert.equal(server.logFile, logFile);
      assert.match(server.address, /^127\.0\.0\.1:\d+$/);
      // The CLI's start banner (printed once it is up, maybe just after the SDK connected) names the port.
      const banner = new RegExp(`Temporal Server:\\s+localhost:${server.address.split(':')[1]!}`);
      for (let i = 0; i < 50 && !banner.test(readFileSync(logFile, 'utf8')); i++) await sleep(100);
      assert.match(readFileSync(logFile, 'utf8'), banner);
    } finally {
      await server.stop();
    }
  });

  it('Temporal dev server: a CLI that exits at start fails with its own output in the message', async () => {
    const d = dir();
    const cli = path.join(d, 'temporal');
    writeFileSync(cli, '#!/bin/sh\necho "temporal: cannot open the database: disk full" >&2\nexit 3\n');
    chmodSync(cli, 0o755);
    const logFile = path.join(d, 'temporal.log');
    const err = await startTemporalDevServer({ cliPath: cli, logFile, attempts: 2 }).then(
      () => assert.fail('started'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error);
    assert.ok(
      err.message.startsWith(
        `Temporal dev server (${cli}, from TEMPORAL_CLI_PATH; a free port on 127.0.0.1) did not start after 2 attempts: `,
      ),
      err.message,
    );
    assert.ok(
      err.message.endsWith(
        `\nLast lines of the server's output (${logFile}):\n  temporal: cannot open the database: disk full`,
      ),
      err.message,
    );
    // Each attempt's output stays in the log, with a note of the retry.
    const log = readFileSync(logFile, 'utf8');
    assert.equal(log.match(/cannot open the database/g)?.length, 2);
    assert.match(log, /\[start attempt 1 failed: .*; retrying\]/);
  });
});
