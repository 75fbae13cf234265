import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNpmStart } from '../support/npm-start';

const root = path.resolve(__dirname, '..', '..');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every descendant pid of `pid`, read from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** `npm run demo` against the running service. */
async function runDemo(
  dataDir: string,
  api: number,
  emulator: number,
  m3ter: number,
): Promise<{ code: number | null; output: string }> {
  const demo = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/demo.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      API_URL: `http://127.0.0.1:${api}`,
      EMULATOR_URL: `http://127.0.0.1:${emulator}`,
      M3TER_EMULATOR_URL: `http://127.0.0.1:${m3ter}`,
      ADMIN_API_KEY: '',
      M3TER_WEBHOOK_SECRET: '',
      M3TER_WEBHOOK_API_KEY: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  demo.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  demo.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
  return { code, output };
}

describe('npm start (the whole system on one machine)', function () {
  this.timeout(180_000);
  let child: ChildProcess | undefined;
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'qbo-start-'));
  });
  after(() => {
    if (child?.pid && isAlive(child.pid)) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('brings up PostgreSQL, Temporal with its Web UI, the emulator, the worker and the API, runs the demo twice, serves metrics, and stops them all on SIGTERM', async () => {
    const run = await startNpmStart(dataDir);
    child = run.child;
    const { api, ui, emulator, m3ter } = run.ports;
    const output = run.output();
    assert.match(output, new RegExp(`API\\s+http://127.0.0.1:${api}`));
    assert.match(output, new RegExp(`Temporal Web UI\\s+http://127.0.0.1:${ui}`));
    assert.match(output, new RegExp(`QuickBooks emulator\\s+http://127.0.0.1:${emulator}`));
    assert.match(output, new RegExp(`m3ter emulator\\s+http://127.0.0.1:${m3ter}`));

    const health = await fetch(`http://127.0.0.1:${api}/health`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as { status: string; components: Record<string, { ok: boolean }> };
    assert.equal(body.status, 'ok');
    assert.deepEqual(Object.keys(body.components).sort(), ['database', 'quickbooks', 'temporal']);
    assert.equal((await fetch(`http://127.0.0.1:${ui}/`)).status, 200, 'the Temporal Web UI answers');
    // The console, built by npm start when missing or stale, with its client-side routes and local assets.
    assert.match(output, new RegExp(`Console\\s+http://127.0.0.1:${api}/console/`));
    for (const page of ['/console/', '/console/integrations/new']) {
      const res = await fetch(`http://127.0.0.1:${api}${page}`);
      assert.equal(res.status, 200, page);
      const html = await res.text();
      assert.match(html, /<div id="root"><\/div>/);
      const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, 'the page loads its script from /console/assets');
      assert.equal((await fetch(`http://127.0.0.1:${api}${script}`)).status, 200);
      assert.ok(!/https?:\/\//.test(html.replace(/http:\/\/www\.w3\.org[^"]*/g, '')), 'no CDN');
    }
    assert.equal(
      (await fetch(`http://127.0.0.1:${emulator}/v3/company/1/preferences`)).status,
      401,
      'the emulator answers',
    );
    const key = readFileSync(path.join(dataDir, 'secrets', 'admin-api.key'), 'utf8').trim();
    const list = await fetch(`http://127.0.0.1:${api}/integrations`, {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(list.status, 200);

    // The demo, twice, as the README tells it: each run its own account, integration and invoice.
    const demos = [
      await runDemo(dataDir, api, emulator, m3ter),
      await runDemo(dataDir, api, emulator, m3ter),
    ];
    for (const demo of demos) {
      assert.equal(demo.code, 0, demo.output);
      assert.match(
        demo.output,
        /^credential [0-9a-f-]{36}: AUTHORIZED$/m,
        'connected through the connect flow',
      );
      assert.match(demo.output, /^run [0-9a-f-]{36}: COMPLETE, QuickBooks document \d+$/m);
      assert.match(demo.output, /^replay it: npm run replay -- --run [0-9a-f-]{36}$/m);
      assert.match(demo.output, /"TotalAmt": 817\.28/);
    }
    const integrations = (await (
      await fetch(`http://127.0.0.1:${api}/integrations`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { data: Array<{ id: string; name: string }> };
    for (const integration of integrations.data.filter((i) => i.name.startsWith('Demo '))) {
      const runs = (await (
        await fetch(`http://127.0.0.1:${api}/integration-runs?integrationId=${integration.id}`, {
          headers: { authorization: `Bearer ${key}` },
        })
      ).json()) as { data: unknown[] };
      assert.equal(
        runs.data.length,
        2,
        `${integration.name} synced only its own demo's bill (pending, approved)`,
      );
    }

    // Prometheus metrics of the process: the runs, QuickBooks calls, webhooks and the Temporal SDK's own.
    const metrics = await (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
    assert.match(metrics, /^qbo_sync_runs_finished_total\{status="COMPLETE"\} 2$/m);
    assert.match(metrics, /^qbo_sync_runs_finished_total\{status="SKIPPED"\} 2$/m);
    assert.match(
      metrics,
      /^qbo_sync_quickbooks_request_duration_seconds_count\{operation="invoice\.create",outcome="ok"\} 2$/m,
    );
    // Each demo's account, generated bill and approval reached the API as m3ter webhooks.
    const acks = Number(
      /^qbo_sync_webhook_ack_duration_seconds_count\{status="202"\} (\d+)$/m.exec(metrics)?.[1],
    );
    assert.equal(acks, 6, metrics);
    assert.match(metrics, /^qbo_sync_governor_wait_seconds_count\{result="granted"\} \d+$/m);
    assert.match(metrics, /^qbo_sync_db_queries_total \d+$/m);
    assert.match(
      metrics,
      /^temporal_workflow_completed_total\{.*\} \d+$/m,
      'the SDK worker metrics are included',
    );

    const started = descendants(child.pid!);
    assert.ok(started.length >= 2, `expected the Temporal and PostgreSQL processes, got ${started.length}`);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(started.filter(isAlive), [], 'no process is left behind');
  });

  it('refuses to start with a bad setting and names the variable', async () => {
    const bad = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts')], {
      cwd: root,
      env: { ...process.env, API_PORT: 'eighty', ENCRYPTION_KEY: 'short' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    bad.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /API_PORT: /);
    assert.match(stderr, /ENCRYPTION_KEY: must be 32 bytes, base64-encoded/);
    assert.doesNotMatch(stderr, /short/, 'secret values are not echoed');
  });
});
