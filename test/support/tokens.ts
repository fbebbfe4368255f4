import { loadConfig } from '../../core/config';

/**
 * Real access tokens from the Keycloak that `npm test` starts, for integration tests.
 * Tokens are cached per test file (jest gives every file its own module registry) and fetched
 * again when less than 60 s of their life is left. The users and secrets are the DEVELOPMENT-ONLY
 * ones of infra/keycloak/citycode-realm.json (docs/identity.md).
 */

/** Password of every demo user except `demo` (development only). */
export const DEV_PASSWORD = 'citycode-dev-pw';

/** The demo users of the realm, one per department (see docs/identity.md). */
export const DEMO_USERS = [
  'zhang.data',
  'li.police',
  'zhao.market',
  'wang.futian',
  'chen.nanshan',
  'liu.housing',
  'sun.transport',
  'zhou.health',
  'qian.emergency',
  'he.planning',
  'wu.water',
  'gov.steward',
] as const;
export type DemoUser = (typeof DEMO_USERS)[number];

/** Confidential clients with a service account (client credentials). */
export const SERVICE_CLIENTS = ['svc-futian-grid', 'svc-city-etl'] as const;
export type ServiceClient = (typeof SERVICE_CLIENTS)[number];

export interface TokenOptions {
  /** Client that asks (default citycode-cli, whose tokens carry the citycode-api audience). */
  clientId?: string;
  /** Its secret (default `<clientId>-dev-secret`). */
  clientSecret?: string;
  /** Default DEV_PASSWORD (`demo` has its own: demo-dev-password). */
  password?: string;
  /** Keycloak base URL (default KEYCLOAK_URL, as the API sees it). */
  keycloakUrl?: string;
  realm?: string;
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  token_type: string;
}

const cache = new Map<string, { response: TokenResponse; expiresAt: number }>();

function keycloakBase(options: TokenOptions): { url: string; realm: string } {
  const { keycloak } = loadConfig();
  return { url: (options.keycloakUrl ?? keycloak.url).replace(/\/+$/, ''), realm: options.realm ?? keycloak.realm };
}

/** POSTs to the realm's token endpoint; throws with Keycloak's error text when it refuses. */
export async function requestToken(params: Record<string, string>, options: TokenOptions = {}): Promise<TokenResponse> {
  const { url, realm } = keycloakBase(options);
  const clientId = options.clientId ?? 'citycode-cli';
  const clientSecret = options.clientSecret ?? `${clientId}-dev-secret`;
  const key = JSON.stringify([url, realm, clientId, params]);
  const hit = cache.get(key);
  if (hit && hit.expiresAt - Date.now() > 60_000) return hit.response;

  const response = await fetch(`${url}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams(params).toString(),
  });
  const body = (await response.json()) as TokenResponse & { error?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new Error(`Keycloak refused a token for ${clientId} (${JSON.stringify(params.username ?? params.grant_type)}): HTTP ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`);
  }
  cache.set(key, { response: body, expiresAt: Date.now() + body.expires_in * 1000 });
  return body;
}

/** An access token for a demo user (password grant through citycode-cli unless options say otherwise). */
export async function tokenFor(username: DemoUser | 'demo' | string, options: TokenOptions = {}): Promise<string> {
  const password = options.password ?? (username === 'demo' ? 'demo-dev-password' : DEV_PASSWORD);
  const response = await requestToken({ grant_type: 'password', username, password, scope: 'openid' }, options);
  return response.access_token;
}

/** An access token for a machine caller (client credentials; secret `<clientId>-dev-secret`). */
export async function serviceToken(clientId: ServiceClient | string, options: Omit<TokenOptions, 'clientId' | 'password'> = {}): Promise<string> {
  const response = await requestToken({ grant_type: 'client_credentials' }, { ...options, clientId });
  return response.access_token;
}

/** `{ authorization: 'Bearer …' }`, to spread into request headers (e.g. gql(url, q, v, bearer(t))). */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** The payload of a JWT, unverified: for assertions on what Keycloak put in a token. */
export function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Forgets cached tokens (e.g. after changing a user in Keycloak). */
export function clearTokenCache(): void {
  cache.clear();
}
