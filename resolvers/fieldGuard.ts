import { defaultFieldResolver, GraphQLFieldResolver, GraphQLSchema, isObjectType } from 'graphql';
import { piiKeys } from '../domain/pii';
import { applyDecision, fieldDeniedError } from '../policy/engine';
import type { Decision } from '../policy/model';
import type { RequestContext } from './context';

/**
 * The policy guard around every field of every object type (aliases, fragments, nesting and
 * federation `_entities` all end up in a field's resolver): the policy decides allow / mask /
 * deny for the field's catalogue key, the read is recorded for the audit, and a denied field
 * resolves to null with a FORBIDDEN_FIELD error.
 *
 * It wraps the graphql-js resolvers of the built schema rather than running as a TypeGraphQL
 * middleware: a middleware turns every field (≈300 per by-code response) into a chain of
 * promises, while this wrapper calls a structural field's resolver directly and stays
 * synchronous when the resolver is (docs/benchmarks.md, "Where the time went").
 */
type Resolver = GraphQLFieldResolver<unknown, RequestContext>;

function codeOf(root: unknown): string | undefined {
  const code = (root as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

let maskingKey: Buffer | undefined;

function release(decision: Decision, value: unknown, context: RequestContext, fieldKey: string, code: string | undefined): unknown {
  context.access.recordRead(decision, fieldKey, code);
  if (decision.effect === 'ALLOW') return value;
  // Masks work on text; a masked number or object is withheld entirely.
  if (typeof value !== 'string') return null;
  if (decision.mask === 'HASH') maskingKey ??= piiKeys().maskingKey;
  return applyDecision(decision, value, { hashKey: maskingKey });
}

/** One field's resolver behind the policy guard. */
export function guardResolver(fieldKey: string, resolve: Resolver): Resolver {
  return (root, args, context, info) => {
    const decision = context.access.decide(fieldKey);
    if (!decision) return resolve(root, args, context, info);
    const code = codeOf(root);
    if (decision.effect === 'DENY') {
      context.access.recordDenial(decision, fieldKey, code);
      throw fieldDeniedError(decision);
    }
    const value: unknown = resolve(root, args, context, info);
    if (value !== null && typeof (value as PromiseLike<unknown> | undefined)?.then === 'function') {
      return (value as PromiseLike<unknown>).then((v) => release(decision, v, context, fieldKey, code));
    }
    return release(decision, value, context, fieldKey, code);
  };
}

const GUARDED = Symbol('citycode.fieldGuard');

/** Puts every field of every (non-introspection) object type of `schema` behind the guard, once. */
export function guardSchema(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const current = field.resolve as (Resolver & { [GUARDED]?: true }) | undefined;
      if (current?.[GUARDED]) continue;
      const guarded = guardResolver(`${type.name}.${field.name}`, (current ?? defaultFieldResolver) as Resolver) as Resolver & { [GUARDED]?: true };
      guarded[GUARDED] = true;
      field.resolve = guarded as GraphQLFieldResolver<unknown, unknown>;
    }
  }
  return schema;
}
