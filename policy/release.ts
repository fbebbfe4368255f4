import { levelRank, type Level, type Subject } from '../core/subject';
import { piiKeys } from '../domain/pii';
import { isDomain, KINDS, KIND_NAMES } from '../domain/model';
import { ROW_KIND_FIELDS } from '../domain/modelIndex';
import { callerDecisions, type CallerDecisions } from './decisions';
import { applyDecision, assertCanFilterOrSort, fieldDeniedError, fieldRule, kindRowScope, reachableLevel, rowScope, type FieldRule } from './engine';
import type { Decision, Domain, Policy, RowRegion, RowScope } from './model';
import { ALL, graphScopeAdmits, NONE, type GraphScope } from './scope';

/**
 * The release gate (放行关口): every value that leaves the platform passes `release`, which
 * decides allow / mask / deny for the field of the row it belongs to, applies the mask, and
 * records the read or the denial for the audit. GraphQL fields at any depth (through the field
 * guard, resolvers/guard.ts), federation `_entities` (the same guard), provenance, conflict and
 * review values, and the change feed all go through here; none decides on its own.
 *
 * One Release per request: the caller (subject), the declared purpose and the policy version in
 * force. Its answers come from the one decision cache (policy/decisions.ts). It fails closed: a
 * key the catalogue does not classify is denied with UNCLASSIFIED_FIELD naming the missing entry.
 * Row scopes (which rows a caller sees at all) come from here too; they are pushed into the Cypher
 * and SQL that read the rows, never applied after a fetch.
 */

/** Where a value sits: the entity it belongs to (for the audit) and that entity's region (for per-row decisions). */
export interface ReleaseAt {
  code?: string;
  row?: RowRegion | null;
  /** The entity's stored properties, where the row's region is read from when `row` is not given. */
  props?: Readonly<Record<string, unknown>>;
}

/**
 * How the fields of an answer that carry an entity's attribute values are released (domain/model.ts
 * OUTPUT_FIELDS 'attribute' and 'attributes'): the object keeps, under this symbol, per field, the
 * attribute it holds the value of and where (the entity and its region). `null`: the field holds no
 * attribute's value this time (a record key that feeds no attribute), so it passes as it is. A field
 * declared so whose object says nothing is denied (resolvers/guard.ts).
 */
export const RELEASED_AS = Symbol('citycode.releasedAs');

export interface ReleasedAs {
  /** The catalogue key of the attribute; for 'attributes' fields, the keys are those of the JSON map. */
  key?: string;
  at: ReleaseAt;
  /** For 'metadata' fields: the domain and level of the data the text describes. */
  metadata?: { domain: string; level: Level };
  /** A value inside a larger answer (one side of a conflict) is null when denied instead of an error. */
  onDeny?: 'throw' | 'null';
}

export type ReleaseDescriptors = Readonly<Record<string, ReleasedAs | null>>;

/** What the audit trail keeps of one request's reads and denials (audit/writer.ts writes it). */
export interface AuditEntry {
  /** When the access happened; default: when it is recorded. */
  at?: Date;
  subject: Subject;
  /** The declared purpose (数据用途); required by policy for L3+ reads. */
  purpose?: string | null;
  /** sha256 of the GraphQL document + variables (audit/chain.ts operationHash). */
  operationHash: string;
  operationName?: string | null;
  /** City codes of the entities read or denied, in the order served. */
  entityCodes: string[];
  /** Fields read or denied, e.g. Person.idNumber. */
  fields: string[];
  decision: 'ALLOW' | 'MASK' | 'DENY' | 'GOVERNANCE';
  /** The deciding policy, id@version. */
  policy: string;
  /** Anything else worth keeping (JSON). The key `actor` is set by the writer. */
  detail?: Record<string, unknown> | null;
}

/** The questions a query planner asks (query/planCache.ts records them with their answers). */
export interface PlanningPolicy {
  /** False when the field is denied for every row the caller sees (nothing to fetch for it). */
  mayRead(fieldKey: string): boolean;
  /** True when the caller may filter city objects by objectKind (`kinds:`). */
  mayFilterByKind(): boolean;
  /** True when the field is decided row by row: the planner then fetches each row's region. */
  rowDependent(fieldKey: string): boolean;
}

interface AuditGroup {
  decision: Decision;
  fields: Set<string>;
  codes: Set<string>;
}

const LEVEL_AUDITED = new Set(['L2', 'L3', 'L4']);

/** Region of a row given as stored properties (districtCode, streetCode, gridCode). */
export function regionOf(props: Readonly<Record<string, unknown>> | null | undefined): RowRegion {
  const d = props?.districtCode;
  const s = props?.streetCode;
  const g = props?.gridCode;
  return { districtCode: typeof d === 'string' ? d : null, streetCode: typeof s === 'string' ? s : null, gridCode: typeof g === 'string' ? g : null };
}

