import { createHash } from 'node:crypto';
import { LEVELS, levelRank, type Level } from '../core/subject';
import { isMaskKind, MASK_KINDS } from './masks';
import {
  DOMAINS,
  isDomain,
  type CatalogueEntry,
  type CatalogueFile,
  type DepartmentInfo,
  type Domain,
  type DomainInfo,
  type FieldSpec,
  type Grant,
  type GrantScope,
  type GrantsFile,
  type LevelInfo,
  type MaskSpec,
  type NormalisedPolicyFiles,
  type Policy,
  type PolicyFiles,
  type PublicAccess,
  type PurposeInfo,
  type PurposesFile,
  type TypeInfo,
} from './model';
import { DISTRICT_AREAS, districtOfStreet, isDistrictArea, isShenzhenGridCode, isShenzhenStreetCode, streetOfGrid } from './scope';

/**
 * Loads and validates the policy files (catalogue.json, grants.json, purposes.json). Strict: an
 * unknown property, a wrong type, a dangling reference or a rule the engine relies on that does
 * not hold is a problem; every problem is reported with its file and JSON path, all at once.
 * Pure: the files come in as parsed JSON (policy/store.ts reads them from disk).
 */

export const VERSION_PATTERN = /^v[1-9][0-9]*(?:\.[1-9][0-9]*)?$/;
export const GRANT_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const DEPARTMENT_PATTERN = /^[A-Z]{2,}(?:-[A-Z0-9]+)+$/;
const PURPOSE_PATTERN = /^[A-Z][A-Z0-9_]*$/;
const TYPE_PATTERN = /^[A-Z][A-Za-z0-9]*$/;
const FIELD_KEY_PATTERN = /^([A-Z][A-Za-z0-9]*)\.([a-z][A-Za-z0-9]*)$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const GBT_LEVELS = ['一般数据', '重要数据', '核心数据'] as const;
const MAX_SHOW_FIRST_N = 64;

/** Invalid policy: `problems` lists every problem as `<file> <path>: <what is wrong>`. */
export class PolicyError extends Error {
  readonly problems: string[];

  constructor(problems: string[], what = 'policy files') {
    super(`invalid ${what} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`);
    this.name = 'PolicyError';
    this.problems = problems;
  }
}

export interface LoadOptions {
  /** Known 9-digit street codes (seed/data/shenzhen-regions.json); when given, STREETS scopes must use them. */
  knownStreetCodes?: ReadonlySet<string>;
}

type Json = Record<string, unknown>;

class Problems {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
}

const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(p: Problems, path: string, value: unknown): Json | null {
  if (isObject(value)) return value;
  p.add(path, `must be an object, got ${show(value)}`);
  return null;
}

function onlyKeys(p: Problems, path: string, o: Json, allowed: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) p.add(path, `unknown property "${key}" (allowed: ${allowed.join(', ')})`);
  }
}

function text(p: Problems, path: string, value: unknown, optional = false): string | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  p.add(path, `must be a non-empty string, got ${show(value)}`);
  return undefined;
}

function level(p: Problems, path: string, value: unknown): Level | undefined {
  if (typeof value === 'string' && (LEVELS as readonly string[]).includes(value)) return value as Level;
  p.add(path, `must be one of ${LEVELS.join(', ')}, got ${show(value)}`);
  return undefined;
}

function domain(p: Problems, path: string, value: unknown): Domain | undefined {
  if (isDomain(value)) return value;
  p.add(path, `must be one of ${DOMAINS.join(', ')}, got ${show(value)}`);
  return undefined;
}

