import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { applyMask, MASK_KINDS, maxRevealed, STAR, type MaskKind } from '../../policy/masks';

/** Masks: exact outputs, Unicode code points (𠀀 is U+20000, two UTF-16 units), and properties. */
const KEY = 'test masking key, 32 bytes long!';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('exact outputs', () => {
  it.each([
    ['ID_NUMBER', '440304199001011234', '440304********1234'],
    ['ID_NUMBER', '11010519491231002X', '110105********002X'],
    ['ID_NUMBER', '440304900101123', '440304*****1123'],
    ['ID_NUMBER', '4403041990', '**********'],
    ['PHONE', '13812345678', '138****5678'],
    ['PHONE', '+8613812345678', '+86*******5678'],
    ['PHONE', '83456789', '****6789'],
    ['PHONE', '1234567', '*******'],
    ['NAME', '张三', '张*'],
    ['NAME', '张三丰', '张**'],
    ['NAME', '欧阳娜娜', '欧***'],
    ['NAME', '司马光', '司**'],
    ['NAME', '𠀀三', '𠀀*'],
    ['NAME', '张𠀀', '张*'],
    ['NAME', '王', '*'],
    ['NAME', 'Maria Garcia', 'M***********'],
    ['SHOW_LAST_4', '6222020200112233', '************2233'],
    ['SHOW_LAST_4', '𠀀𠀁𠀂𠀃𠀄', '*𠀁𠀂𠀃𠀄'],
    ['SHOW_LAST_4', '1234', '****'],
    ['DATE_TO_YEAR', '1987-05-02', '1987'],
    ['DATE_TO_YEAR', '19870502', '1987'],
    ['DATE_TO_YEAR', '1987-05', '1987'],
    ['DATE_TO_YEAR', '1987', '1987'],
    ['DATE_TO_YEAR', '1987-05-02T08:00:00+08:00', '1987'],
    ['DATE_TO_YEAR', '1987-13-02', null],
    ['DATE_TO_YEAR', '未知', null],
    ['NULL', '13812345678', null],
    ['PHONE', '', ''],
  ] as [MaskKind, string, string | null][])('%s(%s) = %s', (kind, input, output) => {
    expect(applyMask(input, kind)).toBe(output);
  });

  it('keeps one star per 4-byte character', () => {
    const out = applyMask('𠀀𠀁𠀂', 'NAME')!;
    expect(out).toBe('𠀀**');
    expect(out.length).toBe(4); // 2 UTF-16 units for 𠀀 + 2 stars
  });

  it('SHOW_FIRST_N keeps the first n code points: a house code shows its 19-digit building code', () => {
    expect(applyMask('4403040010010100001000101', 'SHOW_FIRST_N', { n: 19 })).toBe('4403040010010100001******');
    expect(applyMask('𠀀𠀁𠀂', 'SHOW_FIRST_N', { n: 1 })).toBe('𠀀**');
    expect(applyMask('abc', 'SHOW_FIRST_N', { n: 3 })).toBe('***');
    expect(() => applyMask('abc', 'SHOW_FIRST_N')).toThrow('SHOW_FIRST_N needs a positive integer n, got undefined');
    expect(() => applyMask('abc', 'SHOW_FIRST_N', { n: 0 })).toThrow(RangeError);
  });

  it('HASH is HMAC-SHA256 under the masking key, hex', () => {
    const expected = createHmac('sha256', Buffer.from(KEY)).update('440304199001011234').digest('hex');
    expect(applyMask('440304199001011234', 'HASH', { hashKey: KEY })).toBe(expected);
    expect(applyMask('440304199001011234', 'HASH', { hashKey: Buffer.from(KEY) })).toBe(expected);
    expect(applyMask('440304199001011234', 'HASH', { hashKey: `${KEY}2` })).not.toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(() => applyMask('x', 'HASH')).toThrow('HASH masks need a masking key of at least 16 bytes');
    expect(() => applyMask('x', 'HASH', { hashKey: 'short' })).toThrow(RangeError);
  });

  it('null and undefined stay null for every kind', () => {
    for (const kind of MASK_KINDS) {
      expect(applyMask(null, kind, { n: 2, hashKey: KEY })).toBeNull();
      expect(applyMask(undefined, kind, { n: 2, hashKey: KEY })).toBeNull();
    }
  });
});

describe('properties', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.stringMatching(/^1[3-9]\d{9}$/),
    fc.stringMatching(/^\d{17}[\dX]$/),
  );
  const starKinds: MaskKind[] = ['SHOW_LAST_4', 'SHOW_FIRST_N', 'ID_NUMBER', 'PHONE', 'NAME'];

  it('star masks keep the length in code points and reveal at most what their kind allows, in place', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(...starKinds), fc.integer({ min: 1, max: 30 }), (input, kind, n) => {
        const out = applyMask(input, kind, { n })!;
        const inChars = Array.from(input);
        const outChars = Array.from(out);
        expect(outChars.length).toBe(inChars.length);
        expect(LONE_SURROGATE.test(out)).toBe(false);
        // every visible character is the input's character at the same place (a `*` in the input
        // shows as `*` whether kept or hidden, so it never counts as revealed)
        const revealed = outChars.filter((c, i) => {
          if (c === STAR) return false;
          expect(c).toBe(inChars[i]);
          return true;
        }).length;
        expect(revealed).toBeLessThanOrEqual(maxRevealed(kind, inChars.length, n));
      }),
      { numRuns: 500 },
    );
  });

  it('a star mask hides at least one character of any value longer than one', () => {
    fc.assert(
      fc.property(text.filter((s) => Array.from(s).length >= 2 && !s.includes(STAR)), fc.constantFrom(...starKinds), (input, kind) => {
        const out = applyMask(input, kind, { n: 3 })!;
        expect(Array.from(out).some((c) => c === STAR)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('HASH, NULL and DATE_TO_YEAR reveal no more than a year', () => {
    fc.assert(
      fc.property(text, (input) => {
        expect(applyMask(input, 'NULL')).toBeNull();
        expect(applyMask(input, 'HASH', { hashKey: KEY })).toMatch(/^[0-9a-f]{64}$/);
        const y = applyMask(input, 'DATE_TO_YEAR');
        if (y !== null) {
          expect(y).toMatch(/^\d{4}$/);
          expect(input.trim().startsWith(y)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('masks are deterministic and idempotent on their own output (star masks)', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(...starKinds), (input, kind) => {
        const once = applyMask(input, kind, { n: 4 });
        expect(applyMask(input, kind, { n: 4 })).toBe(once);
        expect(applyMask(once, kind, { n: 4 })).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
});
