/**
 * Deterministic, plausible Chinese names for the seed: people, enterprises, individual
 * businesses, organisations and street addresses. Every function takes the {@link Rng} from
 * seed/rng.ts and draws only from it, so the same seed gives the same names.
 *
 * The names are synthetic. Any resemblance to a real person or a registered company is
 * coincidental; the seed must never be mixed with real registry data.
 */
import type { Rng, Weighted } from './rng';

export type Gender = 'MALE' | 'FEMALE';

export interface PersonName {
  surname: string;
  givenName: string;
  fullName: string;
  gender: Gender;
}

/**
 * Common surnames with approximate shares in per mille of the population (公安部 2020 surname
 * statistics, rounded; the tail is flattened). Compound surnames are rare but present.
 */
export const SURNAMES: readonly Weighted<string>[] = [
  ['王', 71], ['李', 70], ['张', 64], ['刘', 54], ['陈', 45], ['杨', 31], ['黄', 22], ['赵', 20],
  ['吴', 20], ['周', 19], ['徐', 13], ['孙', 13], ['马', 12], ['朱', 12], ['胡', 11], ['郭', 11],
  ['何', 10], ['林', 10], ['高', 10], ['罗', 9], ['郑', 8], ['梁', 7], ['谢', 6], ['宋', 6],
  ['唐', 6], ['许', 6], ['韩', 6], ['邓', 5], ['冯', 5], ['曹', 5], ['彭', 5], ['曾', 5],
  ['肖', 5], ['田', 5], ['董', 4], ['潘', 4], ['袁', 4], ['蔡', 4], ['蒋', 4], ['余', 4],
  ['于', 4], ['杜', 4], ['叶', 4], ['程', 4], ['魏', 3], ['苏', 3], ['吕', 3], ['丁', 3],
  ['任', 3], ['卢', 3], ['姚', 3], ['沈', 3], ['钟', 3], ['姜', 3], ['崔', 3], ['谭', 3],
  ['陆', 3], ['范', 3], ['汪', 3], ['廖', 3], ['石', 2], ['金', 2], ['韦', 2], ['贾', 2],
  ['夏', 2], ['付', 2], ['方', 2], ['邹', 2], ['熊', 2], ['白', 2], ['孟', 2], ['秦', 2],
  ['邱', 2], ['侯', 2], ['江', 2], ['尹', 2], ['薛', 2], ['闫', 2], ['段', 2], ['雷', 2],
  ['龙', 2], ['黎', 2], ['史', 2], ['陶', 2], ['贺', 2], ['毛', 2], ['郝', 2], ['顾', 2],
  ['龚', 2], ['邵', 2], ['万', 2], ['覃', 2], ['武', 2], ['钱', 2], ['戴', 2], ['严', 2],
  ['莫', 1], ['孔', 1], ['向', 1], ['常', 1], ['汤', 1], ['康', 1], ['易', 1], ['乔', 1],
  ['赖', 1], ['文', 1], ['施', 1], ['洪', 1], ['辛', 1], ['柯', 1], ['庄', 1], ['温', 1],
  ['欧阳', 0.3], ['司马', 0.05], ['上官', 0.05], ['诸葛', 0.05], ['司徒', 0.1],
];

const MALE_CHARS = [
  '伟', '强', '磊', '军', '勇', '杰', '涛', '斌', '超', '明', '刚', '平', '辉', '鹏', '华', '飞',
  '鑫', '波', '宇', '浩', '凯', '健', '俊', '帆', '帅', '旭', '宁', '龙', '林', '洋', '峰', '建',
  '国', '文', '志', '海', '东', '亮', '成', '晨', '阳', '轩', '子', '博', '睿', '泽', '豪', '宏',
  '昊', '然', '哲', '诚', '嘉', '铭', '永', '春', '德', '毅', '航', '振', '锋', '彬', '立', '新',
  '佳', '一', '天', '伦', '翔', '松', '烨', '晖', '景', '瑞', '家', '梓', '钧', '坤', '荣', '维',
] as const;

