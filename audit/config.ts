/**
 * Audit settings from the environment (docs/audit.md, "Settings"). Every default suits one
 * machine; production tunes them and sets its own signing key (audit/keys.ts).
 */
export interface AuditSettings {
  /** Longest time an entry waits in the queue before a flush starts (ms). */
  flushIntervalMs: number;
  /** Entries per flush transaction; a full batch flushes at once. */
  batchSize: number;
  /** Entries kept while PostgreSQL is unreachable; beyond this new entries are dropped and counted. */
  maxQueue: number;
  /** How often the API signs a checkpoint (ms); 0 turns the timer off. */
  checkpointIntervalMs: number;
}

export const DEFAULT_AUDIT_SETTINGS: AuditSettings = Object.freeze({
  flushIntervalMs: 50,
  batchSize: 200,
  maxQueue: 100_000,
  checkpointIntervalMs: 60_000,
});

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, allowZero = false): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${raw}"`);
  }
  return value;
}

export function auditSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AuditSettings {
  return {
    flushIntervalMs: positiveInt(env, 'CITYCODE_AUDIT_FLUSH_MS', DEFAULT_AUDIT_SETTINGS.flushIntervalMs),
    batchSize: positiveInt(env, 'CITYCODE_AUDIT_BATCH_SIZE', DEFAULT_AUDIT_SETTINGS.batchSize),
    maxQueue: positiveInt(env, 'CITYCODE_AUDIT_MAX_QUEUE', DEFAULT_AUDIT_SETTINGS.maxQueue),
    checkpointIntervalMs: positiveInt(env, 'CITYCODE_AUDIT_CHECKPOINT_MS', DEFAULT_AUDIT_SETTINGS.checkpointIntervalMs, true),
  };
}
