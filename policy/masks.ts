import { createHmac } from 'node:crypto';

/**
 * Masks (脱敏), after Apache Ranger's masking kinds. Pure functions over strings, counted in
 * Unicode code points (never UTF-16 units), so 𠀀 (U+20000) is one character and a surrogate
 * pair is never split. Every star-based mask keeps the length in code points and replaces each
 * hidden character by one `*` (Ranger writes x/X/n by character class; officials here expect *).
 * A value too short for its mask to hide anything is starred completely. null stays null.
 *
 * | kind          | example                                   | reveals at most             |
 * |---------------|-------------------------------------------|-----------------------------|
 * | SHOW_LAST_4   | 6222020200112233 → ************2233       | last 4 (when length > 4)    |
 * | SHOW_FIRST_N  | n=19: 25-digit house code → building code | first n (when length > n)   |
 * | ID_NUMBER     | 440304199001011234 → 440304********1234   | first 6 + last 4 (len ≥ 15) |
 * | PHONE         | 13812345678 → 138****5678                 | 3 + 4 (len ≥ 11), 4 (8-10)  |
 * | NAME          | 张三 → 张*, 欧阳娜娜 → 欧***              | first 1 (when length ≥ 2)   |
 * | HASH          | HMAC-SHA256(key, value), 64 hex           | nothing                     |
 * | NULL          | → null                                    | nothing                     |
 * | DATE_TO_YEAR  | 1987-05-02 → 1987                         | the year                    |
 *
 * docs/permissions.md ("Masks") gives the reasons (compound surnames, keyed hash).
 */
import type { MaskKind } from '../domain/model';

export { isMaskKind, MASK_KINDS } from '../domain/model';
export type { MaskKind } from '../domain/model';

export interface MaskOptions {
  /** SHOW_FIRST_N: number of leading characters kept (a positive integer). */
  n?: number;
  /** HASH: the masking key (at least 16 bytes). Not the PII look-up key: see docs/permissions.md. */
  hashKey?: string | Uint8Array;
}

export const STAR = '*';
export const MIN_HASH_KEY_BYTES = 16;

function codePoints(value: string): string[] {
  return Array.from(value);
}

/** Keeps the first `head` and the last `tail` code points and stars the rest. */
function keepEnds(chars: string[], head: number, tail: number): string {
  return chars.map((c, i) => (i < head || i >= chars.length - tail ? c : STAR)).join('');
}

function allStars(chars: string[]): string {
  return STAR.repeat(chars.length);
}

function hashValue(value: string, key: string | Uint8Array | undefined): string {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (!bytes || bytes.length < MIN_HASH_KEY_BYTES) {
    throw new RangeError(`HASH masks need a masking key of at least ${MIN_HASH_KEY_BYTES} bytes (options.hashKey)`);
  }
  return createHmac('sha256', bytes).update(value, 'utf8').digest('hex');
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ].*)?)?|(\d{2})(\d{2}))?$/;

function year(value: string): string | null {
  const m = DATE.exec(value.trim());
  if (!m) return null;
  const month = m[2] ?? m[4];
  const day = m[3] ?? m[5];
  if (month !== undefined && (Number(month) < 1 || Number(month) > 12)) return null;
  if (day !== undefined && (Number(day) < 1 || Number(day) > 31)) return null;
  return m[1];
}

/**
 * Applies a mask to a value. null/undefined give null. Throws RangeError for a SHOW_FIRST_N
 * without a valid `n` or a HASH without a key (a configuration error, never a data error).
 */
export function applyMask(value: string | null | undefined, kind: MaskKind, options: MaskOptions = {}): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  const chars = codePoints(text);
  switch (kind) {
    case 'NULL':
      return null;
    case 'HASH':
      return hashValue(text, options.hashKey);
    case 'DATE_TO_YEAR':
      return year(text);
    case 'SHOW_LAST_4':
      return chars.length > 4 ? keepEnds(chars, 0, 4) : allStars(chars);
    case 'SHOW_FIRST_N': {
      const n = options.n;
      if (n === undefined || !Number.isInteger(n) || n < 1) {
        throw new RangeError(`SHOW_FIRST_N needs a positive integer n, got ${String(n)}`);
      }
      return chars.length > n ? keepEnds(chars, n, 0) : allStars(chars);
    }
    case 'ID_NUMBER':
      // 18-digit (and legacy 15-digit) numbers: division of household registration + last 4.
      return chars.length >= 15 ? keepEnds(chars, 6, 4) : allStars(chars);
    case 'PHONE':
      if (chars.length >= 11) return keepEnds(chars, 3, 4);
      return chars.length >= 8 ? keepEnds(chars, 0, 4) : allStars(chars);
    case 'NAME':
      return chars.length >= 2 ? keepEnds(chars, 1, 0) : allStars(chars);
    default: {
      const never: never = kind;
      throw new RangeError(`unknown mask kind ${String(never)}`);
    }
  }
}

/**
 * The most code points of the input a mask may show for a value of `length` code points (HASH,
 * NULL: 0; DATE_TO_YEAR: the 4 digits of the year). Property tests check applyMask against it.
 */
export function maxRevealed(kind: MaskKind, length: number, n = 0): number {
  switch (kind) {
    case 'NULL':
    case 'HASH':
      return 0;
    case 'DATE_TO_YEAR':
      return Math.min(4, length);
    case 'SHOW_LAST_4':
      return length > 4 ? 4 : 0;
    case 'SHOW_FIRST_N':
      return length > n ? n : 0;
    case 'ID_NUMBER':
      return length >= 15 ? 10 : 0;
    case 'PHONE':
      return length >= 11 ? 7 : length >= 8 ? 4 : 0;
    case 'NAME':
      return length >= 2 ? 1 : 0;
  }
}