const FEMALE_CHARS = [
  '芳', '娜', '敏', '静', '丽', '艳', '娟', '霞', '秀', '玲', '燕', '婷', '雪', '慧', '琳', '颖',
  '倩', '洁', '丹', '萍', '红', '月', '莉', '欣', '怡', '佳', '琪', '梦', '雨', '晴', '思', '涵',
  '诗', '悦', '紫', '萱', '可', '馨', '淑', '英', '梅', '兰', '玉', '凤', '桂', '彤', '瑶', '璐',
  '晓', '文', '佩', '雅', '婉', '楠', '蕾', '露', '薇', '琴', '宁', '嘉', '子', '一', '心', '秋',
  '美', '春', '芸', '珊', '妍', '菲', '昕', '蓉', '翠', '娇', '冰', '晶', '茜', '琦', '岚', '青',
] as const;

/** Pick a given name: ~18 % single character (older generations), otherwise two characters. */
function givenName(rng: Rng, gender: Gender): string {
  const chars = gender === 'MALE' ? MALE_CHARS : FEMALE_CHARS;
  const first = rng.pick(chars);
  if (rng.chance(0.18)) return first;
  // Reduplicated names (婷婷, 莉莉) occur, mostly for women; otherwise avoid repeats.
  if (gender === 'FEMALE' && rng.chance(0.04)) return first + first;
  let second = rng.pick(chars);
  while (second === first) second = rng.pick(chars);
  return first + second;
}

/** A plausible Chinese person name. The gender is drawn 51:49 unless given. */
export function personName(rng: Rng, options: { gender?: Gender } = {}): PersonName {
  const gender = options.gender ?? (rng.chance(0.51) ? 'MALE' : 'FEMALE');
  const surname = rng.weighted(SURNAMES);
  const given = givenName(rng, gender);
  return { surname, givenName: given, fullName: surname + given, gender };
}

// ---------------------------------------------------------------------------------------------
// Enterprises
// ---------------------------------------------------------------------------------------------

/** Characters used in 字号 (trade names). */
const TRADE_NAME_CHARS = [
  '华', '腾', '创', '新', '达', '信', '通', '科', '联', '盛', '源', '泰', '和', '瑞', '恒', '宏',
  '鑫', '安', '佳', '康', '美', '博', '智', '远', '航', '海', '鹏', '城', '天', '宇', '力', '德',
  '汇', '丰', '优', '锐', '迅', '捷', '诺', '嘉', '凯', '晟', '睿', '拓', '卓', '越', '峰', '启',
  '星', '辰', '光', '明', '润', '泽', '富', '隆', '永', '兴', '昌', '顺', '益', '禾', '合', '众',
  '中', '南', '深', '湾', '前', '粤', '鼎', '弘', '立', '诚', '金', '银', '云', '数', '芯', '维',
] as const;

/** GB/T 4754-2017 sections (门类) used for the industries below. */
export type IndustrySection = 'C' | 'E' | 'F' | 'G' | 'H' | 'I' | 'K' | 'L' | 'M' | 'O' | 'P' | 'Q' | 'R';

export interface Industry {
  /** Industry words as they appear in the company name (行业表述). */
  label: string;
  section: IndustrySection;
}

/** Industries weighted roughly by how often they appear in Shenzhen company names. */
export const INDUSTRIES: readonly Weighted<Industry>[] = [
  [{ label: '科技', section: 'I' }, 16],
  [{ label: '电子', section: 'C' }, 8],
  [{ label: '信息技术', section: 'I' }, 7],
  [{ label: '网络科技', section: 'I' }, 6],
  [{ label: '智能科技', section: 'I' }, 5],
  [{ label: '贸易', section: 'F' }, 9],
  [{ label: '实业', section: 'C' }, 5],
  [{ label: '供应链管理', section: 'G' }, 4],
  [{ label: '物流', section: 'G' }, 3],
  [{ label: '电子商务', section: 'F' }, 4],
  [{ label: '建筑工程', section: 'E' }, 3],
  [{ label: '装饰工程', section: 'E' }, 3],
  [{ label: '物业管理', section: 'K' }, 2],
  [{ label: '房地产开发', section: 'K' }, 1],
  [{ label: '投资咨询', section: 'L' }, 2],
  [{ label: '企业管理咨询', section: 'L' }, 3],
  [{ label: '人力资源', section: 'L' }, 2],
  [{ label: '文化传媒', section: 'R' }, 3],
  [{ label: '餐饮管理', section: 'H' }, 3],
  [{ label: '生物科技', section: 'M' }, 2],
  [{ label: '医疗器械', section: 'C' }, 2],
  [{ label: '新能源科技', section: 'M' }, 2],
  [{ label: '精密制造', section: 'C' }, 2],
  [{ label: '光电', section: 'C' }, 2],
  [{ label: '服装', section: 'C' }, 1],
  [{ label: '教育科技', section: 'P' }, 1],
  [{ label: '环保科技', section: 'M' }, 1],
  [{ label: '家政服务', section: 'O' }, 1],
  [{ label: '健康管理', section: 'Q' }, 1],
];

