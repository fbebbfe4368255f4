/**
 * Demo source files of several departments (docs/ingestion.md, "Demo data"), generated from the
 * seed plan, deterministic for a seed: they overlap the seeded city and each other, carry typos,
 * swapped characters, missing identifiers and disagreeing values, a few unreadable rows, and are
 * ingested through the same path as users' files (ingest/pipeline.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCitizenId, makeUscc } from '../domain/identifiers';
import type { CityPlan, SeedNode } from './plan';
import { createRng, Rng } from './rng';

const SIMILAR: Record<string, string> = { 华: '化', 明: '名', 伟: '玮', 芳: '方', 丽: '莉', 军: '君', 杰: '洁', 静: '婧', 强: '蔷', 磊: '雷', 洋: '阳', 勇: '永', 艳: '燕', 娜: '那', 敏: '民', 林: '琳', 文: '雯', 海: '梅' };

export function nameTypo(rng: Rng, name: string): string {
  const chars = [...name];
  const i = chars.findIndex((c, k) => k > 0 && SIMILAR[c]);
  if (i > 0) chars[i] = SIMILAR[chars[i]];
  else if (chars.length >= 3) [chars[1], chars[2]] = [chars[2], chars[1]];
  else chars[chars.length - 1] = rng.pick(['一', '二', '三']);
  return chars.join('');
}

export function swapDigits(rng: Rng, text: string): string {
  const chars = [...text];
  for (let tries = 0; tries < 10; tries++) {
    const i = rng.int(3, chars.length - 2);
    if (chars[i] !== chars[i + 1]) {
      [chars[i], chars[i + 1]] = [chars[i + 1], chars[i]];
      break;
    }
  }
  return chars.join('');
}

export function addressVariant(rng: Rng, address: string): string {
  const v = rng.int(0, 2);
  if (v === 0) return `深圳市${address}`;
  if (v === 1) return address.replace(/号/g, '號');
  return address.replace(/(\d+)/, ' $1 ');
}

export function csvLine(cells: (string | number | null | undefined)[]): string {
  return cells
    .map((c) => {
      const t = c === null || c === undefined ? '' : String(c);
      return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
    })
    .join(',');
}

function pointOf(geometry: { type: string; coordinates: unknown }): [number, number] {
  if (geometry.type === 'Point') return geometry.coordinates as [number, number];
  const ring = (geometry.coordinates as number[][][])[0].slice(0, -1);
  return [ring.reduce((s, p) => s + p[0], 0) / ring.length, ring.reduce((s, p) => s + p[1], 0) / ring.length];
}

export interface DemoFile {
  dataset: string;
  file: string;
}

export interface PersonView {
  node: SeedNode;
  houseCode: string | null;
}

export function personsOf(plan: CityPlan): PersonView[] {
  const houseOf = new Map(plan.nodes.filter((n) => n.props.objectKind === 'ROOM').map((n) => [n.code, String(n.props.houseCode)]));
  const residence = new Map(plan.edges.filter((e) => e.type === 'RESIDES_IN').map((e) => [e.from, houseOf.get(e.to) ?? null]));
  return plan.nodes.filter((n) => n.labels.includes('Person')).map((node) => ({ node, houseCode: residence.get(node.code) ?? null }));
}

/** A checksum-valid synthetic citizen ID that the seed plan does not use (盐田 440308 is not among its birth divisions). */
export function newCitizenId(i: number): string {
  return makeCitizenId('440308', `2003${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}`, 900 + (i % 99), { today: '20260101' });
}

