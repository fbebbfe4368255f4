/**
 * City code (城市码): one identifier format for persons (人), legal entities (企) and objects (物).
 *
 *   division of issue (6) + class (6 = three 2-digit levels) + serial (9) + check (1) = 22 characters
 *   e.g. 440304 200100 000123456 7
 *
 * Layout after CJ/T 553-2024; the check character is ISO 7064 MOD 11-2 (the one of the citizen ID),
 * which catches every single-character error and every swap of two neighbouring characters.
 * The spec, with the reasons behind each choice, is docs/city-code.md. Pure: no I/O.
 */

/** Result of every parser and validator in domain/: a value, or a machine code plus a sentence saying what to fix. */
export type Parsed<V, C extends string> = { ok: true; value: V } | { ok: false; code: C; reason: string };

export type EntityKind = 'PERSON' | 'ENTERPRISE' | 'OBJECT';

export type ObjectKind =
  | 'CITY'
  | 'DISTRICT'
  | 'STREET'
  | 'COMMUNITY'
  | 'GRID'
  | 'CONTROL_POINT'
  | 'BUILDING'
  | 'ROOM'
  | 'COMPONENT'
  | 'PART'
  | 'DEVICE'
  | 'PARKING_LOT'
  | 'PARKING_SPACE'
  | 'PIPE';

export interface CityCodeClass {
  /** Chinese label, as officials read it. */
  readonly label: string;
  /** English name. */
  readonly name: string;
  readonly kind: EntityKind;
  readonly objectKind?: ObjectKind;
  /** The city model's kind (domain/model.ts) of the objects of this class, when it is not CityObject. */
  readonly modelKind?: string;
}

/**
 * The class table (分类代码表). Key: 6-digit class code = first level + second level + third level.
 * First level 01 = person, 02 = legal entity, 03-09 reserved for further subject kinds,
 * 10-98 objects, 99 reserved. Third level 00 = the class as a whole (finer classes are reserved).
 * A class, once published, is never renumbered or reused (codes carrying it live forever).
 * Persons have a single class on purpose: any subclass (citizen, foreigner, ...) would be personal data.
 */
export const CITY_CODE_CLASSES = {
  '010000': { label: '自然人', name: 'Person', kind: 'PERSON' },

  '020100': { label: '企业', name: 'Enterprise', kind: 'ENTERPRISE' },
  '020200': { label: '个体工商户', name: 'Individual business', kind: 'ENTERPRISE' },
  '020300': { label: '农民专业合作社', name: "Farmers' cooperative", kind: 'ENTERPRISE' },
  '020400': { label: '机关', name: 'Government body', kind: 'ENTERPRISE' },
  '020500': { label: '事业单位', name: 'Public institution', kind: 'ENTERPRISE' },
  '020600': { label: '社会组织', name: 'Social organisation', kind: 'ENTERPRISE' },
  '029900': { label: '其他组织', name: 'Other organisation', kind: 'ENTERPRISE' },

  '100100': { label: '市域', name: 'City', kind: 'OBJECT', objectKind: 'CITY' },
  '100200': { label: '城区', name: 'District', kind: 'OBJECT', objectKind: 'DISTRICT' },
  '100300': { label: '街道', name: 'Street (subdistrict)', kind: 'OBJECT', objectKind: 'STREET' },
  '100400': { label: '社区', name: 'Community', kind: 'OBJECT', objectKind: 'COMMUNITY' },
  '100500': { label: '网格', name: 'Grid', kind: 'OBJECT', objectKind: 'GRID' },

  // 时空基准 (spatial reference): survey control points.
  '110100': { label: '测量控制点', name: 'Survey control point', kind: 'OBJECT', objectKind: 'CONTROL_POINT' },

  '200100': { label: '建筑物', name: 'Building', kind: 'OBJECT', objectKind: 'BUILDING' },
  '200200': { label: '房屋（套间）', name: 'Room / unit', kind: 'OBJECT', objectKind: 'ROOM' },
  '200300': { label: '构件', name: 'Building component', kind: 'OBJECT', objectKind: 'COMPONENT' },
  '200400': { label: '零件', name: 'Part', kind: 'OBJECT', objectKind: 'PART' },

  '300100': { label: '物联感知设备', name: 'IoT sensing device', kind: 'OBJECT', objectKind: 'DEVICE' },
  '300200': { label: '视频监控设备', name: 'Video camera', kind: 'OBJECT', objectKind: 'DEVICE' },

  '400100': { label: '停车场', name: 'Parking facility', kind: 'OBJECT', objectKind: 'PARKING_LOT' },
  '400200': { label: '停车泊位', name: 'Parking space', kind: 'OBJECT', objectKind: 'PARKING_SPACE' },

  '500100': { label: '给水管线', name: 'Water supply pipe', kind: 'OBJECT', objectKind: 'PIPE' },
  '500200': { label: '排水管线', name: 'Drainage pipe', kind: 'OBJECT', objectKind: 'PIPE' },
  '500300': { label: '燃气管线', name: 'Gas pipe', kind: 'OBJECT', objectKind: 'PIPE' },
  '500400': { label: '电力管线', name: 'Power duct', kind: 'OBJECT', objectKind: 'PIPE' },
  '500500': { label: '通信管线', name: 'Telecom duct', kind: 'OBJECT', objectKind: 'PIPE' },
  '500600': { label: '综合管廊', name: 'Utility tunnel', kind: 'OBJECT', objectKind: 'PIPE' },

  // Public-service facilities (公共服务设施): objects of their own kind in the city model (PublicFacility).
  '600100': { label: '学校', name: 'School', kind: 'OBJECT', modelKind: 'PublicFacility' },
  '600200': { label: '医院', name: 'Hospital', kind: 'OBJECT', modelKind: 'PublicFacility' },
  '600300': { label: '公园', name: 'Park', kind: 'OBJECT', modelKind: 'PublicFacility' },
  '600400': { label: '养老机构', name: 'Elderly-care home', kind: 'OBJECT', modelKind: 'PublicFacility' },

  // Public-management events (公共管理事项): objects of their own kind (ManagementEvent).
  '700100': { label: '行政许可', name: 'Administrative permit', kind: 'OBJECT', modelKind: 'ManagementEvent' },
  '700200': { label: '监督检查', name: 'Inspection', kind: 'OBJECT', modelKind: 'ManagementEvent' },
  '700300': { label: '网格事件', name: 'Grid event', kind: 'OBJECT', modelKind: 'ManagementEvent' },

  // Open internet data (互联网开放): points of interest (PointOfInterest).
  '800100': { label: '兴趣点', name: 'Point of interest', kind: 'OBJECT', modelKind: 'PointOfInterest' },
} as const satisfies Record<string, CityCodeClass>;

