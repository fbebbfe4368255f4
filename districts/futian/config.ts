import { loadConfig, type Config } from '../../core/config';

/**
 * The 福田 subgraph's settings. Every default is for development on one machine (README):
 * FUTIAN_PORT 4401, HOST 127.0.0.1, FUTIAN_PG_* falling back to the city's PG_* (same cluster,
 * its own schema `futian`), Keycloak as the city's (KEYCLOAK_URL, KEYCLOAK_REALM).
 */
export interface FutianConfig {
  port: number;
  host: string;
  postgres: Config['postgres'];
  keycloak: Config['keycloak'];
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number.parseInt(raw, 10);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return value;
}

export function futianConfig(env: NodeJS.ProcessEnv = process.env): FutianConfig {
  const city = loadConfig();
  const str = (name: string, fallback: string) => (env[name] === undefined || env[name] === '' ? fallback : env[name]!);
  return {
    port: intEnv(env, 'FUTIAN_PORT', 4401),
    host: str('HOST', city.host),
    postgres: {
      host: str('FUTIAN_PG_HOST', city.postgres.host),
      port: intEnv(env, 'FUTIAN_PG_PORT', city.postgres.port),
      user: str('FUTIAN_PG_USER', city.postgres.user),
      password: str('FUTIAN_PG_PASSWORD', city.postgres.password),
      database: str('FUTIAN_PG_DATABASE', city.postgres.database),
      poolSize: intEnv(env, 'FUTIAN_PG_POOL_SIZE', 10),
    },
    keycloak: city.keycloak,
  };
}
