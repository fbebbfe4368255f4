import { KeyObject, sign, verify } from 'node:crypto';
import { isoMillis } from './chain';
import { AuditSigningKey, keyIdOf } from './keys';
import type { AuditCheckpoint } from './rows';

/**
 * What a checkpoint signs: the canonical JSON of {last_id, last_hash, row_count, created_at} in
 * that order, created_at as an ISO string with milliseconds, signed with Ed25519 over its UTF-8
 * bytes; the signature is stored as base64. audit/verify-offline.mjs builds the same bytes.
 */
export type CheckpointStatement = Pick<AuditCheckpoint, 'last_id' | 'last_hash' | 'row_count' | 'created_at'>;

export function checkpointPayload(cp: CheckpointStatement): string {
  return JSON.stringify({
    last_id: cp.last_id,
    last_hash: cp.last_hash,
    row_count: cp.row_count,
    created_at: isoMillis(cp.created_at),
  });
}

export function signCheckpoint(
  statement: CheckpointStatement,
  key: AuditSigningKey,
): Omit<AuditCheckpoint, 'id'> {
  const signature = sign(null, Buffer.from(checkpointPayload(statement), 'utf8'), key.privateKey).toString('base64');
  return { ...statement, created_at: isoMillis(statement.created_at), key_id: key.keyId, signature };
}

export type SignatureStatus = 'VALID' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE';

/** Keys by key id, for checking checkpoints signed by any of them. */
export function keyring(keys: readonly KeyObject[]): Map<string, KeyObject> {
  return new Map(keys.map((k) => [keyIdOf(k), k]));
}

export function checkSignature(cp: AuditCheckpoint | Omit<AuditCheckpoint, 'id'>, keys: Map<string, KeyObject>): SignatureStatus {
  const key = keys.get(cp.key_id);
  if (!key) return 'UNKNOWN_KEY';
  try {
    const ok = verify(null, Buffer.from(checkpointPayload(cp), 'utf8'), key, Buffer.from(cp.signature, 'base64'));
    return ok ? 'VALID' : 'BAD_SIGNATURE';
  } catch {
    return 'BAD_SIGNATURE';
  }
}
