import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import {
  ConstDirectiveNode,
  DocumentNode,
  GraphQLError,
  GraphQLSchema,
  Kind,
  parse,
  printSchema,
} from 'graphql';
import { createResolversMap } from 'type-graphql';
import { CityCodeError } from '../core/errors';
import { KINDS, KIND_NAMES } from '../domain/model';
import { asEntity, type EntityValue } from '../query/entities';
import { requireCityCode } from '../resolvers/codes';
import type { RequestContext } from '../resolvers/context';
import { guardSchema } from '../resolvers/guard';
import { buildCitySchema, buildCitySchemaSync } from '../resolvers/schema';

/**
 * The city schema as an Apollo Federation 2 subgraph (docs/federation.md).
 *
 * The TypeGraphQL schema is printed, the entity types get `@key(fields: "code")` in the printed
 * document (not on the TypeGraphQL classes, so the committed client SDL schema/city.graphql stays
 * free of federation directives), and @apollo/subgraph builds the subgraph from that document and
 * the TypeGraphQL resolvers (createResolversMap: the same resolve functions, field guard included).
 * `Query._entities` is replaced by {@link resolveReferences}: representations are loaded through
 * the request's row-scoped DataLoader, and anything the caller may not see is null plus a
 * FORBIDDEN error, recorded in the audit as a row denial.
 */
export const FEDERATION_VERSION = 'https://specs.apollo.dev/federation/v2.5';

/** The city entities (every kind of the city model) and their key field: what partner subgraphs may extend. */
export const CITY_ENTITIES = Object.freeze(Object.fromEntries(KIND_NAMES.map((k) => [k, { key: 'code', kind: KINDS[k].codeKind }])));

function keyDirective(fields: string): ConstDirectiveNode {
  return {
    kind: Kind.DIRECTIVE,
    name: { kind: Kind.NAME, value: 'key' },
    arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'fields' }, value: { kind: Kind.STRING, value: fields } }],
  };
}

/** The subgraph SDL document: the city schema, `@link` to federation, `@key` on the entities. */
export function subgraphDocument(schema: GraphQLSchema): DocumentNode {
  const doc = parse(`extend schema @link(url: "${FEDERATION_VERSION}", import: ["@key", "@shareable"])\n\n${printSchema(schema)}`);
  return {
    ...doc,
    definitions: doc.definitions.map((def) => {
      if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) return def;
      const entity = CITY_ENTITIES[def.name.value];
      return entity ? { ...def, directives: [...(def.directives ?? []), keyDirective(entity.key)] } : def;
    }),
  };
}

const NOT_VISIBLE_HINT =
  'It does not exist or lies outside your department\'s row scope. _entities answers only for entities your token may read (docs/federation.md); the attempt is audited.';

/** One representation checked: its entity type and code, or the error to answer in its place. */
function checkRepresentation(rep: unknown): { typename: string; code: string } | GraphQLError {
  const r = rep as { __typename?: unknown; code?: unknown } | null;
  const typename = typeof r?.__typename === 'string' ? r.__typename : '';
  const entity = CITY_ENTITIES[typename];
  if (!entity) {
    return new CityCodeError('BAD_USER_INPUT', `"${typename.slice(0, 40)}" is not an entity of the city subgraph`, `Representations name one of ${Object.keys(CITY_ENTITIES).join(', ')} and carry its key "code".`, {
      argument: 'representations',
    });
  }
  if (typeof r?.code !== 'string') {
    return new CityCodeError('BAD_USER_INPUT', `a ${typename} representation has no "code"`, 'Send { __typename, code } with the 22-character city code.', { argument: 'representations' });
  }
  try {
    return { typename, code: requireCityCode(r.code, 'representations', entity.kind) };
  } catch (err) {
    return err as GraphQLError;
  }
}

/**
 * `Query._entities`: each representation becomes the entity the caller may see, or null with an
 * error. Loads go through ctx.loaders.entity, so they are batched with the rest of the request
 * and only ever return rows inside the caller's row scope; a row outside it is indistinguishable
 * from an unknown code, and both are recorded in the audit as DENY of `Query._entities`.
 */
export async function resolveReferences(representations: readonly unknown[], ctx: RequestContext): Promise<(EntityValue | GraphQLError)[]> {
  const checked = representations.map(checkRepresentation);
  const records = await Promise.all(
    checked.map((c) => (c instanceof GraphQLError ? null : ctx.loaders.entity.load(c.code))),
  );
  const denied: string[] = [];
  const result = checked.map((c, i): EntityValue | GraphQLError => {
    if (c instanceof GraphQLError) return c;
    const record = records[i];
    const entity = record ? asEntity(record) : null;
    // A code of one kind sent under another type's name is refused like an invisible one.
    if (entity && entity.__typename === c.typename) return entity;
    denied.push(c.code);
    return new CityCodeError('FORBIDDEN', `No ${c.typename} with code ${c.code} is visible to you`, NOT_VISIBLE_HINT, {
      typename: c.typename,
      entityCode: c.code,
    });
  });
  if (denied.length > 0) {
    ctx.release.recordRowDenial('Query._entities', denied, 'entity representation outside the caller\'s row scope (or unknown)');
    ctx.log.warn({ codes: denied }, '_entities asked for entities the caller may not see');
  }
  return result;
}

function toSubgraph(schema: GraphQLSchema): GraphQLSchema {
  const subgraph = buildSubgraphSchema([
    { typeDefs: subgraphDocument(schema), resolvers: createResolversMap(schema) as GraphQLResolverMap<unknown> },
  ]);
  const fields = subgraph.getQueryType()!.getFields();
  fields._entities.resolve = (_root, args, ctx) => resolveReferences((args as { representations: unknown[] }).representations, ctx as RequestContext);
  // The city's fields keep their guarded resolvers; the federation types (_Service) pass the same
  // start-up check here, and every entity `_entities` returns is served through the release gate.
  return guardSchema(subgraph);
}

/** The city subgraph schema (what /graphql serves). */
export async function buildCitySubgraphSchema(): Promise<GraphQLSchema> {
  return toSubgraph(await buildCitySchema());
}

export function buildCitySubgraphSchemaSync(): GraphQLSchema {
  return toSubgraph(buildCitySchemaSync());
}
