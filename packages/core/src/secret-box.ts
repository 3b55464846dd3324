/**
 * AES-256-GCM sealing of presented keys, for the optional server-side copy
 * (`storeSecretsServerSide`) that lets a key be revealed again.
 *
 * Sealed format: `v1.<masterKeyId>.<iv>.<ciphertext>.<tag>`, the last three
 * base64url without padding; the IV is 12 random bytes per call and the tag
 * 16 bytes. The caller's `aad` (the API key's id) is authenticated but not
 * stored, so a sealed secret copied onto another record does not open.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError, KeygateError } from './errors.js';
import type { MasterKey } from './config-types.js';

/** Seals and opens secrets with a list of master keys. */
export interface SecretBox {
  /** Encrypts `plaintext` under the first master key, bound to `aad`. */
  seal(plaintext: string, aad: string): string;
  /**
   * Decrypts a sealed string with the master key it names.
   *
   * @throws KeygateError `SECRET_NOT_STORED` when the string is malformed,
   *   names an unknown key, was tampered with or was sealed with another `aad`.
   */
  open(sealed: string, aad: string): string;
}

const VERSION = 'v1';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
// 32 bytes are 43 base64 characters plus one optional '=' of padding.
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/;

function notOpenable(): KeygateError {
  // Deliberately vague and free of any input: the reason is for logs, not attackers.
  return new KeygateError('SECRET_NOT_STORED', 'The stored secret cannot be opened');
}

// Decodes canonical unpadded base64url only: Node's decoder ignores stray
// characters and spare low bits, which would let altered strings still open.
function decodeCanonical(part: string): Buffer | undefined {
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}

/**
 * A {@link SecretBox} over `keys`: the first seals, all open (rotation: put
 * the new key first and keep the old ones until every secret is resealed).
 *
 * @throws ConfigError for an empty list, an empty or duplicate id, an id
 *   containing `.`, or a key that is not 32 bytes of base64.
 */
export function createSecretBox(keys: MasterKey[]): SecretBox {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ConfigError('No master keys', [{ field: 'masterKeys', message: 'must contain at least one key' }]);
  }
  const byId = new Map<string, Buffer>();
  keys.forEach((entry, index) => {
    const field = `masterKeys/${index}`;
    const id: unknown = entry?.id;
    if (typeof id !== 'string' || id.length === 0 || id.includes('.')) {
      throw new ConfigError('Invalid master key id', [{ field: `${field}/id`, message: 'must be a non-empty string without "."' }]);
    }
    if (byId.has(id)) {
      throw new ConfigError('Duplicate master key id', [{ field: `${field}/id`, message: `duplicates id ${id}` }]);
    }
    const key: unknown = entry.key;
    if (typeof key !== 'string' || !BASE64_KEY.test(key)) {
      throw new ConfigError('Invalid master key', [{ field: `${field}/key`, message: 'must be 32 bytes, base64-encoded' }]);
    }
    const bytes = Buffer.from(key, 'base64');
    if (bytes.length !== KEY_BYTES) {
      throw new ConfigError('Invalid master key', [{ field: `${field}/key`, message: 'must be 32 bytes, base64-encoded' }]);
    }
    byId.set(id, bytes);
  });
  const sealId = keys[0]!.id;
  const sealKey = byId.get(sealId)!;

  return {
    seal(plaintext: string, aad: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, sealKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return `${VERSION}.${sealId}.${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${tag.toString('base64url')}`;
    },

    open(sealed: string, aad: string): string {
      if (typeof sealed !== 'string' || typeof aad !== 'string') throw notOpenable();
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== VERSION) throw notOpenable();
      const key = byId.get(parts[1]!);
      const iv = decodeCanonical(parts[2]!);
      const ciphertext = decodeCanonical(parts[3]!);
      const tag = decodeCanonical(parts[4]!);
      if (key === undefined || iv?.length !== IV_BYTES || ciphertext === undefined || tag?.length !== TAG_BYTES) {
        throw notOpenable();
      }
      try {
        const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw new KeygateError('SECRET_NOT_STORED', 'The stored secret cannot be opened', { cause });
      }
    },
  };
}
