import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { envSchema } from '../../src/config/env';

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

// There is no Docker engine here: the production shape is checked by reading the file.
describe('docker-compose.yml (production shape)', () => {
  const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
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

  it('publishes the API on 3000, the UI on 8080 and keeps Temporal on loopback', () => {
    assert.deepEqual(s.api!.ports, ['3000:3000']);
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
    assert.equal(s.worker!.environment!.NODE_OPTIONS, '--max-old-space-size=192');
    assert.equal(s.worker!.environment!.WORKER_MAX_CACHED_WORKFLOWS, '100');
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /npm ci/);
    assert.match(dockerfile, /bundle-workflows/);
    assert.match(dockerfile, /CMD \["node", "dist\/src\/main.js"\]/);
    assert.ok(existsSync(path.join(root, 'scripts/bundle-workflows.ts')));
  });

  it('gives the app only settings the service knows, production mode and every required secret', () => {
    const known = new Set([...Object.keys(envSchema.shape), 'NODE_OPTIONS']); // NODE_OPTIONS: Node's own
    for (const name of ['api', 'worker']) {
      const env = s[name]!.environment!;
      for (const key of Object.keys(env)) assert.ok(known.has(key), `${name}: unknown setting ${key}`);
      assert.equal(env.NODE_ENV, 'production');
      assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.match(String(env.DATABASE_URL), /@postgres:5432\//);
      for (const secret of ['ENCRYPTION_KEY', 'ADMIN_API_KEY', 'M3TER_WEBHOOK_SECRET', 'QBO_CLIENT_SECRET']) {
        assert.ok(
          String(env[secret]).includes(`\${${secret}:?`),
          `${name}: ${secret} must be required from .env, never inlined`,
        );
      }
    }
    const example = readFileSync(path.join(root, '.env.example'), 'utf8');
    for (const secret of ['POSTGRES_PASSWORD', 'ENCRYPTION_KEY', 'ADMIN_API_KEY', 'M3TER_WEBHOOK_SECRET']) {
      assert.match(example, new RegExp(`^${secret}=$`, 'm'), `.env.example lists ${secret} without a value`);
    }
  });

  it('keeps data in a named volume', () => {
    assert.ok(compose.volumes['postgres-data'] !== undefined);
    assert.ok(s.postgres!.volumes!.some((v) => v.startsWith('postgres-data:')));
  });
});
