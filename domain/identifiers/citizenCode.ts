/**
 * 市民码 (citizen code): the code a resident shows to public services (i深圳), one more identifier
 * scheme fused onto the person's city code. 18 characters:
 *
 *   SM + city (4403) + serial (11 digits) + check (ISO 7064 MOD 11-2 over the 15 digits: 0-9 or X)
 *
 * The serial is a keyed permutation of the issuing counter (domain/citycode.ts obfuscateSerial,
 * applied to the two halves), never derived from the ID number, birth date or sex: the code says
 * nothing about the person, and two letters in front keep it from ever being read as an ID number.
 * docs/city-code.md, "市民码".
 */
import { mod11_2Check, normaliseCodeText, obfuscateSerial, type Mod11_2CheckChar, type Parsed } from '../citycode';

export type CitizenCodeErrorCode = 'LENGTH' | 'PREFIX' | 'ALPHABET' | 'CHECK' | 'UNKNOWN_CITY';

export interface CitizenCode {
  code: string;
  city: string;
  serial: string;
  check: Mod11_2CheckChar;
  warnings: string[];
}

const LENGTH = 18;
const PREFIX = 'SM';
const CITY = '4403';
const SERIAL_LIMIT = 100_000_000_000;

export function validateCitizenCode(input: string): Parsed<CitizenCode, CitizenCodeErrorCode> {
  const code = normaliseCodeText(input);
  const fail = (c: CitizenCodeErrorCode, reason: string): Parsed<CitizenCode, CitizenCodeErrorCode> => ({ ok: false, code: c, reason });
  if (code.length !== LENGTH) return fail('LENGTH', `A 市民码 has 18 characters but this value has ${code.length}; look for a missing or extra character.`);
  if (!code.startsWith(PREFIX)) return fail('PREFIX', `A 市民码 starts with the letters SM, not '${code.slice(0, 2)}'.`);
  for (let i = 2; i < LENGTH; i++) {
    if (!(/[0-9]/.test(code[i]) || (i === LENGTH - 1 && code[i] === 'X'))) {
      return fail('ALPHABET', `Character '${code[i]}' at position ${i + 1} is not allowed: positions 3-17 of a 市民码 are digits and position 18 is a digit or X.`);
    }
  }
  if (mod11_2Check(code.slice(2, 17)) !== code[17]) {
    return fail('CHECK', 'The check character (position 18) does not match positions 3-17 (ISO 7064 MOD 11-2): a digit is mistyped or two neighbouring digits are swapped.');
  }
  if (code.slice(2, 6) !== CITY) return fail('UNKNOWN_CITY', `Positions 3-6 (${code.slice(2, 6)}) are not Shenzhen's city code 4403.`);
  return { ok: true, value: { code, city: CITY, serial: code.slice(6, 17), check: code[17] as Mod11_2CheckChar, warnings: [] } };
}

/**
 * The 市民码 of the counter-th issue: the counter's two halves (below and above 10^9 / 100) are
 * permuted with the registry's serial key, so codes do not reveal issue order.
 */
export function citizenCodeForCounter(counter: number, key: readonly number[]): string {
  if (!Number.isInteger(counter) || counter < 0 || counter >= SERIAL_LIMIT / 100) throw new RangeError(`counter must be an integer in 0..999999999; got ${counter}`);
  const serial = String(obfuscateSerial(counter, key)).padStart(9, '0') + String((counter * 37 + 11) % 100).padStart(2, '0');
  const body = CITY + serial;
  return PREFIX + body + mod11_2Check(body);
}
