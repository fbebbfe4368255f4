import { parseCityCode, type EntityKind } from '../domain/citycode';
import { badInput } from '../core/errors';

/** Validates a city code argument; a malformed code is BAD_USER_INPUT with the precise reason. */
export function requireCityCode(code: string, argument = 'code', expectedKind?: EntityKind): string {
  const parsed = parseCityCode(code);
  if (!parsed.ok) {
    throw badInput(`"${code.slice(0, 40)}" is not a valid city code: ${parsed.reason}`, 'A city code has 22 characters: 6-digit division, 6-digit class, 9-digit serial, check character.', {
      argument,
      reason: parsed.code,
    });
  }
  if (expectedKind && parsed.value.kind !== expectedKind) {
    throw badInput(
      `${parsed.value.code} is the code of a ${parsed.value.kind.toLowerCase()} (${parsed.value.classLabel}), not of a ${expectedKind.toLowerCase()}`,
      'Use `entity(code:)` for any kind, or the query of the kind the code names.',
      { argument, reason: 'WRONG_KIND' },
    );
  }
  return parsed.value.code;
}
