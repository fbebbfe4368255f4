/**
 * What a committed ingest batch tells the change outbox (sharing/changes.ts): one event per entity
 * it changed, with the catalogue keys of the attributes that changed and the entity's region, so
 * subscriptions (实时推送) can select by code, region, domain and dataset.
 *
 * Appended after the graph transaction commits: a subscriber never sees an event before the data.
 * No event is lost: the batch's events are also written into the graph in the batch's own
 * transaction (a PendingChanges node under a batch key), appended to the outbox under that key
 * (once, whoever comes first), then cleared. A process that dies between the commit and the append
 * leaves the node, and the sweep of any process appends it (docs/sharing.md).
 */
import type { DatasetDefinition } from '../domain/datasets';
import { KINDS } from '../domain/model';
import { classifiedAs, isKindName } from '../domain/modelIndex';
import { clearPendingChanges, pendingChanges } from '../graph/ingest';
import { appendChanges, type ChangeInput } from '../sharing/changes';
import type { Stores } from '../store/stores';
import { logger } from '../core/logger';
import type { ResolvedBatch } from './batches';

/** The outbox rows of a resolved batch (pure). */
export function changesOfBatch(definition: Pick<DatasetDefinition, 'id' | 'entity'>, resolved: Pick<ResolvedBatch, 'changed' | 'states'>): ChangeInput[] {
  const kind = definition.entity;
  if (!isKindName(kind)) return [];
  const domain = KINDS[kind].rowDomain;
  const out: ChangeInput[] = [];
  for (const [code, fields] of resolved.changed) {
    if (fields.size === 0) continue;
    const props = resolved.states.get(code)?.props ?? {};
    out.push({
      code,
      kind,
      domain,
      districtCode: typeof props.districtCode === 'string' ? props.districtCode : null,
      streetCode: typeof props.streetCode === 'string' ? props.streetCode : null,
      dataset: definition.id,
      fields: [...fields].sort(),
      source: 'INGEST',
    });
  }
  return out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** What a batch writes with its data so that its events outlive its process (null: no events). */
export function pendingOfBatch(key: string, changes: readonly ChangeInput[]): { key: string; changes: string } | null {
  return changes.length ? { key, changes: JSON.stringify(changes) } : null;
}

/** Appends a committed batch's events to the outbox under its key (once), then forgets them in the graph. */
export async function publishChanges(stores: Pick<Stores, 'sql' | 'graph'>, pending: { key: string; changes: string } | null | undefined): Promise<void> {
  if (!pending) return;
  await appendChanges(stores.sql, JSON.parse(pending.changes) as ChangeInput[], pending.key);
  await clearPendingChanges(stores.graph, pending.key);
}

/**
 * Appends the events of committed batches whose writer did not (it died between its graph commit
 * and its append): those written more than `graceMs` ago. Returns how many batches it appended or
 * found already appended.
 */
export async function sweepPendingChanges(stores: Pick<Stores, 'sql' | 'graph'>, graceMs = 30_000): Promise<number> {
  let done = 0;
  for (;;) {
    const page = await pendingChanges(stores.graph, new Date(Date.now() - graceMs).toISOString(), 100);
    for (const p of page) await publishChanges(stores, p);
    done += page.length;
    if (page.length < 100) return done;
  }
}

/** Runs the sweep at start and then every `intervalMs` (0: never). */
export class PendingChangesSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly stores: Pick<Stores, 'sql' | 'graph'>,
    private readonly intervalMs: number,
  ) {}

  /** Sweeps once (resolved when done, so a starting process begins with nothing left behind), then every intervalMs. */
  async start(): Promise<void> {
    if (this.intervalMs <= 0) return;
    const run = () => {
      this.running = sweepPendingChanges(this.stores)
        .then((n) => {
          if (n) logger.warn({ batches: n }, 'appended the change events of batches whose writer stopped before appending them');
        })
        .catch((err) => logger.warn({ err }, 'could not sweep pending change events'));
    };
    run();
    this.timer = setInterval(run, this.intervalMs);
    this.timer.unref();
    await this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

/** The event of a resolved conflict (数据打架裁决): the entity's attribute took the chosen value (pure). */
export function resolutionChanges(
  conflict: { entity: string; entityType: string; attribute: string; region: { districtCode: string | null; streetCode: string | null } },
  dataset: string,
): ChangeInput[] {
  if (!isKindName(conflict.entityType)) return [];
  return [
    {
      code: conflict.entity,
      kind: conflict.entityType,
      domain: KINDS[conflict.entityType].rowDomain,
      districtCode: conflict.region.districtCode,
      streetCode: conflict.region.streetCode,
      dataset,
      fields: [classifiedAs(conflict.attribute)],
      source: 'GOVERNANCE',
    },
  ];
}
