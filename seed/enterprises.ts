import { makeUscc } from '../domain/identifiers/uscc';
import { enterpriseName, individualBusinessName, organisationName } from './names';
import type { Rng } from './rng';

export type EnterpriseType = 'company' | 'individual' | 'organisation';

/** Registration authority + type (USCC), serial base and city code class of each type of enterprise. */
const TYPES = {
  company: { usccType: '91', serialBase: 10_000_000, classCode: '020100' },
  individual: { usccType: '92', serialBase: 20_000_000, classCode: '020200' },
  organisation: { usccType: '52', serialBase: 30_000_000, classCode: '020600' },
} as const;

export interface EnterpriseIdentity {
  name: string;
  industry: string;
  uscc: string;
  classCode: string;
}

/**
 * Name, industry, USCC and city code class of the i-th enterprise of a type registered in a
 * district (the demo plan and the city-scale generator alike; draws from `rng` in a fixed order).
 */
export function enterpriseIdentity(rng: Rng, type: EnterpriseType, district: { name: string; division: string }, i: number): EnterpriseIdentity {
  const t = TYPES[type];
  const uscc = makeUscc(t.usccType, district.division, t.serialBase + i);
  if (type === 'company') {
    const n = enterpriseName(rng);
    return { name: n.name, industry: n.industry.label, uscc, classCode: t.classCode };
  }
  if (type === 'individual') {
    const n = individualBusinessName(rng, district.name);
    return { name: n.name, industry: n.trade.label, uscc, classCode: t.classCode };
  }
  return { name: organisationName(rng, district.name), industry: '社会组织', uscc, classCode: t.classCode };
}
