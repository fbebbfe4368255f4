import type { KeyObject } from 'node:crypto';
import type { SqlStore } from '../store/postgres';
import { AuditRow, GENESIS_HASH } from './chain';
import { keyIdOf, trustedPublicKeys } from './keys';
import { AuditCheckpoint, hashesOf, idRange, readCheckpoints, readHead, readRows } from './rows';

/**
 * Export of the audit trail for offline verification (docs/audit.md, "Offline verification"):
 * a JSON bundle that audit/verify-offline.mjs checks with nothing but Node.
 */

export const EXPORT_FORMAT = 'citycode-audit-export/1';

export interface AuditExport {
  format: typeof EXPORT_FORMAT;
  exportedAt: string;
  /** The rows' range; toId is the last row exported. */
  fromId: number;
  toId: number;
  /** True when the export runs to the end of the log (checkpoints past the last row then mean truncation). */
  toEnd: boolean;
  /** The hash row fromId links to (the genesis hash for fromId = 1). */
  startPrevHash: string;
  /** The chain head when exported (informative). */
  head: { last_id: number; last_hash: string };
  rows: AuditRow[];
  /** Checkpoints whose last_id lies in the range (from fromId on, when toEnd). */
  checkpoints: AuditCheckpoint[];
  /** The public key of the current signing key (SPKI PEM). Verify with a key obtained out of band. */
  publicKeyPem: string;
  /** Every key the exporting side trusts, by key id. */
  publicKeys: { keyId: string; pem: string }[];
}

export interface ExportOptions {
  fromId?: number;
  toId?: number;
  publicKeys?: KeyObject[];
  pageSize?: number;
}

export async function exportAudit(sql: SqlStore, options: ExportOptions = {}): Promise<AuditExport> {
  const fromId = options.fromId ?? 1;
  if (!Number.isSafeInteger(fromId) || fromId < 1) throw new RangeError(`fromId must be a positive integer, got ${fromId}`);
  const pageSize = options.pageSize ?? 5000;
  const keys = options.publicKeys ?? trustedPublicKeys();
  return sql.transaction(async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const head = await readHead(client);
    const { maxId } = await idRange(client);
    const toEnd = options.toId === undefined || options.toId >= (maxId ?? 0);
    const toId = Math.min(options.toId ?? maxId ?? 0, maxId ?? 0);
    const startPrevHash = fromId === 1 ? GENESIS_HASH : (await hashesOf(client, [fromId - 1])).get(fromId - 1) ?? GENESIS_HASH;
    const rows: AuditRow[] = [];
    let after = fromId - 1;
    for (;;) {
      const page = await readRows(client, after, toId, pageSize);
      rows.push(...page);
      if (page.length < pageSize) break;
      after = page[page.length - 1].id;
    }
    const checkpoints = await readCheckpoints(client, fromId, toEnd ? null : toId);
    const pems = keys.map((k) => ({ keyId: keyIdOf(k), pem: k.export({ type: 'spki', format: 'pem' }).toString() }));
    return {
      format: EXPORT_FORMAT,
      exportedAt: new Date().toISOString(),
      fromId,
      toId,
      toEnd,
      startPrevHash,
      head: { last_id: head.lastId, last_hash: head.lastHash },
      rows,
      checkpoints,
      publicKeyPem: pems[0]?.pem ?? '',
      publicKeys: pems,
    };
  });
}
