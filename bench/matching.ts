import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closeStores, openStores } from '../store/stores';
import { loadConfig } from '../core/config';
import { fromRoot } from '../core/paths';
import { blockingCandidates } from '../graph/ingest';
import { DatasetDefinition, EntityType } from '../domain/datasets';
import { bestMatch, blockingKeys, Comparable, MATCH_CONFIGS } from '../ingest/matching';
import { entityValues } from '../ingest/pipeline';
import { planDemoCity } from '../seed/city';
import { addressVariant, nameTypo, personsOf, swapDigits } from '../seed/ingestDemo';
import { createRng, Rng } from '../seed/rng';

/**
 * Precision and recall of probabilistic matching on records with known truth (docs/benchmarks.md,
 * "Matching"). Records are variants of the seeded persons and enterprises WITHOUT their strong
 * identifiers (so only Fellegi-Sunter can find them): name typos and swapped characters, swapped
 * phone digits, day/month swaps, address variants, missing fields; plus records of persons and
 * enterprises that do not exist (truth: new). Matching runs read-only against the seeded graph.
 *   node dist/bench/matching.js [--persons 4000] [--enterprises 1000] [--seed 7]
 */
interface Case {
  truth: string | null;
  values: Comparable;
  kind: EntityType;
}

function personCases(rng: Rng, n: number): Case[] {
  const plan = planDemoCity('demo');
  const persons = personsOf(plan);
  const houseToCode = new Map(plan.nodes.filter((x) => x.props.objectKind === 'ROOM').map((x) => [String(x.props.houseCode), x.code]));
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const p = rng.pick(persons);
    const pr = p.node.props;
    const exists = i % 5 !== 4; // one record in five describes someone the city does not know
    let name = pr.name as string;
    let phone: string | null = pr.phone as string;
    let birth: string | null = pr.birthDate as string;
    let sex: string | null = pr.sex as string;
    let house: string | null = p.houseCode ? houseToCode.get(p.houseCode) ?? null : null;
    if (!exists) {
      // A different person who may share the surname, the birth date or the community.
      name = `${name[0]}${rng.pick(['子', '一', '嘉', '梓', '浩', '欣'])}${rng.pick(['轩', '涵', '然', '怡', '宇'])}`;
      phone = `13${String(rng.int(100_000_000, 999_999_999))}`;
      birth = rng.chance(0.3) ? birth : `${rng.int(1950, 2010)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`;
      sex = rng.chance(0.5) ? 'M' : 'F';
      house = rng.chance(0.2) ? house : null;
    } else {
      if (rng.chance(0.3)) name = nameTypo(rng, name);
      if (rng.chance(0.2) && phone) phone = swapDigits(rng, phone);
      if (rng.chance(0.1) && birth && Number(birth.slice(8)) <= 12) birth = `${birth.slice(0, 5)}${birth.slice(8)}-${birth.slice(5, 7)}`;
      if (rng.chance(0.2)) phone = null;
      if (rng.chance(0.15)) birth = null;
      if (rng.chance(0.3)) house = null;
      if (rng.chance(0.1)) sex = null;
    }
    out.push({ kind: 'Person', truth: exists ? p.node.code : null, values: { 'Person.name': name, 'Person.phone': phone, 'Person.birthDate': birth, 'Person.sex': sex, 'Person.residence': house } });
  }
  return out;
}

function enterpriseCases(rng: Rng, n: number): Case[] {
  const plan = planDemoCity('demo');
  const enterprises = plan.nodes.filter((x) => x.labels.includes('Enterprise'));
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const e = rng.pick(enterprises);
    const pr = e.props;
    const exists = i % 5 !== 4;
    let name = pr.name as string;
    let address: string | null = pr.address as string;
    let established: string | null = pr.establishedOn as string;
    let industry: string | null = pr.industry as string;
    if (!exists) {
      name = `${name.slice(0, 2)}${rng.pick(['恒', '瑞', '达', '信'])}${rng.pick(['通', '源', '泰'])}${name.slice(4)}`;
      address = rng.chance(0.3) ? address : `${address.slice(0, 6)}${rng.int(1, 300)}号`;
      established = `${rng.int(1990, 2025)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`;
    } else {
      if (rng.chance(0.3)) name = nameTypo(rng, name);
      if (rng.chance(0.5)) address = addressVariant(rng, address);
      if (rng.chance(0.2)) address = null;
      if (rng.chance(0.2)) established = null;
      if (rng.chance(0.2)) industry = null;
    }
    out.push({ kind: 'Enterprise', truth: exists ? e.code : null, values: { 'Enterprise.name': name, 'Enterprise.address': address, 'Enterprise.establishedOn': established, 'Enterprise.industry': industry } });
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { persons: { type: 'string', default: '4000' }, enterprises: { type: 'string', default: '1000' }, seed: { type: 'string', default: '7' } } });
  const rng = createRng(`matching-bench:${values.seed}`);
  const stores = openStores(loadConfig());
  const report: Record<string, unknown> = { at: new Date().toISOString() };
  try {
    for (const [kind, cases] of [
      ['Person', personCases(rng, Number(values.persons))],
      ['Enterprise', enterpriseCases(rng, Number(values.enterprises))],
    ] as ['Person' | 'Enterprise', Case[]][]) {
      const def = { entity: kind } as DatasetDefinition;
      let tp = 0, fp = 0, review = 0, reviewCorrect = 0, newCorrect = 0, newWrong = 0;
      const started = Date.now();
      for (let i = 0; i < cases.length; i += 1000) {
        const batch = cases.slice(i, i + 1000);
        const rows = batch.map((c, k) => ({ i: k, values: blockingKeys(kind, c.values as Record<string, string | number | null>) }));
        const candidates = await blockingCandidates(stores.graph, kind, rows);
        batch.forEach((c, k) => {
          const list = (candidates.get(k) ?? []).map((x) => ({ code: x.code, values: entityValues(def, x) }));
          const best = bestMatch(MATCH_CONFIGS[kind], c.values, list);
          if (best.verdict === 'MATCH') {
            if (best.code === c.truth) tp++;
            else fp++;
          } else if (best.verdict === 'REVIEW') {
            review++;
            if (best.code === c.truth) reviewCorrect++;
          } else if (c.truth === null) newCorrect++;
          else newWrong++;
        });
      }
      const existing = cases.filter((c) => c.truth !== null).length;
      const r = {
        records: cases.length,
        existing,
        notExisting: cases.length - existing,
        matched: tp + fp,
        truePositives: tp,
        falsePositives: fp,
        review,
        reviewPointingAtTruth: reviewCorrect,
        newCorrect,
        missedAsNew: newWrong,
        precision: Math.round((tp / Math.max(1, tp + fp)) * 10_000) / 10_000,
        recall: Math.round((tp / Math.max(1, existing)) * 10_000) / 10_000,
        recallWithReview: Math.round(((tp + reviewCorrect) / Math.max(1, existing)) * 10_000) / 10_000,
        ms: Date.now() - started,
      };
      report[kind] = r;
      process.stdout.write(`${kind}: ${JSON.stringify(r)}\n`);
    }
  } finally {
    await closeStores(stores);
  }
  mkdirSync(fromRoot('bench', 'results'), { recursive: true });
  writeFileSync(fromRoot('bench', 'results', 'matching.json'), `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
