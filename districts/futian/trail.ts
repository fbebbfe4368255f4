import type { Subject } from '../../core/subject';
import type { AuditEntry } from '../../policy/release';

/**
 * 使用留痕 in the 福田 subgraph: what one request read of grid events — which persons' and buildings'
 * events (their city codes), which fields (GridEvent, GridEvent.handler in clear or masked) under
 * which rule of policy.ts — and what it was refused. At the end of the request the entries go to
 * the city's audit chain (the same PostgreSQL database: one chain, one verifier), stamped
 * subgraph 'futian', so the usage trail and "who read my data" show 福田's reads beside the city's.
 */
export const FUTIAN_POLICY_VERSION = 'futian-v1';

/** Chinese labels of what the trail names, carried in each entry (the city's catalogue does not hold the district's fields). */
export const FUTIAN_FIELD_LABELS: Readonly<Record<string, string>> = {
  GridEvent: '网格事件 (福田区)',
  'GridEvent.handler': '网格事件处理人 (福田区)',
  'Query.gridEvents': '网格事件列表 (福田区)',
  'Query.gridEvent': '网格事件 (福田区)',
  'CityObject.gridEvents': '建筑的网格事件 (福田区)',
  'Person.gridEvents': '个人的网格事件 (福田区)',
};

interface Group {
  decision: 'ALLOW' | 'MASK' | 'DENY';
  rule: string;
  fields: Set<string>;
  codes: Set<string>;
  reason?: string;
}

export class FutianTrail {
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly subject: Subject,
    private readonly purpose: string | null,
  ) {}

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
      policy: `${g.rule}@${FUTIAN_POLICY_VERSION}`,
      detail: {
        subgraph: 'futian',
        fieldLabels: Object.fromEntries([...g.fields].map((f) => [f, FUTIAN_FIELD_LABELS[f] ?? f])),
        ...(g.reason ? { reason: g.reason } : {}),
      },
    }));
  }
}
