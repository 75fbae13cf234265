import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { envSchema } from '../../src/config/env';
import { resolveTemporalCli } from '../../src/temporal/dev-server';

const root = path.resolve(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  container_name?: string;
  volumes?: string[];
  entrypoint?: string[];
  healthcheck?: unknown;
}

const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const exampleText = readFileSync(path.join(root, '.env.example'), 'utf8');

/** Every `${NAME}`, `${NAME:-default}` and `${NAME:?message}` of the compose file, as written. */
const references = [...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g)].map(
  (m) => ({
    text: m[0],
    name: m[1]!,
    operator: m[2],
    argument: m[3] ?? '',
  }),
);

/** The variables .env.example lists (`NAME=value` lines). */
const exampleVars = new Map(
  [...exampleText.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!] as const),
);

/** The nearest `# REQUIRED.` / `# Optional.` comment above a variable of .env.example. */
function markerOf(name: string): string | undefined {
  const lines = exampleText.split('\n');
  for (let i = lines.indexOf(`${name}=`) - 1; i >= 0; i--) {
    const m = /^# (REQUIRED|Optional)\./.exec(lines[i]!);
    if (m) return m[1];
  }
  return undefined;
}

/** What the app must get from .env: docker compose refuses to start without them. */
const REQUIRED = [
  'POSTGRES_PASSWORD',
  'ENCRYPTION_KEY',
  'ADMIN_API_KEY',
  'M3TER_API_KEY',
  'M3TER_API_SECRET',
  'M3TER_ORG_ID',
  'QBO_CLIENT_ID',
  'QBO_CLIENT_SECRET',
];
/** Credentials: never a default value in the compose file (the optional ones default to empty = unset). */
const SECRETS = [...REQUIRED, 'M3TER_WEBHOOK_SECRET', 'M3TER_WEBHOOK_API_KEY', 'SMTP_URL'];

/** Compose's interpolation, for the cases the file uses; a `:?` variable that is unset fails as compose does. */
function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (_, name: string, op, arg: string) => {
      const value = vars[name];
      if (value !== undefined && value !== '') return value;
      if (op === ':?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
      return op === ':-' ? arg : '';
    },
  );
}

function composeSchemaValidator() {
  const schema = JSON.parse(
    readFileSync(path.join(root, 'test/fixtures/compose-spec/compose-spec.json'), 'utf8'),
  ) as Record<string, unknown>;
  // strictTypes off: the official schema leaves "type" implicit in places (a style rule of Ajv, not an error).
  return new Ajv2020({ allErrors: true, strict: true, strictTypes: false }).compile(schema);
}

/** "1.32.0" → [1, 32, 0], for comparing image tags. */
const versionOf = (tag: string) => tag.split('.').map((n) => Number.parseInt(n, 10));
const atLeast = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

