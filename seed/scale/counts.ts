/**
 * Shenzhen at real scale (issue 17): the counts a city-scale run generates, times `--scale`.
 * Sources: 17.79 M residents and 4.57 M business entities (the Digital Twin Pioneer City plan),
 * about 600 k buildings with 11 M+ rooms, 300 k IoT terminals.
 */
import { badInput } from '../../core/errors';

export const SHENZHEN = Object.freeze({
  persons: 17_790_000,
  enterprises: 4_570_000,
  buildings: 600_000,
  rooms: 11_000_000,
  devices: 300_000,
});

export type CityCounts = { -readonly [K in keyof typeof SHENZHEN]: number };

/** The counts at a fraction of the city (0 < scale ≤ 1); every kind keeps at least one. */
export function countsAt(scale: number): CityCounts {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) {
    throw badInput(`scale ${scale} is out of range`, 'Give a fraction of the city from 0.0001 to 1 (e.g. --scale 0.01).', { argument: 'scale' });
  }
  const out = {} as CityCounts;
  for (const [k, n] of Object.entries(SHENZHEN) as [keyof CityCounts, number][]) out[k] = Math.max(1, Math.round(n * scale));
  return out;
}
