import fc from 'fast-check';
import {
  CITY_CODE_CLASSES,
  CLASS_FIRST_LEVELS,
  DISTRICT_AREAS,
  DIVISIONS_OF_ISSUE,
  cityCodeForCounter,
  deobfuscateSerial,
  districtAreaOfStreet,
  formatCityCode,
  isCityCode,
  mod11_2Check,
  normaliseCodeText,
  obfuscateSerial,
  parseCityCode,
  type CityCodeClass,
} from '../../domain/citycode';

const DIGITS = '0123456789';
const KEY = [0x1234abcd, 0x0badf00d, 0xdeadbeef, 42];

/** ISO 7064 MOD 11-2 written the other way round (explicit weights 2^k mod 11), to test mod11_2Check against. */
function referenceMod11_2(digits: string): string {
  const n = digits.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Number(digits[i]) * Number(2n ** BigInt(n - i) % 11n);
  return '10X98765432'[sum % 11];
}

function withCheck(body21: string): string {
  return body21 + mod11_2Check(body21);
}

/** Every code obtained by replacing one character with another one allowed at that position. */
function substitutions(code: string, alphabetAt: (i: number) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < code.length; i++) {
    for (const ch of alphabetAt(i)) if (ch !== code[i]) out.push(code.slice(0, i) + ch + code.slice(i + 1));
  }
  return out;
}

/** Every code obtained by swapping two different neighbouring characters. */
function adjacentSwaps(code: string): { swapped: string; at: number }[] {
  const out: { swapped: string; at: number }[] = [];
  for (let i = 0; i + 1 < code.length; i++) {
    if (code[i] !== code[i + 1]) out.push({ swapped: code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2), at: i });
  }
  return out;
}

/** 'OK' or the error code: comparing strings keeps the exhaustive loops fast and their failures readable. */
function outcome(code: string): string {
  const result = parseCityCode(code);
  return result.ok ? 'OK' : result.code;
}

const cityCodeAlphabet = (i: number): string => (i === 21 ? DIGITS + 'X' : DIGITS);

const arbCityCode = fc
  .record({
    division: fc.constantFrom(...Object.keys(DIVISIONS_OF_ISSUE)),
    classCode: fc.constantFrom(...Object.keys(CITY_CODE_CLASSES)),
    serial: fc.integer({ min: 0, max: 999_999_999 }),
  })
  .map((parts) => formatCityCode(parts));

describe('mod11_2Check (ISO 7064 MOD 11-2)', () => {
  it('gives the standard values', () => {
    expect(mod11_2Check('0794')).toBe('0'); // ISO 7064's own example: 07940
    expect(mod11_2Check('11010519491231002')).toBe('X');
    expect(mod11_2Check('44030420010000012345')).toBe('6');
    expect(mod11_2Check('440304200100000123456')).toBe('X');
  });

  it('agrees with the explicit weighted sum for any digit string', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 40 }), (ds) => {
        const s = ds.join('');
        expect(mod11_2Check(s)).toBe(referenceMod11_2(s));
      }),
    );
  });

  it('refuses anything but digits', () => {
    expect(() => mod11_2Check('')).toThrow(RangeError);
    expect(() => mod11_2Check('12a4')).toThrow(RangeError);
  });
});

describe('formatCityCode', () => {
  it('builds division + class + 9-digit serial + check', () => {
    expect(formatCityCode({ division: '440304', classCode: '200100', serial: 123456 })).toBe('440304200100000123456X');
    expect(formatCityCode({ division: '440304', classCode: '200100', serial: 123456n })).toBe('440304200100000123456X');
    expect(formatCityCode({ division: '440304', classCode: '200100', serial: '000123456' })).toBe('440304200100000123456X');
    expect(formatCityCode({ division: '440300', classCode: '010000', serial: 608505855 })).toBe('4403000100006085058555');
  });

  it('rejects unknown divisions, classes and out-of-range serials', () => {
    expect(() => formatCityCode({ division: '440312', classCode: '200100', serial: 1 })).toThrow(/not a division of issue/);
    expect(() => formatCityCode({ division: '440304', classCode: '209900', serial: 1 })).toThrow(/not a class code/);
    expect(() => formatCityCode({ division: '440304', classCode: '200100', serial: 1_000_000_000 })).toThrow(RangeError);
    expect(() => formatCityCode({ division: '440304', classCode: '200100', serial: -1 })).toThrow(RangeError);
    expect(() => formatCityCode({ division: '440304', classCode: '200100', serial: 1.5 })).toThrow(RangeError);
    expect(() => formatCityCode({ division: '440304', classCode: '200100', serial: '12345' })).toThrow(RangeError);
  });
});

