/**
 * The platform's own access token (client credentials of its service account in Keycloak), for
 * calls it makes on its own behalf — pushing return-flow deliveries to a district's subgraph, which
 * verifies it like any caller's. Kept until 30 s before it expires.
 */
import type { Config } from './config';

export type ServiceToken = () => Promise<string>;

export function serviceToken(keycloak: Config['keycloak'], client: { clientId: string; clientSecret: string }, fetchImpl: typeof fetch = fetch): ServiceToken {
  let kept: { token: string; until: number } | null = null;
  let pending: Promise<string> | null = null;
  return async () => {
    if (kept && Date.now() < kept.until) return kept.token;
    pending ??= (async () => {
      try {
        const response = await fetchImpl(`${keycloak.url}/realms/${keycloak.realm}/protocol/openid-connect/token`, {
          method: 'POST',
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }),
          signal: AbortSignal.timeout(5000),
        });
        const json = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error_description?: string };
        if (!response.ok || !json.access_token) throw new Error(`Keycloak refused the platform's service token (HTTP ${response.status}: ${json.error_description ?? 'no token'})`);
        kept = { token: json.access_token, until: Date.now() + Math.max(0, (json.expires_in ?? 60) - 30) * 1000 };
        return json.access_token;
      } finally {
        pending = null;
      }
    })();
    return pending;
  };
}
