/**
 * Runtime configuration from the environment. Every default is a development default that
 * matches infra/lib.sh; production deployments override them (see README, "Environment").
 */
import { fromRoot } from './paths';

/**
 * `NODE_ENV=production` is the one switch of production mode (docs/operations.md): secrets only
 * from the environment (the development defaults below are refused), introspection and GraphiQL
 * off unless enabled, no error details in responses, the development audit key refused.
 */
export type Mode = 'development' | 'production';

/** What one request may ask for (api/limits.ts); each refusal has its own error code. */
export interface RequestLimits {
  /** Deepest field nesting, fragments expanded (OPERATION_TOO_DEEP). */
  maxDepth: number;
  /** Fields × page sizes (`first`, or defaultListSize for other lists) (OPERATION_TOO_COSTLY). */
  maxCost: number;
  defaultListSize: number;
  /** Aliased fields per operation (TOO_MANY_ALIASES). */
  maxAliases: number;
  /** Directives per operation (TOO_MANY_DIRECTIVES). */
  maxDirectives: number;
  /** Lexical tokens of the document (GRAPHQL_PARSE_FAILED, before anything is parsed further). */
  maxTokens: number;
  /** Operations in one batched HTTP request (BATCH_TOO_LARGE). */
  maxBatch: number;
  /** Request body bytes (PAYLOAD_TOO_LARGE, HTTP 413). */
  maxBodyBytes: number;
  /** Requests per subject and per client address in a window (RATE_LIMITED, HTTP 429); 0 = off. */
  ratePerSubject: number;
  ratePerIp: number;
  rateWindowS: number;
  /** Open subscriptions per department in one API process (QUOTA_EXCEEDED). */
  subscriptionsPerDepartment: number;
  /** Export jobs a department may start in 24 h, and run at once (QUOTA_EXCEEDED). */
  exportsPerDepartmentPerDay: number;
  exportsRunningPerDepartment: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = Object.freeze({
  maxDepth: 12,
  maxCost: 20_000,
  defaultListSize: 20,
  maxAliases: 30,
  maxDirectives: 20,
  maxTokens: 5_000,
  maxBatch: 10,
  maxBodyBytes: 1024 * 1024,
  ratePerSubject: 600,
  ratePerIp: 2_000,
  rateWindowS: 10,
  subscriptionsPerDepartment: 500,
  exportsPerDepartmentPerDay: 50,
  exportsRunningPerDepartment: 5,
});

export interface Config {
  mode: Mode;
  limits: RequestLimits;
  http: {
    /** Origins allowed to call the API from a browser (CORS_ORIGINS, comma-separated); none: same origin only. */
    corsOrigins: string[];
    /** Introspection (__schema) and GraphiQL; default on in development, off in production (CITYCODE_INTROSPECTION=on). */
    introspection: boolean;
    /** Express `trust proxy` (TRUST_PROXY): how many proxies' X-Forwarded-For to believe for the client address. */
    trustProxy: number;
  };
  /** The persisted-operation allow-list (CITYCODE_PERSISTED_OPERATIONS=off|record|enforce, CITYCODE_OPERATION_MANIFEST). */
  persistedOperations: { mode: 'off' | 'record' | 'enforce'; manifest: string };
  port: number;
  host: string;
  /**
   * timeoutMs / statementTimeoutMs: the deadline of every database call, enforced by the server
   * (transaction timeout, statement_timeout) and by the client (api: DB_TIMEOUT_MS, default 30 s;
   * batch tools: DB_BATCH_TIMEOUT_MS, default 30 min).
   */
  neo4j: { uri: string; user: string; password: string; database?: string; timeoutMs: number };
  postgres: {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    poolSize: number;
    statementTimeoutMs: number;
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
  if (!Number.isFinite(value) || String(value) !== raw.trim()) throw new ConfigError([`${name} must be an integer, got "${raw}"`]);
  return value;
}

/** Development defaults of secrets: production refuses them (and their absence). */
export const DEVELOPMENT_SECRETS: Readonly<Record<string, string>> = Object.freeze({
  NEO4J_PASSWORD: 'citycode-dev-password',
  PG_PASSWORD: 'citycode-dev',
  CITYCODE_SERVICE_CLIENT_SECRET: 'svc-city-etl-dev-secret',
  KEYCLOAK_API_CLIENT_SECRET: 'citycode-api-dev-secret',
});

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration refused:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function modeFromEnv(): Mode {
  return process.env.NODE_ENV === 'production' ? 'production' : 'development';
}

/** A secret: from the environment; in production, never missing and never the development default. */
function secret(name: string, problems: string[], mode: Mode): string {
  const value = process.env[name];
  const fallback = DEVELOPMENT_SECRETS[name];
  if (mode === 'production') {
    if (value === undefined || value === '') problems.push(`${name} is not set (production takes secrets from the environment only)`);
    else if (value === fallback) problems.push(`${name} is the development default; set the production secret`);
  }
  return value === undefined || value === '' ? fallback : value;
}

function limitsFromEnv(): RequestLimits {
  const d = DEFAULT_REQUEST_LIMITS;
  const positive = (name: string, fallback: number, zeroOk = false): number => {
    const v = intEnv(name, fallback);
    if (v < (zeroOk ? 0 : 1)) throw new ConfigError([`${name} must be ${zeroOk ? '0 (off) or more' : 'at least 1'}, got ${v}`]);
    return v;
  };
  return {
    maxDepth: positive('LIMIT_MAX_DEPTH', d.maxDepth),
    maxCost: positive('LIMIT_MAX_COST', d.maxCost),
    defaultListSize: positive('LIMIT_DEFAULT_LIST_SIZE', d.defaultListSize),
    maxAliases: positive('LIMIT_MAX_ALIASES', d.maxAliases),
    maxDirectives: positive('LIMIT_MAX_DIRECTIVES', d.maxDirectives),
    maxTokens: positive('LIMIT_MAX_TOKENS', d.maxTokens),
    maxBatch: positive('LIMIT_MAX_BATCH', d.maxBatch),
    maxBodyBytes: positive('LIMIT_MAX_BODY_BYTES', d.maxBodyBytes),
    ratePerSubject: positive('RATE_LIMIT_PER_SUBJECT', d.ratePerSubject, true),
    ratePerIp: positive('RATE_LIMIT_PER_IP', d.ratePerIp, true),
    rateWindowS: positive('RATE_LIMIT_WINDOW_S', d.rateWindowS),
    subscriptionsPerDepartment: positive('QUOTA_SUBSCRIPTIONS_PER_DEPARTMENT', d.subscriptionsPerDepartment),
    exportsPerDepartmentPerDay: positive('QUOTA_EXPORTS_PER_DEPARTMENT_PER_DAY', d.exportsPerDepartmentPerDay),
    exportsRunningPerDepartment: positive('QUOTA_EXPORTS_RUNNING_PER_DEPARTMENT', d.exportsRunningPerDepartment),
  };
}

function persistedFromEnv(): Config['persistedOperations'] {
  const mode = env('CITYCODE_PERSISTED_OPERATIONS', 'off');
  if (mode !== 'off' && mode !== 'record' && mode !== 'enforce') throw new ConfigError([`CITYCODE_PERSISTED_OPERATIONS must be off, record or enforce, got "${mode}"`]);
  return { mode, manifest: env('CITYCODE_OPERATION_MANIFEST', fromRoot('client', 'persisted-operations.json')) };
}

/**
 * The configuration of a process. `role` 'api' (the serving processes) bounds every database
 * statement by DB_TIMEOUT_MS (default 30 s); 'batch' (migrations, seeding, ingest, loaders) by
 * DB_BATCH_TIMEOUT_MS (default 30 min). Throws ConfigError listing every problem at once.
 */
export function loadConfig(role: 'api' | 'batch' = 'batch'): Config {
  const mode = modeFromEnv();
  const problems: string[] = [];
  const boltPort = intEnv('NEO4J_BOLT_PORT', 7687);
  const neo4jPassword = secret('NEO4J_PASSWORD', problems, mode);
  const pgPassword = secret('PG_PASSWORD', problems, mode);
  // The serving processes' own secrets (batch tools use neither): the platform's service client,
  // and the API's client with which api/auth.ts introspects tokens (checked here so that every
  // refusal comes at once).
  const serviceSecret = secret('CITYCODE_SERVICE_CLIENT_SECRET', problems, role === 'api' ? mode : 'development');
  secret('KEYCLOAK_API_CLIENT_SECRET', problems, role === 'api' ? mode : 'development');
  const introspectionRaw = env('CITYCODE_INTROSPECTION', mode === 'production' ? 'off' : 'on');
  if (introspectionRaw !== 'on' && introspectionRaw !== 'off') problems.push(`CITYCODE_INTROSPECTION must be on or off, got "${introspectionRaw}"`);
  if (mode === 'production' && process.env.POLICY_ENFORCEMENT === 'off') problems.push('POLICY_ENFORCEMENT=off is refused in production');
  if (problems.length) throw new ConfigError(problems);
  const dbTimeoutMs = role === 'api' ? intEnv('DB_TIMEOUT_MS', 30_000) : intEnv('DB_BATCH_TIMEOUT_MS', 1_800_000);
  return {
    mode,
    limits: limitsFromEnv(),
    http: {
      corsOrigins: env('CORS_ORIGINS', '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      introspection: introspectionRaw === 'on',
      trustProxy: intEnv('TRUST_PROXY', 0),
    },
    persistedOperations: persistedFromEnv(),
    port: intEnv('PORT', 4000),
    host: env('HOST', '127.0.0.1'),
    neo4j: {
      // neo4j:// asks the server for a routing table, so a cluster works unchanged.
      uri: env('NEO4J_URI', `neo4j://127.0.0.1:${boltPort}`),
      user: env('NEO4J_USER', 'neo4j'),
      password: neo4jPassword,
      database: process.env.NEO4J_DATABASE || undefined,
      timeoutMs: dbTimeoutMs,
    },
    postgres: {
      host: env('PG_HOST', '127.0.0.1'),
      port: intEnv('PG_PORT', 55432),
      user: env('PG_USER', 'citycode'),
      password: pgPassword,
      database: env('PG_DATABASE', 'citycode'),
      poolSize: intEnv('PG_POOL_SIZE', 20),
      statementTimeoutMs: dbTimeoutMs,
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
      serviceClient: { clientId: env('CITYCODE_SERVICE_CLIENT', 'svc-city-etl'), clientSecret: serviceSecret },
    },
  };
}

function executorEnv(): Config['executor'] {
  const value = env('CITYCODE_EXECUTOR', 'jit');
  if (value !== 'jit' && value !== 'graphql-js') throw new ConfigError([`CITYCODE_EXECUTOR must be "jit" or "graphql-js", got "${value}"`]);
  return value;
}
