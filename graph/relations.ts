import neo4j from 'neo4j-driver';
import type { GraphStore } from '../store/neo4j';
import type { EntityRecord } from './entities';
import type { KindName } from '../domain/model';
import { ancestorPattern, patternBetween, targetLabel } from './patterns';
import { GraphScope, scopeParam, scopeShape, visible } from './scope';

/**
 * The relation fields of the city model (domain/model.ts), by key (`Person.employers`): what a
 * plan follows. Their Cypher patterns are derived from the model (graph/patterns.ts); nothing a
 * caller sends becomes part of a pattern.
 */
export type RelationName = string;

export interface PageRequest {
  /** Page size, already validated against the maximum. */
  first: number;
  /** City code after which the page starts (keyset), or null for the first page. */
  after: string | null;
  /** Only targets whose objectKind is one of these (city objects), or null for all. */
  kinds: string[] | null;
}

export interface RelationPage {
  /** Visible targets in all; -1 when the plan did not ask for the count (totalCount not selected). */
  totalCount: number;
  items: EntityRecord[];
  hasNextPage: boolean;
  /** Pages of nested relations fetched in the same statement, per item code and relation. */
  nested?: Map<string, Map<RelationName, RelationPage>>;
}

/**
 * What to fetch of one relation in one statement: a page of it, whether to count it, and for
 * each target the relations to fetch with it (look-ahead, query/plan.ts).
 */
export interface RelationPlan {
  relation: RelationName;
  page: PageRequest;
  count: boolean;
  /** The stored properties the targets' selected fields read, or null for all of them. */
  props: readonly string[] | null;
  nested: readonly RelationPlan[];
  /**
   * Whether to find out if there is a next page (one target more is fetched): only when
   * `pageInfo` is selected; absent means yes. Without it, `hasNextPage` is false.
   */
  more?: boolean;
}

/** The map of a node's properties to return: only `props` when given, else all. */
function propertiesOf(v: string, props: readonly string[] | null | undefined): string {
  return props ? `${v} {${props.map((p) => `.${p}`).join(', ')}}` : `properties(${v})`;
}

/**
 * One fetched node as a single flat map: its stored properties (only `props` and its code when
 * given, else all) plus the `extra` entries, whose keys start with `__` (no stored property does).
 * One map per node instead of a `{code, props: {…}, …}` wrapper costs Neo4j and the driver less
 * to build, send and decode.
 */
function flatItem(v: string, props: readonly string[] | null | undefined, extra: Record<string, string>): string {
  const own = props ? ['.code', ...props.filter((p) => p !== 'code').map((p) => `.${p}`)] : ['.*'];
  return `${v} {${[...own, ...Object.entries(extra).map(([k, e]) => `${k}: ${e}`)].join(', ')}}`;
}

/** A flat item's stored properties and its extras (see flatItem). */
function splitItem<E extends object>(item: Record<string, unknown>): { props: Record<string, unknown>; extra: E } {
  const props: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const key in item) {
    if (key.startsWith('__')) extra[key] = item[key];
    else props[key] = item[key];
  }
  return { props, extra: extra as E };
}

/** Statement text with runs of whitespace folded (the generated statements hold no string literals with spaces). */
function compact(cypher: string): string {
  let folded = compacted.get(cypher);
  if (folded === undefined) {
    folded = cypher.replace(/\s+/g, ' ').trim();
    if (compacted.size >= 1000) compacted.clear();
    compacted.set(cypher, folded);
  }
  return folded;
}

/** Folded statements by their text: an app sends the same few shapes of query over and over. */
const compacted = new Map<string, string>();

/** A planned statement: its folded text and the parameters the plan fixes (pages, kinds). */
export interface PlannedStatement {
  cypher: string;
  params: Readonly<Record<string, unknown>>;
}

/**
 * Statements by plan and by the shape of the row scope (which domains the caller sees whole,
 * partly or not at all: all that `visible` puts into the text). Plans are kept from one request
 * to the next (query/planCache.ts), so a by-code query's statement is written once.
 */
const statements = new WeakMap<object, Map<string, PlannedStatement>>();

function statementOf(plan: object, scope: GraphScope, write: (fixed: Record<string, unknown>) => string): PlannedStatement {
  const shape = scopeShape(scope);
  let byScope = statements.get(plan);
  if (!byScope) {
    byScope = new Map();
    statements.set(plan, byScope);
  }
  let statement = byScope.get(shape);
  if (!statement) {
    const fixed: Record<string, unknown> = {};
    statement = { cypher: compact(write(fixed)), params: Object.freeze(fixed) };
    byScope.set(shape, statement);
  }
  return statement;
}

interface PlannedRow {
  total: number | null;
  page: PlannedItem[];
}