export interface EnterpriseName {
  name: string;
  tradeName: string;
  industry: Industry;
  legalForm: '有限公司' | '股份有限公司' | '有限合伙';
}

function tradeName(rng: Rng): string {
  const first = rng.pick(TRADE_NAME_CHARS);
  let second = rng.pick(TRADE_NAME_CHARS);
  while (second === first) second = rng.pick(TRADE_NAME_CHARS);
  return first + second;
}

/** A company name of the form 深圳市{字号}{行业}有限公司 (sometimes 股份有限公司 or 有限合伙). */
export function enterpriseName(rng: Rng): EnterpriseName {
  const trade = tradeName(rng);
  const legalForm = rng.weighted<EnterpriseName['legalForm']>([['有限公司', 90], ['股份有限公司', 7], ['有限合伙', 3]]);
  if (legalForm === '有限合伙') {
    // Limited partnerships are almost always investment vehicles: 深圳市XX股权投资合伙企业（有限合伙）.
    const industry: Industry = { label: '股权投资', section: 'L' };
    return { name: `深圳市${trade}${industry.label}合伙企业（有限合伙）`, tradeName: trade, industry, legalForm };
  }
  const industry = rng.weighted(INDUSTRIES);
  return { name: `深圳市${trade}${industry.label}${legalForm}`, tradeName: trade, industry, legalForm };
}

/** Trades of 个体工商户 with their GB/T 4754 section. */
export const SHOP_TYPES: readonly Weighted<{ label: string; section: IndustrySection }>[] = [
  [{ label: '便利店', section: 'F' }, 10],
  [{ label: '餐饮店', section: 'H' }, 10],
  [{ label: '粉面店', section: 'H' }, 4],
  [{ label: '烧腊店', section: 'H' }, 3],
  [{ label: '茶餐厅', section: 'H' }, 3],
  [{ label: '小吃店', section: 'H' }, 4],
  [{ label: '水果店', section: 'F' }, 4],
  [{ label: '五金店', section: 'F' }, 3],
  [{ label: '日用品店', section: 'F' }, 3],
  [{ label: '服装店', section: 'F' }, 3],
  [{ label: '理发店', section: 'O' }, 4],
  [{ label: '洗衣店', section: 'O' }, 2],
  [{ label: '手机维修店', section: 'O' }, 2],
  [{ label: '汽车维修店', section: 'O' }, 2],
  [{ label: '图文打印店', section: 'L' }, 1],
  [{ label: '花店', section: 'F' }, 1],
];

export interface IndividualBusinessName {
  name: string;
  shopName: string;
  trade: { label: string; section: IndustrySection };
}

const SINGLE_SURNAMES = SURNAMES.filter(([surname]) => surname.length === 1);

/**
 * A 个体工商户 name: 深圳市{区}{字号}{业态}, e.g. 深圳市龙岗区陈记粉面店. `district` is the
 * district's full name (e.g. 福田区, 大鹏新区).
 */
