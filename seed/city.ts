import type { Stores } from '../store/stores';
import { cityCodeForCounter } from '../domain/citycode';
import { serialKey } from '../registry/issuing';
import { CityPlan, CodeFunction, LANDMARK_BUILDINGS, planCity } from './plan';
import { loadRegions } from './regions';
import { DEFAULT_SEED, ScaleName, SCALES } from './scales';
import { writePlan } from './write';
import { join } from 'node:path';
import { fromRoot } from '../core/paths';
import { logger } from '../core/logger';
import { ingestFile } from '../ingest/pipeline';
import { loadDatasetFiles, registerDatasetFiles } from '../ingest/registry';
import { refreshCatalogue } from '../ingest/catalogue';
import { loadPolicyDir } from '../store/policy';
import { writeDemoFiles } from './ingestDemo';
import { matchPointsOfInterest } from '../graph/cityWrites';
import { syncDeviceRegistry } from '../ingest/readings';
import { INDICATORS } from '../domain/indicators';
import { computeIndicators, writeLineage } from '../indicators/compute';

/** City codes as the issuing registry hands them out: counter → obfuscated serial. */
export const seedCodeOf: CodeFunction = (division, classCode, counter) =>
  cityCodeForCounter({ division, classCode, counter }, serialKey());

export function planDemoCity(scale: ScaleName = 'demo', seed = DEFAULT_SEED): CityPlan {
  return planCity(loadRegions(), SCALES[scale], seed, seedCodeOf);
}

/** The city code of a landmark building (they are issued first in their district). */
export function landmarkCode(key: (typeof LANDMARK_BUILDINGS)[number]['key']): string {
  const index = LANDMARK_BUILDINGS.findIndex((l) => l.key === key);
  return seedCodeOf('440304', '200100', index);
}

export interface SeedSummary {
  scale: ScaleName;
  seed: number;
  nodes: number;
  edges: number;
  features: number;
  /** Demo source files ingested (dataset → read/matched/new/conflicts/rejected). */
  ingested: Record<string, string>;
  ms: number;
}

/**
 * Registers datasets/*.json and ingests the demo source files of several departments through
 * the users' ingestion path (ingest/pipeline.ts). Idempotent: a second run finds every record unchanged.
 */
export async function ingestDemoData(stores: Stores, plan: CityPlan, seed = DEFAULT_SEED): Promise<Record<string, string>> {
  await registerDatasetFiles(stores);
  const dir = join(fromRoot('.data'), 'ingest-demo');
  const out: Record<string, string> = {};
  for (const { dataset, file } of writeDemoFiles(plan, dir, seed)) {
    const s = await ingestFile(stores, { dataset, file, progress: false });
    out[dataset] = `read ${s.read}, matched ${s.matched}, new ${s.new}, review ${s.review}, unchanged ${s.unchanged}, conflicts ${s.conflicts}, rejected ${s.rejected}`;
    logger.info({ dataset, read: s.read, matched: s.matched, new: s.new, review: s.review, unchanged: s.unchanged, conflicts: s.conflicts, rejected: s.rejected, ms: s.ms }, `demo ingest ${dataset}`);
  }
  const pois = await matchPointsOfInterest(stores.graph);
  logger.info({ matched: pois }, 'points of interest matched to buildings');
  const devices = await syncDeviceRegistry(stores);
  logger.info({ changed: devices }, 'IoT devices registered for readings');
  await writeLineage(stores, INDICATORS, loadDatasetFiles());
  const indicators = await computeIndicators(stores, INDICATORS);
  logger.info(indicators, 'indicators computed');
  return out;
}

export async function seedCity(stores: Stores, scale: ScaleName = 'demo', seed = DEFAULT_SEED): Promise<SeedSummary> {
  const started = Date.now();
  const plan = planDemoCity(scale, seed);
  await writePlan(stores, plan);
  const ingested = await ingestDemoData(stores, plan, seed);
  // The catalogue (数据资源目录) shows the city as seeded: kinds, attributes, datasets and counts.
  await refreshCatalogue(stores, loadPolicyDir());
  return { scale, seed, nodes: plan.nodes.length, edges: plan.edges.length, features: plan.features.length, ingested, ms: Date.now() - started };
}
