/**
 * The persons of a city-scale run, row by row: person `i` is computed from `i` alone, so rows are
 * generated in any order, in parallel chunks, and a run resumes at any chunk with the same
 * output. Identifiers are unique by construction, not by checking:
 *  - the city code's counter is `PERSON_COUNTER_BASE + i`;
 *  - the ID number's birth date and sequence are digits of `i` in a mixed radix (29,200 days ×
 *    1,000 sequences = 29.2 M distinct numbers, more than 17.79 M), its sex follows the sequence;
 *  - the phone is `13` + `i × 7919 mod 10^9` (7919 is prime to 10, so the map is one-to-one).
 */
import { cityCodeForCounter } from '../../domain/citycode';
import { makeCitizenId } from '../../domain/identifiers/citizenId';
import { createRng } from '../rng';
import { personName } from '../names';
import { SEED_TODAY } from '../scales';

/** Counters of scale-run persons start here: they never meet the demo city's. */
export const PERSON_COUNTER_BASE = 100_000_000;
const DAYS = 29_200;
const FIRST_BIRTH_MS = Date.UTC(1946, 0, 1);

export interface ScalePerson {
  code: string;
  name: string;
  sex: 'M' | 'F';
  birthDate: string;
  citizenId: string;
  phone: string;
}

export function scalePerson(i: number, serialKey: readonly number[]): ScalePerson {
  if (!Number.isInteger(i) || i < 0 || i >= DAYS * 1000) throw new RangeError(`person index ${i} is out of range 0..${DAYS * 1000 - 1}`);
  const day = i % DAYS;
  const sequence = Math.floor(i / DAYS) % 1000;
  const sex = sequence % 2 === 1 ? 'M' : 'F';
  const birth = new Date(FIRST_BIRTH_MS + day * 86_400_000).toISOString().slice(0, 10);
  const name = personName(createRng(`person:${i}`), { gender: sex === 'M' ? 'MALE' : 'FEMALE' });
  return {
    code: cityCodeForCounter({ division: '440300', classCode: '010000', counter: PERSON_COUNTER_BASE + i }, serialKey),
    name: name.fullName,
    sex,
    birthDate: birth,
    citizenId: makeCitizenId('440304', birth.replaceAll('-', ''), sequence, { today: SEED_TODAY }),
    phone: `13${String((i * 7919) % 1_000_000_000).padStart(9, '0')}`,
  };
}
