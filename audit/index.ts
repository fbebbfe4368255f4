/**
 * 使用留痕: the tamper-evident audit trail (docs/audit.md). The API records entries through an
 * AuditWriter, signs checkpoints with startCheckpointTimer, and exposes verifyAudit.
 */
export * from './chain';
export * from './config';
export * from './keys';
export * from './signature';
export * from './rows';
export * from './writer';
export * from './verify';
export * from './checkpoint';
export * from './export';
