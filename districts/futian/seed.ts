import 'reflect-metadata';
import { Pool } from 'pg';
import { logger } from '../../core/logger';
import { landmarkCode, planDemoCity } from '../../seed/city';
import type { CityPlan } from '../../seed/plan';
import { progress } from '../../core/progress';
import { createRng } from '../../seed/rng';
import { isScaleName, SCALES } from '../../seed/scales';
import { districtConfig, type FutianConfig } from './config';
import { FUTIAN, type DistrictPlatform } from '../../domain/districtPlatforms';
import { platformsOf } from './migrate';
import type { GridEventRow } from './store';

/**
 * Demo grid events for a district's seeded buildings and residents (福田's first): deterministic
 * (the same city plan gives the same events) and idempotent (the demo rows, ids <P>-DEMO-*, e.g.
 * FT-DEMO-*, are replaced in one transaction). A real district loads its own records keyed by the
 * city codes it gets from the city platform; this seed reads the city's deterministic demo plan
 * only to know those codes.
 *   node dist/districts/futian/seed.js [slug … | --served | --all]   (default: futian)
 */
const CATEGORIES: readonly [string, readonly string[]][] = [
  ['SAFETY_HAZARD', ['楼道电动车违规充电', '外墙瓷砖松动', '电梯异响', '燃气管道老化']],
  ['SANITATION', ['垃圾分类投放不规范', '楼下积水发臭', '化粪池外溢']],
  ['DISPUTE', ['邻里漏水纠纷', '物业费争议', '停车位纠纷']],
  ['ILLEGAL_CONSTRUCTION', ['天台违建', '阳台外扩搭建']],
  ['FIRE_ACCESS', ['消防通道堆放杂物', '消防通道停车']],
  ['NOISE', ['夜间装修噪音', '商铺音响扰民']],
];
const STATUSES = ['REPORTED', 'ASSIGNED', 'IN_PROGRESS', 'RESOLVED'] as const;
const HANDLERS = ['黄志强', '林晓燕', '陈建华', '吴丽娟', '郑国栋', '刘海燕', '张伟明', '周小琴'];
const EPOCH = Date.UTC(2026, 0, 1);
export const DEMO_ID_PREFIX = 'FT-DEMO-';
const demoIdPrefix = (p: DistrictPlatform) => `${p.idPrefix}-DEMO-`;

export function planGridEvents(plan: CityPlan, p: DistrictPlatform = FUTIAN): GridEventRow[] {
  const rng = createRng(`${p.slug}-grid-events`);
  const inDistrict = (n: CityPlan['nodes'][number]) => n.props.districtCode === p.code;
  const buildings = plan.nodes.filter((n) => inDistrict(n) && n.labels.includes('CityObject') && n.props.objectKind === 'BUILDING');
  const persons = plan.nodes.filter((n) => inDistrict(n) && n.labels.includes('Person'));
  const civic = landmarkCode('CIVIC_CENTER');
  const rows: GridEventRow[] = [];
  for (const b of buildings) {
    // The civic centre always has a few events: the README's and the tests' example building.
    const count = b.code === civic ? 3 : rng.int(0, 3);
    for (let i = 0; i < count; i++) {
      const [category, titles] = CATEGORIES[rng.int(0, CATEGORIES.length - 1)];
      const status = STATUSES[rng.int(0, STATUSES.length - 1)];
      const reported = EPOCH + rng.int(0, 300) * 86_400_000 + rng.int(0, 86_399) * 1000;
      const person = persons.length > 0 && rng.next() < 0.6 ? persons[rng.int(0, persons.length - 1)] : null;
      const community = String(b.props.communityCode ?? `${b.props.streetCode}000`);
      rows.push({
        id: `${demoIdPrefix(p)}${String(rows.length + 1).padStart(5, '0')}`,
        title: titles[rng.int(0, titles.length - 1)],
        category,
        status,
        handler: status === 'REPORTED' ? null : HANDLERS[rng.int(0, HANDLERS.length - 1)],
        reportedAt: new Date(reported).toISOString(),
        resolvedAt: status === 'RESOLVED' ? new Date(reported + rng.int(1, 240) * 3_600_000).toISOString() : null,
        gridCode: `${community}-G${String(rng.int(1, 12)).padStart(2, '0')}`,
        streetCode: String(b.props.streetCode),
        buildingCode: b.code,
        personCode: person?.code ?? null,
      });
    }
  }
  return rows;
}

export async function seedFutian(postgres: FutianConfig['postgres'], plan: CityPlan = planDemoCity()): Promise<number> {
  return seedDistrict(postgres, FUTIAN, plan);
}

export async function seedDistrict(postgres: FutianConfig['postgres'], p: DistrictPlatform, plan: CityPlan = planDemoCity()): Promise<number> {
  const rows = planGridEvents(plan, p);
  const schema = p.slug;
  if (!/^[a-z]{2,30}$/.test(schema)) throw new Error(`district schema "${schema}" must be 2-30 lower-case letters`);
  const pool = new Pool({ ...postgres, max: 1, application_name: `citycode-${schema}-seed` });
  const client = await pool.connect();
  const bar = progress(`${schema}: grid events`, rows.length);
  try {
    await client.query('BEGIN');
    await client.query(`DELETE FROM ${schema}.grid_event WHERE id LIKE $1`, [`${demoIdPrefix(p)}%`]);
    const columns = (k: keyof GridEventRow) => rows.map((r) => r[k]);
    for (let i = 0; i < rows.length; i += 1000) {
      const batch = rows.slice(i, i + 1000);
      const col = (k: keyof GridEventRow) => columns(k).slice(i, i + batch.length);
      await client.query(
        `INSERT INTO ${schema}.grid_event (id, title, category, status, handler, reported_at, resolved_at, grid_code, street_code, building_code, person_code)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::text[])`,
        [col('id'), col('title'), col('category'), col('status'), col('handler'), col('reportedAt'), col('resolvedAt'), col('gridCode'), col('streetCode'), col('buildingCode'), col('personCode')],
      );
      bar.advance(batch.length);
    }
    await client.query('COMMIT');
    return rows.length;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    bar.done();
    client.release();
    await pool.end();
  }
}

if (require.main === module) {
  const scale = process.env.CITYCODE_SEED_SCALE || 'demo';
  if (!isScaleName(scale)) throw new Error(`CITYCODE_SEED_SCALE must be one of ${Object.keys(SCALES).join(', ')}, got "${scale}"`);
  (async () => {
    const plan = planDemoCity(scale);
    for (const p of platformsOf(process.argv.slice(2))) {
      const count = await seedDistrict(districtConfig(p).postgres, p, plan);
      logger.info({ gridEvents: count }, `${p.slug} seed complete`);
    }
  })().catch((err) => {
    logger.error({ err }, 'district seed failed');
    process.exit(1);
  });
}