describe('parseCityCode', () => {
  it('parses a known code into its parts, labels and kind', () => {
    expect(parseCityCode('440304200100000123456X')).toEqual({
      ok: true,
      value: {
        code: '440304200100000123456X',
        division: '440304',
        divisionLabel: '福田区',
        classCode: '200100',
        classLabel: '建筑物',
        className: 'Building',
        kind: 'OBJECT',
        objectKind: 'BUILDING',
        serial: '000123456',
        check: 'X',
      },
    });
  });

  it('gives persons and enterprises no objectKind', () => {
    const person = parseCityCode('4403000100006085058555');
    expect(person.ok && person.value).toMatchObject({ kind: 'PERSON', classLabel: '自然人' });
    expect(person.ok && 'objectKind' in person.value).toBe(false);
  });

  it('accepts lower-case x, spaces and full-width characters', () => {
    expect(parseCityCode('440304200100000123456x').ok).toBe(true);
    expect(parseCityCode(' 440304 200100 000123456 X ').ok).toBe(true);
    expect(parseCityCode('４４０３０４２００１０００００１２３４５６Ｘ').ok).toBe(true);
    expect(normaliseCodeText(' ４４０３ x\t')).toBe('4403X');
  });

  it('reports LENGTH with the count', () => {
    expect(parseCityCode('440304200100000123456')).toEqual({
      ok: false,
      code: 'LENGTH',
      reason:
        'A city code has 22 characters (6 division + 6 class + 9 serial + 1 check) but this value has 21; look for a missing or extra digit.',
    });
    expect(parseCityCode('')).toMatchObject({ ok: false, code: 'LENGTH' });
  });

  it('reports ALPHABET with the character and its position', () => {
    expect(parseCityCode('44030420010000012345A7')).toEqual({
      ok: false,
      code: 'ALPHABET',
      reason:
        "Character 'A' at position 21 is not allowed: positions 1-21 of a city code are digits 0-9 and position 22 is a digit or X.",
    });
    expect(parseCityCode('X40304200100000123456X')).toMatchObject({ ok: false, code: 'ALPHABET' });
    expect(parseCityCode('440304200100000123456-')).toMatchObject({ ok: false, code: 'ALPHABET' });
  });

  it('reports CHECK without revealing the expected check character', () => {
    const result = parseCityCode('4403042001000001234560');
    expect(result).toEqual({
      ok: false,
      code: 'CHECK',
      reason:
        'The check character (position 22) does not match the first 21 characters (ISO 7064 MOD 11-2): a character is mistyped ' +
        'or two neighbouring characters are swapped; copy the code again from its source.',
    });
  });

  it('reports UNKNOWN_DIVISION for a well-checked code from another division', () => {
    for (const division of ['440312', '440100', '441500', '441522', '110105']) {
      const result = parseCityCode(withCheck(division + '200100000000001'));
      expect(result).toMatchObject({ ok: false, code: 'UNKNOWN_DIVISION' });
      expect(!result.ok && result.reason).toContain(`Division of issue ${division} (positions 1-6)`);
    }
  });

  it('reports UNKNOWN_CLASS, saying whether the first level exists', () => {
    const inKnownGroup = parseCityCode(withCheck('440304' + '200900' + '000000001'));
    expect(inKnownGroup).toMatchObject({ ok: false, code: 'UNKNOWN_CLASS' });
    expect(!inKnownGroup.ok && inKnownGroup.reason).toContain('first level 20 (Building and its parts) exists but this class does not');
    const unassigned = parseCityCode(withCheck('440304' + '770000' + '000000001'));
    expect(!unassigned.ok && unassigned.reason).toContain('first level 77 is not assigned');
    expect(parseCityCode(withCheck('440304' + '010001' + '000000001'))).toMatchObject({ ok: false, code: 'UNKNOWN_CLASS' });
  });

  it('reports a typo in the division or class as CHECK, not as an unknown division or class', () => {
    expect(parseCityCode('440314200100000123456X')).toMatchObject({ code: 'CHECK' }); // 440314 does not exist
    expect(parseCityCode('440304200900000123456X')).toMatchObject({ code: 'CHECK' });
  });

  it('isCityCode agrees with parseCityCode', () => {
    expect(isCityCode('440304200100000123456X')).toBe(true);
    expect(isCityCode('440304200100000123456x')).toBe(true);
    expect(isCityCode('4403042001000001234560')).toBe(false);
  });
});

