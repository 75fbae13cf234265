import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNpmStart } from '../support/npm-start';

/**
 * `npm start` wires the QuickBooks connection in: the connect flow against the bundled emulator (connect →
 * authorize → callback → AUTHORIZED), and the Temporal Web UI of the dev server pointed at the API's codec
 * endpoint, which answers the UI's origin.
 */
describe('npm start: QuickBooks connect flow and the Web UI codec endpoint', function () {
  this.timeout(180_000);
  let child: ChildProcess | undefined;
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'qbo-connect-'));
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('connects a credential through the emulator and points the Web UI at /codec', async () => {
    const started = await startNpmStart(dataDir, { TEMPORAL_UI_URL: '', CODEC_ALLOWED_ORIGINS: '' });
    child = started.child;
    const { api, ui, emulator } = started.ports;
    const output = started.output();
    const base = `http://127.0.0.1:${api}`;
    assert.match(output, new RegExp(`Temporal codec\\s+${base}/codec`));
    const key = readFileSync(path.join(dataDir, 'secrets', 'admin-api.key'), 'utf8').trim();
    const admin = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    // The Web UI knows the codec endpoint, and the endpoint answers the UI's origin (as the browser sends it).
    const settings = (await (await fetch(`http://127.0.0.1:${ui}/api/v1/settings`)).json()) as {
      Codec: { Endpoint: string };
    };
    assert.equal(settings.Codec.Endpoint, `${base}/codec`);
    for (const origin of [`http://127.0.0.1:${ui}`, `http://localhost:${ui}`]) {
      const preflight = await fetch(`${base}/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
      const decode = await fetch(`${base}/codec/decode`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: '{"payloads":[]}',
      });
      assert.equal(decode.status, 200);
    }
    const stranger = await fetch(`${base}/codec/decode`, {
      method: 'POST',
      headers: { origin: 'https://elsewhere.example', 'content-type': 'application/json' },
      body: '{"payloads":[]}',
    });
    assert.equal(stranger.status, 401);

    // Connect a credential: the redirect goes to the bundled emulator, which sends the browser back to the callback.
    const created = (await (
      await fetch(`${base}/credentials`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'Sandbox', destination: 'QuickBooksSandbox' }),
      })
    ).json()) as { id: string };
    const start = await fetch(`${base}/credentials/${created.id}/connect`, {
      headers: admin,
      redirect: 'manual',
    });
    assert.equal(start.status, 302);
    const authorize = start.headers.get('location') ?? '';
    assert.ok(authorize.startsWith(`http://127.0.0.1:${emulator}/connect/oauth2?`), authorize);
    const back = await fetch(authorize, { redirect: 'manual' });
    const callback = back.headers.get('location') ?? '';
    assert.ok(callback.startsWith(`${base}/oauth/quickbooks/callback?`), callback);
    const done = await fetch(callback);
    assert.equal(done.status, 200);
    const credential = (await (
      await fetch(`${base}/credentials/${created.id}`, { headers: admin })
    ).json()) as { status: string; realmId: string };
    assert.equal(credential.status, 'AUTHORIZED');
    assert.ok(credential.realmId);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
