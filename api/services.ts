import { AuditWriter } from '../audit/writer';
import type { Config } from '../core/config';
import { logger } from '../core/logger';
import { Auth, authConfigFromEnv, createAuth } from './auth';
import { currentPolicy, listenForPolicyChanges, syncPolicyFiles } from '../store/policy';
import { CheckpointTimer, startCheckpointTimer } from '../audit/checkpoint';
import { auditSettingsFromEnv } from '../audit/config';
import { PolicySource, startPolicySource } from './policySource';
import type { Stores } from '../store/stores';
import { ChangeFeed, feedSettingsFromEnv } from '../exchange/feed';
import { ReturnFlowScheduler, type ReturnFlowDeps } from '../exchange/returnFlow';
import { ExportRunner, type ExportDeps } from '../exchange/export';
import { PendingChangesSweeper } from '../ingest/changes';
import { maintainReadings } from '../iot/store';
import { IndicatorSchedule } from '../indicators/schedule';
import { loadDatasetFiles } from '../ingest/registry';
import { loadSigningKey } from '../audit/keys';
import { serviceToken } from '../core/serviceToken';
import { join } from 'node:path';

/**
 * What the API needs besides its stores: token verification, the policy in force and the audit
 * writer. `enforcement: false` (POLICY_ENFORCEMENT=off, refused in production) exists only so
 * the benchmark can measure what permissions and audit cost.
 */
export interface AppServices {
  auth: Auth;
  policy: PolicySource;
  audit: AuditWriter | null;
  /** Signs audit checkpoints periodically (CITYCODE_AUDIT_CHECKPOINT_MS); null in tests. */
  checkpoints: CheckpointTimer | null;
  enforcement: boolean;
  /** This process's follower of the change outbox, which feeds its subscriptions (实时推送). */
  feed: ChangeFeed;
  /** 数据回流: what deliveries need, and the scheduler running due flows (null: this process runs none). */
  returnFlows: ReturnFlowDeps;
  returnFlowScheduler: ReturnFlowScheduler | null;
  /** 批量共享: what export jobs need, and the runner of this process (background, resumes orphans). */
  exports: ExportDeps;
  exportRunner: ExportRunner;
  /** Appends the change events of ingest batches whose writer died before appending them (every 30 s). */
  pendingChanges: PendingChangesSweeper;
  /** IoT readings housekeeping (partitions ahead, retention), hourly; null where the process runs none. */
  readingsMaintenance: NodeJS.Timeout | null;
  /** The daily indicator run (one process computes, by an advisory lock); null where the process runs none. */
  indicatorSchedule: IndicatorSchedule | null;
}

/** The policy in force, from PostgreSQL (loaded there from policies/ by the migrations). */
async function databasePolicy(stores: Stores) {
  try {
    return await currentPolicy(stores.sql);
  } catch (err) {
    // A database migrated before the policy files were: load them now, then read back.
    logger.warn({ err }, 'no policy in PostgreSQL yet; loading policies/ into it');
    await syncPolicyFiles(stores.sql);
    return currentPolicy(stores.sql);
  }
}

export function enforcementFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.POLICY_ENFORCEMENT !== 'off') return true;
  if (env.NODE_ENV === 'production') throw new Error('POLICY_ENFORCEMENT=off is refused when NODE_ENV=production');
  logger.warn('POLICY_ENFORCEMENT=off: permissions and audit are OFF (benchmarking only)');
  return false;
}

async function startFeed(stores: Stores): Promise<ChangeFeed> {
  const feed = new ChangeFeed(stores, feedSettingsFromEnv());
  await feed.start();
  return feed;
}

/** How often this process looks for due return flows (CITYCODE_RETURN_FLOW_TICK_MS; 0 runs none). */
function returnFlowTickMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CITYCODE_RETURN_FLOW_TICK_MS?.trim();
  const ms = raw ? Number(raw) : 30_000;
  if (!Number.isInteger(ms) || ms < 0 || ms > 3_600_000) throw new Error(`CITYCODE_RETURN_FLOW_TICK_MS must be 0..3600000, got "${raw}"`);
  return ms;
}