export type CityCodeClassCode = keyof typeof CITY_CODE_CLASSES;

/** First-level class groups, so the kind can be read from the first two digits of the class. */
export const CLASS_FIRST_LEVELS = {
  '01': { label: '人', name: 'Person', kind: 'PERSON' },
  '02': { label: '企（法人和其他组织）', name: 'Legal entity', kind: 'ENTERPRISE' },
  '10': { label: '区域', name: 'Region', kind: 'OBJECT' },
  '20': { label: '建筑物', name: 'Building and its parts', kind: 'OBJECT' },
  '30': { label: '物联设备', name: 'IoT device', kind: 'OBJECT' },
  '40': { label: '停车', name: 'Parking', kind: 'OBJECT' },
  '50': { label: '地下管线', name: 'Pipe / underground network', kind: 'OBJECT' },
  '60': { label: '公共服务设施', name: 'Public-service facility', kind: 'OBJECT' },
  '11': { label: '时空基准', name: 'Spatial reference', kind: 'OBJECT' },
  '70': { label: '公共管理事项', name: 'Public-management event', kind: 'OBJECT' },
  '80': { label: '互联网开放数据', name: 'Open internet data', kind: 'OBJECT' },
} as const satisfies Record<string, { label: string; name: string; kind: EntityKind }>;

export interface DivisionOfIssue {
  readonly label: string;
  readonly name: string;
  /** The district-level areas (of the 1+11 platforms) that issue under this division. */
  readonly areas: readonly string[];
}

/**
 * Divisions of issue (赋码行政区划). All are real GB/T 2260 codes. The two areas without a code of
 * their own issue under the code of the county that legally contains them: 大鹏新区 under 龙岗区
 * 440307 (its streets are 440307009-011), 深汕特别合作区 under 海丰县 441521 (its towns are
 * 441521102-105). The division of issue only says who issued a code; where an entity lies is
 * recorded in space, never read from its code.
 */
