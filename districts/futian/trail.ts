import type { Subject } from '../../core/subject';
import type { AuditEntry } from '../../policy/release';
import { FUTIAN, fieldName, typeName, type DistrictPlatform } from '../../domain/districtPlatforms';

/**
 * 使用留痕 in a district subgraph (福田's first): what one request read of grid events — which persons' and buildings'
 * events (their city codes), which fields (GridEvent, GridEvent.handler in clear or masked) under
 * which rule of policy.ts — and what it was refused. At the end of the request the entries go to
 * the city's audit chain (the same PostgreSQL database: one chain, one verifier), stamped
 * subgraph 'futian', so the usage trail and "who read my data" show 福田's reads beside the city's.
 */
export const FUTIAN_POLICY_VERSION = 'futian-v1';

/** Chinese labels of what a district's trail names, carried in each entry (the city's catalogue does not hold the district's fields). */
export function districtFieldLabels(p: DistrictPlatform): Readonly<Record<string, string>> {
  const event = typeName(p, 'GridEvent');
  return {
    [event]: `网格事件 (${p.name})`,
    [`${event}.handler`]: `网格事件处理人 (${p.name})`,
    [`Query.${fieldName(p, 'gridEvents')}`]: `网格事件列表 (${p.name})`,
    [`Query.${fieldName(p, 'gridEvent')}`]: `网格事件 (${p.name})`,
    [`CityObject.${fieldName(p, 'gridEvents')}`]: `建筑的网格事件 (${p.name})`,
    [`Person.${fieldName(p, 'gridEvents')}`]: `个人的网格事件 (${p.name})`,
  };
}
export const FUTIAN_FIELD_LABELS = districtFieldLabels(FUTIAN);

interface Group {
  decision: 'ALLOW' | 'MASK' | 'DENY';
  rule: string;
  fields: Set<string>;
  codes: Set<string>;
  reason?: string;
}

export class FutianTrail {
  private readonly groups = new Map<string, Group>();
  private readonly labels: Readonly<Record<string, string>>;

  constructor(
    private readonly subject: Subject,
    private readonly purpose: string | null,
    private readonly platform: DistrictPlatform = FUTIAN,
  ) {
    this.labels = platform === FUTIAN ? FUTIAN_FIELD_LABELS : districtFieldLabels(platform);
  }

  private group(decision: Group['decision'], rule: string, reason?: string): Group {
    const key = `${decision}|${rule}|${reason ?? ''}`;
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { decision, rule, fields: new Set(), codes: new Set(), ...(reason ? { reason } : {}) }));
    return g;
  }

  /** Events returned: the entities they are about. */
  read(rule: string, field: string, codes: readonly (string | null)[], masked = false): void {
    const g = this.group(masked ? 'MASK' : 'ALLOW', rule);
    g.fields.add(field);
    for (const c of codes) if (c) g.codes.add(c);
  }

  /** A field refused by the district's policy (for the codes asked about, when there are any). */
  denied(rule: string, field: string, reason: string, codes: readonly string[] = []): void {
    const g = this.group('DENY', rule, reason);
    g.fields.add(field);
    for (const c of codes) g.codes.add(c);
  }

  entries(operation: { hash: string; name: string | null }): AuditEntry[] {
    return [...this.groups.values()].map((g) => ({
      subject: this.subject,
      purpose: this.purpose,
      operationHash: operation.hash,
      operationName: operation.name,
      entityCodes: [...g.codes],
      fields: [...g.fields],
      decision: g.decision,
      policy: `${g.rule}@${this.platform.slug}-v1`,
      detail: {
        subgraph: this.platform.slug,
        fieldLabels: Object.fromEntries([...g.fields].map((f) => [f, this.labels[f] ?? f])),
        ...(g.reason ? { reason: g.reason } : {}),
      },
    }));
  }
}