export async function startServices(stores: Stores, config: Config, overrides: Partial<AppServices> = {}): Promise<AppServices> {
  const enforcement = overrides.enforcement ?? enforcementFromEnv();
  const services = await startCore(stores, config, overrides, enforcement);
  const returnFlows: ReturnFlowDeps = overrides.returnFlows ?? {
    stores,
    policy: () => services.policy.current(),
    audit: services.audit,
    districtEndpoints: config.exchange.districtEndpoints,
    serviceToken: serviceToken(config.keycloak, config.exchange.serviceClient),
    dir: join(config.exchange.dir, 'return-flow'),
    key: loadSigningKey(),
  };
  const tick = returnFlowTickMs();
  const returnFlowScheduler = overrides.returnFlowScheduler !== undefined ? overrides.returnFlowScheduler : tick > 0 && enforcement ? new ReturnFlowScheduler(returnFlows, tick) : null;
  returnFlowScheduler?.start();
  const exports: ExportDeps = overrides.exports ?? {
    stores,
    policy: () => services.policy.current(),
    audit: services.audit,
    dir: join(config.exchange.dir, 'exports'),
    key: returnFlows.key,
    quota: { perDay: config.limits.exportsPerDepartmentPerDay, running: config.limits.exportsRunningPerDepartment },
  };
  const exportRunner = overrides.exportRunner ?? new ExportRunner(exports, tick > 0 ? 60_000 : 0);
  exportRunner.start();
  const pendingChanges = overrides.pendingChanges ?? new PendingChangesSweeper(stores, tick > 0 ? 30_000 : 0);
  await pendingChanges.start();
  const readingsMaintenance = tick > 0 ? startReadingsMaintenance(stores) : null;
  const indicatorSchedule = overrides.indicatorSchedule !== undefined ? overrides.indicatorSchedule : tick > 0 ? new IndicatorSchedule(stores, () => loadDatasetFiles(), 10 * 60_000) : null;
  indicatorSchedule?.start();
  return { ...services, returnFlows, returnFlowScheduler, exports, exportRunner, pendingChanges, readingsMaintenance, indicatorSchedule };
}

/** pg_partman's maintenance of the readings store now and every hour (iot/store.ts maintainReadings). */
function startReadingsMaintenance(stores: Stores): NodeJS.Timeout {
  const run = () => maintainReadings(stores.sql).catch((err: unknown) => logger.warn({ err }, 'readings maintenance failed'));
  void run();
  const timer = setInterval(run, 3_600_000);
  timer.unref();
  return timer;
}

async function startCore(
  stores: Stores,
  config: Config,
  overrides: Partial<AppServices>,
  enforcement: boolean,
): Promise<Omit<AppServices, 'returnFlows' | 'returnFlowScheduler' | 'exports' | 'exportRunner' | 'pendingChanges' | 'readingsMaintenance' | 'indicatorSchedule'>> {
  return {
    feed: overrides.feed ?? (await startFeed(stores)),
    auth: overrides.auth ?? createAuth(authConfigFromEnv(config)),
    policy:
      overrides.policy ??
      (await startPolicySource(
        () => databasePolicy(stores),
        30_000,
        (onChange) => listenForPolicyChanges(stores.sql, onChange),
      )),
    audit: overrides.audit !== undefined ? overrides.audit : enforcement ? new AuditWriter(stores.sql, { subgraph: 'city' }) : null,
    checkpoints:
      overrides.checkpoints !== undefined
        ? overrides.checkpoints
        : enforcement
          ? startCheckpointTimer(stores.sql, auditSettingsFromEnv().checkpointIntervalMs)
          : null,
    enforcement,
  };
}

export async function stopServices(services: AppServices): Promise<void> {
  await services.pendingChanges.stop();
  if (services.readingsMaintenance) clearInterval(services.readingsMaintenance);
  await services.indicatorSchedule?.stop();
  await services.exportRunner.stop();
  await services.returnFlowScheduler?.stop();
  await services.feed.stop();
  await services.policy.close();
  await services.checkpoints?.stop();
  await services.audit?.close();
}
