import type { Subject } from '../../core/subject';
import { FUTIAN, type DistrictPlatform } from '../../domain/districtPlatforms';

/**
 * A district subgraph's own policy (the template's; 福田's first), pure: who may read its grid
 * events, which streets, and whether the handler's name is shown in clear. The city's policy
 * (policies/) decides the city data of the same request in the city subgraph; this one decides
 * only what this district owns.
 *
 *  - the district government (福田: FT-GOV): its events, narrowed by the token's district_scope
 *    (its streets); handlers in clear only for the purpose GRID_GOVERNANCE, masked otherwise.
 *  - 市政务服务数据管理局 (SZ-ZSJ, city data governance): all events, handlers masked.
 *  - anyone else (other districts, other departments, anonymous callers): nothing.
 */
export const DISTRICT = Object.freeze({ code: FUTIAN.code, name: FUTIAN.name, department: FUTIAN.department });
export const CITY_OVERSIGHT_DEPARTMENT = 'SZ-ZSJ';
export const CLEAR_HANDLER_PURPOSE = 'GRID_GOVERNANCE';
const CITY_CODE = '440300';

export type GridAccess =
  | { effect: 'ALLOW'; streets: 'ALL' | readonly string[]; handler: 'CLEAR' | 'MASKED'; rule: string }
  | { effect: 'DENY'; reason: string; hint: string; rule: string };

const askForGrant = (p: DistrictPlatform) =>
  `Grid events of ${p.name} are readable by ${p.name}人民政府 (${p.department}) and the city data bureau (${CITY_OVERSIGHT_DEPARTMENT}); ask ${p.name} for a grant (districts/futian/README.md).`;

/** The streets of this district a district_scope claim leaves (ALL when it does not narrow). */
export function streetsOf(districtScope: readonly string[], p: DistrictPlatform = FUTIAN): 'ALL' | string[] {
  if (districtScope.length === 0 || districtScope.includes(p.code) || districtScope.includes(CITY_CODE)) return 'ALL';
  const street = new RegExp(p.streetPattern);
  return districtScope.filter((c) => street.test(c));
}

export function gridAccess(subject: Subject, purpose: string | null, p: DistrictPlatform = FUTIAN): GridAccess {
  const rule = (name: string) => `${p.slug}-${name}`;
  const DISTRICT = { code: p.code, name: p.name, department: p.department };
  if (subject.anonymous) {
    return {
      effect: 'DENY',
      rule: rule('no-anonymous'),
      reason: `${DISTRICT.name} grid events are not public`,
      hint: 'Send a Keycloak access token (Authorization: Bearer …) of a department with a grant on them.',
    };
  }
  if (subject.department === DISTRICT.department) {
    const streets = streetsOf(subject.districtScope, p);
    if (streets !== 'ALL' && streets.length === 0) {
      return {
        effect: 'DENY',
        rule: rule('scope'),
        reason: `your district_scope (${subject.districtScope.join(', ')}) lies outside ${DISTRICT.name}`,
        hint: 'Ask the Keycloak administrator to fix the district_scope of your user.',
      };
    }
    return { effect: 'ALLOW', rule: rule('grid'), streets, handler: purpose === CLEAR_HANDLER_PURPOSE ? 'CLEAR' : 'MASKED' };
  }
  if (subject.department === CITY_OVERSIGHT_DEPARTMENT) {
    return { effect: 'ALLOW', rule: rule('city-oversight'), streets: 'ALL', handler: 'MASKED' };
  }
  return {
    effect: 'DENY',
    rule: rule('default-deny'),
    reason: `department ${subject.department ?? '(none)'} has no grant on ${DISTRICT.name} grid events`,
    hint: askForGrant(p),
  };
}
