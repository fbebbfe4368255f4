import type { Config } from '../core/config';
import { withTimeout } from '../store/neo4j';
import type { Stores } from '../store/stores';

export interface ServiceHealth {
  up: boolean;
  latencyMs: number;
  error?: string;
}

export interface Readiness {
  status: 'ready' | 'unavailable';
  services: { neo4j: ServiceHealth; postgres: ServiceHealth; keycloak: ServiceHealth };
}

async function probe(check: () => Promise<unknown>): Promise<ServiceHealth> {
  const started = Date.now();
  try {
    await check();
    return { up: true, latencyMs: Date.now() - started };
  } catch (err) {
    return { up: false, latencyMs: Date.now() - started, error: (err as Error).message };
  }
}

async function keycloakAnswers(config: Config): Promise<void> {
  const url = `${config.keycloak.url}/realms/${encodeURIComponent(config.keycloak.realm)}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(config.probeTimeoutMs) });
  if (!response.ok) throw new Error(`Keycloak answered HTTP ${response.status} for realm ${config.keycloak.realm}`);
}

/** Each service probed in parallel, each bounded by probeTimeoutMs, so /readyz never hangs. */
export async function readiness(stores: Stores, config: Config): Promise<Readiness> {
  const t = config.probeTimeoutMs;
  const [neo4j, postgres, keycloak] = await Promise.all([
    probe(() => stores.graph.ping(t)),
    probe(() => stores.sql.ping(t)),
    probe(() => withTimeout(keycloakAnswers(config), t + 100, 'Keycloak')),
  ]);
  const up = neo4j.up && postgres.up && keycloak.up;
  return { status: up ? 'ready' : 'unavailable', services: { neo4j, postgres, keycloak } };
}
