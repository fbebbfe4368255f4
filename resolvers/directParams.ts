import { GraphQLFieldResolver, GraphQLSchema, isInterfaceType, isObjectType } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

/**
 * Field resolvers called without TypeGraphQL's parameter binding.
 *
 * TypeGraphQL 2 passes every `@Arg` / `@Args` through an `async` validation step, even with
 * validation off (resolvers/schema.ts builds with `validate: false`), so each field that takes
 * arguments answers with a promise: a relation page that look-ahead already fetched still costs a
 * promise per parent, and graphql-js then completes every object above it asynchronously. This
 * binds the parameters of the `@FieldResolver` methods directly (root, context, info, arguments)
 * and calls the same method, so a method that returns a plain value keeps it plain.
 *
 * Only parameters whose binding is a plain read are bound here: `@Root()` (when the root already
 * is an instance of its class; any other root goes to TypeGraphQL's resolver), `@Ctx()`, `@Info()`, `@Arg` of a scalar or enum, and `@Args` of an args class whose fields are
 * scalars (bound as an instance of the class, as TypeGraphQL does). A method with any other
 * parameter keeps TypeGraphQL's resolver.
 */
type Resolver = GraphQLFieldResolver<unknown, unknown>;
/** A class, as TypeGraphQL's metadata holds it. */
type Class = abstract new (...args: never[]) => unknown;
type Binding = (root: unknown, args: Record<string, unknown>, context: unknown, info: unknown) => unknown;

interface ParamLike {
  kind: string;
  index: number;
  name?: string;
  propertyName?: string;
  getType?: () => unknown;
}

function bindingOf(param: ParamLike, inputClasses: Set<unknown>, argsClassFields: Map<unknown, (() => unknown)[]>): Binding | null {
  switch (param.kind) {
    case 'root':
      // A typed root is passed as is when it is already of its type (callers check: rootTypeOf).
      return param.propertyName ? null : (root) => root;
    case 'context':
      return param.propertyName ? null : (_root, _args, context) => context;
    case 'info':
      return (_root, _args, _context, info) => info;
    case 'arg': {
      const type = param.getType?.();
      const name = param.name;
      if (!name || inputClasses.has(type) || Array.isArray(type)) return null;
      return (_root, args) => args[name];
    }
    case 'args': {
      const type = param.getType?.() as (new () => object) | undefined;
      const fields = argsClassFields.get(type);
      if (!type || !fields || fields.some((getType) => inputClasses.has(getType()))) return null;
      return (_root, args) => Object.assign(new type(), args);
    }
    default:
      return null;
  }
}

/** Replaces TypeGraphQL's resolver of each `@FieldResolver` whose parameters bind plainly (see above). */
export function bindFieldParamsDirectly(schema: GraphQLSchema): GraphQLSchema {
  const storage = getMetadataStorage();
  const nameOf = new Map<unknown, string>();
  for (const t of [...storage.objectTypes, ...storage.interfaceTypes]) nameOf.set(t.target, t.name);
  const inputClasses = new Set<unknown>(storage.inputTypes.map((t) => t.target));
  const argsClassFields = new Map<unknown, (() => unknown)[]>();
  for (const a of storage.argumentTypes) {
    // An args class's own fields and those it inherits (KindPageArgsType extends PageArgsType).
    const fields = storage.fields.filter((f) => f.target === a.target || a.target.prototype instanceof f.target);
    argsClassFields.set(a.target, fields.map((f) => f.getType));
  }
  const instances = new Map<unknown, object>();

  for (const resolver of storage.fieldResolvers) {
    if (resolver.kind !== 'external' || !resolver.getObjectType || (resolver.middlewares?.length ?? 0) > 0 || resolver.roles) continue;
    const owner = nameOf.get(resolver.getObjectType());
    const params = [...((resolver.params ?? []) as ParamLike[])].sort((a, b) => a.index - b.index);
    if (!owner || params.some((p, i) => p.index !== i)) continue;
    const bindings = params.map((p) => bindingOf(p, inputClasses, argsClassFields));
    if (bindings.some((b) => b === null)) continue;
    const bound = bindings as Binding[];
    let instance = instances.get(resolver.target);
    if (!instance) {
      // TypeGraphQL's default container keeps one instance of each resolver class, made this way.
      instance = new (resolver.target as new () => object)();
      instances.set(resolver.target, instance);
    }
    const self = instance;
    const method = (self as Record<string, (...args: unknown[]) => unknown>)[resolver.methodName];
    const rootParam = params.find((p) => p.kind === 'root');
    const rootType = rootParam?.getType?.() as Class | undefined;
    const direct = (original: Resolver): Resolver => (root, args, context, info) =>
      rootType && !(root instanceof rootType)
        ? original(root, args, context, info)
        : method.apply(self, bound.map((bind) => bind(root, args as Record<string, unknown>, context, info)));

    // The field on the owner type and, for an interface, on every object type implementing it.
    const ownerType = schema.getType(owner);
    const types = isInterfaceType(ownerType) ? schema.getPossibleTypes(ownerType) : isObjectType(ownerType) ? [ownerType] : [];
    for (const type of types) {
      const field = type.getFields()[resolver.schemaName];
      if (field?.resolve) field.resolve = direct(field.resolve);
    }
  }
  return schema;
}

/**
 * TypeGraphQL also wraps each interface's `resolveType` in an `async` function, so every
 * `entity(code)` and every node of an `Entity` connection waits a promise to learn its type.
 * Our entity classes carry their `__typename` (resolvers/types/entity.ts): values that do are
 * typed at once; anything else goes to TypeGraphQL's resolveType as before.
 */
export function resolveTypesDirectly(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isInterfaceType(type) || !type.resolveType) continue;
    const original = type.resolveType;
    type.resolveType = (value, context, info, abstractType) => {
      const typename = (value as { __typename?: unknown } | null)?.__typename;
      return typeof typename === 'string' ? typename : original(value, context, info, abstractType);
    };
  }
  return schema;
}
