/**
 * Signed manifests of files that leave the platform (bulk exports, return-flow deliveries): what
 * the file is (rows, bytes, sha256), who asked, under which grants and policy, when — signed with
 * the platform's Ed25519 key (the audit key, audit/keys.ts) over the canonical JSON of everything
 * else, so a receiver checks the file without trusting the channel it came by.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../audit/chain';
import { keyIdOf, type AuditSigningKey } from '../audit/keys';

export interface FileManifest {
  /** Manifest format. */
  format: 'citycode-manifest/1';
  /** What the file is: an export job or a return-flow delivery, and its id. */
  source: { kind: 'EXPORT' | 'RETURN_FLOW'; id: string };
  file: { name: string; encoding: 'NDJSON' | 'CSV' | 'GEOJSON'; rows: number; bytes: number; sha256: string };
  requester: { department: string; username: string | null };
  purpose: string | null;
  /** The policy version in force and the grants that released the values. */
  policy: { version: string; grants: string[] };
  /** What was selected (dataset, grant, kind and region, cursors). */
  selection: Record<string, unknown>;
  createdAt: string;
}

export interface SignedManifest extends FileManifest {
  keyId: string;
  signature: string;
}

export function signManifest(manifest: FileManifest, key: AuditSigningKey): SignedManifest {
  const signature = sign(null, Buffer.from(canonicalJson(manifest), 'utf8'), key.privateKey).toString('base64');
  return { ...manifest, keyId: key.keyId, signature };
}

/** VALID, UNKNOWN_KEY (no trusted key with that id) or BAD_SIGNATURE (anything changed). */
export function checkManifest(signed: SignedManifest, trusted: readonly KeyObject[]): 'VALID' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' {
  const key = trusted.find((k) => keyIdOf(k) === signed.keyId);
  if (!key) return 'UNKNOWN_KEY';
  const { keyId: _keyId, signature, ...manifest } = signed;
  void _keyId;
  try {
    return verify(null, Buffer.from(canonicalJson(manifest), 'utf8'), key, Buffer.from(signature, 'base64')) ? 'VALID' : 'BAD_SIGNATURE';
  } catch {
    return 'BAD_SIGNATURE';
  }
}
