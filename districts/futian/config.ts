import { loadConfig, type Config } from '../../core/config';
import { FUTIAN, type DistrictPlatform } from '../../domain/districtPlatforms';

/**
 * A district subgraph's settings (the template's; 福田's are the first). Every default is for
 * development on one machine (README): <P>_PORT (4401 for 福田, districts/platforms.ts), HOST
 * 127.0.0.1, <P>_PG_* falling back to the city's PG_* (same cluster, the district's own schema
 * named as its slug), Keycloak as the city's (KEYCLOAK_URL, KEYCLOAK_REALM).
 */
export interface FutianConfig {
  platform: DistrictPlatform;
  port: number;
  host: string;
  postgres: Config['postgres'];
  keycloak: Config['keycloak'];
}
export type DistrictConfig = FutianConfig;

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number.parseInt(raw, 10);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return value;
}

/** A partner platform's settings by its environment prefix (<P>_PORT, <P>_PG_*): districts' and departments'. */
export function partnerSettings(envPrefix: string, defaultPort: number, env: NodeJS.ProcessEnv = process.env): Omit<DistrictConfig, 'platform'> {
  const city = loadConfig('api');
  const str = (name: string, fallback: string) => (env[name] === undefined || env[name] === '' ? fallback : env[name]!);
  const P = envPrefix;
  return {
    port: intEnv(env, `${P}_PORT`, defaultPort),
    host: str('HOST', city.host),
    postgres: {
      host: str(`${P}_PG_HOST`, city.postgres.host),
      port: intEnv(env, `${P}_PG_PORT`, city.postgres.port),
      user: str(`${P}_PG_USER`, city.postgres.user),
      password: str(`${P}_PG_PASSWORD`, city.postgres.password),
      database: str(`${P}_PG_DATABASE`, city.postgres.database),
      poolSize: intEnv(env, `${P}_PG_POOL_SIZE`, 10),
      statementTimeoutMs: city.postgres.statementTimeoutMs,
    },
    keycloak: city.keycloak,
  };
}

export function districtConfig(platform: DistrictPlatform, env: NodeJS.ProcessEnv = process.env): DistrictConfig {
  return { platform, ...partnerSettings(platform.envPrefix, platform.defaultPort, env) };
}

export function futianConfig(env: NodeJS.ProcessEnv = process.env): FutianConfig {
  return districtConfig(FUTIAN, env);
}
