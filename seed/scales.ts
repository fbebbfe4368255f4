/** How big a city the seed builds. `demo` is what `npm start` seeds. */
export interface SeedScale {
  persons: number;
  enterprises: number;
  buildings: number;
  /** Buildings modelled in detail: components (构件) and their parts (零件). */
  detailedBuildings: number;
  devices: number;
  parkingSpaces: number;
  /** Public-service facilities: schools, hospitals, parks, elderly-care homes. */
  facilities: number;
}

export const SCALES = {
  tiny: { persons: 2_000, enterprises: 500, buildings: 300, detailedBuildings: 10, devices: 300, parkingSpaces: 300, facilities: 40 },
  demo: { persons: 20_000, enterprises: 5_000, buildings: 2_000, detailedBuildings: 100, devices: 3_000, parkingSpaces: 3_000, facilities: 300 },
  large: {
    persons: 200_000,
    enterprises: 50_000,
    buildings: 20_000,
    detailedBuildings: 1_000,
    devices: 30_000,
    parkingSpaces: 30_000,
    facilities: 3_000,
  },
} as const satisfies Record<string, SeedScale>;

export type ScaleName = keyof typeof SCALES;

export function isScaleName(name: string): name is ScaleName {
  return Object.hasOwn(SCALES, name);
}

/** The reference "today" of the synthetic city: birth dates and founding dates lie before it. */
export const SEED_TODAY = '20260101';
export const DEFAULT_SEED = 20260101;