let maskingKey: Buffer | undefined;

/** The value a decision lets through: as is (ALLOW) or masked (MASK; a masked number or object is withheld). */
function masked(decision: Decision, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (decision.effect === 'ALLOW') return value;
  if (typeof value !== 'string') return null;
  if (decision.mask === 'HASH') maskingKey ??= piiKeys().maskingKey;
  return applyDecision(decision, value, { hashKey: maskingKey });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

export class Release implements PlanningPolicy {
  private kept?: CallerDecisions;
  private readonly reads = new Map<string, AuditGroup>();
  private readonly denials = new Map<string, AuditGroup>();

  constructor(
    readonly policy: Policy,
    readonly subject: Subject,
    readonly purpose: string | null,
    readonly now: Date = new Date(),
  ) {}

  private get decisions(): CallerDecisions {
    this.kept ??= callerDecisions(this.policy, this.subject, this.purpose, this.now);
    return this.kept;
  }

  /** How a field is decided for this caller (every row, or row by row). */
  rule(fieldKey: string): FieldRule {
    const rules = this.decisions.rules;
    let rule = rules.get(fieldKey);
    if (!rule) {
      rule = fieldRule(this.policy, this.subject, fieldKey, { purpose: this.purpose, now: this.now });
      rules.set(fieldKey, rule);
    }
    return rule;
  }

  /** The decision for a field of one row (no row: the decision for every row the caller sees). */
  decide(fieldKey: string, row?: RowRegion | null): Decision {
    const rule = this.rule(fieldKey);
    return rule.rowDependent && row ? rule.forRow(row) : rule.decision;
  }

  /** The decision for a field at `at` (its row given, or read from the entity's properties). */
  private decideAt(fieldKey: string, at: ReleaseAt): Decision {
    const rule = this.rule(fieldKey);
    if (!rule.rowDependent) return rule.decision;
    return rule.forRow(at.row ?? regionOf(at.props));
  }

  /**
   * THE release: the value of `fieldKey` at `at`, as the caller may see it. The decision is made
   * first, so a denied value is never produced (`value` may be a function that produces it, e.g.
   * decrypts it); then the mask is applied and the read recorded. Denied: FORBIDDEN_FIELD (or
   * UNCLASSIFIED_FIELD) is thrown, or null is returned with `onDeny: 'null'` (a value inside a
   * larger answer, e.g. one side of a conflict).
   */
  release(fieldKey: string, at: ReleaseAt, value: unknown, onDeny: 'throw' | 'null' = 'throw'): unknown {
    const decision = this.decideAt(fieldKey, at);
    if (decision.effect === 'DENY') {
      this.add(this.denials, decision, fieldKey, at.code);
      if (onDeny === 'null') return null;
      throw fieldDeniedError(decision);
    }
    const produced = typeof value === 'function' ? (value as () => unknown)() : value;
    if (LEVEL_AUDITED.has(decision.requiredLevel)) this.add(this.reads, decision, fieldKey, at.code);
    if (decision.effect === 'ALLOW') return produced;
    return isThenable(produced) ? Promise.resolve(produced).then((v) => masked(decision, v)) : masked(decision, produced);
  }

  /**
   * Throws FORBIDDEN_FIELD (recording the denial) when `fieldKey` is denied at `at`; else nothing.
   * For an answer about an attribute that is readable exactly when the attribute is (its provenance),
   * whose values are then released field by field.
   */
  check(fieldKey: string, at: ReleaseAt): void {
    const decision = this.decideAt(fieldKey, at);
    if (decision.effect !== 'DENY') return;
    this.add(this.denials, decision, fieldKey, at.code);
    throw fieldDeniedError(decision);
  }

  /**
   * Metadata about data of `domain` at `level` (a catalogue entry's description): shown to a caller
   * who may read data of that domain at that level somewhere, null to others (who still see that
   * the entry exists, its name, domain and level). Not recorded: it is no data of an entity.
   */
  releaseMetadata(domain: string, level: Level, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    if (!isDomain(domain) || !this.policy.domains.has(domain)) return null;
    let reachable = this.decisions.reachable.get(domain);
    if (!reachable) {
      reachable = reachableLevel(this.policy, this.subject, domain, { now: this.now });
      this.decisions.reachable.set(domain, reachable);
    }
    return levelRank(level) <= levelRank(reachable) ? value : null;
  }

  // -------------------------------------------------------------------------------------------
  // What the planner and the queries ask
  // -------------------------------------------------------------------------------------------

  mayRead(fieldKey: string): boolean {
    const rule = this.rule(fieldKey);
    return rule.rowDependent || rule.decision.effect !== 'DENY';
  }

  mayFilterByKind(): boolean {
    return this.rule('CityObject.objectKind').decision.effect === 'ALLOW';
  }

  rowDependent(fieldKey: string): boolean {
    return this.rule(fieldKey).rowDependent;
  }

  /** FORBIDDEN_FILTER unless the field is readable in clear for every row the caller sees (filters, sorts, counts, look-ups). */
  assertCanUse(fieldKey: string, usage: 'filter' | 'sort' | 'count' | 'lookup'): void {
    assertCanFilterOrSort(this.policy, this.subject, fieldKey, { purpose: this.purpose, now: this.now }, usage);
  }

  /** Row scope of a domain, as the engine computes it for this caller. */
  rowScope(domain: Domain): RowScope {
    const scopes = this.decisions.rowScopes;
    let scope = scopes.get(domain);
    if (!scope) {
      scope = rowScope(this.policy, this.subject, domain, { now: this.now });
      scopes.set(domain, scope);
    }
    return scope;
  }

  /**
   * Row scopes of every kind's rows, and of the object kinds whose rows another field classifies
   * (IoT devices: only where CityObject.devices is readable), pushed into every Cypher read.
   */
  graphScope(): GraphScope {
    const kept = this.decisions;
    if (!kept.graph) {
      const kinds: Record<string, RowScope> = {};
      for (const kind of KIND_NAMES) {
        const domain = this.policy.types.get(kind)?.rowDomain ?? KINDS[kind].rowDomain;
        // A kind the policy in force does not know (an older version) shows no rows: fail closed.
        kinds[kind] = this.policy.types.has(kind) ? this.rowScope(domain) : NONE;
      }
      const objectKinds: Record<string, RowScope> = {};
      for (const objectKind of Object.keys(ROW_KIND_FIELDS)) {
        objectKinds[objectKind] = kindRowScope(this.policy, this.subject, objectKind, { purpose: this.purpose, now: this.now });
      }
      kept.graph = Object.freeze({ kinds: Object.freeze(kinds), objectKinds: Object.freeze(objectKinds) });
    }
    return kept.graph;
  }

  /**
   * Whether this caller sees the row at all (its kind's row scope, and its object kind's): for a
   * row loaded outside a scoped read (a change event's entity). Rows outside are not released
   * and not recorded, as a scoped query would not have returned them.
   */
  admitsRow(kind: string, props: Readonly<Record<string, unknown>>): boolean {
    return graphScopeAdmits(this.graphScope(), kind, props);
  }

  // -------------------------------------------------------------------------------------------
  // The audit trail of the request
  // -------------------------------------------------------------------------------------------

  /** A row-level refusal (e.g. `_entities` asking for rows outside the caller's row scope). */
  recordRowDenial(fieldKey: string, codes: readonly string[], reason: string): void {
    const decision: Decision = {
      effect: 'DENY',
      field: fieldKey,
      requiredLevel: 'L1',
      domain: null,
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
  auditEntries(operation: { hash: string; name?: string | null }): AuditEntry[] {
    if (this.reads.size === 0 && this.denials.size === 0) return [];
    const entry = (g: AuditGroup): AuditEntry => ({
      at: this.now,
      subject: this.subject,
      purpose: this.purpose,
      operationHash: operation.hash,
      operationName: operation.name ?? null,
      entityCodes: [...g.codes],
      fields: [...g.fields],
      decision: g.decision.effect,
      policy: g.decision.policy,
      detail: g.decision.effect === 'DENY' ? { reason: g.decision.reason, requiredLevel: g.decision.requiredLevel } : null,
    });
    return [...this.reads.values(), ...this.denials.values()].map(entry);
  }

  /** True when the request read or was denied anything the audit keeps. */
  get hasAuditEntries(): boolean {
    return this.reads.size > 0 || this.denials.size > 0;
  }
}

const ALLOW_ALL: FieldRule = Object.freeze({
  decision: Object.freeze({ effect: 'ALLOW', field: '*', requiredLevel: 'L1', domain: null, policy: 'enforcement-off', reason: 'POLICY_ENFORCEMENT=off' }) as Decision,
  rowDependent: false,
  forRow: () => ALLOW_ALL.decision,
});

/** No decisions, no scope, no audit: POLICY_ENFORCEMENT=off, for benchmarking only (refused in production). */
export class UnrestrictedRelease extends Release {
  override rule(): FieldRule {
    return ALLOW_ALL;
  }

  override graphScope(): GraphScope {
    return UNRESTRICTED_GRAPH;
  }

  override assertCanUse(): void {}

  override releaseMetadata(_domain: string, _level: Level, value: unknown): unknown {
    return value;
  }

  override auditEntries(): AuditEntry[] {
    return [];
  }
}

/** Every row of every kind. */
export const UNRESTRICTED_GRAPH: GraphScope = Object.freeze({
  kinds: Object.freeze(Object.fromEntries(KIND_NAMES.map((k) => [k, ALL]))),
  objectKinds: Object.freeze(Object.fromEntries(Object.keys(ROW_KIND_FIELDS).map((k) => [k, ALL]))),
});
