/**
 * Lineage walks (docs/lineage.md): upstream, downstream or both, depth 1..10 (default 3), hop
 * counts, cycle-safe, and a time budget after which the answer so far is returned with
 * `partial: true` instead of an error. An unknown node answers empty at once.
 */
import { badInput } from '../core/errors';
import { authoritativeDatasets, lineageHop, lineageNode, LineageDirection, LineageNodeRecord } from '../graph/lineage';
import type { GraphStore } from '../store/neo4j';

export const DEFAULT_DEPTH = 3;
export const MAX_DEPTH = 10;
export const DEFAULT_BUDGET_MS = 2_000;

export interface LineageEntry {
  node: LineageNodeRecord;
  hops: number;
  direction: LineageDirection;
  /** The node one hop closer to the root, and the relation between them. */
  via: string;
  relation: string;
  job: string | null;
}

export interface LineageResult {
  root: LineageNodeRecord | null;
  entries: LineageEntry[];
  authoritative: LineageNodeRecord[];
  partial: boolean;
  depth: number;
}

/** `Person.residence` → attribute:Person.residence, `Indicator.gridEvents` → indicator:Indicator.gridEvents; dataset ids and lids pass through. */
export function lineageLid(node: string): string {
  const n = node.trim();
  if (/^(dataset|field|attribute|indicator):/.test(n)) return n;
  if (/^Indicator\.[A-Za-z0-9]+$/.test(n)) return `indicator:${n}`;
  if (/^(Person|Enterprise|CityObject)\.[A-Za-z]+$/.test(n)) return `attribute:${n}`;
  return `dataset:${n}`;
}

export async function walkLineage(
  graph: GraphStore,
  node: string,
  options: { direction: 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH'; depth?: number | null; budgetMs?: number },
): Promise<LineageResult> {
  const depth = options.depth ?? DEFAULT_DEPTH;
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) {
    throw badInput(`depth ${depth} is out of range`, `Ask for a depth from 1 to ${MAX_DEPTH} (default ${DEFAULT_DEPTH}).`, { argument: 'depth' });
  }
  const lid = lineageLid(node);
  const root = await lineageNode(graph, lid);
  if (!root) return { root: null, entries: [], authoritative: [], partial: false, depth };
  const deadline = Date.now() + (options.budgetMs ?? DEFAULT_BUDGET_MS);
  const entries: LineageEntry[] = [];
  let partial = false;
  const directions: LineageDirection[] = options.direction === 'BOTH' ? ['UPSTREAM', 'DOWNSTREAM'] : [options.direction];
  for (const direction of directions) {
    const seen = new Set<string>([lid]);
    let frontier = [lid];
    for (let hops = 1; hops <= depth && frontier.length > 0; hops++) {
      const left = deadline - Date.now();
      if (left <= 0) {
        partial = true;
        break;
      }
      let found;
      try {
        found = await lineageHop(graph, frontier, direction, left);
      } catch (err) {
        // The transaction timeout of the remaining budget: answer what we have.
        if (Date.now() >= deadline - 5 || /timeout|terminated/i.test((err as Error).message)) {
          partial = true;
          break;
        }
        throw err;
      }
      const next: string[] = [];
      for (const hop of found) {
        if (seen.has(hop.to.lid)) continue;
        seen.add(hop.to.lid);
        next.push(hop.to.lid);
        entries.push({ node: hop.to, hops, direction, via: hop.from, relation: hop.relation, job: hop.job });
      }
      frontier = next;
    }
  }
  const authoritative = lid.startsWith('attribute:') ? await authoritativeDatasets(graph, lid) : [];
  return { root, entries, authoritative, partial, depth };
}
