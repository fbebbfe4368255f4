import { CityCodeError } from '../core/errors';
import { ROW_KIND_FIELDS } from '../domain/modelIndex';
import { LEVELS, levelRank, type Level, type Subject } from '../core/subject';
import { applyMask, type MaskOptions } from './masks';
import type {
  CatalogueEntry,
  Decision,
  DecisionContext,
  Domain,
  Effect,
  Grant,
  MaskSpec,
  Policy,
  RowRegion,
  RowScope,
} from './model';
import { containsRow, covers, describeScope, fromDistrictScope, fromGrantScope, intersect, NONE, union } from './scope';

export { canonicalJson, loadPolicy, policyChecksum, PolicyError, policyToFiles, validateGrant } from './load';
export type { LoadOptions } from './load';

/**
 * The decision engine (分层分域分主题分权): pure functions of (policy, subject, field, context).
 * No clock, no I/O, no globals: `now` comes in the context. docs/permissions.md walks through
 * the algorithm; in short, for a field of domain D and level L:
 *
 *  1. L within the public level (L1) → ALLOW by `public@v`.
 *  2. Each unexpired grant of the subject's department on D whose scope (narrowed by the
 *     subject's districtScope) reaches the rows in question gives an effective level:
 *     min(grant.maxLevel, clearance), and at most L2 unless the declared purpose is one the
 *     grant lists.
 *  3. L ≤ effective level → ALLOW, or MASK if the grant has a masking exception for the field.
 *     L = effective level + 1 and the catalogue gives the field a default mask → MASK (the
 *     grant's exception mask if it has one, else the default). Otherwise → DENY.
 *  4. The most permissive outcome wins (ALLOW > MASK > DENY, then higher effective level, then
 *     grant id); nothing allowing → DENY by `default-deny@v`.
 */

/** The header that carries the declared purpose; reasons tell callers to send it. */
export const PURPOSE_HEADER = 'X-Purpose';

const RANK: Record<Effect, number> = { DENY: 0, MASK: 1, ALLOW: 2 };
const PURPOSE_FREE_LEVEL = 2; // L1 and L2 need no purpose

const levelOf = (rank: number): Level => LEVELS[Math.max(0, Math.min(LEVELS.length, rank) - 1)];

/** How one grant fared for a field: shown by explain(), summarised in reasons. */
export interface GrantTrace {
  grant: string;
  /** Why the grant did not take part, or null when it did. */
  excluded: string | null;
  /** min(maxLevel, clearance, purpose cap) when it took part. */
  effectiveLevel?: Level;
  purposeMatched?: boolean;
  effect?: Effect;
  mask?: MaskSpec;
  /** The effect with one of the grant's purposes declared, when that would be better. */
  effectWithPurpose?: Effect;
}

export interface Explanation {
  field: CatalogueEntry;
  subject: { id: string; department: string | null; clearance: Level; districtScope: string[]; anonymous: boolean };
  purpose: string | null;
  /** Rows of the field's type the decision holds for (absent when a row was given). */
  rowScope?: RowScope;
  grants: GrantTrace[];
  decision: Decision;
  /** The steps in words, for docs and reviews. */
  text: string;
}

function entryOf(policy: Policy, fieldKey: string): CatalogueEntry {
  const entry = policy.fields.get(fieldKey);
  if (!entry) {
    throw new Error(
      `field ${fieldKey} is not in the policy catalogue (version ${policy.version}); classify it in policies/<version>/catalogue.json ` +
        `(unclassified data is never served)`,
    );
  }
  return entry;
}

function subjectDepartment(subject: Subject): string | null {
  return subject.anonymous ? null : subject.department || null;
}

function domainName(policy: Policy, domain: Domain): string {
  return `${policy.domains.get(domain)?.label ?? domain} (${domain})`;
}

function isExpired(grant: Grant, now: Date): boolean {
  return Date.parse(grant.expiresAt) <= now.getTime();
}

/** Grants of the subject's department on a domain that are in force and survive narrowing. */
function usableGrants(policy: Policy, subject: Subject, domain: Domain, now: Date): { grant: Grant; scope: RowScope }[] {
  const department = subjectDepartment(subject);
  if (!department) return [];
  const narrowing = fromDistrictScope(subject.districtScope);
  const out: { grant: Grant; scope: RowScope }[] = [];
  for (const grant of policy.grantsByDepartment.get(department) ?? []) {
    if (grant.domain !== domain || isExpired(grant, now)) continue;
    const scope = intersect(fromGrantScope(grant.scope), narrowing);
    if (scope.kind !== 'NONE') out.push({ grant, scope });
  }
  return out;
}

