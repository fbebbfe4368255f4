import { ANONYMOUS, type Level, type Subject } from '../core/subject';
import { decideField, rowScope } from './engine';
import type { MaskKind } from './masks';
import { DOMAINS, type Domain, type Effect, type Policy, type RowScope } from './model';
import { describeScope, fromGrantScope } from './scope';

/**
 * The permission matrix: the expected decision for every (subject, field, purpose), computed by
 * the engine from the policy files. The lead's integration test runs each row against the live
 * API (a token for the subject, the field read on a row inside `scope`, header X-Purpose) and
 * compares the response: ALLOW → the clear value, MASK → the masked value, DENY → null plus a
 * FORBIDDEN_FIELD error naming `policy`'s level. Pure.
 */
export interface MatrixRow {
  subject: string;
  department: string | null;
  clearance: Level;
  districtScope: string[];
  field: string;
  purpose: string | null;
  /** Rows of the field's type the subject sees (pick the test row inside it). */
  scope: RowScope;
  expected: Effect;
  mask?: MaskKind;
  maskN?: number;
  /** Deciding policy: `<grant>@<version>`, `public@<version>` or `default-deny@<version>`. */
  policy: string;
  requiredLevel: Level;
  domain: Domain;
  needsPurpose: boolean;
}

export function permissionMatrix(
  policy: Policy,
  subjects: readonly Subject[],
  fields: readonly string[],
  purposes: readonly (string | null)[],
  now: Date,
): MatrixRow[] {
  const rows: MatrixRow[] = [];
  for (const subject of subjects) {
    for (const field of fields) {
      for (const purpose of purposes) {
        const d = decideField(policy, subject, field, { purpose, now });
        // decideField answers only for classified keys (it throws for others): the domain is known.
        const fieldDomain = d.domain as Domain;
        const type = d.field.split('.')[0];
        const domain = policy.types.get(type)?.rowDomain ?? fieldDomain;
        rows.push({
          subject: subject.username,
          department: subject.anonymous ? null : subject.department,
          clearance: subject.clearance,
          districtScope: [...subject.districtScope],
          field,
          purpose,
          scope: rowScope(policy, subject, domain, { now }),
          expected: d.effect,
          ...(d.mask ? { mask: d.mask } : {}),
          ...(d.maskN !== undefined ? { maskN: d.maskN } : {}),
          policy: d.policy,
          requiredLevel: d.requiredLevel,
          domain: fieldDomain,
          needsPurpose: d.needsPurpose === true,
        });
      }
    }
  }
  return rows;
}

/** A subject of a department, as api/auth.ts would build it from a token. */
export function departmentSubject(policy: Policy, department: string, overrides: Partial<Subject> = {}): Subject {
  const info = policy.departments.get(department);
  return {
    id: `demo-${department.toLowerCase()}`,
    username: `demo-${department.toLowerCase()}`,
    department,
    departmentName: info?.name ?? null,
    clearance: 'L4',
    districtScope: [],
    roles: [],
    serviceAccount: false,
    anonymous: false,
    ...overrides,
  };
}

/**
 * The demo subjects: anonymous, one officer per department with clearance L4 (so that the
 * grants decide), and three variants that exercise clearance capping and district narrowing.
 */
export function demoSubjects(policy: Policy): Subject[] {
  return [
    ANONYMOUS,
    ...[...policy.departments.keys()].map((code) => departmentSubject(policy, code)),
    departmentSubject(policy, 'SZ-GAJ', { id: 'demo-sz-gaj-auxiliary', username: 'demo-sz-gaj-auxiliary', clearance: 'L2' }),
    departmentSubject(policy, 'SZ-ZSJ', { id: 'demo-sz-zsj-nanshan', username: 'demo-sz-zsj-nanshan', clearance: 'L3', districtScope: ['440305'] }),
    departmentSubject(policy, 'FT-GOV', { id: 'demo-ft-gov-shatou', username: 'demo-ft-gov-shatou', clearance: 'L3', districtScope: ['440304005'] }),
  ].filter((s) => s.anonymous || policy.departments.has(s.department!));
}

/** One department's effective access per domain, in words (docs/permissions.md's table). */
export interface AccessSummaryRow {
  department: string;
  name: string;
  domain: Domain;
  access: string;
}

export function accessSummary(policy: Policy, now: Date): AccessSummaryRow[] {
  const rows: AccessSummaryRow[] = [];
  for (const [code, info] of policy.departments) {
    for (const domain of DOMAINS) {
      const grants = (policy.grantsByDepartment.get(code) ?? []).filter((g) => g.domain === domain);
      if (!grants.length) continue;
      const parts = grants.map((g) => {
        const expired = Date.parse(g.expiresAt) <= now.getTime();
        const masks = Object.entries(g.masks).map(([k, m]) => `${k} ${m.kind}`);
        return (
          `${expired ? '~~' : ''}${g.maxLevel} ${describeScope(fromGrantScope(g.scope))}` +
          (g.purposes.length ? ` [${g.purposes.join(', ')}]` : '') +
          (masks.length ? `, masks ${masks.join(', ')}` : '') +
          `${expired ? `~~ (expired ${g.expiresAt.slice(0, 10)})` : ''} \`${g.id}\``
        );
      });
      rows.push({ department: code, name: info.name, domain, access: parts.join('; ') });
    }
  }
  return rows;
}

/** accessSummary as a Markdown table (department, domain, access). */
export function accessSummaryMarkdown(policy: Policy, now: Date): string {
  const lines = ['| Department | Domain | Grants (level, scope, [purposes for L3+], masks) |', '|---|---|---|'];
  for (const r of accessSummary(policy, now)) {
    lines.push(`| ${r.department} ${r.name} | ${policy.domains.get(r.domain)?.label ?? r.domain} ${r.domain} | ${r.access} |`);
  }
  return lines.join('\n');
}

/** A compact decision table: rows = subjects, columns = fields (A = allow, M:<mask>, D = deny). */
export function decisionTableMarkdown(
  policy: Policy,
  subjects: readonly Subject[],
  fields: readonly string[],
  purposeOf: (subject: Subject) => string | null,
  now: Date,
): string {
  const head = `| Subject (purpose) | ${fields.join(' | ')} |`;
  const sep = `|---|${fields.map(() => '---').join('|')}|`;
  const body = subjects.map((s) => {
    const purpose = purposeOf(s);
    const cells = fields.map((f) => {
      const d = decideField(policy, s, f, { purpose, now });
      return d.effect === 'ALLOW' ? 'A' : d.effect === 'MASK' ? `M:${d.mask}` : 'D';
    });
    return `| ${s.username}${s.clearance !== 'L4' && !s.anonymous ? ` (clearance ${s.clearance})` : ''}${
      s.districtScope.length ? ` [${s.districtScope.join(',')}]` : ''
    } (${purpose ?? '-'}) | ${cells.join(' | ')} |`;
  });
  return [head, sep, ...body].join('\n');
}
