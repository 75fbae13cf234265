import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSecretBox, secretKeyFromBase64, SecretBoxError } from '../../src/platform/secret-box';

describe('secret box (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const box = createSecretBox(key);

  it('round-trips a secret and never contains the plaintext', () => {
    const sealed = box.seal('refresh-token-ABC');
    assert.equal(box.open(sealed), 'refresh-token-ABC');
    assert.ok(!sealed.includes('refresh-token-ABC'));
    assert.match(sealed, /^v1\.[0-9a-f]{16}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(sealed.split('.')[1], box.keyId);
  });

  it('uses a fresh IV for every seal', () => {
    assert.notEqual(box.seal('same'), box.seal('same'));
    assert.equal(box.open(box.seal('')), '');
    assert.equal(box.open(box.seal('ünïcødé ✓')), 'ünïcødé ✓');
  });

  it('detects tampering with the ciphertext, tag, iv or key id', () => {
    const sealed = box.seal('secret value');
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
      const tampered = [...parts];
      const bytes = Buffer.from(tampered[index] as string, 'base64url');
      bytes[0] = (bytes[0] as number) ^ 0x01;
      tampered[index] = bytes.toString('base64url');
      assert.throws(() => box.open(tampered.join('.')), SecretBoxError, `part ${index}`);
    }
    assert.throws(() => box.open(['v1', '0000000000000000', ...parts.slice(2)].join('.')), /unknown key/);
    assert.throws(() => box.open('not sealed'), SecretBoxError);
    assert.throws(() => box.open(sealed.replace(/^v1/, 'v9')), SecretBoxError);
  });

  it('refuses to open with a wrong key', () => {
    const other = createSecretBox(randomBytes(32));
    assert.throws(() => other.open(box.seal('x')), SecretBoxError);
  });

  it('binds the context: a value sealed for one field does not open as another', () => {
    const sealed = box.seal('tok', 'credential:1:accessToken');
    assert.equal(box.open(sealed, 'credential:1:accessToken'), 'tok');
    assert.throws(() => box.open(sealed, 'credential:1:refreshToken'), /failed authentication/);
    assert.throws(() => box.open(sealed), SecretBoxError);
  });

  it('opens values sealed under a previous key after rotation', () => {
    const rotated = createSecretBox(randomBytes(32), { previousKeys: [key] });
    const old = box.seal('old secret');
    assert.equal(rotated.open(old), 'old secret');
    assert.notEqual(rotated.seal('x').split('.')[1], box.keyId);
  });

  it('rejects keys that are not 32 bytes', () => {
    assert.throws(() => createSecretBox(randomBytes(16)), /32 bytes/);
    assert.throws(() => secretKeyFromBase64(randomBytes(31).toString('base64')), /32 bytes/);
    assert.equal(secretKeyFromBase64(key.toString('base64')).length, 32);
  });
});
