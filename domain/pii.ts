/**
 * Personal ID numbers (公民身份号码) never sit in clear in the graph. The graph keeps:
 *   - a look-up key: HMAC-SHA256 of the canonical 18-character number, hex (`idLookupKey`), so a
 *     number typed by an officer finds its person without the graph holding the number;
 *   - an encrypted copy (`encryptIdNumber`): AES-256-GCM, random 96-bit IV, for the few grants
 *     that may unmask it (`decryptIdNumber`).
 * Both are computed on the canonical form: 18 characters, upper-case X, legacy 15-digit numbers
 * upgraded (upgradeLegacyCitizenId), so the two forms of one person's number meet on one key.
 *
 * Pure apart from reading keys from the environment in `piiKeys`; node:crypto only. Error
 * messages never contain the number. Spec: docs/city-code.md ("Issuing in practice", keys).
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, KeyObject, randomFillSync } from 'node:crypto';
import { normaliseCodeText } from './citycode';
import { upgradeLegacyCitizenId, validateCitizenId } from './identifiers/citizenId';

export interface PiiKeys {
  /** 32-byte key of the look-up HMAC (CITYCODE_PII_HMAC_KEY). */
  hmacKey: Buffer;
  /** 32-byte AES-256-GCM key of the encrypted copy (CITYCODE_PII_ENC_KEY). */
  encryptionKey: Buffer;
  /**
   * 32-byte key of the HASH mask, derived from the look-up key (HKDF-SHA256): a masked value can
   * be compared with other masked values but is not the look-up hash, so it opens no index.
   */
  maskingKey: Buffer;
}

export const PII_KEY_BYTES = 32;

/**
 * Development defaults (hex): SHA-256 of "citycode development PII HMAC key (public, not secret)"
 * and of "citycode development PII encryption key (public, not secret)". They are public, so they
 * protect nothing; piiKeys() refuses them under NODE_ENV=production.
 */
export const DEV_PII_HMAC_KEY_HEX = 'bf160c5c4c6a8ff347632e864c230331bbe8a186855ed240b2932a5e4d8fc1d8';
export const DEV_PII_ENC_KEY_HEX = '5ab15a1f8e9418abb9aa0c273d5a752c7040b9677ba1a8b69d10462670eed284';

/** Format version of encrypted ID numbers: `v1:<iv b64>:<tag b64>:<ciphertext b64>`. */
const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Additional authenticated data: a v1 ciphertext only decrypts as a citizen ID number of this platform. */
const AAD = Buffer.from('citycode:citizen-id:v1', 'utf8');

/**
 * The canonical 18-character form of a citizen ID number: normalised (NFKC, whitespace removed,
 * upper-case X), a legacy 15-digit number upgraded. Throws RangeError (whose message never repeats
 * the number) when it is not a valid citizen ID number.
 */
export function canonicalIdNumber(idNumber: string): string {
  const text = normaliseCodeText(String(idNumber));
  if (text.length === 15) return upgradeLegacyCitizenId(text);
  const result = validateCitizenId(text);
  if (!result.ok) throw new RangeError(result.reason);
  return result.value.idNumber;
}

function checkKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== PII_KEY_BYTES) {
    throw new RangeError(`The ${what} key must be ${PII_KEY_BYTES} bytes.`);
  }
}

/**
 * The key as a KeyObject, made once per key content: node:crypto re-imports a raw key on every
 * createHmac/createCipheriv (tens of µs, most of an ingest's HMAC and AES time), a KeyObject not.
 * Keyed by content (not by buffer), so a buffer changed in place never finds a stale key.
 */
const keyObjects = new Map<string, KeyObject>();
function keyObject(key: Uint8Array): KeyObject {
  const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
  let k = keyObjects.get(id);
  if (!k) {
    if (keyObjects.size >= 16) keyObjects.clear();
    keyObjects.set(id, (k = createSecretKey(Buffer.from(key))));
  }
  return k;
}

/** Look-up key of an ID number: HMAC-SHA256(key, canonical number), 64 hex characters. */
export function idLookupKey(idNumber: string, key: Uint8Array): string {
  checkKey(key, 'PII HMAC');
  return createHmac('sha256', keyObject(key)).update(canonicalIdNumber(idNumber), 'utf8').digest('hex');
}