export const DIVISIONS_OF_ISSUE = {
  '440300': { label: '深圳市', name: 'Shenzhen (city platform)', areas: ['深圳市'] },
  '440303': { label: '罗湖区', name: 'Luohu', areas: ['罗湖区'] },
  '440304': { label: '福田区', name: 'Futian', areas: ['福田区'] },
  '440305': { label: '南山区', name: 'Nanshan', areas: ['南山区'] },
  '440306': { label: '宝安区', name: "Bao'an", areas: ['宝安区'] },
  '440307': { label: '龙岗区（含大鹏新区）', name: 'Longgang, also Dapeng New Area', areas: ['龙岗区', '大鹏新区'] },
  '440308': { label: '盐田区', name: 'Yantian', areas: ['盐田区'] },
  '440309': { label: '龙华区', name: 'Longhua', areas: ['龙华区'] },
  '440310': { label: '坪山区', name: 'Pingshan', areas: ['坪山区'] },
  '440311': { label: '光明区', name: 'Guangming', areas: ['光明区'] },
  '441521': {
    label: '深汕特别合作区（海丰县代码）',
    name: 'Shenzhen-Shanwei Special Cooperation Zone (Haifeng County code)',
    areas: ['深汕特别合作区'],
  },
} as const satisfies Record<string, DivisionOfIssue>;

export type DivisionCode = keyof typeof DIVISIONS_OF_ISSUE;

export interface DistrictArea {
  readonly label: string;
  readonly name: string;
  readonly division: DivisionCode;
  /** Set for the two areas without a GB/T 2260 code: the 9-digit street/town codes they manage. */
  readonly streets?: readonly string[];
}

/** The 11 district-level areas of Shenzhen and the division each issues city codes under. */
export const DISTRICT_AREAS = {
  LUOHU: { label: '罗湖区', name: 'Luohu', division: '440303' },
  FUTIAN: { label: '福田区', name: 'Futian', division: '440304' },
  NANSHAN: { label: '南山区', name: 'Nanshan', division: '440305' },
  BAOAN: { label: '宝安区', name: "Bao'an", division: '440306' },
  LONGGANG: { label: '龙岗区', name: 'Longgang', division: '440307' },
  YANTIAN: { label: '盐田区', name: 'Yantian', division: '440308' },
  LONGHUA: { label: '龙华区', name: 'Longhua', division: '440309' },
  PINGSHAN: { label: '坪山区', name: 'Pingshan', division: '440310' },
  GUANGMING: { label: '光明区', name: 'Guangming', division: '440311' },
  DAPENG: {
    label: '大鹏新区',
    name: 'Dapeng New Area',
    division: '440307',
    streets: ['440307009', '440307010', '440307011'],
  },
  SHENSHAN: {
    label: '深汕特别合作区',
    name: 'Shenzhen-Shanwei Special Cooperation Zone',
    division: '441521',
    streets: ['441521102', '441521103', '441521104', '441521105'],
  },
} as const satisfies Record<string, DistrictArea>;

export type DistrictAreaKey = keyof typeof DISTRICT_AREAS;