/**
 * The ids of the subject's department's grants in force that give rows of `domain` in `region` for
 * `purpose` (beyond what the public sees): what a standing delivery (a return flow) may rest on.
 */
export function grantsFor(policy: Policy, subject: Subject, domain: Domain, region: RowRegion, purpose: string, now: Date): string[] {
  return usableGrants(policy, subject, domain, now)
    .filter(({ grant, scope }) => containsRow(scope, region) && grant.purposes.includes(purpose))
    .map(({ grant }) => grant.id);
}

function publicScope(policy: Policy, subject: Subject): RowScope {
  return intersect(fromGrantScope(policy.public.scope), fromDistrictScope(subject.districtScope));
}

/**
 * The rows of a domain the subject may see, to push into the WHERE clause of every listing of
 * that domain's rows: the union of the scopes of the department's grants on the domain that are
 * in force, each narrowed by the subject's districtScope. A subject with no such grant (anonymous
 * callers, departments without a grant on the domain) sees the domain as the public does
 * (grants.json `public.scope`, city-wide), where only L1 fields are readable. The purpose does
 * not change row scope (it changes which fields of those rows are readable).
 */
export function rowScope(policy: Policy, subject: Subject, domain: Domain, ctx: Pick<DecisionContext, 'now'>): RowScope {
  const usable = usableGrants(policy, subject, domain, ctx.now);
  if (usable.length) return union(usable.map((u) => u.scope));
  return publicScope(policy, subject);
}

/**
 * The highest level of a domain the subject may read anywhere, with the right purpose: public
 * access, or the best usable grant of its department capped by its clearance. What metadata the
 * catalogue shows in full (the description of an L4 attribute is for those who may read L4 data
 * of its domain somewhere; everyone sees that it exists).
 */
export function reachableLevel(policy: Policy, subject: Subject, domain: Domain, ctx: Pick<DecisionContext, 'now'>): Level {
  let best = publicScope(policy, subject).kind === 'NONE' ? 0 : levelRank(policy.public.maxLevel);
  const clearance = levelRank(subject.clearance);
  for (const { grant } of usableGrants(policy, subject, domain, ctx.now)) best = Math.max(best, Math.min(levelRank(grant.maxLevel), clearance));
  return levelOf(Math.max(best, 1));
}

/**
 * City objects of these kinds belong to another domain than their type's: an IoT device is a
 * CityObject (SPATIAL rows), but what devices exist where is IoT data (物联), classified by the
 * relation field that lists them. Such a row is visible only where that field is readable.
 */
export { ROW_KIND_FIELDS };

/**
 * The rows of `objectKind` (a key of ROW_KIND_FIELDS) the subject may see, on top of the city-object
 * row scope: none when the classifying field is denied, else the row scope of that field's domain.
 * The purpose matters as it does for the field (L3+ needs one).
 */
export function kindRowScope(policy: Policy, subject: Subject, objectKind: string, ctx: DecisionContext): RowScope {
  const fieldKey = ROW_KIND_FIELDS[objectKind];
  if (!fieldKey || !policy.fields.has(fieldKey)) return NONE;
  const decision = decideField(policy, subject, fieldKey, ctx);
  if (decision.effect === 'DENY' || decision.domain === null) return NONE;
  return rowScope(policy, subject, decision.domain, ctx);
}

interface Outcome {
  effect: Effect;
  mask?: MaskSpec;
}

function outcome(entry: CatalogueEntry, grant: Grant, effective: number): Outcome {
  const required = levelRank(entry.level);
  const exception = grant.masks[entry.key];
  if (required <= effective) return exception ? { effect: 'MASK', mask: exception } : { effect: 'ALLOW' };
  if (required === effective + 1 && effective >= 1 && entry.mask) return { effect: 'MASK', mask: exception ?? entry.mask };
  return { effect: 'DENY' };
}

interface Evaluation {
  decision: Decision;
  traces: GrantTrace[];
  rowScope?: RowScope;
  /**
   * True when a grant (or public access) reaches only some of the rows the decision holds for: the
   * decision for one row (DecisionContext.row) may then be better than this one (fieldRule).
   */
  rowDependent?: boolean;
}