describe('class table: the kind is readable from the code', () => {
  const classes = Object.entries(CITY_CODE_CLASSES) as [string, CityCodeClass][];

  it.each(classes)('class %s round-trips with its kind', (classCode, cls) => {
    const parsed = parseCityCode(formatCityCode({ division: '440305', classCode, serial: 7 }));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.kind).toBe(cls.kind);
    expect(parsed.value.objectKind).toBe(cls.objectKind);
    expect(parsed.value.classLabel).toBe(cls.label);
  });

  it('reserves 01 for persons, 02 for legal entities and 10+ for objects', () => {
    for (const [classCode, cls] of classes) {
      const first = classCode.slice(0, 2);
      const expected = first === '01' ? 'PERSON' : first === '02' ? 'ENTERPRISE' : 'OBJECT';
      expect(cls.kind).toBe(expected);
      expect(Object.keys(CLASS_FIRST_LEVELS)).toContain(first);
      expect(CLASS_FIRST_LEVELS[first as keyof typeof CLASS_FIRST_LEVELS].kind).toBe(cls.kind);
      // An object class names its objectKind, or the model's kind its objects belong to (PublicFacility).
      expect(cls.kind === 'OBJECT').toBe((cls as { objectKind?: string }).objectKind !== undefined || (cls as { modelKind?: string }).modelKind !== undefined);
    }
    expect(classes.filter(([, c]) => c.kind === 'PERSON').map(([code]) => code)).toEqual(['010000']);
  });

  it('covers the object levels and kinds of the brief', () => {
    const kinds = new Set(classes.map(([, c]) => c.objectKind));
    for (const k of ['CITY', 'DISTRICT', 'STREET', 'COMMUNITY', 'BUILDING', 'ROOM', 'COMPONENT', 'PART', 'DEVICE', 'PARKING_SPACE', 'PIPE']) {
      expect(kinds).toContain(k);
    }
  });
});

describe('divisions of issue', () => {
  it('accepts the city, its nine districts and the two special areas', () => {
    expect(Object.keys(DIVISIONS_OF_ISSUE).sort()).toEqual([
      '440300', '440303', '440304', '440305', '440306', '440307', '440308', '440309', '440310', '440311', '441521',
    ]);
    for (const division of Object.keys(DIVISIONS_OF_ISSUE)) {
      expect(isCityCode(formatCityCode({ division, classCode: '100400', serial: 1 }))).toBe(true);
    }
  });

  it('issues 大鹏新区 under 440307 and 深汕特别合作区 under 441521', () => {
    expect(DISTRICT_AREAS.DAPENG.division).toBe('440307');
    expect(DISTRICT_AREAS.SHENSHAN.division).toBe('441521');
    expect(DIVISIONS_OF_ISSUE['440307'].areas).toEqual(['龙岗区', '大鹏新区']);
    expect(Object.keys(DISTRICT_AREAS)).toHaveLength(11);
  });

  it('tells the district-level area of a street', () => {
    expect(districtAreaOfStreet('440307010')).toBe('DAPENG'); // 大鹏街道
    expect(districtAreaOfStreet('440307012')).toBe('LONGGANG'); // 南湾街道
    expect(districtAreaOfStreet('441521105')).toBe('SHENSHAN'); // 鲘门镇
    expect(districtAreaOfStreet('441521101')).toBeNull(); // 梅陇镇, 海丰县 proper
    expect(districtAreaOfStreet('440304001')).toBe('FUTIAN');
    expect(districtAreaOfStreet('440300001')).toBeNull();
  });
});

