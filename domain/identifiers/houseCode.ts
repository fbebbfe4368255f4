/**
 * Shenzhen house code (房屋编码), 25 digits:
 *   province 2 + city 2 + district 2 + street 3 + community 3 + grid 2 + building 5 + room 6
 * Its 19-digit prefix is the building code (楼栋编码). Province + city is 4403, or 4415 for
 * 深汕特别合作区 (441521 + one of its towns 102-105). The code has no check digit, so only its
 * structure can be validated.
 */
import { districtAreaOfStreet, normaliseCodeText, DISTRICT_AREAS, type DistrictAreaKey, type Parsed } from '../citycode';

export type HouseCodeErrorCode = 'LENGTH' | 'ALPHABET' | 'UNKNOWN_DIVISION';

export interface BuildingCode {
  /** 19 digits. */
  buildingCode: string;
  /** 6-digit district (or 441521 for 深汕). */
  division: string;
  /** 9-digit street / town code. */
  street: string;
  /** 12-digit community code. */
  community: string;
  /** 2 digits. */
  grid: string;
  /** 5 digits, numbered within the grid. */
  building: string;
  area: DistrictAreaKey;
  areaLabel: string;
  warnings: string[];
}

export interface HouseCode extends BuildingCode {
  /** 25 digits. */
  houseCode: string;
  /** 6 digits, numbered within the building. */
  room: string;
}

type Result<V> = Parsed<V, HouseCodeErrorCode>;

function shape(code: string, length: number, what: string): Result<null> {
  if (code.length !== length) {
    return {
      ok: false,
      code: 'LENGTH',
      reason: `A ${what} has ${length} digits but this value has ${code.length}; look for a missing or extra digit.`,
    };
  }
  const bad = [...code].findIndex((ch) => !/[0-9]/.test(ch));
  if (bad >= 0) {
    return { ok: false, code: 'ALPHABET', reason: `Character '${code[bad]}' at position ${bad + 1} is not allowed: a ${what} has digits only.` };
  }
  return { ok: true, value: null };
}

function parseBuilding(code: string, what: string): Result<BuildingCode> {
  const prefecture = code.slice(0, 4);
  const unknown = (reason: string): Result<BuildingCode> => ({ ok: false, code: 'UNKNOWN_DIVISION', reason });
  if (prefecture !== '4403' && prefecture !== '4415') {
    return unknown(`Positions 1-4 of a ${what} are 4403 (深圳) or 4415 (深汕特别合作区), not ${prefecture}.`);
  }
  const division = code.slice(0, 6);
  const district = Number(code.slice(4, 6));
  if (prefecture === '4403' && (district < 3 || district > 11)) {
    return unknown(`Positions 5-6 (${code.slice(4, 6)}) are not a Shenzhen district: use 03-11 (440303 罗湖 … 440311 光明).`);
  }
  if (prefecture === '4415' && division !== '441521') {
    return unknown(`A ${what} under 4415 must be in 441521 (深汕特别合作区, within 海丰县), not ${division}.`);
  }
  const street = code.slice(0, 9);
  if (street.endsWith('000')) return unknown(`Positions 7-9 (street) are 000; a ${what} names a real street or town.`);
  const area = districtAreaOfStreet(street);
  if (!area) {
    return unknown(`Street ${street} is in 海丰县 but not in 深汕特别合作区 (towns 441521102-441521105).`);
  }
  const community = code.slice(0, 12);
  if (community.endsWith('000')) return unknown(`Positions 10-12 (community) are 000; a ${what} names a real community.`);
  return {
    ok: true,
    value: {
      buildingCode: code.slice(0, 19),
      division,
      street,
      community,
      grid: code.slice(12, 14),
      building: code.slice(14, 19),
      area,
      areaLabel: DISTRICT_AREAS[area].label,
      warnings: [],
    },
  };
}

/** Validate a 19-digit building code (楼栋编码). */
export function validateBuildingCode(input: string): Result<BuildingCode> {
  const code = normaliseCodeText(input);
  const checked = shape(code, 19, 'building code');
  return checked.ok ? parseBuilding(code, 'building code') : checked;
}

/** Validate a 25-digit house code (房屋编码); its first 19 digits are validated as the building code. */
export function validateHouseCode(input: string): Result<HouseCode> {
  const code = normaliseCodeText(input);
  const checked = shape(code, 25, 'house code');
  if (!checked.ok) return checked;
  const building = parseBuilding(code, 'house code');
  if (!building.ok) return building;
  return { ok: true, value: { ...building.value, houseCode: code, room: code.slice(19, 25) } };
}

function digits(value: number | string, width: number, what: string): string {
  const text = String(value);
  const max = 10 ** width - 1;
  if (typeof value === 'number' ? !Number.isInteger(value) || value < 0 || value > max : !new RegExp(`^[0-9]{${width}}$`).test(text)) {
    throw new RangeError(`${what} must be an integer 0..${max} or ${width} digits.`);
  }
  return text.padStart(width, '0');
}

/** Building code from a 12-digit community code, a grid (0..99) and a building number (0..99,999). */
export function makeBuildingCode(community: string, grid: number | string, building: number | string): string {
  if (!/^[0-9]{12}$/.test(community)) throw new RangeError('community must be a 12-digit community code.');
  const code = community + digits(grid, 2, 'grid') + digits(building, 5, 'building');
  const checked = validateBuildingCode(code);
  if (!checked.ok) throw new RangeError(checked.reason);
  return code;
}

/** House code from a valid building code and a room number (0..999,999). */
export function makeHouseCode(buildingCode: string, room: number | string): string {
  const checked = validateBuildingCode(buildingCode);
  if (!checked.ok) throw new RangeError(checked.reason);
  return checked.value.buildingCode + digits(room, 6, 'room');
}
