/** What the API tells the console at start (api/console.ts): the purposes of the policy in force. */
export interface Purpose {
  code: string;
  label: string;
}
export const consoleConfig = { policyVersion: '', purposes: [] as Purpose[] };

export async function loadConfig(): Promise<void> {
  const c = (await (await fetch('/console/config.json')).json()) as { policyVersion: string; purposes: Purpose[] };
  consoleConfig.policyVersion = c.policyVersion;
  consoleConfig.purposes = c.purposes;
}

export function purposeLabel(code: string | null | undefined): string {
  if (!code) return '';
  return consoleConfig.purposes.find((p) => p.code === code)?.label ?? code;
}