/**
 * Random IVs drawn from a pool refilled 1,024 at a time: one call to the system's random source
 * per 1,024 encryptions instead of one each (that call was the largest cost of a bulk load). Each
 * IV is 12 fresh random bytes, used once, as before.
 */
const IV_POOL = Buffer.alloc(IV_BYTES * 1024);
let ivOffset = IV_POOL.length;

function nextIv(): Buffer {
  if (ivOffset >= IV_POOL.length) {
    randomFillSync(IV_POOL);
    ivOffset = 0;
  }
  const iv = Buffer.from(IV_POOL.subarray(ivOffset, ivOffset + IV_BYTES));
  ivOffset += IV_BYTES;
  return iv;
}

/** Encrypt the canonical number with AES-256-GCM and a random 12-byte IV: `v1:<iv>:<tag>:<ciphertext>` (base64). */
export function encryptIdNumber(idNumber: string, key: Uint8Array): string {
  checkKey(key, 'PII encryption');
  const plain = canonicalIdNumber(idNumber);
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', keyObject(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [FORMAT, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
}

/** Inverse of encryptIdNumber. Throws when the text is not a v1 ciphertext, was altered, or the key is wrong. */
export function decryptIdNumber(cipherText: string, key: Uint8Array): string {
  checkKey(key, 'PII encryption');
  const parts = String(cipherText).split(':');
  const b64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (parts.length !== 4 || parts[0] !== FORMAT || !parts.slice(1).every((p) => b64.test(p))) {
    throw new Error('Not an encrypted ID number: expected "v1:<iv>:<tag>:<ciphertext>" in base64.');
  }
  const iv = Buffer.from(parts[1], 'base64');
  const tag = Buffer.from(parts[2], 'base64');
  const body = Buffer.from(parts[3], 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES || body.length === 0) {
    throw new Error('Not an encrypted ID number: wrong IV, tag or ciphertext length.');
  }
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyObject(key), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('Cannot decrypt the ID number: the ciphertext was altered or the key is wrong.');
  }
  return plain;
}

/** A 32-byte key from 64 hex characters or base64 (standard or URL-safe, padding optional). */
export function parsePiiKey(name: string, raw: string): Buffer {
  const text = raw.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) key = Buffer.from(text, 'base64');
  if (!key || key.length !== PII_KEY_BYTES) {
    throw new Error(`${name} must be a ${PII_KEY_BYTES}-byte key as 64 hex characters or base64 (e.g. \`openssl rand -base64 32\`).`);
  }
  return key;
}

/**
 * The PII keys from CITYCODE_PII_HMAC_KEY and CITYCODE_PII_ENC_KEY (each 32 bytes, hex or base64).
 * An unset variable takes its development default, except under NODE_ENV=production, which
 * throws, as it does for a development default set explicitly or for the same key used twice.
 */
export function piiKeys(env: NodeJS.ProcessEnv = process.env): PiiKeys {
  const production = env.NODE_ENV === 'production';
  const load = (name: string, devHex: string): Buffer => {
    const raw = env[name]?.trim();
    if (!raw) {
      if (production) {
        throw new Error(
          `${name} is not set and NODE_ENV=production: refusing the public development key. ` +
            `Set ${name} to a secret ${PII_KEY_BYTES}-byte key (hex or base64); losing it loses the data it protects.`,
        );
      }
      return Buffer.from(devHex, 'hex');
    }
    const key = parsePiiKey(name, raw);
    if (production && key.equals(Buffer.from(devHex, 'hex'))) {
      throw new Error(`${name} equals the public development default, which NODE_ENV=production refuses.`);
    }
    return key;
  };
  const hmacKey = load('CITYCODE_PII_HMAC_KEY', DEV_PII_HMAC_KEY_HEX);
  const encryptionKey = load('CITYCODE_PII_ENC_KEY', DEV_PII_ENC_KEY_HEX);
  if (hmacKey.equals(encryptionKey)) {
    throw new Error('CITYCODE_PII_HMAC_KEY and CITYCODE_PII_ENC_KEY must be different keys.');
  }
  const maskingKey = Buffer.from(hkdfSync('sha256', hmacKey, Buffer.alloc(0), 'citycode:hash-mask:v1', PII_KEY_BYTES));
  return { hmacKey, encryptionKey, maskingKey };
}
