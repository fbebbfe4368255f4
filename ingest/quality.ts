/**
 * Quality of datasets and departments (docs/ingestion.md, "Quality"): completeness (filled
 * mapped fields / mapped fields), freshness (last ingest within the update cadence), match rate
 * (records matched to existing entities / records), conflicts, registration rate (registered /
 * located records).
 */
import { allDatasets } from '../graph/datasets';
import type { GraphStore } from '../store/neo4j';
import { qualityRows } from '../graph/governance';

export interface DatasetQuality {
  dataset: string;
  department: string;
  records: number;
  completeness: number | null;
  matchRate: number | null;
  reviewOpen: number;
  conflicts: number;
  openConflicts: number;
  located: number;
  registered: number;
  registrationRate: number | null;
  lastIngest: string | null;
  ageDays: number | null;
  cadenceDays: number;
  fresh: boolean;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);

export async function datasetQuality(graph: GraphStore, dataset: string | null, now: Date): Promise<DatasetQuality[]> {
  const [rows, datasets] = await Promise.all([qualityRows(graph, dataset), allDatasets(graph)]);
  const byId = new Map(datasets.map((d) => [d.id, d]));
  return rows
    .filter((r) => byId.has(r.dataset))
    .map((r) => {
      const d = byId.get(r.dataset)!;
      const ageDays = r.lastIngest ? Math.round(((now.getTime() - Date.parse(r.lastIngest)) / 86_400_000) * 100) / 100 : null;
      return {
        dataset: r.dataset,
        department: d.definition.department,
        records: r.records,
        completeness: ratio(r.filled, r.mappable),
        matchRate: ratio(r.matched, r.records),
        reviewOpen: r.review,
        conflicts: r.conflicts,
        openConflicts: r.openConflicts,
        located: r.located,
        registered: r.registered,
        registrationRate: ratio(r.registered, r.located),
        lastIngest: r.lastIngest,
        ageDays,
        cadenceDays: d.definition.cadenceDays,
        fresh: ageDays !== null && ageDays <= d.definition.cadenceDays,
      };
    });
}

export async function departmentQuality(graph: GraphStore, now: Date) {
  const [qualities, datasets] = await Promise.all([datasetQuality(graph, null, now), allDatasets(graph)]);
  const names = new Map(datasets.map((d) => [d.definition.department, d.departmentName]));
  const groups = new Map<string, DatasetQuality[]>();
  for (const q of qualities) groups.set(q.department, [...(groups.get(q.department) ?? []), q]);
  return [...groups].map(([department, qs]) => {
    const sum = (f: (q: DatasetQuality) => number) => qs.reduce((s, q) => s + f(q), 0);
    const weighted = (f: (q: DatasetQuality) => number | null) => {
      const w = qs.filter((q) => f(q) !== null && q.records > 0);
      const total = w.reduce((s, q) => s + q.records, 0);
      return total > 0 ? Math.round((w.reduce((s, q) => s + f(q)! * q.records, 0) / total) * 10_000) / 10_000 : null;
    };
    return {
      department,
      departmentName: names.get(department) ?? department,
      datasets: qs.length,
      records: sum((q) => q.records),
      completeness: weighted((q) => q.completeness),
      matchRate: weighted((q) => q.matchRate),
      conflicts: sum((q) => q.conflicts),
      registrationRate: sum((q) => q.located) > 0 ? Math.round((sum((q) => q.registered) / sum((q) => q.located)) * 10_000) / 10_000 : null,
      freshDatasets: qs.filter((q) => q.fresh).length,
    };
  });
}
