import type { Stores } from '../api/stores';
import { cityCodeForCounter } from '../domain/citycode';
import { serialKey } from '../registry/issuing';
import { CityPlan, CodeFunction, LANDMARK_BUILDINGS, planCity } from './plan';
import { loadRegions } from './regions';
import { DEFAULT_SEED, ScaleName, SCALES } from './scales';
import { writePlan } from './write';

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
  ms: number;
}

export async function seedCity(stores: Stores, scale: ScaleName = 'demo', seed = DEFAULT_SEED): Promise<SeedSummary> {
  const started = Date.now();
  const plan = planDemoCity(scale, seed);
  await writePlan(stores, plan);
  return { scale, seed, nodes: plan.nodes.length, edges: plan.edges.length, features: plan.features.length, ms: Date.now() - started };
}