/** Writes the demo files into `dir` and returns them in ingest order. */
export function writeDemoFiles(plan: CityPlan, dir: string, seed = 1): DemoFile[] {
  mkdirSync(dir, { recursive: true });
  const rng = createRng(`ingest-demo:${seed}`);
  const persons = personsOf(plan);
  const files: DemoFile[] = [];
  const put = (dataset: string, name: string, lines: string[]): void => {
    const file = join(dir, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    files.push({ dataset, file });
  };

  // 市公安局 实有人口 (CSV): 2,000 seeded persons, 40 new ones, 4 bad rows.
  const gaj = [csvLine(['record_id', 'id_number', 'name', 'sex', 'birth_date', 'phone', 'house_code', 'updated_at'])];
  persons.slice(0, 2000).forEach((p, i) => {
    const pr = p.node.props;
    gaj.push(csvLine([`GA${String(i).padStart(6, '0')}`, p.node.citizenId, pr.name as string, pr.sex as string, pr.birthDate as string, pr.phone as string, p.houseCode, '2026-01-05T08:00:00+08:00']));
  });
  for (let i = 0; i < 40; i++) {
    gaj.push(csvLine([`GA-NEW-${i}`, newCitizenId(i), `新居民${i}`, i % 2 ? 'M' : 'F', '2003-05-01', `139${String(10000000 + i * 7919).slice(0, 8)}`, null, '2026-01-05T08:00:00+08:00']));
  }
  gaj.push(csvLine(['GA-BAD-1', '440304199001011235', '坏数据', 'M', '1990-01-01', '13800000000', null, '2026-01-05']));
  gaj.push(csvLine(['GA-BAD-2', null, null, 'M', '1990-01-01', '13800000000', null, '2026-01-05']));
  gaj.push(csvLine(['GA-BAD-3', null, '王五', 'M', '1990-13-45', '13800000000', null, '2026-01-05']));
  gaj.push('GA-BAD-4,only,three');
  put('gaj-population', 'gaj-population.csv', gaj);

  // 市住房建设局 租赁登记 (CSV): overlaps persons 1,500-2,299; newer phones, other rooms, typos, no ID.
  const rooms = plan.nodes.filter((n) => n.props.objectKind === 'ROOM');
  const zl = [csvLine(['contract_no', 'id_number', 'name', 'phone', 'birth_date', 'house_code', 'signed_at'])];
  persons.slice(1500, 2300).forEach((p, k) => {
    const i = 1500 + k;
    const pr = p.node.props;
    const withId = k % 5 !== 0;
    let name = pr.name as string;
    let phone = pr.phone as string;
    let house = p.houseCode;
    // Disagreements only where 市公安局 (authoritative for these attributes) also reports the
    // person, so they are kept as conflicts and the seeded values stay what the seed wrote.
    if (k < 500) {
      if (k % 6 === 1) phone = `137${String(20000000 + k * 104729).slice(-8)}`; // a newer phone
      if (k % 9 === 2) house = String(rooms[(i * 7) % rooms.length].props.houseCode); // another room
      if (k % 11 === 3) name = nameTypo(rng, name);
      if (!withId && k % 3 === 0) phone = swapDigits(rng, phone);
    }
    zl.push(csvLine([`ZL2026${String(i).padStart(6, '0')}`, withId ? p.node.citizenId : null, name, phone, withId && k % 4 === 0 ? null : (pr.birthDate as string), house, '2026-02-01T10:00:00+08:00']));
  });
  put('zjj-tenancy', 'zjj-tenancy.csv', zl);

  // 市市场监管局 商事主体 (CSV): 500 seeded enterprises, 20 new, 20 without USCC (matched by name
  // and address). The values are the seeded ones: the authoritative source confirms them.
  const enterprises = plan.nodes.filter((n) => n.labels.includes('Enterprise'));
  const buildingCodeOf = new Map(plan.nodes.filter((n) => n.props.objectKind === 'BUILDING').map((n) => [n.code, String(n.props.buildingCode)]));
  const regAt = new Map(plan.edges.filter((e) => e.type === 'REGISTERED_AT' && buildingCodeOf.has(e.to)).map((e) => [e.from, buildingCodeOf.get(e.to)!]));
  const sc = [csvLine(['reg_no', 'uscc', 'name', 'industry', 'established_on', 'status', 'capital_wan', 'address', 'building_code', 'updated_at'])];
  enterprises.slice(0, 520).forEach((e, i) => {
    const pr = e.props;
    const noUscc = i >= 500;
    sc.push(
      csvLine([
        `SC${String(i).padStart(6, '0')}`,
        noUscc ? null : (pr.uscc as string),
        pr.name as string,
        pr.industry as string,
        pr.establishedOn as string,
        pr.status as string,
        pr.registeredCapitalWan as number,
        pr.address as string,
        regAt.get(e.code) ?? null,
        '2026-01-10T09:00:00+08:00',
      ]),
    );
  });
  for (let i = 0; i < 20; i++) {
    sc.push(csvLine([`SC-NEW-${i}`, makeUscc('91', '440305', 80_000_000 + i), `深圳市新创科技${i}号有限公司`, '科技推广和应用服务业', '2025-12-01', '存续', 100 + i, `深圳市南山区粤海街道科技园${i + 1}号`, null, '2026-01-10T09:00:00+08:00']));
  }
  put('scjgj-enterprise', 'scjgj-enterprise.csv', sc);

  // 市规划和自然资源局 建筑物普查 (GeoJSON, one feature a line): 300 buildings.
  const featureOf = new Map(plan.features.map((f) => [f.cityCode, f]));
  const buildings = plan.nodes.filter((n) => n.props.objectKind === 'BUILDING').slice(0, 300);
  const gh = ['{"type":"FeatureCollection","features":['];
  buildings.forEach((b, i) => {
    const f = featureOf.get(b.code);
    const pr = b.props;
    const feature = {
      type: 'Feature',
      properties: { survey_id: `GH${String(i).padStart(5, '0')}`, building_code: pr.buildingCode, name: pr.name, address: pr.address, usage: pr.usage, floors: pr.floors },
      geometry: f ? { type: 'Point', coordinates: pointOf(f.geometry).map((x) => Math.round(x * 1e7) / 1e7) } : null,
    };
    gh.push(`${JSON.stringify(feature)}${i < buildings.length - 1 ? ',' : ''}`);
  });
  gh.push(']}');
  put('ghzy-building', 'ghzy-building.geojson', gh);

  // 市住房建设局 房屋编码 (CSV): 300 rooms.
  const parentOf = new Map(plan.edges.filter((e) => e.type === 'PART_OF').map((e) => [e.from, e.to]));
  const zr = [csvLine(['house_code', 'building_code', 'name'])];
  for (const r of rooms.slice(0, 300)) zr.push(csvLine([r.props.houseCode as string, buildingCodeOf.get(parentOf.get(r.code) ?? '') ?? null, r.props.name as string]));
  put('zjj-room', 'zjj-room.csv', zr);

  // 市交通运输局 停车泊位 (JSONL): 300 spaces (10 new).
  const spaces = plan.nodes.filter((n) => n.props.objectKind === 'PARKING_SPACE').slice(0, 290);
  const jt = spaces.map((s, i) => {
    const f = featureOf.get(s.code);
    const [lon, lat] = f ? pointOf(f.geometry) : [null, null];
    return JSON.stringify({ berth_no: `JT${String(i).padStart(5, '0')}`, parking_code: s.props.deviceCode, name: s.props.name, lon, lat });
  });
  for (let i = 0; i < 10; i++) jt.push(JSON.stringify({ berth_no: `JT-NEW-${i}`, parking_code: null, name: `临时泊位${i + 1}`, lon: 114.0579 + i * 0.0001, lat: 22.5431 }));
  put('jtj-parking', 'jtj-parking.jsonl', jt);

  // 市水务局 物联设备 (CSV): 300 devices.
  const devices = plan.nodes.filter((n) => n.props.objectKind === 'DEVICE').slice(0, 300);
  const sw = [csvLine(['device_code', 'name', 'lon', 'lat'])];
  for (const d of devices) {
    const f = featureOf.get(d.code);
    const [lon, lat] = f ? pointOf(f.geometry) : [null, null];
    sw.push(csvLine([d.props.deviceCode as string, d.props.name as string, lon, lat]));
  }
  put('swj-device', 'swj-device.csv', sw);
  writePlateFiles(plan, put, featureOf, buildingCodeOf, enterprises, persons);
  return files;
}

/**
 * The data plate's other kinds (docs/data-plate.md): control points, tax and employment, permits,
 * inspections and grid events, public-service facilities, open POIs, 市民码 records. Values that
 * the seed plan also holds are the plan's (the authoritative source confirms them).
 */
function writePlateFiles(
  plan: CityPlan,
  put: (dataset: string, name: string, lines: string[]) => void,
  featureOf: ReadonlyMap<string, { geometry: { type: string; coordinates: unknown } }>,
  buildingCodeOf: ReadonlyMap<string, string>,
  enterprises: readonly SeedNode[],
  persons: readonly PersonView[],
): void {
  const round = (x: number) => Math.round(x * 1e7) / 1e7;
  const pointOfCode = (code: string): [number, number] | null => {
    const f = featureOf.get(code);
    return f ? (pointOf(f.geometry).map(round) as [number, number]) : null;
  };
  const buildings = plan.nodes.filter((n) => n.props.objectKind === 'BUILDING');

  // 时空基准: one control point near each district's first community centre.
  const cp = [csvLine(['point_no', 'name', 'grade', 'elevation_m', 'lon', 'lat'])];
  plan.nodes
    .filter((n) => n.props.objectKind === 'COMMUNITY')
    .slice(0, 60)
    .forEach((c, i) => {
      const p = pointOfCode(c.code);
      if (p) cp.push(csvLine([`SZCP${String(i + 1).padStart(4, '0')}`, `${String(c.props.name).replace(/社区.*$/, '')}控制点`, i % 5 === 0 ? 'C级' : 'D级', 5 + (i % 40), p[0], p[1]]));
    });
  put('ghzy-control-point', 'ghzy-control-point.csv', cp);

  // 经济运行: 税务局 and 人社局 report the first 400 enterprises with USCCs (values of the plan).
  const withUscc = enterprises.filter((e) => typeof e.props.uscc === 'string').slice(0, 400);
  const tax = [csvLine(['taxpayer_no', 'uscc', 'tax_credit_rating', 'tax_band', 'revenue_wan', 'updated_at'])];
  const emp = [csvLine(['unit_no', 'uscc', 'insured_employees', 'month'])];
  withUscc.forEach((e, i) => {
    const p = e.props;
    tax.push(csvLine([`SW${String(i).padStart(6, '0')}`, p.uscc as string, p.taxCreditRating as string, p.taxBand as string, p.annualRevenueWan as number, '2026-11-30T18:00:00+08:00']));
    emp.push(csvLine([`RS${String(i).padStart(6, '0')}`, p.uscc as string, p.employeeCount as number, '2026-11']));
  });
  put('swu-enterprise-tax', 'swu-enterprise-tax.csv', tax);
  put('rsj-employment', 'rsj-employment.csv', emp);

  // 公共管理: inspections of enterprises at their registered building, permits of buildings, 福田 grid events.
  const regAt = new Map(plan.edges.filter((e) => e.type === 'REGISTERED_AT' && buildingCodeOf.has(e.to)).map((e) => [e.from, e.to]));
  const ins = [csvLine(['inspection_no', 'name', 'uscc', 'inspected_on', 'status', 'result', 'lon', 'lat'])];
  withUscc.slice(0, 120).forEach((e, i) => {
    const p = pointOfCode(regAt.get(e.code) ?? '');
    const result = i % 7 === 0 ? '不合格' : '合格';
    ins.push(csvLine([`SJ2026${String(i).padStart(5, '0')}`, '双随机抽查: 经营场所和登记事项', e.props.uscc as string, `2026-${String(1 + (i % 11)).padStart(2, '0')}-15`, result === '不合格' ? '整改中' : '办结', result, p?.[0] ?? null, p?.[1] ?? null]));
  });
  put('scjgj-inspection', 'scjgj-inspection.csv', ins);
  const permits = [csvLine(['permit_no', 'name', 'building_code', 'decided_on', 'status', 'result', 'lon', 'lat'])];
  buildings.slice(0, 80).forEach((b, i) => {
    const p = pointOfCode(b.code);
    permits.push(csvLine([`44030020260${String(i).padStart(4, '0')}0101`, `${String(b.props.name)}改造工程`, b.props.buildingCode as string, `2026-${String(1 + (i % 11)).padStart(2, '0')}-08`, '办结', '准予许可', p?.[0] ?? null, p?.[1] ?? null]));
  });
  put('zjj-permit', 'zjj-permit.csv', permits);
  const TOPICS = ['占道经营', '消防通道堵塞', '垃圾堆放', '路面破损', '违规停车', '噪音扰民', '外墙脱落隐患', '井盖缺失'];
  const ev = [csvLine(['event_no', 'name', 'reported_on', 'status', 'result', 'lon', 'lat'])];
  buildings
    .filter((b) => b.props.districtCode === '440304' && b.props.gridCode)
    .slice(0, 150)
    .forEach((b, i) => {
      const p = pointOfCode(b.code);
      const closed = i % 4 !== 0;
      ev.push(csvLine([`FTWG2026${String(i).padStart(5, '0')}`, TOPICS[i % TOPICS.length], `2026-11-${String(1 + (i % 28)).padStart(2, '0')}`, closed ? '办结' : '处置中', closed ? '已处置' : null, p?.[0] ?? null, p?.[1] ?? null]));
    });
  put('ft-grid-event', 'ft-grid-event.csv', ev);

  // 公共服务: elderly-care homes 市民政局 registers, next to the communities' public buildings, with their service radius.
  const fac = [csvLine(['facility_no', 'name', 'capacity', 'service_radius_m', 'lon', 'lat'])];
  buildings
    .filter((b) => b.props.usage === '公共服务')
    .slice(0, 120)
    .forEach((b, i) => {
      const p = pointOfCode(b.code);
      if (p) fac.push(csvLine([`MZ${String(i).padStart(5, '0')}`, `${String(b.props.name).replace(/\d+栋$/, '')}长者照护中心${i + 1}`, 40 + (i % 8) * 20, 800, p[0], p[1]]));
    });
  put('zsj-public-facility', 'zsj-public-facility.csv', fac);

  // 互联网开放: POIs inside building footprints (matched to buildings by space), with source and licence.
  const CATEGORIES = ['餐饮', '便利店', '药店', '银行网点', '快递驿站', '咖啡馆'];
  const poi = [csvLine(['osm_id', 'name', 'category', 'source', 'licence', 'lon', 'lat'])];
  buildings.filter((b) => b.props.usage !== '住宅').slice(0, 200).forEach((b, i) => {
    const p = pointOfCode(b.code);
    if (p) poi.push(csvLine([`node/${9_000_000_000 + i}`, `${CATEGORIES[i % CATEGORIES.length]}${i + 1}号店`, CATEGORIES[i % CATEGORIES.length], 'OpenStreetMap', 'ODbL-1.0', p[0], p[1]]));
  });
  put('osm-poi', 'osm-poi.csv', poi);

  // 市民码: the first 3,000 persons' codes, with their ID numbers for matching only.
  const sm = [csvLine(['card_no', 'citizen_code', 'id_number', 'issued_at'])];
  persons.slice(0, 3000).forEach((p, i) => {
    if (p.node.citizenId && p.node.props.citizenCode) sm.push(csvLine([`SM${String(i).padStart(7, '0')}`, p.node.props.citizenCode as string, p.node.citizenId, '2026-06-01T09:00:00+08:00']));
  });
  put('zsj-citizen-code', 'zsj-citizen-code.csv', sm);
}

/**
 * The README's sample CSV (datasets/samples/ft-grid-survey.csv): a 福田区 grid survey of persons
 * the demo city knows — newer phones, other rooms, typos, no ID numbers, new residents, bad rows.
 */
export function sampleSurveyCsv(plan: CityPlan): string {
  const rng = createRng('sample-survey');
  // 1-3: persons no source has reported yet (their phone changes); 4-8: persons 市公安局 reports
  // (its values win, the disagreements become conflicts). Neither are among the first persons of
  // 福田 that the permission tests read.
  const futian = personsOf(plan).map((p, index) => ({ p, index })).filter(({ p }) => p.node.props.districtCode === '440304' && p.houseCode);
  const unreported = futian.filter(({ index }) => index >= 3000).slice(0, 3).map(({ p }) => p);
  const reported = futian.filter(({ index }) => index >= 1000 && index < 1500).slice(0, 5).map(({ p }) => p);
  const persons = [...unreported, ...reported];
  const rooms = plan.nodes.filter((n) => n.props.objectKind === 'ROOM' && n.props.districtCode === '440304');
  const lines = [csvLine(['visit_id', 'id_number', 'name', 'sex', 'birth_date', 'phone', 'house_code', 'visited_at'])];
  const at = '2026-03-02T10:00:00+08:00';
  const row = (id: string, p: PersonView, over: Partial<Record<'id' | 'name' | 'phone' | 'house' | 'birth', string | null>>) => {
    const pr = p.node.props;
    const pick = <T>(k: keyof typeof over, v: T): T | string | null => (k in over ? over[k]! : v);
    lines.push(csvLine([id, pick('id', p.node.citizenId ?? null), pick('name', pr.name as string), pr.sex as string, pick('birth', pr.birthDate as string), pick('phone', pr.phone as string), pick('house', p.houseCode), at]));
  };
  persons.slice(0, 3).forEach((p, i) => row(`FT-2026-0${i + 1}`, p, { phone: `135${String(60000000 + i * 1234567).slice(-8)}` }));
  persons.slice(3, 5).forEach((p, i) => row(`FT-2026-0${i + 4}`, p, { house: String(rooms[(i * 13 + 5) % rooms.length].props.houseCode) }));
  persons.slice(5, 7).forEach((p, i) => row(`FT-2026-0${i + 6}`, p, { id: null, name: nameTypo(rng, p.node.props.name as string) }));
  row('FT-2026-08', persons[7], { id: null, phone: null, birth: null, house: null });
  lines.push(csvLine(['FT-2026-09', newCitizenId(900), '林晓新', 'F', '2003-02-11', '13926001234', null, at]));
  lines.push(csvLine(['FT-2026-10', newCitizenId(901), '陈新民', 'M', '2003-03-12', '13926005678', null, at]));
  lines.push(csvLine(['FT-2026-11', '440304199001011234', '赵错号', 'M', '1990-01-01', '13800001111', null, at]));
  lines.push(csvLine(['FT-2026-12', null, '钱无号', 'F', '1991-02-02', '12345', null, at]));
  return `${lines.join('\n')}\n`;
}
