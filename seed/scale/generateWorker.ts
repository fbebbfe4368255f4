/**
 * One process of a parallel city-scale generation (seed/scale/generate.ts, generateCity):
 *   node generateWorker.js SCALE DIR PART,PART,...
 * writes the named parts and reports rows written to its parent over IPC.
 */
import { serialKey } from '../../registry/issuing';
import { loadRegions } from '../regions';
import { ScaleCity } from './city';
import { countsAt } from './counts';
import { partsOf, writeParts } from './generate';

async function main(): Promise<void> {
  const [scaleText, dir, names] = process.argv.slice(2);
  const city = new ScaleCity(countsAt(Number(scaleText)), loadRegions(), serialKey());
  const wanted = new Set(names.split(','));
  let pending = 0;
  await writeParts(city, dir, partsOf(city).filter((p) => wanted.has(p.name)), (rows) => {
    pending += rows;
    if (pending >= 50_000) {
      process.send?.({ rows: pending });
      pending = 0;
    }
  });
  if (pending) process.send?.({ rows: pending });
}

main().catch((err: Error) => {
  process.stderr.write(`generate worker failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
