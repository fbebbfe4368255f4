/**
 * Registering datasets: from the repository's datasets/*.json files (seed, CLI) and from the
 * registerDataset governance mutation. Validation is pure (ingest/datasets.ts); the derived
 * level (就高从严) is computed from the registered sources before writing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stores } from '../store/stores';
import { badInput } from '../core/errors';
import { fromRoot } from '../core/paths';
import type { Level } from '../core/subject';
import { datasetsByIds, registerDataset } from '../graph/datasets';
import { loadPolicyDir } from '../store/policy';
import type { Policy } from '../policy/model';
import { DatasetDefinition, effectiveLevel, parseDataset } from '../domain/datasets';

export const DATASETS_DIR = fromRoot('datasets');

export function departmentsOf(policy: Policy): Map<string, string> {
  return new Map([...policy.departments.values()].map((d) => [d.code, d.name]));
}

/** Parses every datasets/*.json file, sources before the datasets derived from them. */
export function loadDatasetFiles(dir = DATASETS_DIR, policy: Policy = loadPolicyDir()): DatasetDefinition[] {
  const departments = new Set(departmentsOf(policy).keys());
  const defs = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      try {
        return parseDataset(JSON.parse(readFileSync(join(dir, f), 'utf8')), departments);
      } catch (err) {
        throw new Error(`datasets/${f}: ${(err as Error).message}`);
      }
    });
  const byId = new Map(defs.map((d) => [d.id, d]));
  const ordered: DatasetDefinition[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (d: DatasetDefinition): void => {
    if (state.get(d.id) === 'done') return;
    if (state.get(d.id) === 'visiting') throw new Error(`datasets: ${d.id} derives from itself through a cycle`);
    state.set(d.id, 'visiting');
    for (const s of d.derivedFrom) {
      const src = byId.get(s.dataset);
      if (src) visit(src);
    }
    state.set(d.id, 'done');
    ordered.push(d);
  };
  defs.forEach(visit);
  return ordered;
}

export interface Registered {
  id: string;
  level: Level;
  inheritedLevel: Level;
}

/** Registers one validated definition; its level is the highest of its sources' unless approved lower. */
export async function register(stores: Stores, policy: Policy, def: DatasetDefinition, registeredBy: string): Promise<Registered> {
  const names = departmentsOf(policy);
  const existing = await datasetsByIds(stores.graph, [def.id, ...def.derivedFrom.map((s) => s.dataset)]);
  const sources = def.derivedFrom.map((s) => existing.get(s.dataset)?.level).filter((l): l is Level => !!l);
  const approved = existing.get(def.id)?.approvedLevel ?? null;
  const lv = effectiveLevel(def.level, sources, approved);
  await registerDataset(stores.graph, { definition: def, departmentName: names.get(def.department) ?? def.department, level: lv.level, inheritedLevel: lv.inherited, registeredBy });
  return { id: def.id, level: lv.level, inheritedLevel: lv.inherited };
}

export async function registerDatasetFiles(stores: Stores, dir = DATASETS_DIR): Promise<Registered[]> {
  const policy = loadPolicyDir();
  const out: Registered[] = [];
  for (const def of loadDatasetFiles(dir, policy)) out.push(await register(stores, policy, def, 'datasets-files'));
  return out;
}

/** A definition sent as JSON text through GraphQL. */
export function parseDatasetJson(text: string, policy: Policy): DatasetDefinition {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw badInput('definition is not valid JSON', 'Send the dataset definition as a JSON object, as in datasets/*.json.', { argument: 'definition' });
  }
  return parseDataset(raw, new Set(departmentsOf(policy).keys()));
}
