import { badInput } from '../core/errors';

/**
 * The region-scope columns of spatial_feature (migration 0002): the district-level area, the
 * 9-digit street and the 12-digit community a feature lies in. Writers give the most specific
 * code they know (a community from a house code, a street from an address); `regionScopeOf`
 * fills in the levels above it and checks that the levels agree. A department's row scope
 * (districts, streets) is then pushed into the SQL of every search through these columns.
 *
 * District-level areas are those of docs/regions.md: the nine GB/T 2260 districts, plus
 * 大鹏新区 (project code 440399), which manages 龙岗's streets 葵涌, 大鹏 and 南澳, and
 * 深汕特别合作区 (project code 440398), whose towns are coded under 海丰县 441521.
 */

export const DAPENG_NEW_AREA = '440399';
export const SHENSHAN_ZONE = '440398';

/** Streets whose district-level area is not the one their code prefix names. */
const MANAGED_STREETS: ReadonlyMap<string, string> = new Map([
  ['440307009', DAPENG_NEW_AREA], // 葵涌街道
  ['440307010', DAPENG_NEW_AREA], // 大鹏街道
  ['440307011', DAPENG_NEW_AREA], // 南澳街道
  ['441521102', SHENSHAN_ZONE], // 小漠镇
  ['441521103', SHENSHAN_ZONE], // 鹅埠镇
  ['441521104', SHENSHAN_ZONE], // 赤石镇
  ['441521105', SHENSHAN_ZONE], // 鲘门镇 (statistics: 鮜门)
]);

export interface RegionScopeCodes {
  districtCode: string | null;
  streetCode: string | null;
  communityCode: string | null;
}

const PATTERNS = {
  districtCode: /^\d{6}$/,
  streetCode: /^\d{9}$/,
  communityCode: /^\d{12}$/,
} as const;

/** The district-level area of a 9-digit street code. */
export function districtOfStreet(streetCode: string): string {
  return MANAGED_STREETS.get(streetCode) ?? streetCode.slice(0, 6);
}

const HINT =
  'Give the district-level area as 6 digits, the street as 9 and the community as 12 (statistical division codes); ' +
  'a community code starts with its street code, and a street belongs to one district-level area (大鹏新区 440399 ' +
  'manages 葵涌, 大鹏 and 南澳; 深汕特别合作区 440398 the four 海丰 towns).';

/**
 * Fills in and checks the scope codes of a feature. Absent levels above a given one are derived
 * (community → street → district); levels below stay null. Throws BAD_USER_INPUT when a code is
 * malformed or the levels disagree.
 */
export function regionScopeOf(input: Partial<RegionScopeCodes>, subject = 'feature'): RegionScopeCodes {
  const out: RegionScopeCodes = {
    districtCode: input.districtCode ?? null,
    streetCode: input.streetCode ?? null,
    communityCode: input.communityCode ?? null,
  };
  for (const key of ['districtCode', 'streetCode', 'communityCode'] as const) {
    const value = out[key];
    if (value !== null && (typeof value !== 'string' || !PATTERNS[key].test(value))) {
      const reason = `${subject}: ${key} must be ${PATTERNS[key].source.match(/\d+/)![0]} digits, got ${JSON.stringify(value)}`;
      throw badInput(reason, HINT, { argument: key, reason });
    }
  }
  if (out.communityCode !== null) {
    const street = out.communityCode.slice(0, 9);
    if (out.streetCode === null) out.streetCode = street;
    else if (out.streetCode !== street) {
      const reason = `${subject}: community ${out.communityCode} is not in street ${out.streetCode}`;
      throw badInput(reason, HINT, { argument: 'communityCode', reason });
    }
  }
  if (out.streetCode !== null) {
    const district = districtOfStreet(out.streetCode);
    if (out.districtCode === null) out.districtCode = district;
    else if (out.districtCode !== district) {
      const reason = `${subject}: street ${out.streetCode} belongs to district-level area ${district}, not ${out.districtCode}`;
      throw badInput(reason, HINT, { argument: 'streetCode', reason });
    }
  }
  return out;
}
