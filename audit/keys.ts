import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The Ed25519 key that signs audit checkpoints (docs/audit.md, "Keys").
 *
 * CITYCODE_AUDIT_SIGNING_KEY holds the private key as PKCS#8 PEM or as base64 of the PKCS#8 DER;
 * CITYCODE_AUDIT_SIGNING_KEY_FILE names a file holding either form instead. Without both, the
 * development key below is used, except when NODE_ENV=production, which refuses it.
 * CITYCODE_AUDIT_PUBLIC_KEYS adds verification keys (SPKI PEM or base64 DER, comma-separated),
 * e.g. the public halves of keys retired by a rotation.
 */

/**
 * DEVELOPMENT ONLY. This key is public (it is in the repository and in docs/audit.md), so a
 * checkpoint it signs proves nothing. Its key id is fbded8a673b2c4fa.
 */
export const DEV_SIGNING_KEY_PKCS8_BASE64 = 'MC4CAQAwBQYDK2VwBCIEIN+Rcr97TzRKavg8uLLUOQlPX6AgbGm2gWG/Xiti0t1Z';
export const DEV_KEY_ID = 'fbded8a673b2c4fa';

export interface AuditSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** First 16 hex digits of sha256(SPKI DER of the public key). */
  keyId: string;
  publicKeyPem: string;
  /** True for the committed development key. */
  development: boolean;
}

export class AuditKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditKeyError';
  }
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

function assertEd25519(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AuditKeyError(`${what} is a ${key.asymmetricKeyType ?? key.type} key; audit checkpoints need Ed25519`);
  }
}

/** A signing key from PKCS#8 PEM or base64 PKCS#8 DER text. */
export function signingKeyFrom(text: string): AuditSigningKey {
  const trimmed = text.trim();
  let privateKey: KeyObject;
  try {
    privateKey = trimmed.startsWith('-----BEGIN')
      ? createPrivateKey({ key: trimmed, format: 'pem' })
      : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new AuditKeyError(
      `the audit signing key is not a PKCS#8 private key (PEM or base64 DER): ${(err as Error).message}`,
    );
  }
  assertEd25519(privateKey, 'the audit signing key');
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  return {
    privateKey,
    publicKey,
    keyId,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    development: keyId === DEV_KEY_ID,
  };
}

/** A verification key from SPKI PEM or base64 SPKI DER text (a private key gives its public half). */
export function publicKeyFrom(text: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.includes('PRIVATE KEY')) key = createPublicKey(createPrivateKey({ key: trimmed, format: 'pem' }));
    else if (trimmed.startsWith('-----BEGIN')) key = createPublicKey({ key: trimmed, format: 'pem' });
    else key = createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  } catch (err) {
    throw new AuditKeyError(`not an SPKI public key (PEM or base64 DER): ${(err as Error).message}`);
  }
  assertEd25519(key, 'the audit verification key');
  return key;
}

/** The signing key the environment names (see the module comment). */
export function loadSigningKey(env: NodeJS.ProcessEnv = process.env): AuditSigningKey {
  const production = env.NODE_ENV === 'production';
  let text = env.CITYCODE_AUDIT_SIGNING_KEY;
  if ((text === undefined || text.trim() === '') && env.CITYCODE_AUDIT_SIGNING_KEY_FILE) {
    try {
      text = readFileSync(env.CITYCODE_AUDIT_SIGNING_KEY_FILE, 'utf8');
    } catch (err) {
      throw new AuditKeyError(`CITYCODE_AUDIT_SIGNING_KEY_FILE cannot be read: ${(err as Error).message}`);
    }
  }
  if (text === undefined || text.trim() === '') {
    if (production) {
      throw new AuditKeyError(
        'NODE_ENV=production needs an audit signing key: set CITYCODE_AUDIT_SIGNING_KEY (or _FILE) to an Ed25519 PKCS#8 key; `node dist/audit/cli.js keygen` makes one',
      );
    }
    return signingKeyFrom(DEV_SIGNING_KEY_PKCS8_BASE64);
  }
  const key = signingKeyFrom(text);
  if (key.development && production) {
    throw new AuditKeyError('the development audit signing key is public and refused when NODE_ENV=production');
  }
  return key;
}

/**
 * The keys a verifier trusts: the public half of the signing key (when one can be loaded) and the
 * keys in CITYCODE_AUDIT_PUBLIC_KEYS. A verifier with only CITYCODE_AUDIT_PUBLIC_KEYS needs no
 * private key.
 */
export function trustedPublicKeys(env: NodeJS.ProcessEnv = process.env): KeyObject[] {
  const extra = (env.CITYCODE_AUDIT_PUBLIC_KEYS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(publicKeyFrom);
  const hasSigningKey = Boolean(env.CITYCODE_AUDIT_SIGNING_KEY?.trim() || env.CITYCODE_AUDIT_SIGNING_KEY_FILE);
  if (extra.length > 0 && !hasSigningKey) return extra;
  return [loadSigningKey(env).publicKey, ...extra];
}

/** A fresh Ed25519 key for production (`node dist/audit/cli.js keygen`). */
export function generateSigningKey(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}
