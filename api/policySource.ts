import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../core/logger';
import { loadPolicy } from '../policy/engine';
import type { Policy } from '../policy/model';
import { POLICY_DIR } from '../store/policy';

/**
 * The policy in force for this process. Requests read `current()` (no I/O on the request path);
 * `refresh()` reloads it from its source, on a timer and after a governance change.
 */
export interface PolicySource {
  current(): Policy;
  refresh(): Promise<void>;
  close(): void | Promise<void>;
}

/** The versioned policy files of the repository (POLICY_DIR: the newest policies/vN, or env POLICY_DIR). */
export function readPolicyFiles(dir = POLICY_DIR): { catalogue: unknown; grants: unknown; purposes: unknown } {
  const read = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown;
  return { catalogue: read('catalogue.json'), grants: read('grants.json'), purposes: read('purposes.json') };
}

/**
 * A source that reloads with `load` every `intervalMs`, and at once whenever `subscribe` reports a
 * change (another process wrote a new version: an access request approved, a grant revoked); a
 * failed reload keeps the last policy. A policy object is kept while its version is unchanged.
 */
export async function startPolicySource(
  load: () => Promise<Policy>,
  intervalMs = 30_000,
  subscribe?: (onChange: () => void) => Promise<() => Promise<void>>,
): Promise<PolicySource> {
  let policy = await load();
  const refresh = async () => {
    try {
      const next = await load();
      if (next.checksum !== policy.checksum || next.version !== policy.version) {
        logger.info({ from: policy.version, to: next.version }, 'policy changed');
        policy = next;
      }
    } catch (err) {
      logger.warn({ err, version: policy.version }, 'policy reload failed; keeping the current policy');
    }
  };
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  const unsubscribe = subscribe ? await subscribe(() => void refresh()) : null;
  return {
    current: () => policy,
    refresh,
    close: async () => {
      clearInterval(timer);
      await unsubscribe?.();
    },
  };
}

/** The repository's policy files, loaded once (tests and tools). */
export function filePolicy(): Policy {
  return loadPolicy(readPolicyFiles());
}
