import type { MiddlewareFn } from 'type-graphql';
import { applyDecision, fieldDeniedError } from '../policy/engine';
import type { RequestContext } from './context';

/**
 * Runs before every field of every type (aliases, fragments and nesting all end up here): the
 * policy decides allow / mask / deny for the field's catalogue key, the read is recorded for the
 * audit, and a denied field resolves to null with a FORBIDDEN_FIELD error.
 */
export const FieldGuard: MiddlewareFn<RequestContext> = async ({ root, info, context }, next) => {
  const fieldKey = `${info.parentType.name}.${info.fieldName}`;
  const decision = context.access.decide(fieldKey);
  if (!decision) return next();
  const code = typeof (root as { code?: unknown } | undefined)?.code === 'string' ? (root as { code: string }).code : undefined;
  if (decision.effect === 'DENY') {
    context.access.recordDenial(decision, fieldKey, code);
    throw fieldDeniedError(decision);
  }
  const value: unknown = await next();
  context.access.recordRead(decision, fieldKey, code);
  if (decision.effect === 'ALLOW') return value;
  // Masks work on text; a masked number or object is withheld entirely.
  return typeof value === 'string' ? applyDecision(decision, value) : null;
};