/** A relation target as the statement returns it: its properties, and `__l` labels / `__n` nested rows when asked. */
type PlannedItem = Record<string, unknown>;
type PlannedExtra = { __l?: string[]; __n?: PlannedRow[] };

/**
 * Cypher subqueries that fetch `plan` for the node bound to `from`: `CALL`s binding
 * `t<id>` (the count, or null) and `g<id>` (the page, each item with its nested rows), and the
 * map expression that returns both. Names and parameters are derived from `id` only.
 */
function planCalls(plan: RelationPlan, from: string, id: string, scope: GraphScope, params: Record<string, unknown>): { calls: string; out: string } {
  const x = `x${id}`;
  const where = [visible(x, scope, targetLabel(plan.relation))];
  if (plan.page.kinds) {
    params[`k${id}`] = plan.page.kinds;
    where.push(`${x}.objectKind IN $k${id}`);
  }
  const match = `MATCH ${patternBetween(plan.relation, from, x)} WITH DISTINCT ${x} WHERE ${where.join(' AND ')}`;
  let after = '';
  if (plan.page.after !== null) {
    params[`a${id}`] = plan.page.after;
    after = ` AND ${x}.code > $a${id}`;
  }
  // LIMIT needs an integer; plain JS numbers travel to Neo4j as floats.
  params[`l${id}`] = neo4j.int(plan.page.first + (plan.more === false ? 0 : 1));
  const nested = plan.nested.map((n, i) => planCalls(n, x, `${id}_${i}`, scope, params));
  const count = plan.count ? `CALL (${from}) { ${match} RETURN count(${x}) AS t${id} }` : '';
  const calls = `${count}
     CALL (${from}) { ${match}${after}
       WITH ${x} ORDER BY ${x}.code LIMIT $l${id}
       ${nested.map((n) => n.calls).join('\n       ')}
       RETURN collect(${flatItem(x, plan.props, {
         ...(targetLabel(plan.relation) ? {} : { __l: `labels(${x})` }),
         ...(nested.length ? { __n: `[${nested.map((n) => n.out).join(', ')}]` } : {}),
       })}) AS g${id} }`;
  return { calls, out: `{total: ${plan.count ? `t${id}` : 'null'}, page: g${id}}` };
}

/** A planned row as a RelationPage, with the nested pages of its items. */
function toPage(plan: RelationPlan, row: PlannedRow): RelationPage {
  // Targets whose label the pattern fixes come without their labels (fewer bytes per item).
  const label = targetLabel(plan.relation);
  const items: EntityRecord[] = [];
  const nested = new Map<string, Map<RelationName, RelationPage>>();
  for (const item of row.page.slice(0, plan.page.first)) {
    const { props, extra } = splitItem<PlannedExtra>(item);
    const code = props.code as string;
    items.push({ code, labels: extra.__l ?? (label ? [label] : []), props });
    const perRelation = new Map<RelationName, RelationPage>();
    plan.nested.forEach((n, i) => {
      const r = extra.__n?.[i];
      if (r) perRelation.set(n.relation, toPage(n, r));
    });
    if (perRelation.size) nested.set(code, perRelation);
  }
  return {
    totalCount: row.total ?? -1,
    items,
    hasNextPage: plan.more !== false && row.page.length > plan.page.first,
    nested,
  };
}

/** The statement of a relation plan for a row scope: its text and the parameters the plan fixes (besides $codes and $scope). */
export function relationStatement(plan: RelationPlan, scope: GraphScope): PlannedStatement {
  return statementOf(plan, scope, (fixed) => {
    const { calls, out } = planCalls(plan, 'p', '0', scope, fixed);
    return `UNWIND $codes AS code
     MATCH (p:Entity {code: code})
     ${calls}
     RETURN code, ${out} AS rel`;
  });
}

/** The statement of an entity plan for a row scope (see relationStatement). */
export function entityStatement(plan: EntityPlan, scope: GraphScope): PlannedStatement {
  return statementOf(plan, scope, (fixed) => {
    const relations = plan.relations.map((r, i) => planCalls(r, 'e', String(i), scope, fixed));
    const ancestors = plan.ancestors ? `CALL (e) { ${ancestorsOfE(scope, plan.ancestorProps)} AS ancestors }` : 'WITH *, null AS ancestors';
    return `UNWIND $codes AS code
     MATCH (e:Entity {code: code})
     WHERE ${plan.label ? `e:${plan.label} AND ${visible('e', scope, plan.label)}` : visible('e', scope)}
     ${ancestors}
     ${relations.map((r) => r.calls).join('\n     ')}
     RETURN e.code AS code, labels(e) AS labels, ${propertiesOf('e', plan.props)} AS props, ancestors,
            [${relations.map((r) => r.out).join(', ')}] AS relations`;
  });
}

