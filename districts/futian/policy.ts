import type { Subject } from '../../core/subject';

/**
 * The 福田 subgraph's own policy, pure: who may read its grid events, which streets, and whether
 * the handler's name is shown in clear. The city's policy (policies/) decides the city data of
 * the same request in the city subgraph; this one decides only what this district owns.
 *
 *  - 福田区人民政府 (FT-GOV): its events, narrowed by the token's district_scope (福田 streets);
 *    handlers in clear only for the purpose GRID_GOVERNANCE, masked otherwise.
 *  - 市政务服务数据管理局 (SZ-ZSJ, city data governance): all events, handlers masked.
 *  - anyone else (other districts, other departments, anonymous callers): nothing.
 */
export const DISTRICT = Object.freeze({ code: '440304', name: '福田区', department: 'FT-GOV' });
export const CITY_OVERSIGHT_DEPARTMENT = 'SZ-ZSJ';
export const CLEAR_HANDLER_PURPOSE = 'GRID_GOVERNANCE';
const CITY_CODE = '440300';

export type GridAccess =
  | { effect: 'ALLOW'; streets: 'ALL' | readonly string[]; handler: 'CLEAR' | 'MASKED'; rule: string }
  | { effect: 'DENY'; reason: string; hint: string; rule: string };

const ASK_FOR_GRANT = `Grid events of ${DISTRICT.name} are readable by ${DISTRICT.name}人民政府 (${DISTRICT.department}) and the city data bureau (${CITY_OVERSIGHT_DEPARTMENT}); ask ${DISTRICT.name} for a grant (districts/futian/README.md).`;

/** The streets of this district a district_scope claim leaves (ALL when it does not narrow). */
export function streetsOf(districtScope: readonly string[]): 'ALL' | string[] {
  if (districtScope.length === 0 || districtScope.includes(DISTRICT.code) || districtScope.includes(CITY_CODE)) return 'ALL';
  return districtScope.filter((c) => /^\d{9}$/.test(c) && c.startsWith(DISTRICT.code));
}

export function gridAccess(subject: Subject, purpose: string | null): GridAccess {
  if (subject.anonymous) {
    return {
      effect: 'DENY',
      rule: 'futian-no-anonymous',
      reason: `${DISTRICT.name} grid events are not public`,
      hint: 'Send a Keycloak access token (Authorization: Bearer …) of a department with a grant on them.',
    };
  }
  if (subject.department === DISTRICT.department) {
    const streets = streetsOf(subject.districtScope);
    if (streets !== 'ALL' && streets.length === 0) {
      return {
        effect: 'DENY',
        rule: 'futian-scope',
        reason: `your district_scope (${subject.districtScope.join(', ')}) lies outside ${DISTRICT.name}`,
        hint: 'Ask the Keycloak administrator to fix the district_scope of your user.',
      };
    }
    return { effect: 'ALLOW', rule: 'futian-grid', streets, handler: purpose === CLEAR_HANDLER_PURPOSE ? 'CLEAR' : 'MASKED' };
  }
  if (subject.department === CITY_OVERSIGHT_DEPARTMENT) {
    return { effect: 'ALLOW', rule: 'futian-city-oversight', streets: 'ALL', handler: 'MASKED' };
  }
  return {
    effect: 'DENY',
    rule: 'futian-default-deny',
    reason: `department ${subject.department ?? '(none)'} has no grant on ${DISTRICT.name} grid events`,
    hint: ASK_FOR_GRANT,
  };
}
