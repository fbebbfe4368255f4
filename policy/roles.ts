import { CityCodeError } from '../core/errors';
import type { Subject } from '../core/subject';

/** The realm role of the data governance committee's stewards (数据管家): governance views and changes. */
export const STEWARD_ROLE = 'data-steward';

/** FORBIDDEN unless the subject is a data steward; `what` names what needs the role. */
export function requireSteward(subject: Subject, what: string): void {
  if (subject.anonymous || !subject.roles.includes(STEWARD_ROLE)) {
    throw new CityCodeError('FORBIDDEN', `${what} needs the ${STEWARD_ROLE} role`, 'Ask the data governance committee (数据治理委员会) for a data steward.', {
      requiredRole: STEWARD_ROLE,
    });
  }
}
