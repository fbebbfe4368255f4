/**
 * What a committed ingest batch tells the change outbox (sharing/changes.ts): one event per entity
 * it changed, with the catalogue keys of the attributes that changed and the entity's region, so
 * subscriptions (实时推送) can select by code, region, domain and dataset.
 *
 * Appended after the graph transaction commits: a subscriber never sees an event before the data.
 * A process that dies between the two loses that batch's events (the graph has the change; the
 * `changes` query, which reads the graph's changedAt, still returns it) — docs/sharing.md.
 */
import type { DatasetDefinition } from '../domain/datasets';
import { KINDS } from '../domain/model';
import { classifiedAs, isKindName } from '../domain/modelIndex';
import { appendChanges, type ChangeInput } from '../sharing/changes';
import type { SqlStore } from '../store/postgres';
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

/** Appends the batch's events to the outbox (after its graph write committed). */
export async function publishChanges(sql: SqlStore, definition: Pick<DatasetDefinition, 'id' | 'entity'>, resolved: Pick<ResolvedBatch, 'changed' | 'states'>): Promise<void> {
  await appendChanges(sql, changesOfBatch(definition, resolved));
}

/** The event of a resolved conflict (数据打架裁决): the entity's attribute took the chosen value. */
export async function publishResolution(
  sql: SqlStore,
  conflict: { entity: string; entityType: string; attribute: string; region: { districtCode: string | null; streetCode: string | null } },
  dataset: string,
): Promise<void> {
  if (!isKindName(conflict.entityType)) return;
  await appendChanges(sql, [
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
  ]);
}
