/**
 * Runtime configuration from the environment. Every default is a development default that
 * matches infra/lib.sh; production deployments override them (see README, "Environment").
 */
import { fromRoot } from './paths';
export interface Config {
  port: number;
  host: string;
  neo4j: { uri: string; user: string; password: string; database?: string };
  postgres: {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    poolSize: number;
    /** A read replica for read-only searches (PG_READ_HOST / PG_READ_PORT; docs/scaling.md); unset: the primary. */
    readHost?: string;
    readPort?: number;
  };
  keycloak: { url: string; realm: string };
  /** Milliseconds a readiness probe waits for each service. */
  probeTimeoutMs: number;
  logLevel: string;
  /** How operations run: hot ones compiled (`jit`, the default) or all on graphql-js's executor (api/jitExecutor.ts). */
  executor: 'jit' | 'graphql-js';
  /** Data exchange (docs/sharing.md): where files are written, where districts receive deliveries, as whom the city pushes. */
  exchange: {
    /** CITYCODE_EXCHANGE_DIR, default .data/exchange. */
    dir: string;
    /** District code → its subgraph's return-flow endpoint (FUTIAN_RETURN_FLOW_URL, default from FUTIAN_PORT). */
    districtEndpoints: Readonly<Record<string, { subgraph: string; url: string }>>;
    /** The city platform's service account (client credentials) for pushing to districts. */
    serviceClient: { clientId: string; clientSecret: string };
  };
}

function env(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function intEnv(name: string, fallback: number): number {
  const raw = env(name, String(fallback));
  const value = Number.parseInt(raw, 10);
  if (!Number.isFinite(value)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return value;
}

export function loadConfig(): Config {
  const boltPort = intEnv('NEO4J_BOLT_PORT', 7687);
  return {
    port: intEnv('PORT', 4000),
    host: env('HOST', '127.0.0.1'),
    neo4j: {
      // neo4j:// asks the server for a routing table, so a cluster works unchanged.
      uri: env('NEO4J_URI', `neo4j://127.0.0.1:${boltPort}`),
      user: env('NEO4J_USER', 'neo4j'),
      password: env('NEO4J_PASSWORD', 'citycode-dev-password'),
      database: process.env.NEO4J_DATABASE || undefined,
    },
    postgres: {
      host: env('PG_HOST', '127.0.0.1'),
      port: intEnv('PG_PORT', 55432),
      user: env('PG_USER', 'citycode'),
      password: env('PG_PASSWORD', 'citycode-dev'),
      database: env('PG_DATABASE', 'citycode'),
      poolSize: intEnv('PG_POOL_SIZE', 20),
      readHost: process.env.PG_READ_HOST || undefined,
      readPort: process.env.PG_READ_PORT ? intEnv('PG_READ_PORT', 5432) : undefined,
    },
    keycloak: {
      url: env('KEYCLOAK_URL', `http://127.0.0.1:${intEnv('KEYCLOAK_PORT', 8180)}`),
      realm: env('KEYCLOAK_REALM', 'citycode'),
    },
    probeTimeoutMs: intEnv('PROBE_TIMEOUT_MS', 2000),
    logLevel: env('LOG_LEVEL', 'info'),
    executor: executorEnv(),
    exchange: {
      dir: env('CITYCODE_EXCHANGE_DIR', fromRoot('.data', 'exchange')),
      districtEndpoints: {
        '440304': { subgraph: 'futian', url: env('FUTIAN_RETURN_FLOW_URL', `http://127.0.0.1:${intEnv('FUTIAN_PORT', 4401)}/return-flow`) },
      },
      // DEVELOPMENT-ONLY default secret (infra/keycloak/citycode-realm.json); production sets its own.
      serviceClient: { clientId: env('CITYCODE_SERVICE_CLIENT', 'svc-city-etl'), clientSecret: env('CITYCODE_SERVICE_CLIENT_SECRET', 'svc-city-etl-dev-secret') },
    },
  };
}

function executorEnv(): Config['executor'] {
  const value = env('CITYCODE_EXECUTOR', 'jit');
  if (value !== 'jit' && value !== 'graphql-js') throw new Error(`CITYCODE_EXECUTOR must be "jit" or "graphql-js", got "${value}"`);
  return value;
}
