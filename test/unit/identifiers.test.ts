import fc from 'fast-check';
import { DIVISIONS_OF_ISSUE, formatCityCode, mod11_2Check } from '../../domain/citycode';
import {
  DEVICE_CATEGORIES,
  IDENTIFIER_SCHEMES,
  USCC_ALPHABET,
  USCC_AUTHORITIES,
  citizenIdCheckChar,
  makeBuildingCode,
  makeCitizenId,
  makeDeviceCode,
  makeHouseCode,
  makeParkingCode,
  makeUscc,
  organisationCodeCheckChar,
  resolveCode,
  upgradeLegacyCitizenId,
  usccCheckChar,
  validateBuildingCode,
  validateCitizenId,
  validateDeviceCode,
  validateHouseCode,
  validateParkingCode,
  validateUscc,
  type DeviceCategory,
} from '../../domain/identifiers';

const DIGITS = '0123456789';
const TODAY = { today: '20250601' };

function substitutions(code: string, alphabetAt: (i: number) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < code.length; i++) {
    for (const ch of alphabetAt(i)) if (ch !== code[i]) out.push(code.slice(0, i) + ch + code.slice(i + 1));
  }
  return out;
}

function adjacentSwaps(code: string): { swapped: string; at: number }[] {
  const out: { swapped: string; at: number }[] = [];
  for (let i = 0; i + 1 < code.length; i++) {
    if (code[i] !== code[i + 1]) out.push({ swapped: code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2), at: i });
  }
  return out;
}

/** The citizen ID check exactly as GB 11643-1999 states it, to test the implementation against. */
function gb11643Check(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const r = weights.reduce((sum, w, i) => sum + w * Number(first17[i]), 0) % 11;
  return '10X98765432'[r];
}

/** The USCC check exactly as GB 32100-2015 states it. */
function gb32100Check(first17: string): string {
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = weights.reduce((acc, w, i) => acc + w * USCC_ALPHABET.indexOf(first17[i]), 0);
  const c = 31 - (sum % 31);
  return USCC_ALPHABET[c === 31 ? 0 : c];
}

/** 'OK' or the error code: comparing strings keeps the exhaustive loops fast and their failures readable. */
function citizenOutcome(id: string): string {
  const result = validateCitizenId(id, TODAY);
  return result.ok ? 'OK' : result.code;
}

/** 'CONFORMING', 'NON_CONFORMING' or the error code. */
function usccOutcome(code: string, strict = false): string {
  const result = validateUscc(code, { strict });
  return !result.ok ? result.code : result.value.conforming ? 'CONFORMING' : 'NON_CONFORMING';
}

const arbDigits = (n: number) => fc.array(fc.constantFrom(...DIGITS), { minLength: n, maxLength: n }).map((a) => a.join(''));
const arbUsccChars = (n: number) => fc.array(fc.constantFrom(...USCC_ALPHABET), { minLength: n, maxLength: n }).map((a) => a.join(''));

const arbBirthDate = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2024, 11, 31) }).map((ms) =>
  new Date(ms).toISOString().slice(0, 10).replace(/-/g, ''),
);
const arbCitizenId = fc
  .record({
    division: fc.constantFrom('110105', '440304', '440307', '441521', '310115', '650102', '810000', '830000'),
    birth: arbBirthDate,
    sequence: fc.integer({ min: 0, max: 999 }),
  })
  .map(({ division, birth, sequence }) => makeCitizenId(division, birth, sequence, TODAY));

const authorityTypes = Object.entries(USCC_AUTHORITIES).flatMap(([a, auth]) => Object.keys(auth.types).map((t) => a + t));
/** Conforming codes with letters anywhere in the organisation code, not only makeUscc's digits. */
const arbUscc = fc
  .record({ at: fc.constantFrom(...authorityTypes), division: arbDigits(6), body: arbUsccChars(8) })
  .map(({ at, division, body }) => {
    const first17 = at + division + body + organisationCodeCheckChar(body);
    return first17 + usccCheckChar(first17);
  });

