import type { KindName } from '../domain/model';

/**
 * Probabilistic record linkage (Fellegi-Sunter). Pure: no I/O.
 *
 * Each compared attribute falls into an agreement level (AGREE, PARTIAL, DISAGREE, or MISSING
 * when either side has no value). A level's weight is log2(m/u), with m the probability of that
 * level when the two records describe the same entity and u when they do not. The score is the
 * sum of the weights; two thresholds split it: ≥ upper → match, ≥ lower → review by a steward,
 * below → a new entity. The m/u values are set by hand for Shenzhen data (common surnames, 11-digit
 * mobiles) and checked by the precision/recall benchmark (bench/matching.ts, docs/benchmarks.md).
 */

export type Agreement = 'AGREE' | 'PARTIAL' | 'DISAGREE' | 'MISSING';

export interface MU {
  m: [agree: number, partial: number, disagree: number];
  u: [agree: number, partial: number, disagree: number];
}

export type Comparator = 'name' | 'phone' | 'date' | 'exact' | 'address' | 'distance';

export interface FieldRule {
  comparator: Comparator;
  mu: MU;
}

export interface MatchConfig {
  rules: Record<string, FieldRule>;
  upper: number;
  lower: number;
}

/** Attribute values of one side; `location` as [lon, lat]. */
export interface Comparable {
  [attribute: string]: string | number | [number, number] | null | undefined;
}

export interface FieldScore {
  attribute: string;
  agreement: Agreement;
  weight: number;
}

export interface Score {
  total: number;
  fields: FieldScore[];
}

export type Verdict = 'MATCH' | 'REVIEW' | 'NEW';

const NAME: MU = { m: [0.9, 0.08, 0.02], u: [0.002, 0.01, 0.988] };
const PHONE: MU = { m: [0.85, 0.05, 0.1], u: [0.0001, 0.001, 0.9989] };
const DATE: MU = { m: [0.92, 0.05, 0.03], u: [0.0005, 0.005, 0.9945] };
const SEX: MU = { m: [0.98, 0, 0.02], u: [0.5, 0, 0.5] };
const CODE_REF: MU = { m: [0.7, 0, 0.3], u: [0.0005, 0, 0.9995] };
const ADDRESS: MU = { m: [0.7, 0.2, 0.1], u: [0.001, 0.01, 0.989] };
const DISTANCE: MU = { m: [0.8, 0.15, 0.05], u: [0.001, 0.01, 0.989] };
const CATEGORY: MU = { m: [0.95, 0, 0.05], u: [0.1, 0, 0.9] };

/** Probabilistic matching per kind; a kind without a config is matched by its identifiers only. */
export const MATCH_CONFIGS = {
  Person: {
    rules: {
      'Person.name': { comparator: 'name', mu: NAME },
      'Person.phone': { comparator: 'phone', mu: PHONE },
      'Person.birthDate': { comparator: 'date', mu: DATE },
      'Person.sex': { comparator: 'exact', mu: SEX },
      'Person.residence': { comparator: 'exact', mu: CODE_REF },
    },
    upper: 12,
    lower: 6,
  },
  Enterprise: {
    rules: {
      'Enterprise.name': { comparator: 'name', mu: { m: [0.88, 0.1, 0.02], u: [0.0005, 0.005, 0.9945] } },
      'Enterprise.address': { comparator: 'address', mu: ADDRESS },
      'Enterprise.establishedOn': { comparator: 'date', mu: DATE },
      'Enterprise.industry': { comparator: 'exact', mu: CATEGORY },
    },
    upper: 12,
    lower: 6,
  },
  CityObject: {
    rules: {
      'CityObject.name': { comparator: 'name', mu: NAME },
      'CityObject.address': { comparator: 'address', mu: ADDRESS },
      location: { comparator: 'distance', mu: DISTANCE },
      'CityObject.usage': { comparator: 'exact', mu: CATEGORY },
    },
    upper: 12,
    lower: 6,
  },
} satisfies Partial<Record<KindName, MatchConfig>>;

/** The probabilistic matching of a kind, or undefined when its records are matched by identifiers only. */
export function matchConfigOf(kind: KindName): MatchConfig | undefined {
  return (MATCH_CONFIGS as Partial<Record<KindName, MatchConfig>>)[kind];
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment), on code points. */
export function editDistance(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...new Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) d[0][j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[s.length][t.length];
}

/** Canonical address text: NFKC, no spaces or punctuation, without the 广东省/深圳市 prefix, 號→号. */
export function normaliseAddress(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\s,，。.、()（）\-—#]/g, '')
    .replace(/^(广东省)?(深圳市)?/, '')
    .replace(/號/g, '号')
    .replace(/栋/g, '座');
}