export function individualBusinessName(rng: Rng, district: string): IndividualBusinessName {
  const surname = rng.weighted(SINGLE_SURNAMES);
  const shopName = rng.weighted<() => string>([
    [() => `${surname}记`, 4],
    [() => `老${surname}`, 2],
    [() => `阿${rng.pick(MALE_CHARS)}`, 1],
    [() => tradeName(rng), 4],
    [() => `${rng.pick(['好', '佳', '乐', '惠', '鲜', '福', '旺', '顺'])}${rng.pick(['邻', '家', '客', '来', '多', '满'])}`, 3],
  ])();
  const trade = rng.weighted(SHOP_TYPES);
  return { name: `深圳市${district}${shopName}${trade.label}`, shopName, trade };
}

/** A social organisation or public-service unit name, e.g. 深圳市南山区华信社会工作服务中心. */
export function organisationName(rng: Rng, district: string): string {
  const trade = tradeName(rng);
  return rng.weighted<() => string>([
    [() => `深圳市${district}${trade}社会工作服务中心`, 3],
    [() => `深圳市${rng.weighted(INDUSTRIES).label}${rng.pick(['协会', '促进会', '商会'])}`, 2],
    [() => `深圳市${district}${trade}志愿者协会`, 1],
    [() => `深圳市${district}${trade}幼儿园`, 2],
    [() => `深圳市${district}${trade}养老服务中心`, 1],
  ])();
}

// ---------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------

const ROAD_STEMS = [
  '深南', '滨海', '北环', '新安', '建设', '人民', '解放', '和平', '东门', '华强', '创业', '民治',
  '布吉', '坂田', '福华', '红荔', '笋岗', '泥岗', '沙河', '桃园', '前海', '科技', '高新', '学府',
  '工业', '文化', '翠竹', '莲花', '梅林', '香蜜', '侨香', '松白', '光明', '观澜', '龙华', '龙岗',
  '宝安', '留仙', '南海', '沿河', '爱国', '东晓', '宝民', '兴华', '福民', '金田', '益田', '新洲',
  '海滨', '坪山', '葵涌', '迎宾', '环城', '中心', '青年', '富民', '长兴', '丹竹', '怡景', '景田',
] as const;

export interface AddressContext {
  /** District name, e.g. 南山区 or 大鹏新区. */
  district: string;
  /** Street (街道/镇) name, e.g. 粤海街道. */
  street: string;
}

export interface AddressOptions {
  /** Append building and room, e.g. 3栋1205室. */
  withUnit?: boolean;
}

/** A road name such as 科技南一路, 深南大道 or 建设路. */
export function roadName(rng: Rng): string {
  const stem = rng.pick(ROAD_STEMS);
  return rng.weighted<() => string>([
    [() => `${stem}路`, 6],
    [() => `${stem}大道`, 2],
    [() => `${stem}街`, 2],
    [() => `${stem}${rng.pick(['东', '西', '南', '北', '中'])}路`, 3],
    [() => `${stem}${rng.pick(['一', '二', '三', '四', '五', '六'])}路`, 2],
    [() => `${stem}${rng.pick(['南', '北'])}${rng.pick(['一', '二', '三'])}路`, 1],
  ])();
}

/**
 * A street address: 深圳市{区}{街道}{路}{号}号[{栋}栋{室}室]. For 深汕特别合作区 the
 * prefix is the same (it is administered by Shenzhen).
 */
export function streetAddress(rng: Rng, context: AddressContext, options: AddressOptions = {}): string {
  const number = rng.weighted<() => number>([
    [() => rng.int(1, 99), 6],
    [() => rng.int(100, 999), 3],
    [() => rng.int(1000, 9999), 1],
  ])();
  let address = `深圳市${context.district}${context.street}${roadName(rng)}${number}号`;
  if (options.withUnit) {
    const building = rng.weighted<() => string>([
      [() => `${rng.int(1, 30)}栋`, 6],
      [() => `${rng.pick(['A', 'B', 'C', 'D'])}座`, 3],
      [() => `${rng.pick(['一', '二', '三'])}期${rng.int(1, 12)}栋`, 1],
    ])();
    const floor = rng.int(1, 45);
    const room = rng.int(1, 12);
    address += `${building}${floor}${String(room).padStart(2, '0')}室`;
  }
  return address;
}
