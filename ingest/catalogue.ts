/**
 * The catalogue (数据资源目录) rebuilt from what the platform knows: the city model (every kind and
 * every attribute and relation field with its domain, level, PII kind and authoritative source),
 * the dataset registry (department, topic, cadence) with each dataset's quality and freshness from
 * its ingest runs, and the row counts of the graph. Run after the seed and after every ingest, and
 * by the `refreshCatalogue` mutation; `sharing/catalogue.ts` stores and searches it.
 */
import type { Level } from '../core/subject';
import { ATTRIBUTES } from '../domain/datasets';
import { DOMAINS, KINDS, KIND_NAMES } from '../domain/model';
import { ATTRIBUTE_FIELDS, RELATION_FIELDS } from '../domain/modelIndex';
import { allDatasets } from '../graph/datasets';
import { countsByKind } from '../graph/entities';
import type { Policy } from '../policy/model';
import { catalogueSize, replaceCatalogue, type CatalogueEntry } from '../sharing/catalogue';
import type { Stores } from '../store/stores';
import { datasetQuality } from './quality';

const CADENCE_LABELS: Record<number, string> = { 1: '每日', 7: '每周', 30: '每月', 91: '每季', 365: '每年' };

function empty(): Omit<CatalogueEntry, 'key' | 'kind' | 'name' | 'domain' | 'level'> {
  return {
    description: null,
    entityKind: null,
    department: null,
    departmentName: null,
    topic: null,
    pii: null,
    authoritativeDataset: null,
    authoritativeDepartment: null,
    cadenceDays: null,
    lastIngest: null,
    fresh: null,
    quality: null,
    rowCount: null,
    synonyms: [],
  };
}

/** Every catalogue entry, as of `now`. */
export async function buildCatalogue(stores: Stores, policy: Policy, now: Date): Promise<CatalogueEntry[]> {
  const [datasets, quality, counts] = await Promise.all([allDatasets(stores.graph), datasetQuality(stores.graph, null, now), countsByKind(stores.graph)]);
  const departmentName = (code: string | null | undefined) => (code ? (policy.departments.get(code)?.name ?? code) : null);
  const datasetDepartment = new Map(datasets.map((d) => [d.id, d.definition.department]));
  const entries: CatalogueEntry[] = [];

  for (const kind of KIND_NAMES) {
    const k = KINDS[kind];
    entries.push({
      ...empty(),
      key: `kind:${kind}`,
      kind: 'KIND',
      name: k.label,
      description: `${k.description}; 行数据属于${DOMAINS[k.rowDomain].label}数据域, 按授权的区域范围可见`,
      entityKind: kind,
      domain: k.rowDomain,
      level: 'L1',
      rowCount: counts.get(kind) ?? 0,
      synonyms: [kind],
    });
  }

  /** The authoritative source an attribute key names, with the department of that dataset. */
  const authority = (dataset: string | undefined) =>
    dataset ? { authoritativeDataset: dataset, authoritativeDepartment: datasetDepartment.get(dataset) ?? null } : {};
  for (const a of ATTRIBUTE_FIELDS.values()) {
    const owner = a.decl.authoritative ? datasetDepartment.get(a.decl.authoritative) ?? null : null;
    entries.push({
      ...empty(),
      key: a.key,
      kind: 'ATTRIBUTE',
      name: a.decl.label,
      description: a.decl.description && a.decl.description !== a.decl.label ? a.decl.description : `${KINDS[a.kind].label}的${a.decl.label}`,
      entityKind: a.kind,
      department: owner,
      departmentName: departmentName(owner),
      domain: a.decl.domain,
      level: a.decl.level,
      pii: a.decl.pii ?? null,
      ...authority(a.decl.authoritative),
      synonyms: [...(a.decl.synonyms ?? [])],
    });
  }
  for (const r of RELATION_FIELDS.values()) {
    const owner = r.decl.authoritative ? datasetDepartment.get(r.decl.authoritative) ?? null : null;
    entries.push({
      ...empty(),
      key: r.key,
      kind: 'ATTRIBUTE',
      name: r.decl.label,
      description: r.decl.description && r.decl.description !== r.decl.label ? r.decl.description : `${KINDS[r.kind].label}的${r.decl.label} (关系)`,
      entityKind: r.kind,
      department: owner,
      departmentName: departmentName(owner),
      domain: r.decl.domain,
      level: r.decl.level,
      pii: r.decl.pii ?? null,
      ...authority(r.decl.authoritative),
      synonyms: [...(r.decl.synonyms ?? [])],
    });
  }

  const qualityOf = new Map(quality.map((q) => [q.dataset, q]));
  for (const d of datasets) {
    const def = d.definition;
    const q = qualityOf.get(d.id);
    const feeds = def.fields.map((f) => f.attribute).filter((x): x is string => x !== null);
    entries.push({
      ...empty(),
      key: `dataset:${d.id}`,
      kind: 'DATASET',
      name: def.name,
      description: [
        def.description,
        `更新周期: ${CADENCE_LABELS[def.cadenceDays] ?? `${def.cadenceDays} 天`}`,
        feeds.length ? `供给属性: ${feeds.map((k) => ATTRIBUTES[k]?.label ?? k).join('、')}` : '',
        def.authoritative.length ? `权威来源: ${def.authoritative.map((k) => ATTRIBUTES[k]?.label ?? k).join('、')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
      entityKind: def.entity,
      department: def.department,
      departmentName: d.departmentName || departmentName(def.department),
      topic: def.topic,
      domain: def.domain,
      level: d.level as Level,
      cadenceDays: def.cadenceDays,
      lastIngest: q?.lastIngest ?? null,
      fresh: q ? q.fresh : null,
      quality: q
        ? { completeness: q.completeness, matchRate: q.matchRate, registrationRate: q.registrationRate, conflicts: q.conflicts, openConflicts: q.openConflicts, reviewOpen: q.reviewOpen }
        : null,
      rowCount: q?.records ?? 0,
      synonyms: [d.id, def.topic],
    });
  }
  return entries;
}

/** Rebuilds the stored catalogue; returns how many entries it holds. */
export async function refreshCatalogue(stores: Stores, policy: Policy, now = new Date()): Promise<number> {
  const entries = await buildCatalogue(stores, policy, now);
  await replaceCatalogue(stores.sql, entries);
  return entries.length;
}

/** Builds the catalogue when it was never built (an API starting on a database the seed did not fill). */
export async function ensureCatalogue(stores: Stores, policy: Policy): Promise<void> {
  if ((await catalogueSize(stores.sql)) === 0) await refreshCatalogue(stores, policy);
}
