/**
 * Row scope pushed into Cypher: which rows of each entity kind a request may see. The policy
 * decides the scope per kind (policy/release.ts graphScope); this module only turns it into a
 * parameter and a predicate, so that pages and counts are computed over visible rows only.
 */
import { KIND_NAMES, type KindName } from '../domain/model';
import type { RowScope } from '../policy/model';
import type { GraphScope } from '../policy/scope';
import { UNRESTRICTED_GRAPH } from '../policy/release';

export type { GraphScope } from '../policy/scope';
export type { RowScope } from '../policy/model';

/** Every row of every kind (POLICY_ENFORCEMENT=off, seeding, ingestion). */
export const UNRESTRICTED: GraphScope = UNRESTRICTED_GRAPH;

/** A kind's label as the graph stores it (the kind's name). */
export type RowLabel = KindName;

interface ScopeParam {
  all: boolean;
  districts: string[];
  streets: string[];
  grids: string[];
}

function param(scope: RowScope | undefined): ScopeParam {
  if (!scope || scope.kind === 'NONE') return { all: false, districts: [], streets: [], grids: [] };
  if (scope.kind === 'ALL') return { all: true, districts: [], streets: [], grids: [] };
  return { all: false, districts: [...scope.districtCodes], streets: [...scope.streetCodes], grids: [...(scope.gridCodes ?? [])] };
}

/** The `$scope` parameter for {@link visible}: one entry per kind and per classified object kind. */
export function scopeParam(scope: GraphScope = UNRESTRICTED): Record<string, ScopeParam> {
  const out: Record<string, ScopeParam> = {};
  for (const kind of KIND_NAMES) out[kind] = param(scope.kinds[kind]);
  for (const [objectKind, s] of Object.entries(scope.objectKinds)) out[objectKind] = param(s);
  return out;
}

const kindOf = (scope: GraphScope, kind: string): RowScope['kind'] => scope.kinds[kind]?.kind ?? 'NONE';

/**
 * A Cypher predicate: true when node `v` is visible under `scope` (passed as `$scope`, see
 * {@link scopeParam}). Rows without a district (the city itself) are visible only to an
 * unrestricted scope of their kind. A kind the caller sees whole or not at all needs no parameter
 * test, so the predicate folds to `true` / `false` there; when the pattern already fixes `v`'s
 * label, pass it and only that kind is tested (shorter statements travel in fewer Bolt chunks).
 * City objects of a classified object kind (IoT devices) also need that kind's scope. The scope is
 * required: the predicate is built for it, and the statement must also pass `scopeParam(scope)`.
 */
export function visible(v: string, scope: GraphScope, label?: RowLabel): string {
  const regions = (key: string) => `${v}.districtCode IN $scope.${key}.districts OR ${v}.streetCode IN $scope.${key}.streets OR ${v}.gridCode IN $scope.${key}.grids`;
  const within = (kind: RowLabel): string => {
    const k = kindOf(scope, kind);
    let rows = k === 'ALL' ? 'true' : k === 'NONE' ? 'false' : `(${regions(kind)})`;
    if (kind !== 'CityObject' || rows === 'false') return rows;
    for (const [objectKind, s] of Object.entries(scope.objectKinds)) {
      if (s.kind === 'ALL') continue;
      const notThis = `coalesce(${v}.objectKind, '') <> '${objectKind}'`;
      const these = s.kind === 'NONE' ? notThis : `(${notThis} OR ${regions(objectKind)})`;
      rows = rows === 'true' ? these : `${rows} AND ${these}`;
    }
    return rows;
  };
  if (label) return within(label);
  const parts = KIND_NAMES.map((l) => ({ l, p: within(l) })).filter(({ p }) => p !== 'false');
  if (parts.length === KIND_NAMES.length && parts.every(({ p }) => p === 'true')) return 'true';
  if (parts.length === 0) return 'false';
  return `(${parts.map(({ l, p }) => (p === 'true' ? `${v}:${l}` : `(${v}:${l} AND ${p})`)).join(' OR ')})`;
}

/** The shape of a scope (which kinds are seen whole, in part or not at all): what `visible` puts into a statement's text. */
export function scopeShape(scope: GraphScope): string {
  return [...KIND_NAMES.map((k) => kindOf(scope, k)), ...Object.values(scope.objectKinds).map((s) => s.kind)].join(' ');
}
