/**
 * Computing indicators (指标计算): every definition for every region of every level (city,
 * districts, streets, communities, grids) for one period, in three reads however many
 * definitions there are — one grouped Cypher statement per kind the definitions read, one
 * grouped PostGIS statement for the feature kinds, one rollup read per readings window — then
 * pure accumulation (domain/indicators.ts) and batched writes of the values (history by period).
 * Definitions reading the same rows share one accumulator, so 1,000 definitions cost little more
 * than the distinct bases they read (docs/benchmarks.md).
 */
import { performance } from 'node:perf_hooks';
import { ATTRIBUTE_FIELDS } from '../domain/modelIndex';
import {
  accumulate,
  baseKey,
  emptyAccumulator,
  filterMatches,
  indicatorKey,
  indicatorProblems,
  indicatorValue,
  periodOf,
  termValue,
  type Accumulator,
  type Base,
  type IndicatorDefinition,
  type Term,
} from '../domain/indicators';
import { kindRegionRows, regionObjects, writeIndicatorLineage, type IndicatorLineage } from '../graph/indicators';
import { datasetLid, attributeLid } from '../graph/datasets';
import { rollupsSince } from '../iot/store';
import { featureRegionRows } from '../spatial/indicatorRows';
import type { Stores } from '../store/stores';
import type { DatasetDefinition } from '../domain/datasets';
import { recordIndicatorRun, writeIndicatorValues, type IndicatorValueRow } from './store';

const CITY = '440300';

/** Accumulators of one base, by region key `LEVEL:code`. */
type ByRegion = Map<string, Accumulator>;

/** `n` rows of one region whose values sum to `total` (null: no values), smallest `min`, largest `max`. */
function add(accs: ByRegion, level: string, code: string | null, n: number, total: number | null, min: number | null, max: number | null): void {
  if (!code) return;
  const key = `${level}:${code}`;
  let a = accs.get(key);
  if (!a) accs.set(key, (a = emptyAccumulator()));
  accumulate(a, n, total, min, max);
}

/** Rows counted at every level they lie in: the city, their district, street, community and grid. */
function addRow(accs: ByRegion, row: { d: string | null; s: string | null; c: string | null; g: string | null }, n: number, total: number | null, min: number | null, max: number | null): void {
  add(accs, 'CITY', CITY, n, total, min, max);
  add(accs, 'DISTRICT', row.d, n, total, min, max);
  add(accs, 'STREET', row.s, n, total, min, max);
  add(accs, 'COMMUNITY', row.c, n, total, min, max);
  add(accs, 'GRID', row.g, n, total, min, max);
}

function propertyOf(kind: string, attribute: string): string {
  return ATTRIBUTE_FIELDS.get(`${kind}.${attribute}`)?.reads[0] ?? attribute;
}

export interface ComputeReport {
  period: string;
  definitions: number;
  bases: number;
  regions: number;
  values: number;
  readMs: number;
  computeMs: number;
  writeMs: number;
}

/** The accumulators of every distinct base the definitions read, per region. */
async function accumulateBases(stores: Stores, bases: Map<string, Base>): Promise<Map<string, ByRegion>> {
  const out = new Map<string, ByRegion>([...bases.keys()].map((k) => [k, new Map()]));
  const entries = [...bases.entries()];
  // The graph: one statement per kind, projecting every property a base of that kind reads.
  const byKind = new Map<string, [string, Extract<Base, { store: 'graph' }>][]>();
  for (const [key, b] of entries) if (b.store === 'graph') byKind.set(b.kind, [...(byKind.get(b.kind) ?? []), [key, b]]);
  for (const [kind, list] of byKind) {
    const props = [...new Set(list.flatMap(([, b]) => [...(b.filters ?? []).map((f) => propertyOf(kind, f.attribute)), ...(b.attribute ? [propertyOf(kind, b.attribute)] : [])]))];
    const index = new Map(props.map((p, i) => [p, i]));
    const rows = await kindRegionRows(stores.graph, kind, props);
    const compiled = list.map(([key, b]) => ({
      accs: out.get(key)!,
      filters: (b.filters ?? []).map((f) => ({ f, i: index.get(propertyOf(kind, f.attribute))! })),
      value: b.attribute ? index.get(propertyOf(kind, b.attribute))! : -1,
    }));
    for (const row of rows) {
      for (const c of compiled) {
        if (!c.filters.every(({ f, i }) => filterMatches(f, row.v[i]))) continue;
        const raw = c.value >= 0 ? row.v[c.value] : null;
        const v = typeof raw === 'number' ? raw : raw !== null && typeof raw === 'object' && 'toNumber' in raw ? (raw as { toNumber(): number }).toNumber() : null;
        // n identical rows: their values sum to n × v.
        addRow(c.accs, row, row.n, v === null ? null : v * row.n, v, v);
      }
    }
  }
  // PostGIS: one statement for every feature kind.
  const spatial = entries.filter((e): e is [string, Extract<Base, { store: 'spatial' }>] => e[1].store === 'spatial');
  if (spatial.length) {
    const rows = await featureRegionRows(stores.sql, [...new Set(spatial.map(([, b]) => b.featureKind))]);
    for (const [key, b] of spatial) {
      const accs = out.get(key)!;
      for (const r of rows) {
        if (r.kind !== b.featureKind) continue;
        if (b.measure === 'count') addRow(accs, r, r.n, null, null, null);
        else if (b.measure === 'areaM2') addRow(accs, r, r.n, r.area, null, null);
        else {
          // hn features with a height (summing to hsum), the others without.
          if (r.hn > 0) addRow(accs, r, r.hn, r.hsum, r.hmin, r.hmax);
          if (r.n > r.hn) addRow(accs, r, r.n - r.hn, null, null, null);
        }
      }
    }
  }
  // Readings: the hourly rollups of each window, already per level and region.
  const readings = entries.filter((e): e is [string, Extract<Base, { store: 'readings' }>] => e[1].store === 'readings');
  for (const hours of new Set(readings.map(([, b]) => b.windowHours))) {
    const rows = await rollupsSince(stores.sql, hours);
    for (const [key, b] of readings) {
      if (b.windowHours !== hours) continue;
      const accs = out.get(key)!;
      for (const r of rows) {
        if (r.metric !== b.metric || (b.category && r.category !== b.category) || r.level === 'BUILDING') continue;
        add(accs, r.level, r.regionCode, r.n, r.total, r.min, r.max);
      }
    }
  }
  return out;
}