function bigrams(text: string): Map<string, number> {
  const chars = [...text];
  const out = new Map<string, number>();
  for (let i = 0; i + 1 < chars.length; i++) {
    const g = chars[i] + chars[i + 1];
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

/** Sørensen-Dice similarity of character bigrams, 0..1. */
export function dice(a: string, b: string): number {
  const x = bigrams(a);
  const y = bigrams(b);
  let total = 0;
  let common = 0;
  for (const [g, n] of x) {
    total += n;
    common += Math.min(n, y.get(g) ?? 0);
  }
  for (const n of y.values()) total += n;
  return total === 0 ? (a === b ? 1 : 0) : (2 * common) / total;
}

/** Metres between two lon/lat points (haversine, mean Earth radius). */
export function distanceM(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

function compareDates(a: string, b: string): Agreement {
  if (a === b) return 'AGREE';
  const [ya, ma, da] = a.split('-');
  const [yb, mb, db] = b.split('-');
  if (ya === yb && ma === db && da === mb) return 'PARTIAL'; // day and month swapped
  const same = (ya === yb ? 1 : 0) + (ma === mb ? 1 : 0) + (da === db ? 1 : 0);
  if (same === 2) return 'PARTIAL';
  return editDistance(a, b) <= 1 ? 'PARTIAL' : 'DISAGREE';
}

export function compare(comparator: Comparator, a: unknown, b: unknown): Agreement {
  if (a === null || a === undefined || a === '' || b === null || b === undefined || b === '') return 'MISSING';
  switch (comparator) {
    case 'exact':
      return a === b ? 'AGREE' : 'DISAGREE';
    case 'name': {
      const x = String(a).normalize('NFKC').replace(/\s+/g, '');
      const y = String(b).normalize('NFKC').replace(/\s+/g, '');
      if (x === y) return 'AGREE';
      const d = editDistance(x, y);
      const longest = Math.max([...x].length, [...y].length);
      return d === 1 || (longest >= 6 && d <= 2) ? 'PARTIAL' : 'DISAGREE';
    }
    case 'phone': {
      const x = String(a);
      const y = String(b);
      if (x === y) return 'AGREE';
      return x.length === y.length && editDistance(x, y) <= 1 ? 'PARTIAL' : 'DISAGREE';
    }
    case 'date':
      return compareDates(String(a), String(b));
    case 'address': {
      const x = normaliseAddress(String(a));
      const y = normaliseAddress(String(b));
      if (x === y) return 'AGREE';
      return dice(x, y) >= 0.75 ? 'PARTIAL' : 'DISAGREE';
    }
    case 'distance': {
      const d = distanceM(a as [number, number], b as [number, number]);
      return d <= 30 ? 'AGREE' : d <= 200 ? 'PARTIAL' : 'DISAGREE';
    }
  }
}

export function weight(mu: MU, agreement: Agreement): number {
  if (agreement === 'MISSING') return 0;
  const i = agreement === 'AGREE' ? 0 : agreement === 'PARTIAL' ? 1 : 2;
  if (mu.m[i] === 0 || mu.u[i] === 0) return 0;
  return Math.log2(mu.m[i] / mu.u[i]);
}

export function score(config: MatchConfig, record: Comparable, candidate: Comparable): Score {
  const fields: FieldScore[] = [];
  let total = 0;
  for (const [attribute, rule] of Object.entries(config.rules)) {
    const agreement = compare(rule.comparator, record[attribute], candidate[attribute]);
    const w = weight(rule.mu, agreement);
    fields.push({ attribute, agreement, weight: w });
    total += w;
  }
  return { total: Math.round(total * 1000) / 1000, fields };
}

export function verdict(config: MatchConfig, total: number): Verdict {
  return total >= config.upper ? 'MATCH' : total >= config.lower ? 'REVIEW' : 'NEW';
}

export interface Candidate {
  code: string;
  values: Comparable;
}

export interface BestMatch {
  verdict: Verdict;
  code: string | null;
  score: number | null;
  /** How many candidates scored at least the upper threshold (2+ sends the record to review). */
  above: number;
}

/**
 * The decision for one record among its blocked candidates: the best-scoring candidate decides;
 * when two or more candidates reach the upper threshold the record goes to review (ambiguous).
 * Ties are broken by city code, so the outcome does not depend on candidate order.
 */
export function bestMatch(config: MatchConfig, record: Comparable, candidates: readonly Candidate[]): BestMatch {
  let best: { code: string; total: number } | null = null;
  let above = 0;
  for (const c of candidates) {
    const { total } = score(config, record, c.values);
    if (total >= config.upper) above++;
    if (!best || total > best.total || (total === best.total && c.code < best.code)) best = { code: c.code, total };
  }
  if (!best) return { verdict: 'NEW', code: null, score: null, above: 0 };
  const v = verdict(config, best.total);
  if (v === 'NEW') return { verdict: 'NEW', code: null, score: best.total, above };
  return { verdict: v === 'MATCH' && above > 1 ? 'REVIEW' : v, code: best.code, score: best.total, above };
}

/**
 * Blocking keys of a record (node property → value): exact values, and an address with the
 * common variants (深圳市 prefix missing or doubled, 號, spaces) mapped back to the stored form.
 */
export function blockingKeys(entity: KindName, values: Record<string, string | number | null | undefined>): Record<string, string | null> {
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const name = str(values[`${entity}.name`]);
  const address = str(values[`${entity}.address`]);
  return {
    name,
    phone: str(values[`${entity}.phone`]),
    birthDate: str(values[`${entity}.birthDate`]),
    establishedOn: str(values[`${entity}.establishedOn`]),
    // Addresses are stored as 深圳市…: the variants (no prefix, a doubled one, 號, spaces) map back to it.
    address: address ? `深圳市${address.normalize('NFKC').replace(/\s+/g, '').replace(/^(广东省)?(深圳市)*/, '').replace(/號/g, '号')}` : null,
  };
}