// There is no Docker engine here: the production shape is checked by reading the file.
describe('docker-compose.yml (production shape)', () => {
  const compose = parse(composeText, { merge: true }) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
  };
  const s = compose.services;

  it('has PostgreSQL, Temporal on PostgreSQL, its Web UI, the API and the worker', () => {
    assert.deepEqual(Object.keys(s).sort(), [
      'api',
      'postgres',
      'temporal',
      'temporal-schema',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
    assert.match(s.postgres!.image!, /^postgres:1[5-9]/);
    assert.match(s.temporal!.image!, /^temporalio\/server:/);
    assert.equal(s.temporal!.environment!.DB, 'postgres12');
    assert.equal(s.temporal!.environment!.POSTGRES_SEEDS, 'postgres');
    assert.match(s['temporal-ui']!.image!, /^temporalio\/ui:/);
    assert.equal(s['temporal-ui']!.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
  });

  it('starts things in order: database, schema, server, namespace and search attributes, then the app', () => {
    assert.equal(s['temporal-schema']!.depends_on!.postgres!.condition, 'service_healthy');
    assert.equal(s.temporal!.depends_on!['temporal-schema']!.condition, 'service_completed_successfully');
    assert.equal(s['temporal-setup']!.depends_on!.temporal!.condition, 'service_healthy');
    assert.equal(s.api!.depends_on!.postgres!.condition, 'service_healthy');
    assert.equal(s.api!.depends_on!['temporal-setup']!.condition, 'service_completed_successfully');
    assert.ok(s.worker!.depends_on!.api, 'worker waits for the API (which migrates the database)');
    const setup = readFileSync(path.join(root, 'deploy/temporal/setup-namespace.sh'), 'utf8');
    for (const sa of ['IntegrationId', 'BillId', 'AccountId', 'SyncStatus'])
      assert.match(setup, new RegExp(sa));
  });

  it('publishes the API on 3000, the UI on 8080 and Temporal on 7233, each on loopback only', () => {
    // Reached from elsewhere only through a reverse proxy the operator puts in front (see the file's comments).
    assert.deepEqual(s.api!.ports, ['127.0.0.1:3000:3000']);
    assert.deepEqual(s['temporal-ui']!.ports, ['127.0.0.1:8080:8080']);
    assert.deepEqual(s.temporal!.ports, ['127.0.0.1:7233:7233']);
  });

  it('builds the API and the worker from the Dockerfile, with a scalable worker', () => {
    assert.equal(s.api!.build, '.');
    assert.equal(s.worker!.image, s.api!.image);
    assert.equal(s.worker!.ports, undefined, 'a scaled worker must not bind host ports');
    assert.equal(s.worker!.container_name, undefined, 'a scaled worker must not have a fixed name');
    assert.ok((s.worker!.deploy?.replicas ?? 1) >= 2);
    assert.equal(s.api!.environment!.ROLE, 'api');
    assert.equal(s.worker!.environment!.ROLE, 'worker');
    // The memory budget the bench measured (compiled build, 1,000 bills in flight under 300 MB).
    assert.equal(s.worker!.environment!.NODE_OPTIONS, '--max-old-space-size=192 --max-semi-space-size=8');
    assert.equal(s.worker!.environment!.WORKER_MAX_CACHED_WORKFLOWS, '100');
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /npm ci/);
    // npm ci's postinstall applies patches/ (the SDK's sandbox guard) and runs scripts/install-tools.mjs.
    const install = dockerfile.indexOf('RUN npm ci');
    for (const dir of ['patches', 'scripts']) {
      const copied = dockerfile.indexOf(`COPY ${dir} ./${dir}`);
      assert.ok(copied >= 0 && copied < install, `${dir}/ must be copied before npm ci`);
    }
    assert.match(dockerfile, /bundle-workflows/);
    // The worker's RSS budget is measured with glibc's malloc held to two arenas.
    assert.match(dockerfile, /^\s+MALLOC_ARENA_MAX=2$/m);
    // The console is built in the image and served from console/dist (no CDN, nothing built at start).
    assert.match(dockerfile, /npm run console:build/);
    assert.match(dockerfile, /COPY --from=build \/app\/console\/dist \.\/console\/dist/);
    assert.match(dockerfile, /CMD \["node", "dist\/src\/main.js"\]/);
    assert.ok(existsSync(path.join(root, 'scripts/bundle-workflows.ts')));
  });

  it('gives the app only settings the service knows, production mode and every required secret', () => {
    // NODE_OPTIONS: Node's own; PGPASSWORD: node-postgres's own (the database password, kept out of the URL).
    const known = new Set([...Object.keys(envSchema.shape), 'NODE_OPTIONS', 'PGPASSWORD']);
    for (const name of ['api', 'worker']) {
      const env = s[name]!.environment!;
      for (const key of Object.keys(env)) assert.ok(known.has(key), `${name}: unknown setting ${key}`);
      assert.equal(env.NODE_ENV, 'production');
      assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.equal(env.DATABASE_URL, 'postgres://qbo_sync@postgres:5432/qbo_sync');
      assert.match(String(env.PGPASSWORD), /^\$\{POSTGRES_PASSWORD:\?/);
      for (const secret of ['ENCRYPTION_KEY', 'ADMIN_API_KEY', 'M3TER_API_SECRET', 'QBO_CLIENT_SECRET']) {
        assert.ok(
          String(env[secret]).includes(`\${${secret}:?`),
          `${name}: ${secret} must be required from .env, never inlined`,
        );
      }
    }
    for (const secret of SECRETS) {
      assert.equal(exampleVars.get(secret), '', `.env.example lists ${secret} without a value`);
    }
  });

  it('validates against the Compose Specification schema, as written and with a filled-in .env', () => {
    const validate = composeSchemaValidator();
    assert.equal(
      validate(parse(composeText, { merge: true })),
      true,
      JSON.stringify(validate.errors, null, 2),
    );
    const filled: Record<string, string> = Object.fromEntries(exampleVars);
    for (const name of REQUIRED) filled[name] = `${name.toLowerCase()}-value-0123456789`;
    const interpolated = parse(interpolate(composeText, filled), { merge: true }) as {
      services: Record<string, Service>;
    };
    assert.equal(validate(interpolated), true, JSON.stringify(validate.errors, null, 2));
    assert.equal(interpolated.services.api!.environment!.QBO_CLIENT_ID, 'qbo_client_id-value-0123456789');
    // The validator does reject what compose rejects.
    assert.equal(validate({ services: { api: { image: 'x', imagee: 'x' } } }), false);
    assert.equal(validate.errors?.[0]?.message, 'must NOT have additional properties');
  });

  it('uses only variables that .env.example lists, requires the secrets with a message that says what to set', () => {
    assert.ok(references.length > 0);
    for (const ref of references) {
      assert.ok(exampleVars.has(ref.name), `.env.example does not list ${ref.name} (used as ${ref.text})`);
    }
    for (const name of REQUIRED) {
      const uses = references.filter((r) => r.name === name);
      assert.ok(uses.length > 0, `${name} is not used`);
      for (const use of uses) {
        assert.equal(use.operator, ':?', `${use.text} must be required with :?`);
        assert.match(use.argument, new RegExp(`^set ${name} in \\.env \\(.{10,}\\)$`), use.text);
      }
    }
    // An unset required variable stops compose with that message (here: the first one the file uses).
    assert.throws(
      () => interpolate(composeText, {}),
      /^Error: required variable POSTGRES_PASSWORD is missing a value: set POSTGRES_PASSWORD in \.env \(e\.g\. from openssl rand -hex 32\)$/,
    );
    // The Intuit app's credentials: the file and .env.example both say where they come from.
    assert.match(references.find((r) => r.name === 'QBO_CLIENT_ID')!.argument, /Intuit developer app/);
    assert.match(
      exampleText,
      /REQUIRED\. The Intuit developer app[\s\S]*QBO_CLIENT_ID=\nQBO_CLIENT_SECRET=\n/,
    );
    for (const name of REQUIRED)
      assert.equal(markerOf(name), 'REQUIRED', `.env.example: ${name} is required`);
    assert.equal(markerOf('M3TER_WEBHOOK_API_KEY'), 'Optional');
    assert.equal(markerOf('M3TER_WEBHOOK_SECRET'), 'Optional');
    assert.equal(markerOf('SMTP_URL'), 'Optional');
  });

  it('gives no secret a default value, and .env.example ships no credentials', () => {
    for (const ref of references.filter((r) => SECRETS.includes(r.name))) {
      assert.ok(
        ref.operator === ':?' || ref.argument === '',
        `${ref.text}: a secret must be required (:?) or default to empty, never to a value`,
      );
    }
    assert.equal(exampleVars.get('SMTP_URL'), '');
    assert.match(exampleText, /# Optional\. [^\n]*smtp:\/\/USER:PASSWORD@HOST:587/);
    assert.doesNotMatch(exampleText, /^[A-Z_]+=.*:\/\/[^/\s]*:[^/\s]*@/m, 'a URL with credentials');
  });

  it('keeps the database password out of DATABASE_URL (node-postgres reads PGPASSWORD)', () => {
    for (const name of ['api', 'worker']) {
      const env = s[name]!.environment!;
      const url = new URL(String(env.DATABASE_URL));
      assert.equal(url.password, '');
      assert.equal(url.username, 'qbo_sync');
      assert.equal(env.PGPASSWORD, s.postgres!.environment!.POSTGRES_PASSWORD);
    }
    assert.ok(!/DATABASE_URL:.*POSTGRES_PASSWORD/.test(composeText));
    // Temporal gets it as POSTGRES_PWD (its config template quotes it; its SQL plugin escapes it in the DSN).
    assert.equal(s.temporal!.environment!.POSTGRES_PWD, s.postgres!.environment!.POSTGRES_PASSWORD);
    assert.equal(s['temporal-schema']!.environment!.POSTGRES_PWD, s.postgres!.environment!.POSTGRES_PASSWORD);
  });

  it('runs the Temporal server, admin tools and Web UI of the version the tests run on (the dev server)', () => {
    const cli = resolveTemporalCli(process.env.TEMPORAL_CLI_PATH);
    if (cli.type !== 'existing-path') {
      assert.fail(
        'the tests use the SDK-downloaded Temporal CLI; npm ci installs the pinned one into .tools/',
      );
    }
    const version = execFileSync(cli.path, ['--version'], { encoding: 'utf8' });
    const m = /\(Server (\d+\.\d+\.\d+), UI (\d+\.\d+\.\d+)\)/.exec(version);
    assert.ok(m, version);
    const tag = (name: string) => s[name]!.image!.split(':')[1]!;
    assert.equal(tag('temporal'), m[1], "temporalio/server = the dev server's server version");
    assert.equal(tag('temporal-schema'), m[1]);
    assert.equal(tag('temporal-setup'), m[1]);
    assert.ok(atLeast(versionOf(tag('temporal-ui')), versionOf(m[2]!)), `temporalio/ui older than ${m[2]}`);
  });

  it('keeps data in a named volume', () => {
    assert.ok(compose.volumes['postgres-data'] !== undefined);
    assert.ok(s.postgres!.volumes!.some((v) => v.startsWith('postgres-data:')));
  });
});