function evaluate(policy: Policy, subject: Subject, entry: CatalogueEntry, ctx: DecisionContext): Evaluation {
  const v = policy.version;
  const required = levelRank(entry.level);
  const base = { field: entry.key, requiredLevel: entry.level, domain: entry.domain };
  const what = `${entry.key} is ${entry.level} ${domainName(policy, entry.domain)} data`;
  const rowDomain = policy.types.get(entry.type)?.rowDomain ?? entry.domain;
  const visible = ctx.row ? undefined : rowScope(policy, subject, rowDomain, ctx);
  const reaches = (scope: RowScope): boolean => (ctx.row ? containsRow(scope, ctx.row) : covers(scope, visible!));

  let rowDependent = false;
  // 1. Public data.
  if (required <= levelRank(policy.public.maxLevel)) {
    if (reaches(publicScope(policy, subject))) {
      return {
        decision: { effect: 'ALLOW', ...base, policy: `public@${v}`, reason: `${what}: public (公开), readable by everyone` },
        traces: [],
        rowScope: visible,
      };
    }
    if (!ctx.row) rowDependent = publicScope(policy, subject).kind !== 'NONE';
  }

  // 2-3. The department's grants on the field's domain.
  const department = subjectDepartment(subject);
  const narrowing = fromDistrictScope(subject.districtScope);
  const clearance = levelRank(subject.clearance);
  const purposeKnown = ctx.purpose !== null && policy.purposes.has(ctx.purpose);
  const traces: GrantTrace[] = [];
  let best: { grant: Grant; effective: number; out: Outcome; trace: GrantTrace } | undefined;
  for (const grant of department ? (policy.grantsByDepartment.get(department) ?? []) : []) {
    if (grant.domain !== entry.domain) continue;
    const trace: GrantTrace = { grant: grant.id, excluded: null };
    traces.push(trace);
    if (isExpired(grant, ctx.now)) {
      trace.excluded = `expired at ${grant.expiresAt}`;
      continue;
    }
    if (grant.fields && !grant.fields.includes(entry.key)) {
      trace.excluded = `it gives only ${grant.fields.join(', ')}`;
      continue;
    }
    const scope = intersect(fromGrantScope(grant.scope), narrowing);
    if (scope.kind === 'NONE') {
      trace.excluded = `its scope lies outside the subject's district scope ${subject.districtScope.join(', ')}`;
      continue;
    }
    if (!reaches(scope)) {
      if (!ctx.row) rowDependent = true;
      trace.excluded = ctx.row
        ? `it covers ${describeScope(scope)}, not this row (district ${ctx.row.districtCode ?? '-'}, street ${ctx.row.streetCode ?? '-'})`
        : `it covers only ${describeScope(scope)}, not all rows the subject sees (${describeScope(visible!)}); it applies per row (context.row)`;
      continue;
    }
    const cap = Math.min(levelRank(grant.maxLevel), clearance);
    const purposeMatched = purposeKnown && grant.purposes.includes(ctx.purpose!);
    const effective = purposeMatched ? cap : Math.min(cap, PURPOSE_FREE_LEVEL);
    const out = outcome(entry, grant, effective);
    trace.effectiveLevel = levelOf(effective);
    trace.purposeMatched = purposeMatched;
    trace.effect = out.effect;
    if (out.mask) trace.mask = out.mask;
    if (!purposeMatched && cap > effective && grant.purposes.length) {
      const withPurpose = outcome(entry, grant, cap);
      if (RANK[withPurpose.effect] > RANK[out.effect]) trace.effectWithPurpose = withPurpose.effect;
    }
    if (
      !best ||
      RANK[out.effect] > RANK[best.out.effect] ||
      (RANK[out.effect] === RANK[best.out.effect] && effective > best.effective)
    ) {
      best = { grant, effective, out, trace };
    }
  }

  // Purposes that would give a better decision than the best one reached.
  const bestRank = best ? RANK[best.out.effect] : 0;
  const helpful = traces.filter((t) => t.effectWithPurpose && RANK[t.effectWithPurpose] > bestRank);
  const acceptablePurposes = [
    ...new Set(helpful.flatMap((t) => policy.grantsByDepartment.get(department!)!.find((g) => g.id === t.grant)!.purposes)),
  ].sort();
  const purposeHint = helpful.length
    ? `; to read it ${helpful.some((t) => t.effectWithPurpose === 'ALLOW') ? 'in clear' : 'masked'}, send the header ${PURPOSE_HEADER} ` +
      `with ${acceptablePurposes.length === 1 ? acceptablePurposes[0] : `one of ${acceptablePurposes.join(', ')}`} ` +
      `(grant ${helpful.map((t) => `${t.grant}@${v}`).join(', ')})`
    : '';
  const purposeFields = helpful.length ? { needsPurpose: true, acceptablePurposes } : {};
  const unknownPurpose = ctx.purpose !== null && !purposeKnown ? ` (declared purpose ${ctx.purpose} is not a purpose of policy ${v})` : '';

  if (best && best.out.effect !== 'DENY') {
    const g = best.grant;
    const capped = levelRank(subject.clearance) < levelRank(g.maxLevel) ? `, capped by the subject's clearance ${subject.clearance}` : '';
    const purposeNote = best.trace.purposeMatched ? ` for purpose ${ctx.purpose}` : '';
    const grantText = `grant ${g.id}@${v} gives ${g.department} ${g.domain} up to ${g.maxLevel} in ${describeScope(fromGrantScope(g.scope))}${capped}${purposeNote}`;
    if (best.out.effect === 'ALLOW') {
      return { decision: { effect: 'ALLOW', ...base, policy: `${g.id}@${v}`, reason: `${what}: ${grantText}${purposeHint}`, ...purposeFields }, traces, rowScope: visible, rowDependent };
    }
    const mask = best.out.mask!;
    const why =
      required <= best.effective
        ? `the grant's masking exception shows it as ${mask.kind}`
        : `the grant reaches ${levelOf(best.effective)}, one level short, so the field shows as ${mask.kind}` +
          (g.masks[entry.key] ? ' (the grant\'s masking exception)' : ' (its default mask)');
    return {
      decision: {
        effect: 'MASK',
        mask: mask.kind,
        ...(mask.n !== undefined ? { maskN: mask.n } : {}),
        ...base,
        policy: `${g.id}@${v}`,
        reason: `${what}: ${grantText}; ${why}${unknownPurpose}${purposeHint}`,
        ...purposeFields,
      },
      traces,
      rowScope: visible,
      rowDependent,
    };
  }

  // 4. Nothing allows it.
  let why: string;
  if (!department) why = `anonymous callers read ${policy.public.maxLevel} public data only; sign in with a department account`;
  else if (traces.length === 0) why = `${department} has no grant on ${domainName(policy, entry.domain)}`;
  else {
    why = traces
      .map((t) => {
        if (t.excluded) return `grant ${t.grant}@${v} does not apply: ${t.excluded}`;
        const g = policy.grantsByDepartment.get(department)!.find((x) => x.id === t.grant)!;
        const notes = [
          ...(clearance < levelRank(g.maxLevel) ? [`capped by clearance ${subject.clearance}`] : []),
          ...(!t.purposeMatched && levelRank(t.effectiveLevel!) < Math.min(clearance, levelRank(g.maxLevel)) ? ['no matching purpose declared'] : []),
        ];
        return `grant ${t.grant}@${v} reaches only ${t.effectiveLevel}${notes.length ? ` (${notes.join(', ')})` : ''}`;
      })
      .join('; ');
  }
  return {
    decision: { effect: 'DENY', ...base, policy: `default-deny@${v}`, reason: `${what}: ${why}${unknownPurpose}${purposeHint}`, ...purposeFields },
    traces,
    rowScope: visible,
    rowDependent,
  };
}

