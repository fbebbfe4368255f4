import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config';
import { INDICATORS, type IndicatorDefinition, type Term } from '../domain/indicators';
import { computeIndicators } from '../indicators/compute';
import { deleteIndicatorValues } from '../indicators/store';
import { closeStores, openStores } from '../store/stores';

/**
 * 1,000 indicator definitions for every city / district / street / community / grid region
 * (docs/benchmarks.md, "Indicators"):
 *   node dist/bench/indicators.js [--definitions 1000] [--rounds 3]
 * The shipped definitions, then variants of each graph definition restricted to the entities one
 * district issued (`code` starts with its division: a filter, so a base of its own) until there
 * are N. Rounds interleave the shipped set and the N set; each run computes and writes every value
 * (ids prefixed bench_, removed at the end), and the phases (read, compute, write) are printed.
 */
const DIVISIONS = ['440303', '440304', '440305', '440306', '440307', '440308', '440309', '440310', '440311', '441521'];

function restricted(t: Term, division: string): Term {
  if (t.base.store !== 'graph') return t;
  return { ...t, base: { ...t.base, filters: [...(t.base.filters ?? []), { attribute: 'code', op: 'startsWith', value: division }] } };
}

export function benchDefinitions(n: number): IndicatorDefinition[] {
  const out: IndicatorDefinition[] = INDICATORS.map((d) => ({ ...d, id: `bench_${d.id}` }));
  const graph = INDICATORS.filter((d) => d.numerator.base.store === 'graph');
  for (let i = 0; out.length < n; i++) {
    const d = graph[i % graph.length];
    const division = DIVISIONS[Math.floor(i / graph.length) % DIVISIONS.length];
    out.push({
      ...d,
      id: `bench_${d.id}_${division}_${Math.floor(i / (graph.length * DIVISIONS.length))}`,
      name: `${d.name} (${division} 登记)`,
      numerator: restricted(d.numerator, division),
      ...(d.denominator ? { denominator: restricted(d.denominator, division) } : {}),
    });
  }
  return out.slice(0, n);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { definitions: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' } } });
  const stores = openStores(loadConfig());
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const big = benchDefinitions(Number(values.definitions));
    const small = benchDefinitions(INDICATORS.length);
    for (let r = 1; r <= Number(values.rounds); r++) {
      for (const set of [small, big]) {
        const t = performance.now();
        const rep = await computeIndicators(stores, set);
        const total = performance.now() - t;
        log(
          `round ${r}: ${rep.definitions} definitions (${rep.bases} bases) × ${rep.regions} regions = ${rep.values} values in ${(total / 1000).toFixed(2)} s ` +
            `(read ${(rep.readMs / 1000).toFixed(2)} s, compute ${(rep.computeMs / 1000).toFixed(2)} s, write ${(rep.writeMs / 1000).toFixed(2)} s)`,
        );
      }
    }
    log(`removed ${await deleteIndicatorValues(stores.sql, 'bench_')} bench values`);
  } finally {
    await closeStores(stores);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