// -------------------------------------------------------------------------------------------------

describe('citizen ID (GB 11643-1999)', () => {
  it('accepts 11010519491231002X with its parts', () => {
    expect(validateCitizenId('11010519491231002X')).toEqual({
      ok: true,
      value: {
        idNumber: '11010519491231002X',
        division: '110105',
        birthDate: '1949-12-31',
        sequence: '002',
        sex: 'FEMALE',
        check: 'X',
        legacy: false,
        warnings: [],
      },
    });
  });

  it('accepts a lower-case x and normalises it', () => {
    const result = validateCitizenId(' 11010519491231002x ');
    expect(result.ok && result.value.idNumber).toBe('11010519491231002X');
  });

  it('rejects every one-character change and neighbour swap of 11010519491231002X', () => {
    const id = '11010519491231002X';
    const changes = substitutions(id, (i) => (i === 17 ? DIGITS + 'X' : DIGITS));
    expect(changes).toHaveLength(17 * 9 + 10);
    expect(changes.filter((wrong) => citizenOutcome(wrong) !== 'CHECK')).toEqual([]);
    const swaps = adjacentSwaps(id).map(({ swapped, at }) => [at, citizenOutcome(swapped)]);
    expect(swaps).toEqual(adjacentSwaps(id).map(({ at }) => [at, at === 16 ? 'ALPHABET' : 'CHECK']));
  });

  it('computes the check exactly as the standard states, for any 17 digits', () => {
    fc.assert(fc.property(arbDigits(17), (first17) => expect(citizenIdCheckChar(first17)).toBe(gb11643Check(first17))));
    expect(() => citizenIdCheckChar('1234')).toThrow(RangeError);
  });

  it('reports each fault with its own code', () => {
    expect(validateCitizenId('11010519491231002')).toEqual({
      ok: false,
      code: 'LENGTH',
      reason:
        'A citizen ID number has 18 characters (legacy numbers issued before 1999: 15 digits) but this value has 17; look for a missing or extra digit.',
    });
    expect(validateCitizenId('1101051949123100X2')).toEqual({
      ok: false,
      code: 'ALPHABET',
      reason: "Character 'X' at position 17 is not allowed: positions 1-17 of a citizen ID number are digits 0-9 and position 18 is a digit or X.",
    });
    expect(validateCitizenId('110105194912310021')).toMatchObject({ ok: false, code: 'CHECK' });
    const bad = (first17: string) => first17 + citizenIdCheckChar(first17);
    expect(validateCitizenId(bad('11010519490229002'))).toEqual({
      ok: false,
      code: 'DATE',
      reason: 'The birth date in positions 7-14 (YYYYMMDD) is not a real calendar date; re-enter the number from the ID card.',
    });
    expect(validateCitizenId(bad('11010520000229002')).ok).toBe(true); // 2000 is a leap year
    expect(validateCitizenId(bad('11010519001301002'))).toMatchObject({ code: 'DATE' });
    expect(validateCitizenId(bad('44030420250602001'), TODAY)).toMatchObject({ code: 'DATE' });
    expect(validateCitizenId(bad('44030420250601001'), TODAY).ok).toBe(true);
    expect(validateCitizenId(bad('44030418491231001'))).toMatchObject({ code: 'DATE' });
    expect(validateCitizenId(bad('00030419900101001'))).toMatchObject({ code: 'UNKNOWN_DIVISION' });
    const foreigner = validateCitizenId(bad('93015619900101001'));
    expect(foreigner).toMatchObject({ code: 'UNKNOWN_DIVISION' });
    expect(!foreigner.ok && foreigner.reason).toContain("foreigner's permanent residence ID");
  });

  it('never repeats the number or the birth date in a reason', () => {
    const id = makeCitizenId('440304', '19870315', 123);
    for (const wrong of [id.slice(0, 17) + (id[17] === '0' ? '1' : '0'), id.slice(0, 16), id.slice(0, 10) + '1332' + id.slice(14)]) {
      const result = validateCitizenId(wrong);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).not.toContain('19870315');
      expect(!result.ok && result.reason).not.toContain('440304');
    }
  });

  it('accepts legacy 15-digit numbers with a warning and upgrades them', () => {
    const result = validateCitizenId('110105491231002');
    expect(result).toMatchObject({
      ok: true,
      value: { idNumber: '11010519491231002X', birthDate: '1949-12-31', sex: 'FEMALE', legacy: true },
    });
    expect(result.ok && result.value.warnings).toHaveLength(1);
    expect(result.ok && result.value.warnings[0]).toContain('Legacy 15-digit number');
    expect(upgradeLegacyCitizenId('110105491231002')).toBe('11010519491231002X');
    expect(upgradeLegacyCitizenId('440304850101001')).toBe('440304198501010013');
    const centenarian = validateCitizenId('110105010101997');
    expect(centenarian.ok && centenarian.value.warnings[1]).toContain('centenarians');
    expect(validateCitizenId('110105491331002')).toMatchObject({ ok: false, code: 'DATE' });
    expect(validateCitizenId('11010549123100X')).toMatchObject({ ok: false, code: 'ALPHABET' });
    expect(() => upgradeLegacyCitizenId('11010519491231002X')).toThrow(/15-digit/);
    expect(() => upgradeLegacyCitizenId('110105491331002')).toThrow(/not a real calendar date/);
  });

  it('makes valid synthetic numbers, odd sequence = male', () => {
    expect(makeCitizenId('110105', '19491231', 2)).toBe('11010519491231002X');
    const male = validateCitizenId(makeCitizenId('440307', '19900101', 1));
    expect(male.ok && male.value.sex).toBe('MALE');
    expect(() => makeCitizenId('440304', '19900230', 1)).toThrow(RangeError);
    expect(() => makeCitizenId('440304', '20250602', 1, TODAY)).toThrow(/future/);
    expect(() => makeCitizenId('440304', '19900101', 1000)).toThrow(RangeError);
    expect(() => makeCitizenId('4403', '19900101', 1)).toThrow(RangeError);
  });

  it('property: every substitution and every neighbour swap of a valid number is rejected', () => {
    fc.assert(
      fc.property(arbCitizenId, (id) => {
        expect(validateCitizenId(id, TODAY).ok).toBe(true);
        const changes = substitutions(id, (i) => (i === 17 ? DIGITS + 'X' : DIGITS));
        expect(changes.filter((wrong) => citizenOutcome(wrong) !== 'CHECK')).toEqual([]);
        const expected = (at: number) => (at === 16 && id[17] === 'X' ? 'ALPHABET' : 'CHECK');
        expect(adjacentSwaps(id).filter(({ swapped, at }) => citizenOutcome(swapped) !== expected(at))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

// -------------------------------------------------------------------------------------------------

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts 91350100M000100Y43 with its parts', () => {
    expect(validateUscc('91350100M000100Y43')).toEqual({
      ok: true,
      value: {
        code: '91350100M000100Y43',
        registrationAuthority: '9',
        authorityLabel: '工商（市场监管）',
        entityType: '1',
        entityTypeLabel: '企业',
        division: '350100',
        organisationCode: 'M000100Y4',
        check: '3',
        conforming: true,
        organisationCodeValid: true,
        cityClassCode: '020100',
        warnings: [],
      },
    });
    expect(validateUscc('91350100m000100y43')).toMatchObject({ ok: true, value: { code: '91350100M000100Y43' } });
  });

  it('flags every one-character change and neighbour swap of 91350100M000100Y43', () => {
    const code = '91350100M000100Y43';
    const changes = substitutions(code, () => USCC_ALPHABET);
    expect(changes).toHaveLength(18 * 30);
    const swaps = adjacentSwaps(code).map((s) => s.swapped);
    expect(swaps).toHaveLength(13); // 17 neighbour pairs, 4 of them '00'
    for (const wrong of [...changes, ...swaps]) {
      expect(validateUscc(wrong)).toMatchObject({ ok: true, value: { conforming: false } });
      expect(validateUscc(wrong, { strict: true })).toMatchObject({ ok: false, code: 'CHECK' });
    }
  });

  it('accepts a correct check character 0 (a popular validator rejects these)', () => {
    const code = '914403000000004570';
    expect(usccCheckChar(code.slice(0, 17))).toBe('0');
    expect(validateUscc(code)).toMatchObject({ ok: true, value: { check: '0', conforming: true, warnings: [] } });
    expect(validateUscc(code, { strict: true }).ok).toBe(true);
    expect(validateUscc('914403000000004571')).toMatchObject({ ok: true, value: { conforming: false } });
  });

  it('computes the check exactly as the standard states, for any 17 symbols', () => {
    fc.assert(fc.property(arbUsccChars(17), (first17) => expect(usccCheckChar(first17)).toBe(gb32100Check(first17))));
    expect(() => usccCheckChar('91350100M000100Y')).toThrow(RangeError);
    expect(() => usccCheckChar('91350100M000100YI')).toThrow(RangeError);
  });

  it('flags an early pilot code that fails the check instead of rejecting it', () => {
    const result = validateUscc('91350100M000100Y44');
    expect(result).toMatchObject({ ok: true, value: { conforming: false, organisationCodeValid: true } });
    expect(result.ok && result.value.warnings).toHaveLength(1);
    expect(result.ok && result.value.warnings[0]).toContain('early pilot code');
    expect(validateUscc('91350100M000100Y44', { strict: true })).toMatchObject({ ok: false, code: 'CHECK' });
  });

  it('rejects a wrong length or alphabet even when not strict', () => {
    expect(validateUscc('91350100M000100Y4')).toEqual({
      ok: false,
      code: 'LENGTH',
      reason: 'A unified social credit code has 18 characters but this value has 17; look for a missing or extra character.',
    });
    expect(validateUscc('91350100MO00100Y43')).toEqual({
      ok: false,
      code: 'ALPHABET',
      reason:
        "Character 'O' at position 10 is not allowed: a unified social credit code uses only 0-9 and A-H J-N P-R T U W-Y; " +
        "I, O, S, V and Z never occur (did you mean '0'?).",
    });
    for (const ch of 'ISVZ-') expect(validateUscc('91350100M000100Y4' + ch)).toMatchObject({ ok: false, code: 'ALPHABET' });
  });

  it('only warns about an unknown authority or type and a wrong organisation-code check', () => {
    const withCheck = (first17: string) => first17 + usccCheckChar(first17);
    const unknownAuthority = validateUscc(withCheck('B1440300' + '12345678' + organisationCodeCheckChar('12345678')));
    expect(unknownAuthority).toMatchObject({
      ok: true,
      value: { conforming: true, authorityLabel: null, entityTypeLabel: null, cityClassCode: '029900' },
    });
    expect(unknownAuthority.ok && unknownAuthority.value.warnings[0]).toContain('not a known registration authority');
    const unknownType = validateUscc(withCheck('94440300' + '12345678' + organisationCodeCheckChar('12345678')));
    expect(unknownType.ok && unknownType.value.warnings[0]).toContain('not a known entity type');

    const wrongOrgCheck = organisationCodeCheckChar('12345678') === '1' ? '2' : '1';
    const badOrg = validateUscc(withCheck('91440300' + '12345678' + wrongOrgCheck));
    expect(badOrg).toMatchObject({ ok: true, value: { conforming: true, organisationCodeValid: false } });
    expect(badOrg.ok && badOrg.value.warnings[0]).toContain('GB 11714');
  });

  it('marks a letter in the division non-conforming (strict: UNKNOWN_DIVISION)', () => {
    const code = '9144A300' + '12345678' + organisationCodeCheckChar('12345678');
    const full = code + usccCheckChar(code);
    expect(validateUscc(full)).toMatchObject({ ok: true, value: { conforming: false } });
    expect(validateUscc(full, { strict: true })).toMatchObject({ ok: false, code: 'UNKNOWN_DIVISION' });
  });

  it('computes GB 11714 organisation-code checks (X for 10, 0 for 11)', () => {
    expect(organisationCodeCheckChar('M000100Y')).toBe('4');
    const checks = new Set(Array.from({ length: 200 }, (_, i) => organisationCodeCheckChar(String(i).padStart(8, '0'))));
    expect(checks).toContain('X');
    expect(checks).toContain('0');
    expect(() => organisationCodeCheckChar('1234567')).toThrow(RangeError);
  });

  it('makes fully valid codes for seed data', () => {
    expect(makeUscc('91', '440300', 45)).toBe('914403000000004570');
    fc.assert(
      fc.property(fc.constantFrom(...authorityTypes), arbDigits(6), fc.integer({ min: 0, max: 99_999_999 }), (at, division, serial) => {
        const result = validateUscc(makeUscc(at, division, serial), { strict: true });
        expect(result).toMatchObject({ ok: true, value: { conforming: true, organisationCodeValid: true, warnings: [] } });
      }),
    );
    const individual = validateUscc(makeUscc('92', '440304', 1));
    expect(individual.ok && individual.value).toMatchObject({ entityTypeLabel: '个体工商户', cityClassCode: '020200' });
    expect(() => makeUscc('9Z', '440300', 1)).toThrow(RangeError);
    expect(() => makeUscc('94', '440300', 1)).toThrow(RangeError);
    expect(() => makeUscc('91', '4403', 1)).toThrow(RangeError);
    expect(() => makeUscc('91', '440300', 100_000_000)).toThrow(RangeError);
  });

  it('makes every transposition non-conforming except first ↔ last (both weigh 1: the one blind spot)', () => {
    // 3 has order 30 modulo 31, so the weights 3^(i-1) of positions 1-17 are distinct and none of 2-17 equals the check's 1.
    const order = Array.from({ length: 30 }, (_, k) => k + 1).find((k) => 3 ** k % 31 === 1);
    expect(order).toBe(30);
    const code = '91350100M000100Y43';
    const swap = (i: number, j: number) => code.slice(0, i) + code[j] + code.slice(i + 1, j) + code[i] + code.slice(j + 1);
    const conformingSwaps: [number, number][] = [];
    for (let i = 0; i < 18; i++) {
      for (let j = i + 1; j < 18; j++) {
        if (code[i] !== code[j] && usccOutcome(swap(i, j)) !== 'NON_CONFORMING') conformingSwaps.push([i + 1, j + 1]);
      }
    }
    expect(conformingSwaps).toEqual([[1, 18]]);
    expect(validateUscc(swap(0, 17))).toMatchObject({ ok: true, value: { code: '31350100M000100Y49', conforming: true } });
  });

  it('property: every substitution and every neighbour swap of a valid code is non-conforming (strict: CHECK)', () => {
    fc.assert(
      fc.property(arbUscc, (code) => {
        expect(validateUscc(code, { strict: true }).ok).toBe(true);
        const wrongs = [...substitutions(code, () => USCC_ALPHABET), ...adjacentSwaps(code).map((s) => s.swapped)];
        expect(wrongs.filter((wrong) => usccOutcome(wrong) !== 'NON_CONFORMING')).toEqual([]);
        expect(wrongs.filter((wrong) => usccOutcome(wrong, true) !== 'CHECK')).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

// -------------------------------------------------------------------------------------------------

describe('Shenzhen building and house codes', () => {
  it('makes and parses a building code', () => {
    const building = makeBuildingCode('440304001001', 1, 23);
    expect(building).toBe('4403040010010100023');
    expect(validateBuildingCode(building)).toEqual({
      ok: true,
      value: {
        buildingCode: '4403040010010100023',
        division: '440304',
        street: '440304001',
        community: '440304001001',
        grid: '01',
        building: '00023',
        area: 'FUTIAN',
        areaLabel: '福田区',
        warnings: [],
      },
    });
  });

  it('makes and parses a house code whose 19-digit prefix is the building code', () => {
    const house = makeHouseCode('4403040010010100023', 1502);
    expect(house).toBe('4403040010010100023001502');
    const result = validateHouseCode(house);
    expect(result).toMatchObject({
      ok: true,
      value: { houseCode: house, buildingCode: '4403040010010100023', room: '001502', community: '440304001001' },
    });
  });

  it('places 大鹏新区 and 深汕特别合作区 buildings', () => {
    expect(validateBuildingCode(makeBuildingCode('440307010002', 3, 4))).toMatchObject({ ok: true, value: { area: 'DAPENG', areaLabel: '大鹏新区' } });
    expect(validateBuildingCode(makeBuildingCode('440307012002', 3, 4))).toMatchObject({ ok: true, value: { area: 'LONGGANG' } });
    expect(validateHouseCode('4415211030010100001000101')).toMatchObject({ ok: true, value: { area: 'SHENSHAN', division: '441521' } });
  });

  it('reports each fault with its own code', () => {
    expect(validateHouseCode('440304001001010002300150')).toEqual({
      ok: false,
      code: 'LENGTH',
      reason: 'A house code has 25 digits but this value has 24; look for a missing or extra digit.',
    });
    expect(validateBuildingCode('44030400100101000A3')).toEqual({
      ok: false,
      code: 'ALPHABET',
      reason: "Character 'A' at position 18 is not allowed: a building code has digits only.",
    });
    expect(validateBuildingCode('4401040010010100023')).toEqual({
      ok: false,
      code: 'UNKNOWN_DIVISION',
      reason: 'Positions 1-4 of a building code are 4403 (深圳) or 4415 (深汕特别合作区), not 4401.',
    });
    expect(validateBuildingCode('4403120010010100023')).toMatchObject({ code: 'UNKNOWN_DIVISION' });
    expect(validateBuildingCode('4403020010010100023')).toMatchObject({ code: 'UNKNOWN_DIVISION' });
    expect(validateBuildingCode('4415221030010100023')).toMatchObject({ code: 'UNKNOWN_DIVISION' });
    expect(validateBuildingCode('4415211010010100023')).toMatchObject({ code: 'UNKNOWN_DIVISION' }); // 梅陇镇
    expect(validateBuildingCode('4403040000010100023')).toMatchObject({ code: 'UNKNOWN_DIVISION' });
    expect(validateBuildingCode('4403040010000100023')).toMatchObject({ code: 'UNKNOWN_DIVISION' });
    expect(() => makeBuildingCode('440304001001', 100, 1)).toThrow(RangeError);
    expect(() => makeBuildingCode('440399001001', 1, 1)).toThrow(/not a Shenzhen district/);
    expect(() => makeHouseCode('4403040010010100023', 1_000_000)).toThrow(RangeError);
  });
});

// -------------------------------------------------------------------------------------------------

describe('IoT device and parking-space codes', () => {
  it('makes and parses a device code', () => {
    const code = makeDeviceCode('440305', '02', 42);
    expect(code).toBe('D440305020000000421');
    expect(validateDeviceCode(code)).toEqual({
      ok: true,
      value: {
        code,
        division: '440305',
        divisionLabel: '南山区',
        category: '02',
        categoryLabel: '视频监控',
        serial: '000000042',
        check: '1',
        cityClassCode: '300200',
        warnings: [],
      },
    });
    expect(validateDeviceCode(code.toLowerCase()).ok).toBe(true);
  });

  it('makes and parses a parking-space code', () => {
    const code = makeParkingCode('441521', 12, 345);
    expect(code).toBe('P4415210000120034' + '5' + mod11_2Check('44152100001200345'));
    expect(validateParkingCode(code)).toMatchObject({ ok: true, value: { division: '441521', facility: '000012', space: '00345' } });
  });

  it('reports each fault with its own code', () => {
    const withCheck = (prefix: string, body: string) => prefix + body + mod11_2Check(body);
    expect(validateDeviceCode('D44030502000000042')).toMatchObject({ ok: false, code: 'LENGTH' });
    expect(validateDeviceCode('P440305020000000426')).toEqual({
      ok: false,
      code: 'PREFIX',
      reason: "A device code starts with the letter D, not 'P'.",
    });
    expect(validateDeviceCode('D44030502000000042A')).toMatchObject({ ok: false, code: 'ALPHABET' });
    expect(validateDeviceCode('D440305020000000427')).toMatchObject({ ok: false, code: 'CHECK' });
    expect(validateDeviceCode(withCheck('D', '44031202000000042'))).toMatchObject({ ok: false, code: 'UNKNOWN_DIVISION' });
    expect(validateDeviceCode(withCheck('D', '44030555000000042'))).toMatchObject({ ok: false, code: 'UNKNOWN_CATEGORY' });
    expect(validateParkingCode(withCheck('D', '44152100001200345'))).toMatchObject({ ok: false, code: 'PREFIX' });
    expect(() => makeDeviceCode('440312', '01', 1)).toThrow(RangeError);
    expect(() => makeDeviceCode('440305', '55' as DeviceCategory, 1)).toThrow(RangeError);
    expect(() => makeParkingCode('440305', 1_000_000, 1)).toThrow(RangeError);
  });

  it('property: every digit substitution and neighbour swap after the prefix is rejected', () => {
    const arbDevice = fc
      .record({
        division: fc.constantFrom(...Object.keys(DIVISIONS_OF_ISSUE)),
        category: fc.constantFrom(...(Object.keys(DEVICE_CATEGORIES) as DeviceCategory[])),
        serial: fc.integer({ min: 0, max: 999_999_999 }),
      })
      .map(({ division, category, serial }) => makeDeviceCode(division, category, serial));
    const arbParking = fc
      .record({
        division: fc.constantFrom(...Object.keys(DIVISIONS_OF_ISSUE)),
        facility: fc.integer({ min: 0, max: 999_999 }),
        space: fc.integer({ min: 0, max: 99_999 }),
      })
      .map(({ division, facility, space }) => makeParkingCode(division, facility, space));
    const alphabetAt = (i: number) => (i === 0 ? '' : i === 18 ? DIGITS + 'X' : DIGITS);
    const cases: [fc.Arbitrary<string>, (s: string) => { ok: boolean; code?: string }][] = [
      [arbDevice, validateDeviceCode],
      [arbParking, validateParkingCode],
    ];
    for (const [arb, validate] of cases) {
      fc.assert(
        fc.property(arb, (code) => {
          expect(validate(code).ok).toBe(true);
          const outcome = (s: string) => {
            const r = validate(s);
            return r.ok ? 'OK' : r.code;
          };
          expect(substitutions(code, alphabetAt).filter((wrong) => outcome(wrong) !== 'CHECK')).toEqual([]);
          const expected = (at: number) => (at === 17 && code[18] === 'X' ? 'ALPHABET' : 'CHECK');
          const swaps = adjacentSwaps(code).filter((s) => s.at > 0);
          expect(swaps.filter(({ swapped, at }) => outcome(swapped) !== expected(at))).toEqual([]);
        }),
      );
    }
  });
});

// -------------------------------------------------------------------------------------------------

describe('IDENTIFIER_SCHEMES and resolveCode', () => {
  const cityCode = formatCityCode({ division: '440304', classCode: '020200', serial: 17 });
  const samples: [string, string, string, string, string][] = [
    // scheme, input, canonical, entity kind, city class
    ['CITIZEN_ID', '11010519491231002x', '11010519491231002X', 'PERSON', '010000'],
    ['CITIZEN_ID', '110105491231002', '11010519491231002X', 'PERSON', '010000'],
    ['USCC', '91350100m000100y43', '91350100M000100Y43', 'ENTERPRISE', '020100'],
    ['BUILDING_CODE', '4403040010010100023', '4403040010010100023', 'OBJECT', '200100'],
    ['HOUSE_CODE', '4403040010010100023001502', '4403040010010100023001502', 'OBJECT', '200200'],
    ['DEVICE_CODE', 'd440305020000000421', 'D440305020000000421', 'OBJECT', '300200'],
    ['PARKING_CODE', makeParkingCode('440303', 1, 1), makeParkingCode('440303', 1, 1), 'OBJECT', '400200'],
    ['CITY_CODE', cityCode, cityCode, 'ENTERPRISE', '020200'],
  ];

  it('lists the nine schemes with Chinese labels', () => {
    expect(Object.keys(IDENTIFIER_SCHEMES).sort()).toEqual(
      ['BUILDING_CODE', 'CITIZEN_CODE', 'CITIZEN_ID', 'CITY_CODE', 'DEVICE_CODE', 'HOUSE_CODE', 'IFC_GUID', 'PARKING_CODE', 'USCC'],
    );
    expect(IDENTIFIER_SCHEMES.CITIZEN_ID).toMatchObject({ label: '公民身份号码', entityKind: 'PERSON' });
    expect(IDENTIFIER_SCHEMES.USCC).toMatchObject({ label: '统一社会信用代码', entityKind: 'ENTERPRISE' });
    expect(IDENTIFIER_SCHEMES.HOUSE_CODE).toMatchObject({ label: '房屋编码', entityKind: 'OBJECT' });
    expect(IDENTIFIER_SCHEMES.CITY_CODE).toMatchObject({ label: '城市码', entityKind: 'ANY' });
  });

  it.each(samples)('resolves %s %s', (scheme, input, canonical, entityKind, cityClassCode) => {
    const result = resolveCode(scheme, input);
    expect(result).toMatchObject({ ok: true, value: { scheme, canonical, entityKind, cityClassCode } });
    const spec = IDENTIFIER_SCHEMES[scheme as keyof typeof IDENTIFIER_SCHEMES];
    expect(spec.normalise(input)).toBe(canonical);
    expect(spec.validate(input).ok).toBe(true);
  });

  it('passes validation failures through with their code, and refuses unknown schemes', () => {
    expect(resolveCode('CITIZEN_ID', '110105194912310021')).toMatchObject({ ok: false, code: 'CHECK' });
    expect(resolveCode('USCC', '91350100M000100Y4')).toMatchObject({ ok: false, code: 'LENGTH' });
    expect(resolveCode('CITY_CODE', '4403042001000001234560')).toMatchObject({ ok: false, code: 'CHECK' });
    expect(IDENTIFIER_SCHEMES.HOUSE_CODE.normalise('123')).toBeNull();
    expect(resolveCode('IFC_GUID', '0qh1nxOKE5Tse$3B7FSc4X')).toMatchObject({ ok: true, value: { entityKind: 'OBJECT', canonical: '0qh1nxOKE5Tse$3B7FSc4X' } });
    expect(resolveCode('IFC_GUID', '0qh1nxOKE5Tse$3B7FSc4')).toMatchObject({ ok: false, code: 'LENGTH' });
    expect(resolveCode('IFC_GUID', '0qh1nxOKE5Tse-3B7FSc4X')).toMatchObject({ ok: false, code: 'ALPHABET' });
    expect(resolveCode('IFC_GUID', '4qh1nxOKE5Tse$3B7FSc4X')).toMatchObject({ ok: false, code: 'RANGE' });
    expect(resolveCode('PASSPORT', 'E12345678')).toEqual({
      ok: false,
      code: 'UNKNOWN_SCHEME',
      reason: 'Unknown identifier scheme "PASSPORT"; use one of CITIZEN_ID, USCC, BUILDING_CODE, HOUSE_CODE, DEVICE_CODE, PARKING_CODE, CITIZEN_CODE, IFC_GUID, CITY_CODE.',
    });
    expect(resolveCode('toString', 'x')).toMatchObject({ ok: false, code: 'UNKNOWN_SCHEME' });
  });

  it('keeps the warnings of a flagged value', () => {
    const result = resolveCode('USCC', '91350100M000100Y44');
    expect(result.ok && result.value.warnings[0]).toContain('early pilot code');
    expect(result.ok && result.value.details).toMatchObject({ conforming: false });
  });
});