/** The most restrictive of several decisions (for interface fields); ties keep the first. */
function strictest(decisions: Decision[]): Decision {
  return decisions.reduce((a, b) => (RANK[b.effect] < RANK[a.effect] ? b : a));
}

function implementationsOf(policy: Policy, fieldKey: string): string[] | null {
  const [type, field] = fieldKey.split('.');
  const impls = policy.types.get(type)?.implementations;
  return impls ? impls.map((impl) => `${impl}.${field}`) : null;
}

/**
 * Decides one field for one subject. `fieldKey` is a catalogue key (`Person.phone`); an
 * interface key (`Entity.name`) gets the strictest decision of its implementations. Throws for
 * a key the catalogue does not classify.
 */
export function decideField(policy: Policy, subject: Subject, fieldKey: string, ctx: DecisionContext): Decision {
  entryOf(policy, fieldKey);
  const impls = implementationsOf(policy, fieldKey);
  if (impls) return strictest(impls.map((k) => decideField(policy, subject, k, ctx)));
  return evaluate(policy, subject, entryOf(policy, fieldKey), ctx).decision;
}

/**
 * How one field is decided for one subject, purpose and time, for every row at once: the
 * decision for the rows of the field's type the subject sees (`decision`), and `forRow` for one
 * row. They differ only where a grant reaches some of those rows and not others (`rowDependent`):
 * the 大鹏 L3 population grant of 市应急管理局 gives its three streets' rows what its city-wide
 * L2 grant does not. A row outside every grant that covers the field gets what public access
 * gives (usually DENY); a row inside gets the grant's decision. `forRow` remembers its answers
 * per (district, street), so a page of rows costs a map look-up per field and row.
 */
