import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption of secrets at rest (AES-256-GCM).
 *
 * Sealed format (one printable string): `v1.<keyId>.<iv>.<tag>.<ciphertext>`, the last three base64url.
 * `keyId` is derived from the key (first 8 bytes of its SHA-256, hex), so a value sealed under an old
 * key can still be opened after rotation when that key is passed in `previousKeys`.
 * An optional `context` is bound as additional authenticated data: a value sealed for one context
 * (e.g. `credential:<id>:refreshToken`) does not open under another, so ciphertexts cannot be swapped.
 */
export interface SecretBox {
  /** Id of the key new values are sealed with. */
  readonly keyId: string;
  seal(plaintext: string, context?: string): string;
  /** Throws SecretBoxError when the value is malformed, sealed under an unknown key, or tampered with. */
  open(sealed: string, context?: string): string;
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function secretKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function createSecretBox(key: Buffer, options: { previousKeys?: Buffer[] } = {}): SecretBox {
  const keys = new Map<string, Buffer>();
  for (const k of [key, ...(options.previousKeys ?? [])]) {
    if (k.length !== 32) throw new SecretBoxError('An encryption key must be 32 bytes (AES-256)');
    keys.set(secretKeyId(k), Buffer.from(k));
  }
  const keyId = secretKeyId(key);
  const current = keys.get(keyId) as Buffer;

  return {
    keyId,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(keyId, context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, keyId, b64(iv), b64(tag), b64(ciphertext)].join('.');
    },
    open(sealed, context) {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== VERSION)
        throw new SecretBoxError('Not a sealed secret (unknown format)');
      const [, id, ivText, tagText, ciphertextText] = parts as [string, string, string, string, string];
      const k = keys.get(id);
      if (!k) throw new SecretBoxError(`Secret was sealed with an unknown key (${id})`);
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
        throw new SecretBoxError('Sealed secret is malformed');
      try {
        const decipher = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(id, context));
        decipher.setAuthTag(tag);
        return Buffer.concat([
          decipher.update(Buffer.from(ciphertextText, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new SecretBoxError('Sealed secret failed authentication (tampered, or wrong context)');
      }
    },
  };
}

/** Parses `ENCRYPTION_KEY` (32 bytes, base64) into a key. */
export function secretKeyFromBase64(value: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) throw new SecretBoxError('ENCRYPTION_KEY must be 32 bytes, base64-encoded');
  return key;
}

function aad(keyId: string, context: string | undefined): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${context ?? ''}`, 'utf8');
}

function b64(buf: Buffer): string {
  return buf.toString('base64url');
}
