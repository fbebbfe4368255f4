/**
 * Who is asking: the identity a verified Keycloak token (or its absence) gives a request.
 * Shared by the auth module (api/auth.ts), the policy engine (policy/) and the audit (audit/).
 */
export type Level = 'L1' | 'L2' | 'L3' | 'L4';

export const LEVELS: readonly Level[] = ['L1', 'L2', 'L3', 'L4'];

export function levelRank(level: Level): number {
  return LEVELS.indexOf(level) + 1;
}

export interface Subject {
  /** Token `sub` (or 'anonymous'). */
  id: string;
  /** preferred_username from the token. */
  username: string;
  /** Department code from the token claim `department`, e.g. SZ-GAJ; null for anonymous callers. */
  department: string | null;
  /** Department name from `department_name`, e.g. 市公安局. */
  departmentName: string | null;
  /** Personal clearance from `clearance` (L1..L4): caps every grant of the department. */
  clearance: Level;
  /** Region codes from `district_scope` narrowing the department's grants; empty = no narrowing. */
  districtScope: string[];
  /** Realm roles, e.g. 'data-steward' may call governance mutations. */
  roles: string[];
  /** Service account (client credentials) rather than a person. */
  serviceAccount: boolean;
  anonymous: boolean;
  /** A resident's own city code (claim `city_code`): what "who read my data" (谁查看了我的数据) shows them. */
  cityCode?: string | null;
}

export const ANONYMOUS: Subject = Object.freeze({
  id: 'anonymous',
  username: 'anonymous',
  department: null,
  departmentName: null,
  clearance: 'L1' as Level,
  districtScope: [] as string[],
  roles: [] as string[],
  serviceAccount: false,
  anonymous: true,
}) as Subject;