function isValidDate(value: string): boolean {
  const m = DATE_PATTERN.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function isoDate(p: Problems, path: string, value: unknown): string | undefined {
  if (typeof value === 'string' && isValidDate(value)) return value;
  p.add(path, `must be a date YYYY-MM-DD, got ${show(value)}`);
  return undefined;
}

function instant(p: Problems, path: string, value: unknown): string | undefined {
  if (typeof value === 'string' && INSTANT_PATTERN.test(value) && Number.isFinite(Date.parse(value))) return value;
  p.add(path, `must be an ISO 8601 instant with offset, e.g. "2027-12-31T23:59:59+08:00", got ${show(value)}`);
  return undefined;
}

/** A mask in the files: "NAME" or { "kind": "SHOW_FIRST_N", "n": 19 }. */
function mask(p: Problems, path: string, value: unknown): MaskSpec | undefined {
  const raw = typeof value === 'string' ? { kind: value } : value;
  if (!isObject(raw)) {
    p.add(path, `must be a mask kind (${MASK_KINDS.join(', ')}) or { "kind": "SHOW_FIRST_N", "n": <count> }, got ${show(value)}`);
    return undefined;
  }
  onlyKeys(p, path, raw, ['kind', 'n']);
  if (!isMaskKind(raw.kind)) {
    p.add(`${path}.kind`, `must be one of ${MASK_KINDS.join(', ')}, got ${show(raw.kind)}`);
    return undefined;
  }
  if (raw.kind === 'SHOW_FIRST_N') {
    if (typeof raw.n !== 'number' || !Number.isInteger(raw.n) || raw.n < 1 || raw.n > MAX_SHOW_FIRST_N) {
      p.add(`${path}.n`, `SHOW_FIRST_N needs n, an integer 1..${MAX_SHOW_FIRST_N}, got ${show(raw.n)}`);
      return undefined;
    }
    return { kind: raw.kind, n: raw.n };
  }
  if (raw.n !== undefined) p.add(`${path}.n`, `only SHOW_FIRST_N takes n (this mask is ${raw.kind})`);
  return { kind: raw.kind };
}

function header(p: Problems, file: string, o: Json): { version?: string; effectiveFrom?: string } {
  let version: string | undefined;
  if (typeof o.version === 'string' && VERSION_PATTERN.test(o.version)) version = o.version;
  else p.add(`${file} version`, `must be a version id like "v1" (files) or "v1.3" (governance changes), got ${show(o.version)}`);
  const effectiveFrom = isoDate(p, `${file} effectiveFrom`, o.effectiveFrom);
  return { version, effectiveFrom };
}

// ---------------------------------------------------------------------------------------------
// catalogue.json
// ---------------------------------------------------------------------------------------------

function loadCatalogue(p: Problems, raw: unknown): CatalogueFile | null {
  const F = 'catalogue.json';
  const o = object(p, F, raw);
  if (!o) return null;
  onlyKeys(p, F, o, ['version', 'effectiveFrom', 'description', 'standard', 'levels', 'domains', 'types', 'fields', 'identifierSchemes']);
  const { version, effectiveFrom } = header(p, F, o);
  const standard = text(p, `${F} standard`, o.standard, true);

  const levels = {} as Record<Level, LevelInfo>;
  const levelsRaw = object(p, `${F} levels`, o.levels);
  if (levelsRaw) {
    onlyKeys(p, `${F} levels`, levelsRaw, LEVELS);
    let previousGbt = 0;
    for (const l of LEVELS) {
      const path = `${F} levels.${l}`;
      const info = levelsRaw[l] === undefined ? (p.add(path, 'is missing (every level L1..L4 needs a label)'), null) : object(p, path, levelsRaw[l]);
      if (!info) continue;
      onlyKeys(p, path, info, ['label', 'gbt43697', 'description']);
      const label = text(p, `${path}.label`, info.label);
      const gbtIndex = GBT_LEVELS.indexOf(info.gbt43697 as (typeof GBT_LEVELS)[number]);
      if (gbtIndex < 0) p.add(`${path}.gbt43697`, `must be one of ${GBT_LEVELS.join(', ')}, got ${show(info.gbt43697)}`);
      else if (gbtIndex < previousGbt) p.add(`${path}.gbt43697`, `a higher level cannot map to a lower GB/T 43697 level than ${GBT_LEVELS[previousGbt]}`);
      else previousGbt = gbtIndex;
      const description = text(p, `${path}.description`, info.description, true);
      if (label && gbtIndex >= 0) levels[l] = { label, gbt43697: GBT_LEVELS[gbtIndex], ...(description ? { description } : {}) };
    }
  }

  const domains = {} as Record<Domain, DomainInfo>;
  const domainsRaw = object(p, `${F} domains`, o.domains);
  if (domainsRaw) {
    // A version lists the domains it knows (the city model's, domain/model.ts, or some of them:
    // older versions predate domains added since); each needs a Chinese label.
    onlyKeys(p, `${F} domains`, domainsRaw, DOMAINS);
    if (Object.keys(domainsRaw).length === 0) p.add(`${F} domains`, 'lists no domain');
    for (const d of DOMAINS) {
      if (domainsRaw[d] === undefined) continue;
      const path = `${F} domains.${d}`;
      const info = object(p, path, domainsRaw[d]);
      if (!info) continue;
      onlyKeys(p, path, info, ['label', 'description']);
      const label = text(p, `${path}.label`, info.label);
      const description = text(p, `${path}.description`, info.description, true);
      if (label) domains[d] = { label, ...(description ? { description } : {}) };
    }
  }

  const types: Record<string, TypeInfo> = {};
  const typesRaw = object(p, `${F} types`, o.types);
  if (typesRaw) {
    for (const [name, value] of Object.entries(typesRaw)) {
      const path = `${F} types.${name}`;
      if (!TYPE_PATTERN.test(name)) p.add(path, 'a type name is a GraphQL type name (PascalCase)');
      const info = object(p, path, value);
      if (!info) continue;
      onlyKeys(p, path, info, ['label', 'rowDomain', 'implementations']);
      const label = text(p, `${path}.label`, info.label);
      const isInterface = info.implementations !== undefined;
      if (isInterface === (info.rowDomain !== undefined)) {
        p.add(path, 'needs exactly one of rowDomain (an object type) or implementations (an interface)');
      }
      const t: TypeInfo = { label: label ?? name };
      if (info.rowDomain !== undefined) {
        const d = domain(p, `${path}.rowDomain`, info.rowDomain);
        if (d) t.rowDomain = d;
      }
      if (isInterface) {
        if (!Array.isArray(info.implementations) || info.implementations.length === 0) {
          p.add(`${path}.implementations`, `must be a non-empty list of object types, got ${show(info.implementations)}`);
        } else {
          t.implementations = info.implementations.map(String);
        }
      }
      types[name] = t;
    }
    for (const [name, t] of Object.entries(types)) {
      for (const [i, impl] of (t.implementations ?? []).entries()) {
        if (!types[impl] || types[impl].rowDomain === undefined) {
          p.add(`${F} types.${name}.implementations[${i}]`, `"${impl}" is not an object type of the catalogue`);
        }
      }
    }
  }

  const fields: Record<string, FieldSpec> = {};
  const fieldsRaw = object(p, `${F} fields`, o.fields);
  if (fieldsRaw) {
    for (const [key, value] of Object.entries(fieldsRaw)) {
      const path = `${F} fields["${key}"]`;
      const m = FIELD_KEY_PATTERN.exec(key);
      if (!m) {
        p.add(path, 'a field key is "Type.field", e.g. "Person.phone"');
        continue;
      }
      if (typesRaw && !types[m[1]]) p.add(path, `type ${m[1]} is not declared in types`);
      const spec = object(p, path, value);
      if (!spec) continue;
      onlyKeys(p, path, spec, ['domain', 'level', 'mask', 'relation', 'inverseOf', 'pending', 'label']);
      const d = domain(p, `${path}.domain`, spec.domain);
      const l = level(p, `${path}.level`, spec.level);
      const out: Partial<FieldSpec> = {};
      if (spec.relation !== undefined && typeof spec.relation !== 'boolean') p.add(`${path}.relation`, `must be true or false, got ${show(spec.relation)}`);
      if (spec.pending !== undefined && typeof spec.pending !== 'boolean') p.add(`${path}.pending`, `must be true or false, got ${show(spec.pending)}`);
      if (spec.mask !== undefined) {
        const ms = mask(p, `${path}.mask`, spec.mask);
        if (ms && spec.relation === true) p.add(`${path}.mask`, 'a relation cannot be masked (it is allowed or denied as a whole)');
        else if (ms && l === 'L1') p.add(`${path}.mask`, 'an L1 field has no level below it, so a default mask would never be used');
        else if (ms) out.mask = ms;
      }
      if (spec.inverseOf !== undefined) {
        if (!Array.isArray(spec.inverseOf) || spec.inverseOf.length === 0 || spec.inverseOf.some((k) => typeof k !== 'string')) {
          p.add(`${path}.inverseOf`, `must be a non-empty list of field keys, got ${show(spec.inverseOf)}`);
        } else out.inverseOf = [...spec.inverseOf] as string[];
      }
      const label = text(p, `${path}.label`, spec.label, true);
      if (d && l) {
        fields[key] = {
          domain: d,
          level: l,
          ...(out.mask ? { mask: out.mask } : {}),
          ...(spec.relation === true ? { relation: true } : {}),
          ...(out.inverseOf ? { inverseOf: out.inverseOf } : {}),
          ...(spec.pending === true ? { pending: true } : {}),
          ...(label ? { label } : {}),
        };
      }
    }
    checkInverses(p, F, fields);
    checkInterfaces(p, F, types, fields);
    if (domainsRaw) checkDomainsListed(p, F, domainsRaw, types, fields);
  }

  const identifierSchemes: Record<string, string> = {};
  const schemesRaw = object(p, `${F} identifierSchemes`, o.identifierSchemes);
  if (schemesRaw) {
    for (const [scheme, key] of Object.entries(schemesRaw)) {
      const path = `${F} identifierSchemes.${scheme}`;
      if (!PURPOSE_PATTERN.test(scheme)) p.add(path, 'a scheme is an IdentifierScheme enum value, e.g. CITIZEN_ID');
      if (typeof key !== 'string' || (fieldsRaw && !fields[key])) p.add(path, `must name a field of the catalogue, got ${show(key)}`);
      else identifierSchemes[scheme] = key;
    }
  }

  if (!version || !effectiveFrom) return null;
  return { version, effectiveFrom, ...(standard ? { standard } : {}), levels, domains, types, fields, identifierSchemes };
}

/** Every domain a field or type of the catalogue uses is one the catalogue lists (with its label). */
function checkDomainsListed(p: Problems, F: string, listed: Record<string, unknown>, types: Record<string, TypeInfo>, fields: Record<string, FieldSpec>): void {
  const used: [string, Domain][] = [
    ...Object.entries(types).flatMap(([name, t]) => (t.rowDomain ? [[`types.${name}.rowDomain`, t.rowDomain] as [string, Domain]] : [])),
    ...Object.entries(fields).map(([key, spec]) => [`fields["${key}"].domain`, spec.domain] as [string, Domain]),
  ];
  for (const [path, d] of used) {
    if (listed[d] === undefined) p.add(`${F} ${path}`, `domain ${d} is not listed in domains (give it a Chinese label there)`);
  }
}

function checkInverses(p: Problems, F: string, fields: Record<string, FieldSpec>): void {
  for (const [key, spec] of Object.entries(fields)) {
    for (const other of spec.inverseOf ?? []) {
      const path = `${F} fields["${key}"].inverseOf`;
      const o = fields[other];
      if (!o) {
        p.add(path, `"${other}" is not a field of the catalogue`);
        continue;
      }
      if (!spec.relation || !o.relation) p.add(path, `"${key}" and "${other}" must both be relations`);
      if (o.domain !== spec.domain || o.level !== spec.level) {
        p.add(
          path,
          `"${other}" walks the same edge the other way, so it needs the same domain and level ` +
            `(${spec.domain} ${spec.level} here, ${o.domain} ${o.level} there); otherwise one direction leaks what the other hides`,
        );
      }
      if (!(o.inverseOf ?? []).includes(key)) p.add(path, `"${other}" must list "${key}" in its inverseOf too`);
    }
  }
}

/**
 * An interface field (Entity.name) is classified as its strictest implementation: the highest
 * level, with that implementation's domain and mask. Every implementation must classify it.
 */
function checkInterfaces(p: Problems, F: string, types: Record<string, TypeInfo>, fields: Record<string, FieldSpec>): void {
  for (const [name, t] of Object.entries(types)) {
    if (!t.implementations) continue;
    for (const [key, spec] of Object.entries(fields)) {
      if (!key.startsWith(`${name}.`)) continue;
      const field = key.slice(name.length + 1);
      const path = `${F} fields["${key}"]`;
      const impls = t.implementations.map((impl) => ({ impl, spec: fields[`${impl}.${field}`] }));
      const missing = impls.filter((i) => !i.spec).map((i) => `${i.impl}.${field}`);
      if (missing.length) {
        p.add(path, `every implementation must classify the field too; missing ${missing.join(', ')}`);
        continue;
      }
      const top = Math.max(...impls.map((i) => levelRank(i.spec!.level)));
      const strictest = impls.filter((i) => levelRank(i.spec!.level) === top);
      const matches = strictest.some(
        (i) => i.spec!.domain === spec.domain && i.spec!.level === spec.level && sameMask(i.spec!.mask, spec.mask),
      );
      if (!matches) {
        const want = strictest.map((i) => `${i.impl}.${field} (${i.spec!.domain} ${i.spec!.level}${i.spec!.mask ? ` mask ${i.spec!.mask.kind}` : ''})`);
        p.add(path, `an interface field is classified as its strictest implementation: ${want.join(' or ')}`);
      }
    }
  }
}

function sameMask(a: MaskSpec | undefined, b: MaskSpec | undefined): boolean {
  return a?.kind === b?.kind && a?.n === b?.n;
}

// ---------------------------------------------------------------------------------------------
// purposes.json
// ---------------------------------------------------------------------------------------------

function loadPurposes(p: Problems, raw: unknown): PurposesFile | null {
  const F = 'purposes.json';
  const o = object(p, F, raw);
  if (!o) return null;
  onlyKeys(p, F, o, ['version', 'effectiveFrom', 'description', 'purposes']);
  const { version, effectiveFrom } = header(p, F, o);
  const purposes: Record<string, PurposeInfo> = {};
  const list = object(p, `${F} purposes`, o.purposes);
  if (list) {
    if (Object.keys(list).length === 0) p.add(`${F} purposes`, 'must declare at least one purpose');
    for (const [code, value] of Object.entries(list)) {
      const path = `${F} purposes.${code}`;
      if (!PURPOSE_PATTERN.test(code)) p.add(path, 'a purpose code is UPPER_SNAKE_CASE, e.g. PUBLIC_SECURITY');
      const info = object(p, path, value);
      if (!info) continue;
      onlyKeys(p, path, info, ['label', 'description']);
      const label = text(p, `${path}.label`, info.label);
      const description = text(p, `${path}.description`, info.description, true);
      if (label) purposes[code] = { label, ...(description ? { description } : {}) };
    }
  }
  if (!version || !effectiveFrom) return null;
  return { version, effectiveFrom, purposes };
}

// ---------------------------------------------------------------------------------------------
// grants.json
// ---------------------------------------------------------------------------------------------

/** What a grant is checked against. */
export interface GrantContext {
  fields: Readonly<Record<string, FieldSpec>>;
  types: Readonly<Record<string, TypeInfo>>;
  departments: ReadonlyMap<string, DepartmentInfo>;
  purposes: Readonly<Record<string, PurposeInfo>>;
  publicLevel: Level;
  knownStreetCodes?: ReadonlySet<string>;
  /** The domains the catalogue lists (a grant must be on one of them). */
  domains?: ReadonlySet<string>;
}

function scope(p: Problems, path: string, value: unknown, ctx: Pick<GrantContext, 'knownStreetCodes'>): GrantScope | undefined {
  const o = object(p, path, value);
  if (!o) return undefined;
  if (o.kind === 'CITY') {
    onlyKeys(p, path, o, ['kind']);
    return { kind: 'CITY' };
  }
  if (o.kind !== 'DISTRICTS' && o.kind !== 'STREETS' && o.kind !== 'GRIDS') {
    p.add(`${path}.kind`, `must be CITY, DISTRICTS, STREETS or GRIDS, got ${show(o.kind)}`);
    return undefined;
  }
  onlyKeys(p, path, o, ['kind', 'codes']);
  if (!Array.isArray(o.codes) || o.codes.length === 0) {
    p.add(`${path}.codes`, `a ${o.kind} scope lists at least one code, got ${show(o.codes)}`);
    return undefined;
  }
  let ok = true;
  const seen = new Set<string>();
  o.codes.forEach((code, i) => {
    const at = `${path}.codes[${i}]`;
    if (typeof code !== 'string') {
      p.add(at, `must be a string, got ${show(code)}`);
      ok = false;
    } else if (seen.has(code)) {
      p.add(at, `${code} is listed twice`);
      ok = false;
    } else if (o.kind === 'DISTRICTS' && !isDistrictArea(code)) {
      p.add(at, `${show(code)} is not a district-level area code; use one of ${[...DISTRICT_AREAS].map(([c, n]) => `${c} ${n}`).join(', ')}`);
      ok = false;
    } else if (o.kind === 'STREETS' && !isShenzhenStreetCode(code)) {
      p.add(at, `${show(code)} is not a 9-digit street code of Shenzhen (e.g. 440304001 南园街道; 大鹏新区 streets 440307009-011)`);
      ok = false;
    } else if (o.kind === 'STREETS' && ctx.knownStreetCodes && !ctx.knownStreetCodes.has(code)) {
      p.add(at, `street ${code} does not exist in seed/data/shenzhen-regions.json`);
      ok = false;
    } else if (o.kind === 'GRIDS' && !isShenzhenGridCode(code)) {
      p.add(at, `${show(code)} is not a 14-digit grid code of Shenzhen (community 12 digits + grid 2, e.g. 44030400100101)`);
      ok = false;
    } else if (o.kind === 'GRIDS' && ctx.knownStreetCodes && !ctx.knownStreetCodes.has(streetOfGrid(code))) {
      p.add(at, `grid ${code} lies in street ${streetOfGrid(code)}, which does not exist in seed/data/shenzhen-regions.json`);
      ok = false;
    }
    if (typeof code === 'string') seen.add(code);
  });
  return ok ? { kind: o.kind, codes: [...(o.codes as string[])] } : undefined;
}

/**
 * Validates one grant (grants.json entry or governance-mutation input) and returns its normal
 * form, or undefined with the problems added under `path`.
 */
function grant(p: Problems, path: string, raw: unknown, ctx: GrantContext): Grant | undefined {
  const o = object(p, path, raw);
  if (!o) return undefined;
  const before = p.list.length;
  onlyKeys(p, path, o, ['id', 'department', 'domain', 'maxLevel', 'scope', 'purposes', 'masks', 'fields', 'expiresAt', 'description']);
  let id: string | undefined;
  if (typeof o.id === 'string' && GRANT_ID_PATTERN.test(o.id) && o.id.length >= 3 && o.id.length <= 64) id = o.id;
  else p.add(`${path}.id`, `must be 3-64 characters of a-z, 0-9 and inner hyphens, e.g. "ft-population", got ${show(o.id)}`);

  let department: DepartmentInfo | undefined;
  if (typeof o.department === 'string' && ctx.departments.has(o.department)) department = ctx.departments.get(o.department);
  else p.add(`${path}.department`, `must be a department declared in grants.json departments (${[...ctx.departments.keys()].join(', ')}), got ${show(o.department)}`);

  const d = domain(p, `${path}.domain`, o.domain);
  if (d && ctx.domains && !ctx.domains.has(d)) p.add(`${path}.domain`, `domain ${d} is not one of this version's catalogue (${[...ctx.domains].join(', ')})`);
  const maxLevel = level(p, `${path}.maxLevel`, o.maxLevel);
  if (maxLevel && levelRank(maxLevel) <= levelRank(ctx.publicLevel)) {
    p.add(`${path}.maxLevel`, `${maxLevel} adds nothing to public access (everyone reads ${ctx.publicLevel}); a grant starts at the level above`);
  }
  const s = scope(p, `${path}.scope`, o.scope, ctx);
  if (s && department?.layer === 'DISTRICT') {
    const own = department.districtCode!;
    const outside =
      s.kind === 'CITY' ? ['the whole city'] : s.kind === 'DISTRICTS' ? s.codes.filter((c) => c !== own) : s.codes.filter((c) => districtOfStreet(c) !== own);
    if (outside.length) {
      p.add(`${path}.scope`, `${department.code} is a district government: its grants stay inside district ${own}; outside it: ${outside.join(', ')}`);
    }
  }

  const purposes: string[] = [];
  if (!Array.isArray(o.purposes)) p.add(`${path}.purposes`, `must be a list of purpose codes (may be empty below L3), got ${show(o.purposes)}`);
  else {
    o.purposes.forEach((code, i) => {
      if (typeof code !== 'string' || !ctx.purposes[code]) {
        p.add(`${path}.purposes[${i}]`, `must be a purpose of purposes.json (${Object.keys(ctx.purposes).join(', ')}), got ${show(code)}`);
      } else if (purposes.includes(code)) p.add(`${path}.purposes[${i}]`, `${code} is listed twice`);
      else purposes.push(code);
    });
    if (maxLevel && levelRank(maxLevel) >= 3 && o.purposes.length === 0) {
      p.add(`${path}.purposes`, `an ${maxLevel} grant needs at least one purpose: L3 and above are read only for a declared purpose the grant lists`);
    }
  }

  const masks: Record<string, MaskSpec> = {};
  const masksRaw = o.masks === undefined ? {} : object(p, `${path}.masks`, o.masks);
  for (const [key, value] of Object.entries(masksRaw ?? {})) {
    const at = `${path}.masks["${key}"]`;
    const spec = ctx.fields[key];
    const typeName = key.split('.')[0];
    if (!spec) {
      p.add(at, `${key} is not a field of catalogue.json`);
      continue;
    }
    if (ctx.types[typeName]?.implementations) {
      p.add(at, `mask the implementing types' fields (e.g. ${ctx.types[typeName].implementations![0]}.${key.split('.')[1]}), not the interface's`);
      continue;
    }
    if (spec.relation) p.add(at, `${key} is a relation; relations are allowed or denied, never masked`);
    else if (d && spec.domain !== d) p.add(at, `${key} belongs to domain ${spec.domain}; this grant is for ${d}`);
    else if (levelRank(spec.level) <= levelRank(ctx.publicLevel)) {
      p.add(at, `${key} is ${spec.level}, public to everyone; masking it here would hide nothing`);
    } else if (maxLevel && levelRank(spec.level) > levelRank(maxLevel) + 1) {
      p.add(at, `${key} is ${spec.level}, two or more levels above this ${maxLevel} grant, so it is denied anyway`);
    }
    const m = mask(p, at, value);
    if (m) masks[key] = m;
  }

  let fields: string[] | undefined;
  if (o.fields !== undefined) {
    if (!Array.isArray(o.fields) || o.fields.length === 0) p.add(`${path}.fields`, `must be a non-empty list of catalogue fields of the grant's domain, got ${show(o.fields)}`);
    else {
      fields = [];
      o.fields.forEach((key, i) => {
        const at = `${path}.fields[${i}]`;
        const spec = typeof key === 'string' ? ctx.fields[key] : undefined;
        if (!spec) p.add(at, `${show(key)} is not a field of catalogue.json`);
        else if (ctx.types[String(key).split('.')[0]]?.implementations) p.add(at, `name the implementing types' fields, not the interface's ${String(key)}`);
        else if (d && spec.domain !== d) p.add(at, `${String(key)} belongs to domain ${spec.domain}; this grant is for ${d}`);
        else if (fields!.includes(key as string)) p.add(at, `${String(key)} is listed twice`);
        else fields!.push(key as string);
      });
      fields.sort();
    }
  }

  const expiresAt = instant(p, `${path}.expiresAt`, o.expiresAt);
  const description = text(p, `${path}.description`, o.description, true);
  if (p.list.length > before || !id || !department || !d || !maxLevel || !s || !expiresAt) return undefined;
  return {
    id,
    department: department.code,
    domain: d,
    maxLevel,
    scope: s,
    purposes,
    masks,
    ...(fields ? { fields } : {}),
    expiresAt,
    ...(description ? { description } : {}),
  };
}

function loadGrants(
  p: Problems,
  raw: unknown,
  catalogue: CatalogueFile | null,
  purposes: PurposesFile | null,
  options: LoadOptions,
): GrantsFile | null {
  const F = 'grants.json';
  const o = object(p, F, raw);
  if (!o) return null;
  onlyKeys(p, F, o, ['version', 'effectiveFrom', 'description', 'public', 'departments', 'grants']);
  const { version, effectiveFrom } = header(p, F, o);

  let publicAccess: PublicAccess | undefined;
  const pub = object(p, `${F} public`, o.public);
  if (pub) {
    onlyKeys(p, `${F} public`, pub, ['maxLevel', 'scope', 'description']);
    const l = level(p, `${F} public.maxLevel`, pub.maxLevel);
    if (l && l !== 'L1') p.add(`${F} public.maxLevel`, `public access is L1 (公开) by definition, got ${l}`);
    const s = scope(p, `${F} public.scope`, pub.scope, options);
    const description = text(p, `${F} public.description`, pub.description, true);
    if (l === 'L1' && s) publicAccess = { maxLevel: l, scope: s, ...(description ? { description } : {}) };
  }

  const departments: DepartmentInfo[] = [];
  const byCode = new Map<string, DepartmentInfo>();
  if (!Array.isArray(o.departments)) p.add(`${F} departments`, `must be a list of departments, got ${show(o.departments)}`);
  else {
    o.departments.forEach((value, i) => {
      const path = `${F} departments[${i}]`;
      const dep = object(p, path, value);
      if (!dep) return;
      onlyKeys(p, path, dep, ['code', 'name', 'layer', 'districtCode']);
      const before = p.list.length;
      if (typeof dep.code !== 'string' || !DEPARTMENT_PATTERN.test(dep.code)) p.add(`${path}.code`, `must be a department code like SZ-GAJ or FT-GOV, got ${show(dep.code)}`);
      else if (byCode.has(dep.code)) p.add(`${path}.code`, `${dep.code} is declared twice`);
      const name = text(p, `${path}.name`, dep.name);
      if (dep.layer !== 'CITY' && dep.layer !== 'DISTRICT') p.add(`${path}.layer`, `must be CITY or DISTRICT, got ${show(dep.layer)}`);
      if (dep.layer === 'DISTRICT' && (typeof dep.districtCode !== 'string' || !isDistrictArea(dep.districtCode))) {
        p.add(`${path}.districtCode`, `a DISTRICT department names its district-level area (e.g. 440304), got ${show(dep.districtCode)}`);
      }
      if (dep.layer === 'CITY' && dep.districtCode !== undefined) p.add(`${path}.districtCode`, 'only DISTRICT departments have a districtCode');
      if (p.list.length > before || !name) return;
      const info: DepartmentInfo = {
        code: dep.code as string,
        name,
        layer: dep.layer as 'CITY' | 'DISTRICT',
        ...(dep.layer === 'DISTRICT' ? { districtCode: dep.districtCode as string } : {}),
      };
      departments.push(info);
      byCode.set(info.code, info);
    });
  }

  const grants: Grant[] = [];
  if (!Array.isArray(o.grants)) p.add(`${F} grants`, `must be a list of grants, got ${show(o.grants)}`);
  else if (catalogue && purposes && publicAccess) {
    const ctx: GrantContext = {
      fields: catalogue.fields,
      types: catalogue.types,
      departments: byCode,
      purposes: purposes.purposes,
      publicLevel: publicAccess.maxLevel,
      knownStreetCodes: options.knownStreetCodes,
      domains: new Set(Object.keys(catalogue.domains)),
    };
    const ids = new Map<string, number>();
    o.grants.forEach((value, i) => {
      const id = isObject(value) && typeof value.id === 'string' ? ` (id "${value.id}")` : '';
      const g = grant(p, `${F} grants[${i}]${id}`, value, ctx);
      if (!g) return;
      if (ids.has(g.id)) p.add(`${F} grants[${i}]${id}.id`, `grant id ${g.id} is also used by grants[${ids.get(g.id)}]; ids are unique`);
      else {
        ids.set(g.id, i);
        grants.push(g);
      }
    });
  }
  if (!version || !effectiveFrom || !publicAccess) return null;
  return { version, effectiveFrom, public: publicAccess, departments, grants };
}

// ---------------------------------------------------------------------------------------------
// The policy
// ---------------------------------------------------------------------------------------------

/** JSON with object keys sorted at every depth: the form checksums are taken over. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function policyChecksum(files: NormalisedPolicyFiles): string {
  return createHash('sha256').update(canonicalJson(files), 'utf8').digest('hex');
}

/**
 * Validates the three policy files and builds the policy. Throws PolicyError listing every
 * problem. The files must agree on version and effective date.
 */
export function loadPolicy(files: PolicyFiles, options: LoadOptions = {}): Policy {
  const p = new Problems();
  if (!isObject(files)) throw new PolicyError(['policy files: expected { catalogue, grants, purposes }']);
  const catalogue = loadCatalogue(p, files.catalogue);
  const purposes = loadPurposes(p, files.purposes);
  const grants = loadGrants(p, files.grants, catalogue, purposes, options);
  // The three files form one version: compare the headers that are valid, whatever else failed.
  const headerOf = (f: unknown): { version?: string; effectiveFrom?: string } => {
    if (!isObject(f)) return {};
    return {
      version: typeof f.version === 'string' && VERSION_PATTERN.test(f.version) ? f.version : undefined,
      effectiveFrom: typeof f.effectiveFrom === 'string' && isValidDate(f.effectiveFrom) ? f.effectiveFrom : undefined,
    };
  };
  const main = headerOf(files.catalogue);
  for (const name of ['grants', 'purposes'] as const) {
    const h = headerOf(files[name]);
    if (main.version && h.version && h.version !== main.version) {
      p.add(`${name}.json version`, `${h.version} differs from catalogue.json's ${main.version}; the three files form one version`);
    }
    if (main.effectiveFrom && h.effectiveFrom && h.effectiveFrom !== main.effectiveFrom) {
      p.add(`${name}.json effectiveFrom`, `${h.effectiveFrom} differs from catalogue.json's ${main.effectiveFrom}`);
    }
  }
  if (p.list.length || !catalogue || !purposes || !grants) throw new PolicyError(p.list);
  return buildPolicy({ catalogue, grants, purposes });
}

function buildPolicy(files: NormalisedPolicyFiles): Policy {
  const fields = new Map<string, CatalogueEntry>();
  for (const [key, spec] of Object.entries(files.catalogue.fields)) {
    const [type, field] = key.split('.');
    fields.set(key, { key, type, field, ...spec });
  }
  const sorted = [...files.grants.grants].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byDepartment = new Map<string, Grant[]>();
  for (const g of sorted) {
    const list = byDepartment.get(g.department) ?? [];
    list.push(g);
    byDepartment.set(g.department, list);
  }
  return {
    version: files.catalogue.version,
    effectiveFrom: files.catalogue.effectiveFrom,
    checksum: policyChecksum(files),
    files: deepFreeze(structuredClone(files)),
    fields,
    types: new Map(Object.entries(files.catalogue.types)),
    domains: new Map(Object.entries(files.catalogue.domains) as [Domain, DomainInfo][]),
    purposes: new Map(Object.entries(files.purposes.purposes)),
    departments: new Map(files.grants.departments.map((d) => [d.code, d])),
    grants: sorted,
    grantsByDepartment: byDepartment,
    public: files.grants.public,
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The normalised files of a policy (a fresh, mutable copy): loadPolicy(policyToFiles(p)) ≡ p. */
export function policyToFiles(policy: Policy): NormalisedPolicyFiles {
  return structuredClone(policy.files) as NormalisedPolicyFiles;
}

/**
 * Validates one grant against a policy (for governance mutations): returns the normal form, or
 * throws PolicyError whose problems start with `path` (default "grant").
 */
export function validateGrant(policy: Policy, raw: unknown, options: LoadOptions = {}, path = 'grant'): Grant {
  const p = new Problems();
  const g = grant(p, path, raw, {
    fields: policy.files.catalogue.fields,
    types: policy.files.catalogue.types,
    departments: policy.departments,
    purposes: policy.files.purposes.purposes,
    publicLevel: policy.public.maxLevel,
    knownStreetCodes: options.knownStreetCodes,
    domains: new Set(policy.domains.keys()),
  });
  if (!g || p.list.length) throw new PolicyError(p.list, 'grant');
  return g;
}
