/**
 * Citizen ID number (公民身份号码), GB 11643-1999:
 *   address code (6, GB/T 2260) + birth date (8, YYYYMMDD) + sequence (3, odd = male) + check (1)
 * The check is ISO 7064 MOD 11-2: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, R = Σ mod 11,
 * R = 0..10 gives 1 0 X 9 8 7 6 5 4 3 2. Legacy 15-digit numbers (GB 11643-1989: 6 + YYMMDD + 3,
 * no check) are accepted with a warning and canonicalised to 18 digits.
 *
 * Reasons never repeat the number or the birth date: error messages end up in logs.
 */
import { mod11_2Check, normaliseCodeText, type Mod11_2CheckChar, type Parsed } from '../citycode';

export type CitizenIdErrorCode = 'LENGTH' | 'ALPHABET' | 'CHECK' | 'UNKNOWN_DIVISION' | 'DATE';
export type Sex = 'MALE' | 'FEMALE';

export interface CitizenId {
  /** Canonical 18-character number (legacy numbers upgraded), upper-case X. */
  idNumber: string;
  /** Address code of first registration (GB/T 2260; may be a retired code). */
  division: string;
  /** YYYY-MM-DD. */
  birthDate: string;
  /** 3 digits. */
  sequence: string;
  sex: Sex;
  check: Mod11_2CheckChar;
  /** True when the input was a 15-digit legacy number. */
  legacy: boolean;
  warnings: string[];
}

export interface CitizenIdOptions {
  /** Today's date (YYYYMMDD) for the "not in the future" rule; defaults to today in China (UTC+8). */
  today?: string;
}

/** GB/T 2260 province-level codes, plus 81/82/83 used by residence permits of HK, Macao and Taiwan residents. */
const PROVINCES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43',
  '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82', '83',
]);

/** Births before this year are not plausible for a number issued from 1984 on. */
const EARLIEST_BIRTH_YEAR = 1850;

export function citizenIdCheckChar(first17: string): Mod11_2CheckChar {
  if (!/^[0-9]{17}$/.test(first17)) throw new RangeError('citizenIdCheckChar needs exactly 17 digits.');
  return mod11_2Check(first17);
}

/** Today's date in China (UTC+8) as YYYYMMDD; kept for the day it was computed in (ingest checks millions of numbers). */
let today = { from: 0, until: 0, value: '' };
function todayInChina(): string {
  const now = Date.now();
  if (now >= today.from && now < today.until) return today.value;
  const day = 86_400_000;
  const shifted = now + 8 * 3_600_000;
  const from = now - (((shifted % day) + day) % day);
  today = { from, until: from + day, value: new Date(shifted).toISOString().slice(0, 10).replace(/-/g, '') };
  return today.value;
}

function isRealDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return d <= days;
}

/** Why a birth date is wrong, or null when it is fine. */
function birthDateProblem(yyyymmdd: string, today: string): string | null {
  if (!isRealDate(yyyymmdd)) return 'is not a real calendar date';
  if (yyyymmdd > today) return 'lies in the future';
  if (Number(yyyymmdd.slice(0, 4)) < EARLIEST_BIRTH_YEAR) return `is before ${EARLIEST_BIRTH_YEAR}`;
  return null;
}

function divisionProblem(division: string): string | null {
  const province = division.slice(0, 2);
  if (province.startsWith('9')) {
    return 'A number starting with 9 is a foreigner\'s permanent residence ID number, not a citizen ID number; record it under its own scheme.';
  }
  if (!PROVINCES.has(province)) {
    return `Positions 1-2 (${province}) are not a GB/T 2260 province code, so positions 1-6 are not an address code; re-enter the number from the ID card.`;
  }
  return null;
}

function fail(code: CitizenIdErrorCode, reason: string): Parsed<CitizenId, CitizenIdErrorCode> {
  return { ok: false, code, reason };
}

/**
 * Validate a citizen ID number (18 characters, or a legacy 15-digit number).
 * Checks run in the order LENGTH, ALPHABET, CHECK, UNKNOWN_DIVISION, DATE, so any typo in an
 * 18-character number is reported as CHECK.
 */
