import { AuditWriter } from '../audit/writer';
import type { Config } from '../core/config';
import { logger } from '../core/logger';
import { Auth, authConfigFromEnv, createAuth } from './auth';
import { filePolicy, PolicySource, startPolicySource } from './policySource';
import type { Stores } from './stores';

/**
 * What the API needs besides its stores: token verification, the policy in force and the audit
 * writer. `enforcement: false` (POLICY_ENFORCEMENT=off, refused in production) exists only so
 * the benchmark can measure what permissions and audit cost.
 */
export interface AppServices {
  auth: Auth;
  policy: PolicySource;
  audit: AuditWriter | null;
  enforcement: boolean;
}

export function enforcementFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.POLICY_ENFORCEMENT !== 'off') return true;
  if (env.NODE_ENV === 'production') throw new Error('POLICY_ENFORCEMENT=off is refused when NODE_ENV=production');
  logger.warn('POLICY_ENFORCEMENT=off: permissions and audit are OFF (benchmarking only)');
  return false;
}

export async function startServices(stores: Stores, config: Config, overrides: Partial<AppServices> = {}): Promise<AppServices> {
  const enforcement = overrides.enforcement ?? enforcementFromEnv();
  return {
    auth: overrides.auth ?? createAuth(authConfigFromEnv(config)),
    policy: overrides.policy ?? (await startPolicySource(async () => filePolicy())),
    audit: overrides.audit !== undefined ? overrides.audit : enforcement ? new AuditWriter(stores.sql) : null,
    enforcement,
  };
}

export async function stopServices(services: AppServices): Promise<void> {
  services.policy.close();
  await services.audit?.close();
}
