import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { SCHEMA_PATH, generatedApiTypes } from '../../scripts/console-api-types';

describe('console: the typed API client', () => {
  it('console/src/api/schema.d.ts is generated from the current /openapi.json (else: npm run console:api-types)', async () => {
    const committed = await readFile(SCHEMA_PATH, 'utf8');
    const current = await generatedApiTypes();
    assert.ok(
      committed === current,
      'console/src/api/schema.d.ts is stale: the API changed; run `npm run console:api-types` and commit the result',
    );
    assert.match(current, /"\/auth\/session": \{/);
    assert.match(current, /"\/integrations\/\{id\}\/audit": \{/);
  });
});
