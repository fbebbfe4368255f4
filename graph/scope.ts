/**
 * Row scope pushed into Cypher: which Person, Enterprise and CityObject rows a request may see.
 * The policy engine decides the scope per row domain; this module only turns it into a
 * parameter and a predicate, so that pages and counts are computed over visible rows only.
 */
export type RowScope =
  | { kind: 'ALL' }
  | { kind: 'REGIONS'; districtCodes: readonly string[]; streetCodes: readonly string[] }
  | { kind: 'NONE' };

export interface GraphScope {
  person: RowScope;
  enterprise: RowScope;
  object: RowScope;
  /** IoT devices, on top of `object`: they are IoT data (policy/engine.ts kindRowScope). */
  device: RowScope;
}

export const UNRESTRICTED: GraphScope = Object.freeze({
  person: { kind: 'ALL' },
  enterprise: { kind: 'ALL' },
  object: { kind: 'ALL' },
  device: { kind: 'ALL' },
}) as GraphScope;

interface ScopeParam {
  all: boolean;
  districts: string[];
  streets: string[];
}

function param(scope: RowScope): ScopeParam {
  if (scope.kind === 'ALL') return { all: true, districts: [], streets: [] };
  if (scope.kind === 'NONE') return { all: false, districts: [], streets: [] };
  return { all: false, districts: [...scope.districtCodes], streets: [...scope.streetCodes] };
}

/** The `$scope` parameter for {@link visible}. */
export function scopeParam(scope: GraphScope = UNRESTRICTED): Record<string, ScopeParam> {
  return { person: param(scope.person), enterprise: param(scope.enterprise), object: param(scope.object), device: param(scope.device) };
}

/** The label of each row domain and its key in `$scope`. */
const DOMAIN_OF_LABEL = { Person: 'person', Enterprise: 'enterprise', CityObject: 'object' } as const;
export type RowLabel = keyof typeof DOMAIN_OF_LABEL;

/**
 * A Cypher predicate: true when node `v` is visible under `scope` (passed as `$scope`, see
 * {@link scopeParam}). Rows without a district (the city itself) are visible only to an
 * unrestricted scope of their domain. A domain the caller sees whole or not at all needs no
 * parameter test, so the predicate folds to `true` / `false` there; when the pattern already fixes
 * `v`'s label, pass it and only that domain is tested (shorter statements travel in fewer Bolt
 * chunks). The scope is required: the predicate is built for it, and the statement must also
 * pass `scopeParam(scope)` as `$scope`.
 */
export function visible(v: string, scope: GraphScope, label?: RowLabel): string {
  const regions = (domain: 'person' | 'enterprise' | 'object' | 'device') =>
    `${v}.districtCode IN $scope.${domain}.districts OR ${v}.streetCode IN $scope.${domain}.streets`;
  const within = (domain: 'person' | 'enterprise' | 'object') => {
    const kind = scope[domain].kind;
    const rows = kind === 'ALL' ? 'true' : kind === 'NONE' ? 'false' : `(${regions(domain)})`;
    if (domain !== 'object' || rows === 'false' || scope.device.kind === 'ALL') return rows;
    // A device row also needs the device scope.
    const notDevice = `coalesce(${v}.objectKind, '') <> 'DEVICE'`;
    const devices = scope.device.kind === 'NONE' ? notDevice : `(${notDevice} OR ${regions('device')})`;
    return rows === 'true' ? devices : `${rows} AND ${devices}`;
  };
  if (label) return within(DOMAIN_OF_LABEL[label]);
  const parts = (Object.keys(DOMAIN_OF_LABEL) as RowLabel[])
    .map((l) => ({ l, p: within(DOMAIN_OF_LABEL[l]) }))
    .filter(({ p }) => p !== 'false');
  if (parts.length === 3 && parts.every(({ p }) => p === 'true')) return 'true';
  if (parts.length === 0) return 'false';
  return `(${parts.map(({ l, p }) => (p === 'true' ? `${v}:${l}` : `(${v}:${l} AND ${p})`)).join(' OR ')})`;
}

/** A stable key of a scope, for caching per-request loaders. */
export function scopeKey(scope: GraphScope): string {
  return JSON.stringify(scopeParam(scope));
}