describe('error detection (properties)', () => {
  it('rejects every single-character substitution with CHECK', () => {
    fc.assert(
      fc.property(arbCityCode, (code) => {
        expect(substitutions(code, cityCodeAlphabet).filter((wrong) => outcome(wrong) !== 'CHECK')).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects every swap of two different neighbours: CHECK, or ALPHABET when a final X moves into position 21', () => {
    fc.assert(
      fc.property(arbCityCode, (code) => {
        const expected = (at: number) => (at === 20 && code[21] === 'X' ? 'ALPHABET' : 'CHECK');
        expect(adjacentSwaps(code).filter(({ swapped, at }) => outcome(swapped) !== expected(at))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('exercises the final-X case of the swap property', () => {
    expect(parseCityCode('44030420010000012345X6')).toMatchObject({ ok: false, code: 'ALPHABET' });
  });

  it('also rejects twin errors (aa→bb) and jump transpositions (abc→cba) in the digits', () => {
    fc.assert(
      fc.property(arbCityCode, fc.integer({ min: 0, max: 18 }), fc.integer({ min: 0, max: 9 }), (code, i, d) => {
        const b = String(d);
        if (code[i] === code[i + 1] && code[i] !== b) {
          expect(parseCityCode(code.slice(0, i) + b + b + code.slice(i + 2)).ok).toBe(false);
        }
        if (code[i] !== code[i + 2]) {
          expect(parseCityCode(code.slice(0, i) + code[i + 2] + code[i + 1] + code[i] + code.slice(i + 3)).ok).toBe(false);
        }
      }),
    );
  });

  it('documented limit: a swap of two characters exactly 10 positions apart is not detected (weights repeat every 10)', () => {
    // 2 has order 10 modulo 11, so positions i and i+10 carry the same weight: 440304… and 440303… below
    // differ by swapping positions 6 and 16, and both are valid codes (of different entities).
    const code = formatCityCode({ division: '440304', classCode: '200100', serial: '000300000' });
    const swapped = code.slice(0, 5) + code[15] + code.slice(6, 15) + code[5] + code.slice(16);
    expect(swapped).toBe(formatCityCode({ division: '440303', classCode: '200100', serial: '000400000' }));
    expect(parseCityCode(swapped).ok).toBe(true);
  });
});

describe('serial obfuscation', () => {
  const arbKey = fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 8 });
  const arbSerial = fc.integer({ min: 0, max: 999_999_999 });

  it('is pinned: the permutation may never change once codes are issued', () => {
    expect([0, 1, 2].map((c) => obfuscateSerial(c, [1, 2, 3, 4]))).toEqual([608505855, 686968940, 961228861]);
  });

  it('stays in 0..999,999,999 and is inverted by deobfuscateSerial, both ways round', () => {
    fc.assert(
      fc.property(arbKey, arbSerial, (key, x) => {
        const y = obfuscateSerial(x, key);
        expect(Number.isInteger(y) && y >= 0 && y < 1_000_000_000).toBe(true);
        expect(deobfuscateSerial(y, key)).toBe(x);
        const z = deobfuscateSerial(x, key);
        expect(z >= 0 && z < 1_000_000_000).toBe(true);
        expect(obfuscateSerial(z, key)).toBe(x);
      }),
      { numRuns: 2000 },
    );
  });

  it('is injective on a block of 100,000 consecutive counters, near both ends of the range', () => {
    for (const start of [0, 999_900_000]) {
      const seen = new Set<number>();
      for (let c = start; c < start + 100_000; c++) seen.add(obfuscateSerial(c, KEY));
      expect(seen.size).toBe(100_000);
    }
  });

  it('does not reveal issue order', () => {
    const serials = Array.from({ length: 10_000 }, (_, c) => obfuscateSerial(c, KEY));
    const rising = serials.slice(1).filter((s, i) => s > serials[i]).length;
    expect(rising).toBeGreaterThan(4_500);
    expect(rising).toBeLessThan(5_500);
    expect(Math.min(...serials)).toBeLessThan(1_000_000);
    expect(Math.max(...serials)).toBeGreaterThan(999_000_000);
  });

  it('depends on the key', () => {
    const a = Array.from({ length: 100 }, (_, c) => obfuscateSerial(c, [1, 2, 3, 4]));
    const b = Array.from({ length: 100 }, (_, c) => obfuscateSerial(c, [1, 2, 3, 5]));
    expect(a.filter((s, i) => s === b[i]).length).toBeLessThan(3);
  });

  it('accepts bigint counters and rejects bad counters and keys', () => {
    expect(obfuscateSerial(5n, KEY)).toBe(obfuscateSerial(5, KEY));
    expect(() => obfuscateSerial(1_000_000_000, KEY)).toThrow(RangeError);
    expect(() => obfuscateSerial(1_000_000_000n, KEY)).toThrow(RangeError);
    expect(() => obfuscateSerial(-1, KEY)).toThrow(RangeError);
    expect(() => obfuscateSerial(0.5, KEY)).toThrow(RangeError);
    expect(() => obfuscateSerial(1, [1, 2, 3])).toThrow(/at least 4 integers/);
    expect(() => obfuscateSerial(1, [1, 2, 3, 2 ** 32])).toThrow(RangeError);
    expect(() => deobfuscateSerial(1_000_000_000, KEY)).toThrow(RangeError);
  });

  it('cityCodeForCounter issues distinct person codes whose serial leads back to the counter only with the key', () => {
    const codes = Array.from({ length: 1000 }, (_, counter) => cityCodeForCounter({ division: '440304', classCode: '010000', counter }, KEY));
    expect(new Set(codes).size).toBe(1000);
    codes.forEach((code, counter) => {
      const parsed = parseCityCode(code);
      expect(parsed.ok && parsed.value.kind).toBe('PERSON');
      expect(parsed.ok && deobfuscateSerial(Number(parsed.value.serial), KEY)).toBe(counter);
    });
  });
});
