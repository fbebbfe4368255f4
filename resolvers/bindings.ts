import { GraphQLFieldResolver, GraphQLObjectType, GraphQLSchema, isInterfaceType, isObjectType } from 'graphql';
import { parseCityCode } from '../domain/citycode';
import { KINDS, KIND_NAMES, MEASURES, PROVENANCE_FIELD, type KindName } from '../domain/model';
import { attributesOf, relationFieldsOf, type AttributeInfo, type RelationFieldInfo } from '../domain/modelIndex';
import { decryptIdNumber, piiKeys } from '../domain/pii';
import type { AncestorRecord } from '../graph/relations';
import { asEntity, type EntityValue } from '../query/entities';
import { entityAhead, featureOf, relationConnection, relationOne } from '../query/fetch';
import { ancestorProperties } from '../query/plan';
import { attributeProvenance } from '../query/provenance';
import { readingsOf, readingStatsOf } from '../query/readings';
import { requireCityCode } from './codes';
import type { RequestContext } from './context';

/**
 * The fields the city model declares, bound to the query layer: each attribute reads its source,
 * each relation field follows its relation, each kind's by-code query loads one entity with what
 * its selection asks next, and `Entity` values are typed by `__typename`. Bound directly on the
 * built schema (not through TypeGraphQL's parameter binding, which makes every field with
 * arguments answer with a promise), so a field whose data is in hand answers with a plain value.
 */
type Resolver = GraphQLFieldResolver<EntityValue, RequestContext, Record<string, unknown>>;

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function int(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
}

function float(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The parts of a code, parsed once per value. */
const parsedCodes = new WeakMap<EntityValue, ReturnType<typeof parseCityCode>>();
function codePart(root: EntityValue, part: 'classCode' | 'classLabel' | 'division'): string {
  let parsed = parsedCodes.get(root);
  if (!parsed) {
    parsed = parseCityCode(root.code);
    parsedCodes.set(root, parsed);
  }
  return parsed.ok ? parsed.value[part] : '';
}

function attributeResolver(a: AttributeInfo): Resolver {
  const source = a.source;
  switch (source.from) {
    case 'code':
      if (source.part === 'code') return (root) => root.code;
      if (source.part === 'kind') return (root) => KINDS[root.__typename].codeKind;
      return (root) => codePart(root, source.part as 'classCode' | 'classLabel' | 'division');
    case 'encrypted':
      // Called only once the release gate has allowed (or masks) the field: decrypted here only.
      return (root) => {
        const cipher = root.props[source.property];
        return typeof cipher === 'string' ? decryptIdNumber(cipher, piiKeys().encryptionKey) : null;
      };
    case 'feature':
      return (root, _args, ctx) => featureOf(ctx, root.code, (f) => (f ? (f[source.part] ?? null) : null));
    case 'property': {
      const property = source.property ?? a.field;
      if (a.decl.type === 'Int') return (root) => int(root.props[property]);
      if (a.decl.type === 'Float') return (root) => float(root.props[property]);
      if (a.decl.required) return (root) => str(root.props[property]) ?? 'UNKNOWN';
      return (root) => str(root.props[property]);
    }
  }
}

function asAncestors(found: AncestorRecord[]): { depth: number; object: EntityValue }[] {
  const out: { depth: number; object: EntityValue }[] = [];
  for (const a of found) {
    const object = asEntity(a.entity);
    if (object?.__typename === 'CityObject') out.push({ depth: a.depth, object });
  }
  return out;
}

function relationResolver(r: RelationFieldInfo): Resolver {
  switch (r.shape) {
    case 'one':
      return (root, _args, ctx) => relationOne(ctx, r.key, root.code);
    case 'many':
      return (root, args, ctx, info) => relationConnection(ctx, r.key, root.code, args, info);
    case 'ancestors':
      return (root, _args, ctx, info) => {
        const found = ctx.loaders.ancestors(root.code, ancestorProperties(info, ctx.release));
        return Array.isArray(found) ? asAncestors(found) : found.then(asAncestors);
      };
  }
}

function bindKind(type: GraphQLObjectType, kind: KindName): void {
  const fields = type.getFields();
  const bind = (name: string, resolve: Resolver) => {
    const field = fields[name];
    if (!field) throw new Error(`the schema has no field ${kind}.${name} that the city model declares`);
    field.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
  };
  for (const a of attributesOf(kind)) bind(a.field, attributeResolver(a));
  for (const r of relationFieldsOf(kind)) bind(r.field, relationResolver(r));
  bind(PROVENANCE_FIELD.name, (root, args, ctx) => attributeProvenance(ctx, kind, root.code, root.props, String(args.attribute)));
  for (const key of Object.keys(MEASURES)) {
    const [owner, field] = key.split('.');
    if (owner === kind) bind(field, MEASURE_RESOLVERS[field]);
  }
}

/** The measure fields' resolvers (query/readings.ts), by field name. */
const MEASURE_RESOLVERS: Record<string, Resolver> = {
  readings: (root, args, ctx) => readingsOf(ctx, root, args),
  readingStats: (root, args, ctx) => readingStatsOf(ctx, root, args as { metric: string }),
};

/** Binds every field the city model declares; returns the same schema. */
export function bindModel(schema: GraphQLSchema): GraphQLSchema {
  for (const kind of KIND_NAMES) {
    const type = schema.getType(kind);
    if (!isObjectType(type)) throw new Error(`the schema has no object type ${kind} for the city model's kind`);
    bindKind(type, kind);
    const query = schema.getQueryType()?.getFields()[KINDS[kind].byCode.field];
    if (!query) throw new Error(`the schema has no query ${KINDS[kind].byCode.field} for ${kind}`);
    const codeKind = KINDS[kind].codeKind;
    query.resolve = ((_root: unknown, args: { code: string }, ctx: RequestContext, info) =>
      entityAhead(ctx, requireCityCode(args.code, 'code', codeKind), info)) as GraphQLFieldResolver<unknown, unknown>;
  }
  // TypeGraphQL wraps resolveType in an async function: our values carry their type.
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isInterfaceType(type)) continue;
    const original = type.resolveType;
    type.resolveType = (value, context, info, abstractType) => {
      const typename = (value as { __typename?: unknown } | null)?.__typename;
      return typeof typename === 'string' ? typename : original?.(value, context, info, abstractType);
    };
  }
  return schema;
}
