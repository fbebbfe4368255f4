/**
 * IoT device code (物联设备编码) and parking-space code (停车泊位编码): the project's own formats,
 * for datasets that bring no national code. Both are 19 characters: a scheme letter, 17 digits,
 * and an ISO 7064 MOD 11-2 check character (0-9 or X) over those 17 digits.
 *
 *   device:  D + division of issue (6) + category (2) + serial (9)          + check
 *   parking: P + division of issue (6) + facility (6) + space (5)            + check
 *
 * The division is one of the city code's divisions of issue (DIVISIONS_OF_ISSUE). Serial numbers
 * are assigned by the platform that registers the device / the parking facility; a facility is a
 * parking lot or a numbered on-street segment, spaces are numbered within it.
 */
import {
  DIVISIONS_OF_ISSUE,
  isDivisionOfIssue,
  mod11_2Check,
  normaliseCodeText,
  type CityCodeClassCode,
  type DivisionCode,
  type Mod11_2CheckChar,
  type Parsed,
} from '../citycode';

export type DeviceCodeErrorCode = 'LENGTH' | 'PREFIX' | 'ALPHABET' | 'CHECK' | 'UNKNOWN_DIVISION' | 'UNKNOWN_CATEGORY';

/** Device categories (设备类别). Video cameras get city code class 300200, all others 300100. */
export const DEVICE_CATEGORIES = {
  '01': { label: '环境感知', name: 'Environmental sensor' },
  '02': { label: '视频监控', name: 'Video camera' },
  '03': { label: '计量仪表', name: 'Utility meter (water, power, gas)' },
  '04': { label: '交通感知', name: 'Traffic sensor' },
  '05': { label: '消防安全', name: 'Fire-safety sensor' },
  '06': { label: '结构健康监测', name: 'Structural-health monitor' },
  '07': { label: '市政设施控制', name: 'Municipal facility controller (lights, manholes)' },
  '08': { label: '停车感知', name: 'Parking sensor' },
  '99': { label: '其他', name: 'Other device' },
} as const satisfies Record<string, { label: string; name: string }>;

export type DeviceCategory = keyof typeof DEVICE_CATEGORIES;

export interface DeviceCode {
  code: string;
  division: DivisionCode;
  divisionLabel: string;
  category: DeviceCategory;
  categoryLabel: string;
  /** 9 digits. */
  serial: string;
  check: Mod11_2CheckChar;
  cityClassCode: CityCodeClassCode;
  warnings: string[];
}

export interface ParkingCode {
  code: string;
  division: DivisionCode;
  divisionLabel: string;
  /** 6 digits: parking lot or on-street segment, numbered within the division. */
  facility: string;
  /** 5 digits: space number within the facility. */
  space: string;
  check: Mod11_2CheckChar;
  warnings: string[];
}

const CODE_LENGTH = 19;

interface Scheme {
  prefix: 'D' | 'P';
  what: string;
}
const DEVICE: Scheme = { prefix: 'D', what: 'device code' };
const PARKING: Scheme = { prefix: 'P', what: 'parking-space code' };

type Checked = Parsed<{ code: string; division: DivisionCode; check: Mod11_2CheckChar }, DeviceCodeErrorCode>;

/** Length, prefix, alphabet, check and division: the rules both schemes share, in this order. */
function checkCommon(input: string, scheme: Scheme): Checked {
  const code = normaliseCodeText(input);
  const fail = (c: DeviceCodeErrorCode, reason: string): Checked => ({ ok: false, code: c, reason });
  if (code.length !== CODE_LENGTH) {
    return fail('LENGTH', `A ${scheme.what} has 19 characters but this value has ${code.length}; look for a missing or extra character.`);
  }
  if (code[0] !== scheme.prefix) {
    return fail('PREFIX', `A ${scheme.what} starts with the letter ${scheme.prefix}, not '${code[0]}'.`);
  }
  for (let i = 1; i < CODE_LENGTH; i++) {
    if (!(/[0-9]/.test(code[i]) || (i === CODE_LENGTH - 1 && code[i] === 'X'))) {
      return fail(
        'ALPHABET',
        `Character '${code[i]}' at position ${i + 1} is not allowed: positions 2-18 of a ${scheme.what} are digits and position 19 is a digit or X.`,
      );
    }
  }
  if (mod11_2Check(code.slice(1, 18)) !== code[18]) {
    return fail(
      'CHECK',
      `The check character (position 19) does not match positions 2-18 (ISO 7064 MOD 11-2): a digit is mistyped or two ` +
        `neighbouring digits are swapped; copy the ${scheme.what} again from its source.`,
    );
  }
  const division = code.slice(1, 7);
  if (!isDivisionOfIssue(division)) {
    return fail(
      'UNKNOWN_DIVISION',
      `Positions 2-7 (${division}) are not a Shenzhen division of issue; use 440300, 440303-440311 or 441521.`,
    );
  }
  return { ok: true, value: { code, division, check: code[18] as Mod11_2CheckChar } };
}

export function validateDeviceCode(input: string): Parsed<DeviceCode, DeviceCodeErrorCode> {
  const common = checkCommon(input, DEVICE);
  if (!common.ok) return common;
  const { code, division, check } = common.value;
  const category = code.slice(7, 9);
  if (!Object.hasOwn(DEVICE_CATEGORIES, category)) {
    return {
      ok: false,
      code: 'UNKNOWN_CATEGORY',
      reason: `Positions 8-9 (${category}) are not a device category; use one of ${Object.keys(DEVICE_CATEGORIES).join(', ')}.`,
    };
  }
  const cat = category as DeviceCategory;
  return {
    ok: true,
    value: {
      code,
      division,
      divisionLabel: DIVISIONS_OF_ISSUE[division].label,
      category: cat,
      categoryLabel: DEVICE_CATEGORIES[cat].label,
      serial: code.slice(9, 18),
      check,
      cityClassCode: cat === '02' ? '300200' : '300100',
      warnings: [],
    },
  };
}

export function validateParkingCode(input: string): Parsed<ParkingCode, DeviceCodeErrorCode> {
  const common = checkCommon(input, PARKING);
  if (!common.ok) return common;
  const { code, division, check } = common.value;
  return {
    ok: true,
    value: {
      code,
      division,
      divisionLabel: DIVISIONS_OF_ISSUE[division].label,
      facility: code.slice(7, 13),
      space: code.slice(13, 18),
      check,
      warnings: [],
    },
  };
}

function digits(value: number, width: number, what: string): string {
  const max = 10 ** width - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${what} must be an integer 0..${max}.`);
  return String(value).padStart(width, '0');
}

function withCheck(prefix: string, body: string): string {
  return prefix + body + mod11_2Check(body);
}

function requireDivision(division: string): void {
  if (!isDivisionOfIssue(division)) throw new RangeError(`${JSON.stringify(division)} is not a division of issue.`);
}

/** Device code for seed data or registration. Throws RangeError on bad arguments. */
export function makeDeviceCode(division: string, category: DeviceCategory, serial: number): string {
  requireDivision(division);
  if (!Object.hasOwn(DEVICE_CATEGORIES, category)) throw new RangeError(`${JSON.stringify(category)} is not a device category.`);
  return withCheck('D', division + category + digits(serial, 9, 'serial'));
}

/** Parking-space code for seed data or registration. Throws RangeError on bad arguments. */
export function makeParkingCode(division: string, facility: number, space: number): string {
  requireDivision(division);
  return withCheck('P', division + digits(facility, 6, 'facility') + digits(space, 5, 'space'));
}
