import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { parse } from 'yaml';
import { ConfigError, loadEnv } from '../../src/config/env';
import { createTestDatabase, type TestDatabase } from '../support/environment';

const root = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

/**
 * What the app does at start-up with the compose file's settings, in a process of its own: validate the
 * environment (loadEnv) and query through the app's pool. Prints the user PostgreSQL sees.
 */
const APP_CONNECT = `
const { loadEnv } = require('./src/config/env.ts');
const { createPool } = require('./src/db/pool.ts');
const pool = createPool(loadEnv().DATABASE_URL, 1);
pool.query('SELECT current_user AS who').then(
  async (r) => { console.log(r.rows[0].who); await pool.end(); },
  (e) => { console.error(e.message); process.exit(1); },
);`;

async function connectLikeTheApp(env: Record<string, string>): Promise<{ ok: boolean; out: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ['PGPASSWORD', 'PGUSER', 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGPASSFILE'])
    if (!(name in env)) delete childEnv[name];
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', APP_CONNECT], {
      cwd: root,
      env: childEnv,
    });
    return { ok: true, out: stdout.trim() };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: string }).stderr ?? err).trim() };
  }
}

/**
 * docker-compose.yml gives the app `DATABASE_URL` without a password and the password as `PGPASSWORD`, so a
 * generated password with '/', '+' or '=' (openssl rand -base64 32) needs no URL-encoding. Checked against a real
 * PostgreSQL with a role whose password has all three.
 */
describe('docker compose: the database password reaches the app through PGPASSWORD', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  const role = `qbo_pw_${randomBytes(4).toString('hex')}`;
  // Like openssl rand -base64 32 output, with each awkward character for sure (at a fixed place, so that the
  // inline-URL check below is deterministic: a leading '/' would even parse, as a URL to the wrong host).
  const password = `${randomBytes(24).toString('base64').replace(/[/+=]/g, 'x')}/+=`;
  let url: URL;

  before(async () => {
    t = await createTestDatabase();
    const admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
    } finally {
      await admin.end();
    }
    // The compose file's DATABASE_URL, pointed at this test's server and database, for this role.
    const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: { api: { environment: Record<string, string> } };
    };
    url = new URL(compose.services.api.environment.DATABASE_URL!);
    assert.equal(url.password, '');
    const server = new URL(t.url);
    url.username = role;
    url.host = server.host;
    url.pathname = server.pathname;
  });
  after(async () => {
    const admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end());
    await t.drop();
  });

  it('connects with the passwordless URL and PGPASSWORD', async () => {
    assert.deepEqual(await connectLikeTheApp({ DATABASE_URL: url.toString(), PGPASSWORD: password }), {
      ok: true,
      out: role,
    });
  });

  it('is refused without PGPASSWORD or with a wrong one: the password really comes from it', async () => {
    const without = await connectLikeTheApp({ DATABASE_URL: url.toString() });
    assert.equal(without.ok, false);
    assert.match(without.out, /password/i);
    const wrong = await connectLikeTheApp({ DATABASE_URL: url.toString(), PGPASSWORD: `${password}x` });
    assert.deepEqual(wrong, { ok: false, out: `password authentication failed for user "${role}"` });
  });

  it('would not even start with that password written into the URL (the former compose file)', () => {
    const inline = `postgres://${role}:${password}@${url.host}${url.pathname}`;
    assert.throws(
      () => loadEnv({ DATABASE_URL: inline }),
      (err: unknown) => err instanceof ConfigError && /^DATABASE_URL: /.test(err.problems[0] ?? ''),
    );
  });
});
