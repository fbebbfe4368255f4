/**
 * What the API tells the console at start (api/console.ts, GET /console/config.json): where to
 * sign in, and the purposes of the policy in force. Fetched once, before sign-in.
 */
export interface Purpose {
  code: string;
  label: string;
}
export interface ConsoleConfig {
  keycloakUrl: string;
  realm: string;
  clientId: string;
  policyVersion: string;
  purposes: Purpose[];
}
export const consoleConfig = { policyVersion: '', purposes: [] as Purpose[] };

export async function fetchConsoleConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/console/config.json');
  if (!res.ok) throw new Error(`/console/config.json: HTTP ${res.status}`);
  return (await res.json()) as ConsoleConfig;
}

export function applyConfig(c: ConsoleConfig): void {
  consoleConfig.policyVersion = c.policyVersion;
  consoleConfig.purposes = c.purposes;
}

export function purposeLabel(code: string | null | undefined): string {
  if (!code) return '';
  return consoleConfig.purposes.find((p) => p.code === code)?.label ?? code;
}