export interface FieldRule {
  readonly decision: Decision;
  readonly rowDependent: boolean;
  forRow(row: RowRegion | null | undefined): Decision;
}

/**
 * The rule of a field the catalogue of the policy in force does not classify: denied for every
 * row, with the missing entry named (fail closed: an unclassified value is never served).
 */
export function unclassifiedRule(policy: Policy, fieldKey: string): FieldRule {
  const decision: Decision = Object.freeze({
    effect: 'DENY',
    field: fieldKey,
    requiredLevel: 'L4',
    domain: null,
    policy: `unclassified@${policy.version}`,
    reason: `${fieldKey} has no entry in the catalogue of policy ${policy.version}, so it is never served`,
    unclassified: true,
  }) as Decision;
  return { decision, rowDependent: false, forRow: () => decision };
}

/** The rule of one catalogue field for one subject and purpose (see FieldRule). Unknown keys are denied. */
export function fieldRule(policy: Policy, subject: Subject, fieldKey: string, ctx: Omit<DecisionContext, 'row'>): FieldRule {
  const entry = policy.fields.get(fieldKey);
  if (!entry) return unclassifiedRule(policy, fieldKey);
  const impls = implementationsOf(policy, fieldKey);
  if (impls) {
    // An interface key (only asked of the interface as a whole) keeps the strictest whole-scope decision.
    const decision = Object.freeze(decideField(policy, subject, fieldKey, ctx));
    return { decision, rowDependent: false, forRow: () => decision };
  }
  const whole = evaluate(policy, subject, entry, { ...ctx, row: null });
  const decision = Object.freeze(whole.decision);
  if (!whole.rowDependent) return { decision, rowDependent: false, forRow: () => decision };
  const byRegion = new Map<string, Decision>();
  return {
    decision,
    rowDependent: true,
    forRow(row) {
      const region = { districtCode: row?.districtCode ?? null, streetCode: row?.streetCode ?? null, gridCode: row?.gridCode ?? null };
      const key = `${region.districtCode ?? ''}|${region.streetCode ?? ''}|${region.gridCode ?? ''}`;
      let d = byRegion.get(key);
      if (!d) {
        d = Object.freeze(evaluate(policy, subject, entry, { ...ctx, row: region }).decision);
        if (byRegion.size < 10_000) byRegion.set(key, d);
      }
      return d;
    },
  };
}

/**
 * Filtering, sorting and counting on a field reveal its values, so they are allowed only where
 * the field is readable in clear (ALLOW) for every row the subject sees.
 */
export function canFilterOrSort(policy: Policy, subject: Subject, fieldKey: string, ctx: DecisionContext): boolean {
  return decideField(policy, subject, fieldKey, { ...ctx, row: null }).effect === 'ALLOW';
}

/** Throws FORBIDDEN_FILTER unless canFilterOrSort. `usage` says what the caller tried. */
export function assertCanFilterOrSort(
  policy: Policy,
  subject: Subject,
  fieldKey: string,
  ctx: DecisionContext,
  usage: 'filter' | 'sort' | 'count' | 'lookup' = 'filter',
): void {
  const decision = decideField(policy, subject, fieldKey, { ...ctx, row: null });
  if (decision.effect === 'ALLOW') return;
  throw new CityCodeError(
    'FORBIDDEN_FILTER',
    `You may not ${usage} on ${fieldKey}: it is ${decision.effect === 'MASK' ? `masked (${decision.mask})` : 'denied'} for you`,
    `Filter, sort, count and look up only on fields you may read in clear; ${decision.reason}.`,
    errorExtensions(decision),
  );
}

function errorExtensions(decision: Decision): Record<string, unknown> {
  return {
    field: decision.field,
    requiredLevel: decision.requiredLevel,
    domain: decision.domain,
    policy: decision.policy,
    ...(decision.needsPurpose ? { needsPurpose: true, acceptablePurposes: decision.acceptablePurposes } : {}),
  };
}

