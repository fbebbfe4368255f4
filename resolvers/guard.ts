import { defaultFieldResolver, GraphQLFieldResolver, GraphQLSchema, isObjectType } from 'graphql';
import { CityCodeError } from '../core/errors';
import { catalogueFields, classifiedAs, isKindName, outputRelease } from '../domain/modelIndex';
import { RELEASED_AS, type ReleaseAt, type ReleaseDescriptors } from '../policy/release';
import type { RequestContext } from './context';

/**
 * The release gate on every field of the schema (policy/release.ts does the deciding).
 *
 * Every field of every object type is one of (the city model says which, domain/model.ts):
 *  - classified (an attribute, relation or provenance field of an entity kind): `release` decides
 *    it for the row it is read on, before its resolver runs; aliases, fragments, nesting and
 *    federation `_entities` all end up in a field's resolver, so all pass here;
 *  - an attribute's value inside another answer (`ProvenanceType.value`, `ConflictType.valueA`,
 *    `ReviewCaseType.values` …): released as that attribute of the entity the object names;
 *  - structural (counts, cursors, metadata, links to entities): served as it is, unwrapped.
 * A field that is none of these makes guardSchema refuse the schema: the server does not start.
 *
 * The wrapper stays synchronous when the resolver is, so a field whose data is in hand answers
 * with a plain value (docs/benchmarks.md).
 */
type Resolver = GraphQLFieldResolver<unknown, RequestContext>;

const GUARDED = Symbol('citycode.guard');

/** The classified fields of the city model (the catalogue's keys, domain/modelIndex.ts). */
const CLASSIFIED: ReadonlySet<string> = new Set(Object.keys(catalogueFields()));

/** A classified field: decided for the row of the entity it is read on. */
function classifiedField(fieldKey: string, resolve: Resolver): Resolver {
  return (root, args, context, info) => context.release.release(fieldKey, root as ReleaseAt, () => resolve(root, args, context, info));
}

function missingDescriptor(fieldKey: string): CityCodeError {
  return new CityCodeError(
    'UNCLASSIFIED_FIELD',
    `${fieldKey} holds an attribute value but its answer does not say which attribute of which entity`,
    'This is a defect of the server, not of your query; it is refused rather than served unchecked. Report it with the time and the query.',
    { field: fieldKey },
  );
}

function descriptorOf(root: unknown, field: string, fieldKey: string): ReleaseDescriptors[string] {
  const d = (root as { [RELEASED_AS]?: ReleaseDescriptors } | null)?.[RELEASED_AS]?.[field];
  if (d === undefined) throw missingDescriptor(fieldKey);
  return d;
}

/** A field holding the value of an attribute of an entity the object names. */
function attributeField(field: string, fieldKey: string, resolve: Resolver): Resolver {
  return (root, args, context, info) => {
    const d = descriptorOf(root, field, fieldKey);
    if (d === null) return resolve(root, args, context, info);
    if (!d.key) throw missingDescriptor(fieldKey);
    return context.release.release(d.key, d.at, () => resolve(root, args, context, info), d.onDeny ?? 'throw');
  };
}

/** A field holding a JSON map of attribute → value of one entity: each entry released as its attribute (null when denied). */
function attributesField(field: string, fieldKey: string, resolve: Resolver): Resolver {
  return (root, args, context, info) => {
    const d = descriptorOf(root, field, fieldKey);
    const raw = resolve(root, args, context, info);
    if (d === null || typeof raw !== 'string') return raw ?? null;
    const values = JSON.parse(raw) as Record<string, unknown>;
    const released = Object.fromEntries(
      Object.entries(values).map(([attribute, v]) => [attribute, context.release.release(classifiedAs(attribute), d.at, v === null ? null : String(v), 'null')]),
    );
    return JSON.stringify(released);
  };
}

/** A description of data of some domain and level: shown to callers who may read such data somewhere. */
function metadataField(field: string, fieldKey: string, resolve: Resolver): Resolver {
  return (root, args, context, info) => {
    const d = descriptorOf(root, field, fieldKey);
    const value = resolve(root, args, context, info);
    if (d === null) return value;
    if (!d.metadata) throw missingDescriptor(fieldKey);
    return context.release.releaseMetadata(d.metadata.domain, d.metadata.level, value);
  };
}

/** The fields of `schema` no rule covers: what guardSchema refuses. */
export function unclassifiedFields(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.keys(type.getFields())) {
      const key = `${type.name}.${field}`;
      if (isKindName(type.name) ? !CLASSIFIED.has(key) : outputRelease(type.name, field) === null) missing.push(key);
    }
  }
  return missing;
}

/**
 * Puts every field of every (non-introspection) object type of `schema` behind the release gate,
 * once; refuses a schema with a field that has no decision and is not declared structural.
 */
export function guardSchema(schema: GraphQLSchema): GraphQLSchema {
  const missing = unclassifiedFields(schema);
  if (missing.length) {
    throw new Error(
      `refusing to serve ${missing.length} schema field(s) that have no decision and are not declared structural: ${missing.join(', ')}. ` +
        'Classify them in domain/model.ts (an attribute or relation of a kind, or OUTPUT_FIELDS for other types).',
    );
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const [name, field] of Object.entries(type.getFields())) {
      const current = field.resolve as (Resolver & { [GUARDED]?: true }) | undefined;
      if (current?.[GUARDED]) continue;
      const key = `${type.name}.${name}`;
      const resolve = (current ?? defaultFieldResolver) as Resolver;
      let guarded: Resolver | null;
      if (isKindName(type.name)) guarded = classifiedField(key, resolve);
      else {
        const release = outputRelease(type.name, name);
        guarded =
          release === 'attribute'
            ? attributeField(name, key, resolve)
            : release === 'attributes'
              ? attributesField(name, key, resolve)
              : release === 'metadata'
                ? metadataField(name, key, resolve)
                : null;
      }
      if (!guarded) continue;
      (guarded as Resolver & { [GUARDED]?: true })[GUARDED] = true;
      field.resolve = guarded as GraphQLFieldResolver<unknown, unknown>;
    }
  }
  return schema;
}