/** The district-level area a 9-digit street code belongs to (大鹏 and 深汕 by their streets), or null. */
export function districtAreaOfStreet(street: string): DistrictAreaKey | null {
  const keys = Object.keys(DISTRICT_AREAS) as DistrictAreaKey[];
  const special = keys.find((k) => {
    const streets: readonly string[] | undefined = (DISTRICT_AREAS[k] as DistrictArea).streets;
    return streets?.includes(street) ?? false;
  });
  if (special) return special;
  const division = street.slice(0, 6);
  if (division === '441521') return null; // the rest of 海丰县 is not Shenzhen
  return keys.find((k) => DISTRICT_AREAS[k].division === division && !('streets' in DISTRICT_AREAS[k])) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Text and check character

/**
 * Canonical text of a code as typed or pasted: full-width characters to ASCII (NFKC),
 * whitespace removed, letters upper-cased. Every validator in domain/ applies it first.
 */
export function normaliseCodeText(input: string): string {
  return input.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

export type Mod11_2CheckChar = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | 'X';

/**
 * ISO 7064 MOD 11-2 check character of a digit string (any length >= 1). The complete string
 * (digits + check, X counting 10) then satisfies Σ aᵢ·2^(n−i) ≡ 1 (mod 11), weights read from
 * the right starting at 1 for the check character.
 */
export function mod11_2Check(digits: string): Mod11_2CheckChar {
  if (!/^[0-9]+$/.test(digits)) {
    throw new RangeError('mod11_2Check needs a non-empty string of digits 0-9.');
  }
  let p = 0;
  for (const ch of digits) p = ((p + ch.charCodeAt(0) - 48) * 2) % 11;
  const c = (12 - p) % 11;
  return (c === 10 ? 'X' : String(c)) as Mod11_2CheckChar;
}

// ---------------------------------------------------------------------------------------------
// Format and parse

export const CITY_CODE_LENGTH = 22;
export const SERIAL_LIMIT = 1_000_000_000; // serials are 000000000..999999999

export interface CityCodeParts {
  division: string;
  classCode: string;
  /** 0..999,999,999, or its 9-digit text. For persons it must come from obfuscateSerial. */
  serial: number | bigint | string;
}

export interface CityCode {
  /** The 22-character code. */
  code: string;
  division: DivisionCode;
  divisionLabel: string;
  classCode: CityCodeClassCode;
  classLabel: string;
  className: string;
  kind: EntityKind;
  objectKind?: ObjectKind;
  /** 9 digits, leading zeros kept. */
  serial: string;
  check: Mod11_2CheckChar;
}

export type CityCodeErrorCode = 'LENGTH' | 'ALPHABET' | 'CHECK' | 'UNKNOWN_CLASS' | 'UNKNOWN_DIVISION';

export function isDivisionOfIssue(division: string): division is DivisionCode {
  return Object.hasOwn(DIVISIONS_OF_ISSUE, division);
}

export function isCityCodeClass(classCode: string): classCode is CityCodeClassCode {
  return Object.hasOwn(CITY_CODE_CLASSES, classCode);
}

function serialText(serial: number | bigint | string): string {
  const text = typeof serial === 'string' ? serial : String(serial);
  const ok =
    typeof serial === 'string'
      ? /^[0-9]{9}$/.test(serial)
      : /^[0-9]+$/.test(text) && BigInt(text) < BigInt(SERIAL_LIMIT);
  if (!ok) {
    throw new RangeError(`Serial must be an integer 0..999999999 or 9 digits; got ${JSON.stringify(text)}.`);
  }
  return text.padStart(9, '0');
}

const DIVISION_HINT =
  'use 440300 (city), 440303-440311 (districts; 大鹏新区 issues under 440307) or 441521 (深汕特别合作区).';

/** Build a city code and compute its check character. Throws RangeError on an unknown division or class. */
export function formatCityCode(parts: CityCodeParts): string {
  if (!isDivisionOfIssue(parts.division)) {
    throw new RangeError(`${JSON.stringify(parts.division)} is not a division of issue; ${DIVISION_HINT}`);
  }
  if (!isCityCodeClass(parts.classCode)) {
    throw new RangeError(`${JSON.stringify(parts.classCode)} is not a class code of CITY_CODE_CLASSES.`);
  }
  const body = parts.division + parts.classCode + serialText(parts.serial);
  return body + mod11_2Check(body);
}

function fail(code: CityCodeErrorCode, reason: string): Parsed<CityCode, CityCodeErrorCode> {
  return { ok: false, code, reason };
}

/**
 * Parse and check a city code. Checks run in this order, so a typo is always reported as CHECK
 * rather than as an unknown division or class: LENGTH, ALPHABET, CHECK, UNKNOWN_DIVISION, UNKNOWN_CLASS.
 */
export function parseCityCode(input: string): Parsed<CityCode, CityCodeErrorCode> {
  const code = normaliseCodeText(input);
  if (code.length !== CITY_CODE_LENGTH) {
    return fail(
      'LENGTH',
      `A city code has 22 characters (6 division + 6 class + 9 serial + 1 check) but this value has ${code.length}; ` +
        'look for a missing or extra digit.',
    );
  }
  for (let i = 0; i < CITY_CODE_LENGTH; i++) {
    const ch = code[i];
    const allowed = i < CITY_CODE_LENGTH - 1 ? /[0-9]/.test(ch) : /[0-9X]/.test(ch);
    if (!allowed) {
      return fail(
        'ALPHABET',
        `Character '${ch}' at position ${i + 1} is not allowed: positions 1-21 of a city code are digits 0-9 ` +
          'and position 22 is a digit or X.',
      );
    }
  }
  const body = code.slice(0, 21);
  if (mod11_2Check(body) !== code[21]) {
    return fail(
      'CHECK',
      'The check character (position 22) does not match the first 21 characters (ISO 7064 MOD 11-2): ' +
        'a character is mistyped or two neighbouring characters are swapped; copy the code again from its source.',
    );
  }
  const division = code.slice(0, 6);
  if (!isDivisionOfIssue(division)) {
    return fail('UNKNOWN_DIVISION', `Division of issue ${division} (positions 1-6) is not a Shenzhen issuing division; ${DIVISION_HINT}`);
  }
  const classCode = code.slice(6, 12);
  if (!isCityCodeClass(classCode)) {
    const first = classCode.slice(0, 2);
    const group = Object.hasOwn(CLASS_FIRST_LEVELS, first)
      ? `first level ${first} (${CLASS_FIRST_LEVELS[first as keyof typeof CLASS_FIRST_LEVELS].name}) exists but this class does not`
      : `first level ${first} is not assigned`;
    return fail(
      'UNKNOWN_CLASS',
      `Class code ${classCode} (positions 7-12) is not in the city code class table: ${group}; ` +
        'use a class listed in CITY_CODE_CLASSES (docs/city-code.md).',
    );
  }
  const cls: CityCodeClass = CITY_CODE_CLASSES[classCode];
  const value: CityCode = {
    code,
    division,
    divisionLabel: DIVISIONS_OF_ISSUE[division].label,
    classCode,
    classLabel: cls.label,
    className: cls.name,
    kind: cls.kind,
    serial: code.slice(12, 21),
    check: code[21] as Mod11_2CheckChar,
  };
  if (cls.objectKind) value.objectKind = cls.objectKind;
  return { ok: true, value };
}

export function isCityCode(input: string): boolean {
  return parseCityCode(input).ok;
}

// ---------------------------------------------------------------------------------------------
// Serial obfuscation: a keyed bijection on 0..999,999,999

const HALF_BITS = 15;
const HALF_MASK = (1 << HALF_BITS) - 1; // two 15-bit halves: a permutation of 0..2^30-1
const ROUNDS = 8;

/** Round keys per serial-key array: computed once per key, not once per code (the issuer's hot path). */
const ROUND_KEYS = new WeakMap<readonly number[], number[]>();

function roundKeys(key: readonly number[]): number[] {
  let rk = ROUND_KEYS.get(key);
  if (!rk) {
    rk = computeRoundKeys(key);
    // A frozen key cannot change after caching; an unfrozen one is recomputed every time.
    if (Object.isFrozen(key)) ROUND_KEYS.set(key, rk);
  }
  return rk;
}

function computeRoundKeys(key: readonly number[]): number[] {
  if (key.length < 4 || !key.every((k) => Number.isInteger(k) && k >= 0 && k <= 0xffffffff)) {
    throw new RangeError('The serial key must be at least 4 integers in 0..4294967295 (keep it secret, never change it).');
  }
  return Array.from({ length: ROUNDS }, (_, i) => (key[i % key.length] ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0);
}

/** Round function: murmur3's 32-bit finaliser on (half XOR round key), cut to 15 bits. */
function mix(half: number, roundKey: number): number {
  let h = (half ^ roundKey) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & HALF_MASK;
}

function feistelForward(x: number, rk: readonly number[]): number {
  let l = x >>> HALF_BITS;
  let r = x & HALF_MASK;
  for (let i = 0; i < ROUNDS; i++) [l, r] = [r, l ^ mix(r, rk[i])];
  return l * (HALF_MASK + 1) + r;
}

function feistelBackward(y: number, rk: readonly number[]): number {
  let l = y >>> HALF_BITS;
  let r = y & HALF_MASK;
  for (let i = ROUNDS - 1; i >= 0; i--) [l, r] = [r ^ mix(l, rk[i]), l];
  return l * (HALF_MASK + 1) + r;
}

function serialNumber(value: number | bigint, what: string): number {
  const n = typeof value === 'bigint' ? (value < BigInt(SERIAL_LIMIT) && value >= 0n ? Number(value) : -1) : value;
  if (!Number.isInteger(n) || n < 0 || n >= SERIAL_LIMIT) {
    throw new RangeError(`${what} must be an integer in 0..999999999; got ${String(value)}.`);
  }
  return n;
}

/**
 * Map an issuing counter to the serial written in the code: an 8-round Feistel permutation of
 * 0..2^30−1 restricted to 0..999,999,999 by cycle-walking, so serials do not reveal issue order.
 * Obfuscation, not encryption: it hides order and count from readers of codes; the counter and
 * key stay in the issuing service.
 */
export function obfuscateSerial(counter: number | bigint, key: readonly number[]): number {
  const rk = roundKeys(key);
  let y = feistelForward(serialNumber(counter, 'Counter'), rk);
  while (y >= SERIAL_LIMIT) y = feistelForward(y, rk);
  return y;
}

/** Inverse of obfuscateSerial: the counter a serial was issued from. */
export function deobfuscateSerial(serial: number | bigint, key: readonly number[]): number {
  const rk = roundKeys(key);
  let x = feistelBackward(serialNumber(serial, 'Serial'), rk);
  while (x >= SERIAL_LIMIT) x = feistelBackward(x, rk);
  return x;
}

/** The city code for the counter-th issue in (division, class): the one-call helper for the issuing service. */
export function cityCodeForCounter(
  parts: { division: string; classCode: string; counter: number | bigint },
  key: readonly number[],
): string {
  return formatCityCode({ division: parts.division, classCode: parts.classCode, serial: obfuscateSerial(parts.counter, key) });
}