/** The FORBIDDEN_FIELD error a denied field gives (its value is returned as null); UNCLASSIFIED_FIELD for a field the catalogue lacks. */
export function fieldDeniedError(decision: Decision): CityCodeError {
  if (decision.unclassified) {
    return new CityCodeError(
      'UNCLASSIFIED_FIELD',
      `${decision.field} is not classified by the policy in force, so it is not served`,
      `The catalogue of ${decision.policy.replace(/^unclassified@/, 'policy ')} has no entry fields["${decision.field}"]: classify the field in domain/model.ts, ` +
        'run `npm run generate` and load the new policy version (docs/architecture.md).',
      { field: decision.field, missing: `catalogue.json fields["${decision.field}"]`, policy: decision.policy },
    );
  }
  return new CityCodeError(
    'FORBIDDEN_FIELD',
    `${decision.field} requires ${decision.requiredLevel} access to ${decision.domain} data`,
    decision.needsPurpose
      ? `Send the header ${PURPOSE_HEADER} with one of ${decision.acceptablePurposes!.join(', ')}; ${decision.reason}.`
      : `Ask your data steward for a grant; ${decision.reason}.`,
    errorExtensions(decision),
  );
}

/** The value a decision lets through: as is (ALLOW), masked (MASK) or null (DENY). */
export function applyDecision(decision: Decision, value: string | null | undefined, options: Pick<MaskOptions, 'hashKey'> = {}): string | null {
  if (value === null || value === undefined) return null;
  if (decision.effect === 'ALLOW') return value;
  if (decision.effect === 'DENY') return null;
  return applyMask(value, decision.mask!, { ...options, n: decision.maskN });
}

/** True when `code` is a purpose of the policy (validate X-Purpose with it). */
export function isPurpose(policy: Policy, code: string): boolean {
  return policy.purposes.has(code);
}

/** The catalogue field a resolveCode lookup by `scheme` filters on (CITIZEN_ID → Person.idNumber). */
export function identifierField(policy: Policy, scheme: string): string | null {
  return policy.files.catalogue.identifierSchemes[scheme] ?? null;
}

/** The decision with every step that led to it (for docs, tests and the governance console). */
export function explain(policy: Policy, subject: Subject, fieldKey: string, ctx: DecisionContext): Explanation {
  const entry = entryOf(policy, fieldKey);
  const impls = implementationsOf(policy, fieldKey);
  const target = impls
    ? (() => {
        const d = decideField(policy, subject, fieldKey, ctx);
        return entryOf(policy, d.field);
      })()
    : entry;
  const { decision, traces, rowScope: visible } = evaluate(policy, subject, target, ctx);
  const lines = [
    `${fieldKey}${impls ? ` (interface; strictest implementation ${target.key})` : ''}: ${target.domain} ${target.level}` +
      (target.mask ? `, default mask ${target.mask.kind}` : ''),
    `subject ${subject.username} (${subjectDepartment(subject) ?? 'anonymous'}), clearance ${subject.clearance}` +
      (subject.districtScope.length ? `, district scope ${subject.districtScope.join(', ')}` : '') +
      `, purpose ${ctx.purpose ?? 'none'}`,
    ctx.row ? `row: district ${ctx.row.districtCode ?? '-'}, street ${ctx.row.streetCode ?? '-'}` : `rows: ${describeScope(visible!)}`,
    ...traces.map((t) =>
      t.excluded
        ? `grant ${t.grant}: not applied, ${t.excluded}`
        : `grant ${t.grant}: effective ${t.effectiveLevel}${t.purposeMatched ? ' (purpose matched)' : ''} → ${t.effect}` +
          (t.mask ? ` ${t.mask.kind}` : '') +
          (t.effectWithPurpose ? ` (${t.effectWithPurpose} with a purpose it lists)` : ''),
    ),
    `decision: ${decision.effect}${decision.mask ? ` ${decision.mask}` : ''} by ${decision.policy}`,
  ];
  return {
    field: target,
    subject: {
      id: subject.id,
      department: subjectDepartment(subject),
      clearance: subject.clearance,
      districtScope: [...subject.districtScope],
      anonymous: subject.anonymous,
    },
    purpose: ctx.purpose,
    ...(visible ? { rowScope: visible } : {}),
    grants: traces,
    decision,
    text: lines.join('\n'),
  };
}