/**
 * Computes the definitions for every region at `at` (the period follows each definition's cadence)
 * and writes the values; returns what it did, with the time of each phase.
 */
export async function computeIndicators(stores: Stores, definitions: readonly IndicatorDefinition[], at: Date = new Date(), options: { write?: boolean } = {}): Promise<ComputeReport> {
  const problems = definitions.flatMap((d) => indicatorProblems(d).map((p) => `${d.id}: ${p}`));
  if (problems.length) throw new Error(`invalid indicator definitions: ${problems.slice(0, 5).join('; ')}`);
  const t0 = performance.now();
  const bases = new Map<string, Base>();
  const terms = (d: IndicatorDefinition): Term[] => (d.denominator ? [d.numerator, d.denominator] : [d.numerator]);
  for (const d of definitions) for (const t of terms(d)) bases.set(baseKey(t.base), t.base);
  const [accs, regions] = await Promise.all([accumulateBases(stores, bases), regionObjects(stores.graph)]);
  const t1 = performance.now();
  const byPeriod = new Map<string, IndicatorValueRow[]>();
  for (const d of definitions) {
    const period = periodOf(d, at);
    let rows = byPeriod.get(period);
    if (!rows) byPeriod.set(period, (rows = []));
    const num = accs.get(baseKey(d.numerator.base))!;
    const den = d.denominator ? accs.get(baseKey(d.denominator.base))! : null;
    for (const r of regions) {
      const key = `${r.level}:${r.regionCode}`;
      const value = indicatorValue(d, termValue(d.numerator, num.get(key)), den && d.denominator ? termValue(d.denominator, den.get(key)) : null);
      rows.push({ indicatorId: d.id, level: r.level, regionCode: r.regionCode, value });
    }
  }
  const t2 = performance.now();
  let written = 0;
  if (options.write !== false) for (const [period, rows] of byPeriod) written += await writeIndicatorValues(stores.sql, period, rows);
  const t3 = performance.now();
  const report: ComputeReport = {
    period: periodOf({ cadence: 'DAILY' }, at),
    definitions: definitions.length,
    bases: bases.size,
    regions: regions.length,
    values: options.write === false ? [...byPeriod.values()].reduce((s, r) => s + r.length, 0) : written,
    readMs: t1 - t0,
    computeMs: t2 - t1,
    writeMs: t3 - t2,
  };
  if (options.write !== false) await recordIndicatorRun(stores.sql, report);
  return report;
}

/**
 * The lineage of each definition: the attributes it filters or aggregates on, and the datasets it
 * reads directly — those bringing rows of its kind (and object kind), the readings dataset, the
 * feature datasets of its feature kind.
 */
export function indicatorLineage(definitions: readonly IndicatorDefinition[], datasets: readonly DatasetDefinition[], readingsDataset: string): IndicatorLineage[] {
  return definitions.map((d) => {
    const attributes = new Map<string, { lid: string; key: string; label: string }>();
    const direct = new Set<string>();
    for (const t of d.denominator ? [d.numerator, d.denominator] : [d.numerator]) {
      const b = t.base;
      if (b.store === 'graph') {
        for (const a of [...(b.filters ?? []).map((f) => f.attribute), ...(b.attribute ? [b.attribute] : [])]) {
          const key = `${b.kind}.${a}`;
          attributes.set(key, { lid: attributeLid(key), key, label: ATTRIBUTE_FIELDS.get(key)?.decl.label ?? key });
        }
        const objectKind = b.filters?.find((f) => f.attribute === 'objectKind' && f.op === 'eq')?.value;
        for (const ds of datasets) if (ds.entity === b.kind && (objectKind === undefined || !ds.objectKind || ds.objectKind === objectKind)) direct.add(datasetLid(ds.id));
      } else if (b.store === 'spatial') {
        attributes.set('CityObject.geometry', { lid: attributeLid('CityObject.geometry'), key: 'CityObject.geometry', label: ATTRIBUTE_FIELDS.get('CityObject.geometry')?.decl.label ?? '几何' });
        for (const ds of datasets) if (ds.entity === 'CityObject' && ds.objectKind === b.featureKind) direct.add(datasetLid(ds.id));
      } else direct.add(datasetLid(readingsDataset));
    }
    return { lid: `indicator:${indicatorKey(d.id)}`, key: indicatorKey(d.id), label: d.name, owner: d.owner, level: d.level, attributes: [...attributes.values()], datasets: [...direct].sort() };
  });
}

export async function writeLineage(stores: Stores, definitions: readonly IndicatorDefinition[], datasets: readonly DatasetDefinition[]): Promise<void> {
  const rows = indicatorLineage(definitions, datasets, 'swj-device-readings');
  for (let i = 0; i < rows.length; i += 200) await writeIndicatorLineage(stores.graph, rows.slice(i, i + 200));
}
