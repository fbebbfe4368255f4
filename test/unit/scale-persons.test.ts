import { isCityCode } from '../../domain/citycode';
import { validateCitizenId } from '../../domain/identifiers/citizenId';
import { countsAt, SHENZHEN } from '../../seed/scale/counts';
import { scalePerson } from '../../seed/scale/persons';
import { SEED_TODAY } from '../../seed/scales';

const KEY = [3, 1, 4, 1, 5, 9, 2, 6];

describe('city-scale counts', () => {
  it('scales Shenzhen and refuses a scale outside (0, 1]', () => {
    expect(countsAt(1)).toEqual({ ...SHENZHEN });
    expect(countsAt(0.01)).toEqual({ persons: 177_900, enterprises: 45_700, buildings: 6_000, rooms: 110_000, devices: 3_000 });
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => countsAt(bad)).toThrow(/out of range/);
  });
});

describe('city-scale persons', () => {
  it('are a function of their index: the same row every time, in any order', () => {
    expect(scalePerson(123_456, KEY)).toEqual(scalePerson(123_456, KEY));
  });

  it('carry valid, distinct city codes, ID numbers and phones across the index range', () => {
    // Neighbours, and indices whose mixed-radix digits wrap (days, then sequences).
    const sample = [0, 1, 2, 29_199, 29_200, 29_201, 58_400, 1_000_000, 17_789_999, 29_199_999];
    const rows = sample.map((i) => scalePerson(i, KEY));
    for (const r of rows) {
      expect(isCityCode(r.code)).toBe(true);
      const id = validateCitizenId(r.citizenId, { today: SEED_TODAY });
      expect(id.ok).toBe(true);
      expect(r.citizenId.slice(6, 14)).toBe(r.birthDate.replaceAll('-', ''));
      expect(Number(r.citizenId[16]) % 2 === 1 ? 'M' : 'F').toBe(r.sex);
      expect(r.phone).toMatch(/^13[0-9]{9}$/);
    }
    for (const field of ['code', 'citizenId', 'phone'] as const) expect(new Set(rows.map((r) => r[field])).size).toBe(rows.length);
  });

  it('never repeat an ID number or a phone in a run of 50,000', () => {
    const ids = new Set<string>();
    const phones = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const r = scalePerson(i, KEY);
      ids.add(r.citizenId);
      phones.add(r.phone);
    }
    expect([ids.size, phones.size]).toEqual([50_000, 50_000]);
  });

  it('refuses an index beyond what the identifiers can tell apart', () => {
    expect(() => scalePerson(29_200_000, KEY)).toThrow(/out of range/);
    expect(() => scalePerson(-1, KEY)).toThrow(/out of range/);
  });
});
