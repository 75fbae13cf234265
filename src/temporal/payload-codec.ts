import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import {
  METADATA_ENCODING_KEY,
  ValueError,
  type DataConverter,
  type Payload,
  type PayloadCodec,
} from '@temporalio/common';
import protobuf from 'protobufjs/light';

/**
 * Encrypts every Temporal payload (workflow and activity inputs and results, signals, queries, failure details
 * and — with the failure converter below — failure messages and stack traces) with AES-256-GCM before it
 * leaves the process, so bill and customer data never sit in Temporal's history in plaintext (temporal.md §3.11).
 *
 * Format (as in Temporal's encryption sample): the whole original Payload is protobuf-encoded (length-delimited)
 * and encrypted; the new payload's metadata says `encoding: binary/encrypted` and names the key
 * (`encryption-key-id`); its data is `iv (12 bytes) | ciphertext | tag (16 bytes)`. Payloads that are not
 * encrypted pass through decode unchanged.
 *
 * The key is derived from ENCRYPTION_KEY with HKDF-SHA256 (its own purpose label), so the token sealing key and
 * the payload key are never the same bytes. Older keys can be passed for decoding after a rotation.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_INFO = 'm3ter-quickbooks-sync/temporal-payload-codec/v1';

/** `temporal.api.common.v1.Payload` (fields 1 and 2; external storage, field 3, is not used here). */
const PayloadMessage = new protobuf.Type('Payload')
  .add(new protobuf.MapField('metadata', 1, 'string', 'bytes'))
  .add(new protobuf.Field('data', 2, 'bytes'));
new protobuf.Root().define('temporal.api.common.v1').add(PayloadMessage);

interface DerivedKey {
  id: string;
  key: Buffer;
}

/** The payload key for an ENCRYPTION_KEY (32 bytes), with its id. */
export function derivePayloadKey(encryptionKey: Buffer): DerivedKey {
  if (encryptionKey.length !== 32) throw new ValueError('ENCRYPTION_KEY must be 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), HKDF_INFO, 32));
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

export class EncryptionCodec implements PayloadCodec {
  private readonly current: DerivedKey;
  private readonly keys = new Map<string, Buffer>();

  constructor(encryptionKey: Buffer, options: { previousKeys?: Buffer[] } = {}) {
    this.current = derivePayloadKey(encryptionKey);
    for (const k of [encryptionKey, ...(options.previousKeys ?? [])]) {
      const derived = derivePayloadKey(k);
      this.keys.set(derived.id, derived.key);
    }
  }

  get keyId(): string {
    return this.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plaintext = PayloadMessage.encodeDelimited(PayloadMessage.fromObject(payload)).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(this.current.id));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: utf8(this.current.id),
          [CIPHER_METADATA]: utf8(CIPHER),
        },
        data: new Uint8Array(Buffer.concat([iv, ciphertext, cipher.getAuthTag()])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || Buffer.from(encoding).toString('utf8') !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      if (!keyIdBytes) throw new ValueError('An encrypted payload without an encryption key id');
      const keyId = Buffer.from(keyIdBytes).toString('utf8');
      const key = this.keys.get(keyId);
      if (!key)
        throw new ValueError(
          `A payload encrypted with an unknown key (${keyId}); is ENCRYPTION_KEY the one the workers use?`,
        );
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError('An encrypted payload is too short');
      let plaintext: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), {
          authTagLength: TAG_BYTES,
        });
        decipher.setAAD(aad(keyId));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        plaintext = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
      } catch {
        throw new ValueError('An encrypted payload failed authentication (tampered, or another key)');
      }
      // A decoded message has Buffer (Uint8Array) values: exactly a Payload.
      const decoded = PayloadMessage.decodeDelimited(plaintext) as unknown as {
        metadata?: Record<string, Uint8Array>;
        data?: Uint8Array;
      };
      return { metadata: { ...decoded.metadata }, data: decoded.data ?? new Uint8Array() };
    });
  }
}

/** Failure messages and stack traces go into an encoded payload too (see ./failure-converter). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The data converter of the client (API, starters) and of every worker: all must use the same key. */
export function createDataConverter(
  encryptionKey: Buffer,
  options: { previousKeys?: Buffer[] } = {},
): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(encryptionKey, options)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}

function aad(keyId: string): Buffer {
  return Buffer.from(`${ENCRYPTED_ENCODING};${CIPHER};${keyId}`, 'utf8');
}

function utf8(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'utf8'));
}
