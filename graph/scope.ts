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
}

export const UNRESTRICTED: GraphScope = Object.freeze({
  person: { kind: 'ALL' },
  enterprise: { kind: 'ALL' },
  object: { kind: 'ALL' },
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
  return { person: param(scope.person), enterprise: param(scope.enterprise), object: param(scope.object) };
}

/**
 * A Cypher predicate: true when node `v` is visible under `$scope`. Rows without a district
 * (the city itself) are visible only to an unrestricted scope of their domain.
 */
export function visible(v: string): string {
  const within = (s: string) =>
    `($scope.${s}.all OR ${v}.districtCode IN $scope.${s}.districts OR ${v}.streetCode IN $scope.${s}.streets)`;
  return `((${v}:Person AND ${within('person')}) OR (${v}:Enterprise AND ${within('enterprise')}) OR (${v}:CityObject AND ${within('object')}))`;
}

/** A stable key of a scope, for caching per-request loaders. */
export function scopeKey(scope: GraphScope): string {
  return JSON.stringify(scopeParam(scope));
}
