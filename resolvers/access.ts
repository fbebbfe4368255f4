import { operationHash as hashOperation } from '../audit/chain';
import type { AuditEntry } from '../audit/writer';
import type { Subject } from '../core/subject';
import { GraphScope, RowScope, UNRESTRICTED } from '../graph/scope';
import { assertCanFilterOrSort, decideField, kindRowScope, rowScope } from '../policy/engine';
import type { Decision, Domain, Policy } from '../policy/model';
import type { RowScope as SpatialScope } from '../spatial/queries';
import { callerDecisions, CallerDecisions } from './decisionCache';

/**
 * One request's view of the policy: the decisions it needs (each computed once per caller while
 * it holds, resolvers/decisionCache.ts), its row scopes per domain, and what it read and was
 * denied, for the audit. Pure bookkeeping: the engine
 * (policy/engine.ts) decides, the field guard and the loaders enforce.
 */
interface AuditGroup {
  decision: Decision;
  fields: Set<string>;
  codes: Set<string>;
}

const LEVEL_AUDITED = new Set(['L2', 'L3', 'L4']);

export class RequestAccess {
  private keptDecisions?: CallerDecisions;
  private readonly reads = new Map<string, AuditGroup>();
  private readonly denials = new Map<string, AuditGroup>();

  constructor(
    readonly policy: Policy,
    readonly subject: Subject,
    readonly purpose: string | null,
    readonly now: Date = new Date(),
  ) {}

  /** Decisions and row scopes of this caller, shared with its other requests while they hold (resolvers/decisionCache.ts). */
  private get kept(): CallerDecisions {
    this.keptDecisions ??= callerDecisions(this.policy, this.subject, this.purpose, this.now);
    return this.keptDecisions;
  }

  /** The decision for a catalogue field (`Person.phone`), or null when the field is structural. */
  decide(fieldKey: string): Decision | null {
    let decision = this.kept.fields.get(fieldKey);
    if (decision === undefined) {
      decision = this.policy.fields.has(fieldKey)
        ? Object.freeze(decideField(this.policy, this.subject, fieldKey, { purpose: this.purpose, now: this.now }))
        : null;
      this.kept.fields.set(fieldKey, decision);
    }
    return decision;
  }

  /** Row scope of a domain, as the engine computes it for this subject. */
  rowScope(domain: Domain): RowScope {
    return rowScope(this.policy, this.subject, domain, { now: this.now });
  }

  private rowScopeOfType(type: string): RowScope {
    const domain = this.policy.types.get(type)?.rowDomain;
    return domain ? this.rowScope(domain) : { kind: 'NONE' };
  }

  /** Row scopes of Person, Enterprise and CityObject rows (and of IoT devices among them), pushed into every Cypher read. */
  graphScope(): GraphScope {
    this.kept.graph ??= {
      person: this.rowScopeOfType('Person'),
      enterprise: this.rowScopeOfType('Enterprise'),
      object: this.rowScopeOfType('CityObject'),
      device: kindRowScope(this.policy, this.subject, 'DEVICE', { purpose: this.purpose, now: this.now }),
    };
    return this.kept.graph;
  }

  /** The city-object row scope in the spatial module's terms (undefined = the whole city). */
  spatialScope(): SpatialScope | undefined {
    return spatialTerms(this.graphScope().object);
  }

  /** Where devices are visible, in the spatial module's terms (undefined = wherever city objects are). */
  spatialDeviceScope(): SpatialScope | undefined {
    return spatialTerms(this.graphScope().device);
  }

  /** FORBIDDEN_FILTER unless the field is readable in clear (filters, sorts, counts, look-ups). */
  assertCanUse(fieldKey: string, usage: 'filter' | 'sort' | 'count' | 'lookup'): void {
    assertCanFilterOrSort(this.policy, this.subject, fieldKey, { purpose: this.purpose, now: this.now }, usage);
  }

  recordRead(decision: Decision, fieldKey: string, code: string | undefined): void {
    if (!LEVEL_AUDITED.has(decision.requiredLevel)) return;
    this.add(this.reads, decision, fieldKey, code);
  }

  recordDenial(decision: Decision, fieldKey: string, code: string | undefined): void {
    this.add(this.denials, decision, fieldKey, code);
  }

  /** A row-level refusal (e.g. `_entities` asking for rows outside the caller's scope). */
  recordRowDenial(fieldKey: string, codes: readonly string[], reason: string): void {
    const decision: Decision = {
      effect: 'DENY',
      field: fieldKey,
      requiredLevel: 'L1',
      domain: 'SPATIAL',
      policy: `row-scope@${this.policy.version}`,
      reason,
    };
    for (const code of codes) this.add(this.denials, decision, fieldKey, code);
  }

  private add(groups: Map<string, AuditGroup>, decision: Decision, fieldKey: string, code: string | undefined): void {
    const key = `${decision.effect}|${decision.policy}|${groups === this.denials ? fieldKey : ''}`;
    let group = groups.get(key);
    if (!group) {
      group = { decision, fields: new Set(), codes: new Set() };
      groups.set(key, group);
    }
    group.fields.add(fieldKey);
    if (code) group.codes.add(code);
  }

  /** Audit entries for this request: one per (decision, policy) of L2+ reads, one per denied field. */
  auditEntries(operation: { document: string; variables?: Record<string, unknown> | null; name?: string | null }): AuditEntry[] {
    if (this.reads.size === 0 && this.denials.size === 0) return [];
    const operationHash = hashOperation(operation.document, operation.variables ?? null);
    const entry = (g: AuditGroup): AuditEntry => ({
      at: this.now,
      subject: this.subject,
      purpose: this.purpose,
      operationHash,
      operationName: operation.name ?? null,
      entityCodes: [...g.codes],
      fields: [...g.fields],
      decision: g.decision.effect,
      policy: g.decision.policy,
      detail: g.decision.effect === 'DENY' ? { reason: g.decision.reason, requiredLevel: g.decision.requiredLevel } : null,
    });
    return [...this.reads.values(), ...this.denials.values()].map(entry);
  }
}

function spatialTerms(s: RowScope): SpatialScope | undefined {
  if (s.kind === 'ALL') return undefined;
  if (s.kind === 'NONE') return { districtCodes: [], streetCodes: [] };
  return { districtCodes: s.districtCodes, streetCodes: s.streetCodes };
}

/** No decisions, no scope, no audit: POLICY_ENFORCEMENT=off, for benchmarking only. */
export class UnrestrictedAccess extends RequestAccess {
  override decide(): Decision | null {
    return null;
  }

  override graphScope(): GraphScope {
    return UNRESTRICTED;
  }

  override assertCanUse(): void {}

  override auditEntries(): AuditEntry[] {
    return [];
  }
}