/**
 * One page of one relation for many parents, in one round trip: the total (if planned), and the
 * targets ordered by city code after the cursor — with, for each target, the pages of the
 * plan's nested relations. Parents without a node get no entry.
 */
export async function relationPages(
  graph: GraphStore,
  plan: RelationPlan,
  parentCodes: readonly string[],
  scope: GraphScope,
): Promise<Map<string, RelationPage>> {
  const { cypher, params } = relationStatement(plan, scope);
  const rows = await graph.read<{ code: string; rel: PlannedRow }>(cypher, { ...params, codes: [...parentCodes], scope: scopeParam(scope) });
  return new Map(rows.map((row) => [row.code, toPage(plan, row.rel)]));
}

/** An entity with what the request will ask of it next: its ancestors and relation pages. */
export interface EntityWithRelations extends EntityRecord {
  ancestors: AncestorRecord[] | null;
  relations: RelationPage[];
}

/** What to fetch with an entity in the same statement. */
export interface EntityPlan {
  /** The stored properties of the entity to return, or null (or absent) for all of them. */
  props?: readonly string[] | null;
  /** The label the entity must have (a typed by-code query), or undefined for any entity. */
  label?: KindName;
  ancestors: boolean;
  /** The stored properties of the ancestors to return, or null (or absent) for all of them. */
  ancestorProps?: readonly string[] | null;
  relations: readonly RelationPlan[];
}

/**
 * Entities by code that the scope lets the caller see, each with its ancestors and the planned
 * relation pages, in ONE round trip (the by-code query of an app is then one statement).
 */
export async function entitiesWithPlan(
  graph: GraphStore,
  codes: readonly string[],
  plan: EntityPlan,
  scope: GraphScope,
): Promise<EntityWithRelations[]> {
  if (codes.length === 0) return [];
  const { cypher, params } = entityStatement(plan, scope);
  const rows = await graph.read<EntityRecord & { ancestors: AncestorRow[] | null; relations: PlannedRow[] }>(cypher, {
    ...params,
    codes: [...codes],
    scope: scopeParam(scope),
  });
  return rows.map((row) => ({
    code: row.code,
    labels: row.labels,
    props: row.props,
    ancestors: row.ancestors && toAncestors(row.ancestors),
    relations: plan.relations.map((r, i) => toPage(r, row.relations[i])),
  }));
}

export interface AncestorRecord {
  depth: number;
  entity: EntityRecord;
}

/**
 * Ancestors as the statement returns them: one flat item per path (an ancestor reached two ways
 * comes twice) with its depth as `__d`, unordered, city objects all, so without their labels.
 */
type AncestorRow = Record<string, unknown> & { code: string; __d: number };

function toAncestors(rows: AncestorRow[]): AncestorRecord[] {
  const nearest = new Map<string, AncestorRow>();
  for (const a of rows) {
    const seen = nearest.get(a.code);
    if (!seen || a.__d < seen.__d) nearest.set(a.code, a);
  }
  return [...nearest.values()]
    .sort((x, y) => x.__d - y.__d || (x.code < y.code ? -1 : 1))
    .map((a) => {
      const { props } = splitItem(a);
      return { depth: a.__d, entity: { code: a.code, labels: ['CityObject'], props } };
    });
}

/**
 * The ancestors of `e` (parent first, up to the city) that the scope lets the caller see, as a
 * list of {depth, entity}, in a subquery that returns one row (an empty list for none); to be
 * completed with `AS name`.
 */
function ancestorsOfE(scope: GraphScope, props: readonly string[] | null | undefined): string {
  // Every path, not min(length(path)) per ancestor: the aggregation makes Neo4j plan a pruning
  // breadth-first expansion that costs ten times the database hits of following the few paths
  // (PROFILE: 98 vs 9 for a building); toAncestors keeps each ancestor's shortest.
  return `MATCH path = ${ancestorPattern('e', 'a')}
     WHERE ${visible('a', scope, 'CityObject')}
     RETURN collect(${flatItem('a', props, { __d: 'length(path)' })})`;
}

/**
 * Every ancestor of many objects (parent first, up to the city), in one round trip; with only the
 * stored properties `props` when given.
 */
export async function ancestorsOf(
  graph: GraphStore,
  codes: readonly string[],
  scope: GraphScope,
  props: readonly string[] | null = null,
): Promise<Map<string, AncestorRecord[]>> {
  const rows = await graph.read<{ code: string; ancestors: AncestorRow[] }>(
    compact(`UNWIND $codes AS code
     MATCH (e:Entity {code: code})
     CALL (e) { ${ancestorsOfE(scope, props)} AS ancestors }
     RETURN code, ancestors`),
    { codes: [...codes], scope: scopeParam(scope) },
  );
  return new Map(rows.map((r) => [r.code, toAncestors(r.ancestors)]));
}