export function validateCitizenId(input: string, options: CitizenIdOptions = {}): Parsed<CitizenId, CitizenIdErrorCode> {
  const id = normaliseCodeText(input);
  if (id.length !== 18 && id.length !== 15) {
    return fail(
      'LENGTH',
      `A citizen ID number has 18 characters (legacy numbers issued before 1999: 15 digits) but this value has ${id.length}; ` +
        'look for a missing or extra digit.',
    );
  }
  const legacy = id.length === 15;
  const bad = [...id].findIndex((ch, i) => !(/[0-9]/.test(ch) || (!legacy && i === 17 && ch === 'X')));
  if (bad >= 0) {
    return fail(
      'ALPHABET',
      legacy
        ? `Character '${id[bad]}' at position ${bad + 1} is not allowed: a legacy 15-digit citizen ID number has digits only.`
        : `Character '${id[bad]}' at position ${bad + 1} is not allowed: positions 1-17 of a citizen ID number are digits 0-9 and position 18 is a digit or X.`,
    );
  }
  if (!legacy && citizenIdCheckChar(id.slice(0, 17)) !== id[17]) {
    return fail(
      'CHECK',
      'The check character (position 18) does not match the first 17 digits (GB 11643-1999, ISO 7064 MOD 11-2): ' +
        'a digit is mistyped or two neighbouring digits are swapped; read the number again from the ID card.',
    );
  }
  const division = id.slice(0, 6);
  const divisionIssue = divisionProblem(division);
  if (divisionIssue) return fail('UNKNOWN_DIVISION', divisionIssue);

  const birth = legacy ? '19' + id.slice(6, 12) : id.slice(6, 14);
  const dateIssue = birthDateProblem(birth, options.today ?? todayInChina());
  if (dateIssue) {
    const where = legacy ? 'positions 7-12 (YYMMDD, read as 19YY)' : 'positions 7-14 (YYYYMMDD)';
    return fail('DATE', `The birth date in ${where} ${dateIssue}; re-enter the number from the ID card.`);
  }

  const sequence = legacy ? id.slice(12, 15) : id.slice(14, 17);
  const first17 = division + birth + sequence;
  const warnings: string[] = [];
  if (legacy) {
    warnings.push(
      'Legacy 15-digit number (GB 11643-1989): it has no check digit, so typing errors cannot be detected; ' +
        'it was upgraded to its 18-digit form, which is the canonical value.',
    );
    if (Number(sequence) >= 996) {
      warnings.push(
        'Sequence 996-999 of a 15-digit number was reserved for centenarians: the birth year may be 18YY rather than 19YY; confirm it before use.',
      );
    }
  }
  const check = citizenIdCheckChar(first17);
  return {
    ok: true,
    value: {
      idNumber: first17 + check,
      division,
      birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`,
      sequence,
      sex: Number(sequence) % 2 === 1 ? 'MALE' : 'FEMALE',
      check,
      legacy,
      warnings,
    },
  };
}

/** 15-digit legacy number → 18-digit number ("19" inserted before YYMMDD, check computed). Throws RangeError if invalid. */
export function upgradeLegacyCitizenId(legacy15: string, options: CitizenIdOptions = {}): string {
  const text = normaliseCodeText(legacy15);
  if (text.length !== 15) throw new RangeError('upgradeLegacyCitizenId takes a 15-digit legacy citizen ID number.');
  const result = validateCitizenId(text, options);
  if (!result.ok) throw new RangeError(result.reason);
  return result.value.idNumber;
}

/**
 * A synthetic, valid citizen ID number for seed data. Throws RangeError on bad arguments.
 * @param division 6-digit address code, e.g. '440304'
 * @param birthDate YYYYMMDD, a real date not in the future
 * @param sequence 0..999; odd = male, even = female
 */
export function makeCitizenId(division: string, birthDate: string, sequence: number, options: CitizenIdOptions = {}): string {
  if (!/^[0-9]{6}$/.test(division)) throw new RangeError('division must be 6 digits.');
  const divisionIssue = divisionProblem(division);
  if (divisionIssue) throw new RangeError(divisionIssue);
  if (!/^[0-9]{8}$/.test(birthDate)) throw new RangeError('birthDate must be YYYYMMDD.');
  const dateIssue = birthDateProblem(birthDate, options.today ?? todayInChina());
  if (dateIssue) throw new RangeError(`birthDate ${dateIssue}.`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 999) throw new RangeError('sequence must be an integer 0..999.');
  const first17 = division + birthDate + String(sequence).padStart(3, '0');
  return first17 + citizenIdCheckChar(first17);
}
