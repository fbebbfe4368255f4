/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters over the 31 symbols
 * 0-9 A-H J-N P-R T U W-Y (no I O S V Z):
 *   registration authority (1) + entity type (1) + division (6, GB/T 2260)
 *   + organisation code (9, GB 11714, its own check at position 17) + check (1)
 * Check: Σ vᵢ·wᵢ over positions 1-17 with wᵢ = 3^(i−1) mod 31 = 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28;
 * check = 31 − (Σ mod 31), where 31 becomes '0'. A check of '0' is correct and must be accepted.
 *
 * Early pilot codes exist that fail the check yet are legal: they are accepted with
 * conforming:false and a warning (strict mode rejects them, for new registrations).
 */
import { normaliseCodeText, type CityCodeClassCode, type Parsed } from '../citycode';

export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** GB 11714 organisation code: weights of the 8 body characters; digits 0-9, letters A-Z = 10-35. */
const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

interface Authority {
  readonly label: string;
  readonly name: string;
  readonly types: Readonly<Record<string, string>>;
}

/** Registration authorities (登记管理部门) and their entity types (机构类别), GB 32100-2015 and later assignments. */
export const USCC_AUTHORITIES: Readonly<Record<string, Authority>> = {
  '1': { label: '机构编制', name: 'Establishment administration', types: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' } },
  '2': { label: '外交', name: 'Foreign affairs', types: { '1': '外国常驻新闻机构', '9': '其他' } },
  '3': { label: '司法行政', name: 'Justice administration', types: { '1': '律师执业机构', '2': '公证处', '3': '基层法律服务所', '4': '司法鉴定机构', '5': '仲裁委员会', '9': '其他' } },
  '4': { label: '文化', name: 'Culture', types: { '1': '外国在华文化中心', '9': '其他' } },
  '5': { label: '民政', name: 'Civil affairs', types: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' } },
  '6': { label: '旅游', name: 'Tourism', types: { '1': '外国旅游部门常驻代表机构', '2': '港澳台地区旅游部门常驻内地（大陆）代表机构', '9': '其他' } },
  '7': { label: '宗教', name: 'Religious affairs', types: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { label: '工会', name: 'Trade unions', types: { '1': '基层工会', '9': '其他' } },
  '9': { label: '工商（市场监管）', name: 'Market regulation', types: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { label: '中央军委改革和编制办公室', name: 'Military establishment office', types: { '1': '军队事业单位', '9': '其他' } },
  N: { label: '农业', name: 'Agriculture', types: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' } },
  Y: { label: '其他', name: 'Other', types: { '1': '其他' } },
};

/** City code class for an authority + entity type; anything not listed is 029900 (other organisation). */
const CITY_CLASS_BY_TYPE: Readonly<Record<string, CityCodeClassCode>> = {
  '91': '020100',
  '92': '020200',
  '93': '020300',
  '11': '020400',
  '12': '020500',
  A1: '020500',
  '13': '020600',
  '51': '020600',
  '52': '020600',
  '53': '020600',
};

export type UsccErrorCode = 'LENGTH' | 'ALPHABET' | 'CHECK' | 'UNKNOWN_DIVISION';

export interface Uscc {
  code: string;
  registrationAuthority: string;
  authorityLabel: string | null;
  entityType: string;
  entityTypeLabel: string | null;
  /** Positions 3-8: division of the registration authority. */
  division: string;
  /** Positions 9-17: GB 11714 organisation code (subject identifier). */
  organisationCode: string;
  check: string;
  /** True when the GB 32100 check character is right and positions 3-8 are digits. */
  conforming: boolean;
  /** True when position 17 is the right GB 11714 check of positions 9-16 (only warned about). */
  organisationCodeValid: boolean;
  /** The city code class an entity with this code gets. */
  cityClassCode: CityCodeClassCode;
  warnings: string[];
}

export interface UsccOptions {
  /** Reject non-conforming codes (CHECK / UNKNOWN_DIVISION) instead of flagging them: for new registrations. */
  strict?: boolean;
}

function symbolValue(ch: string): number {
  return USCC_ALPHABET.indexOf(ch);
}

export function usccCheckChar(first17: string): string {
  if (first17.length !== 17 || [...first17].some((ch) => symbolValue(ch) < 0)) {
    throw new RangeError(`usccCheckChar needs 17 characters from ${USCC_ALPHABET}.`);
  }
  const sum = [...first17].reduce((acc, ch, i) => acc + symbolValue(ch) * USCC_WEIGHTS[i], 0);
  return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

/** GB 11714 check character of an 8-character organisation code body: 0-9 or X. */
export function organisationCodeCheckChar(first8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(first8)) throw new RangeError('organisationCodeCheckChar needs 8 characters 0-9 A-Z.');
  const sum = [...first8].reduce((acc, ch, i) => acc + parseInt(ch, 36) * ORG_CODE_WEIGHTS[i], 0);
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

function fail(code: UsccErrorCode, reason: string): Parsed<Uscc, UsccErrorCode> {
  return { ok: false, code, reason };
}

const NEVER_USED: Readonly<Record<string, string>> = { I: " (did you mean '1'?)", O: " (did you mean '0'?)", S: '', V: '', Z: '' };

/**
 * Validate a unified social credit code. ok:false only for a wrong length or a character outside
 * the 31-symbol alphabet (and, in strict mode, for a non-conforming code). Everything else is
 * reported in warnings, with conforming:false when the GB 32100 rules are not met.
 */
export function validateUscc(input: string, options: UsccOptions = {}): Parsed<Uscc, UsccErrorCode> {
  const code = normaliseCodeText(input);
  if (code.length !== 18) {
    return fail('LENGTH', `A unified social credit code has 18 characters but this value has ${code.length}; look for a missing or extra character.`);
  }
  const bad = [...code].findIndex((ch) => symbolValue(ch) < 0);
  if (bad >= 0) {
    const ch = code[bad];
    const hint = Object.hasOwn(NEVER_USED, ch) ? `; I, O, S, V and Z never occur${NEVER_USED[ch]}` : '';
    return fail(
      'ALPHABET',
      `Character '${ch}' at position ${bad + 1} is not allowed: a unified social credit code uses only 0-9 and A-H J-N P-R T U W-Y${hint}.`,
    );
  }

  const warnings: string[] = [];
  const checkRight = usccCheckChar(code.slice(0, 17)) === code[17];
  if (!checkRight) {
    const reason =
      'The check character (position 18) does not match positions 1-17 (GB 32100-2015, MOD 31): the code is mistyped ' +
      '(a character changed or two neighbours swapped) or is an early pilot code issued before the check was enforced';
    if (options.strict) return fail('CHECK', `${reason}; copy it again from the business licence.`);
    warnings.push(`${reason}; it is accepted as non-conforming: confirm it against the business licence.`);
  }
  const division = code.slice(2, 8);
  const divisionRight = /^[0-9]{6}$/.test(division);
  if (!divisionRight) {
    const reason = `Positions 3-8 (${division}) must be the 6-digit GB/T 2260 division of the registration authority`;
    if (options.strict) return fail('UNKNOWN_DIVISION', `${reason}; copy the code again from the business licence.`);
    warnings.push(`${reason}; the code is accepted as non-conforming.`);
  }

  const authority = USCC_AUTHORITIES[code[0]] as Authority | undefined;
  const entityTypeLabel = authority?.types[code[1]] ?? null;
  if (!authority) {
    warnings.push(`Position 1 (${code[0]}) is not a known registration authority code; check the code or extend USCC_AUTHORITIES.`);
  } else if (!entityTypeLabel) {
    warnings.push(`Position 2 (${code[1]}) is not a known entity type for registration authority ${code[0]} (${authority.label}).`);
  }

  const organisationCode = code.slice(8, 17);
  const organisationCodeValid =
    /^[0-9X]$/.test(organisationCode[8]) && organisationCodeCheckChar(organisationCode.slice(0, 8)) === organisationCode[8];
  if (!organisationCodeValid) {
    warnings.push('Position 17 is not the GB 11714 check of positions 9-16 (the organisation code); the code is kept, but its organisation code may be wrong.');
  }

  return {
    ok: true,
    value: {
      code,
      registrationAuthority: code[0],
      authorityLabel: authority?.label ?? null,
      entityType: code[1],
      entityTypeLabel,
      division,
      organisationCode,
      check: code[17],
      conforming: checkRight && divisionRight,
      organisationCodeValid,
      cityClassCode: CITY_CLASS_BY_TYPE[code.slice(0, 2)] ?? '029900',
      warnings,
    },
  };
}

/**
 * A fully valid code for seed data: known authority + type (e.g. '91' enterprise, '92' individual
 * business), 6-digit division, organisation code from orgSerial (0..99,999,999) with its GB 11714 check.
 */
export function makeUscc(authorityAndType: string, division: string, orgSerial: number): string {
  const authority = USCC_AUTHORITIES[authorityAndType[0]] as Authority | undefined;
  if (authorityAndType.length !== 2 || !authority?.types[authorityAndType[1]]) {
    throw new RangeError(`${JSON.stringify(authorityAndType)} is not a known registration authority + entity type (e.g. '91').`);
  }
  if (!/^[0-9]{6}$/.test(division)) throw new RangeError('division must be 6 digits.');
  if (!Number.isInteger(orgSerial) || orgSerial < 0 || orgSerial > 99_999_999) {
    throw new RangeError('orgSerial must be an integer 0..99999999.');
  }
  const body = String(orgSerial).padStart(8, '0');
  const first17 = authorityAndType + division + body + organisationCodeCheckChar(body);
  return first17 + usccCheckChar(first17);
}
