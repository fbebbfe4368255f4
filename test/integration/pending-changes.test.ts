import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../core/config';
import { appendChanges, type ChangeInput } from '../../sharing/changes';
import { publishChanges, pendingOfBatch, sweepPendingChanges } from '../../ingest/changes';
import { closeStores, openStores, type Stores } from '../../store/stores';
import { createOracle } from '../support/permissionOracle';

/**
 * No change event is lost between an ingest batch's graph commit and its outbox append: the batch
 * writes its events into the graph with its data (PendingChanges), and a batch whose writer died
 * before appending them is appended by the sweep — once.
 */
let stores: Stores;
const oracle = createOracle();
const persons = oracle.plan.nodes.filter((n) => n.labels.includes('Person') && typeof n.props.districtCode === 'string').slice(0, 2);
const changes: ChangeInput[] = persons.map((p) => ({
  code: p.code,
  kind: 'Person',
  domain: 'POPULATION',
  districtCode: p.props.districtCode as string,
  streetCode: (p.props.streetCode as string) ?? null,
  dataset: 'test-pending-changes',
  fields: ['Person.phone'],
  source: 'INGEST',
}));
const eventsOf = async (key: string) =>
  (await stores.sql.query<{ code: string }>(`SELECT e.code FROM change_event e WHERE e.dataset = 'test-pending-changes' AND e.at >= (SELECT at FROM change_batch WHERE batch_key = $1) ORDER BY e.id`, [key])).map((r) => r.code);
const pendingLeft = async (key: string) => (await stores.graph.read<{ n: number }>(`MATCH (p:PendingChanges {key: $key}) RETURN count(p) AS n`, { key }))[0].n;

beforeAll(() => {
  stores = openStores(loadConfig());
});
afterAll(async () => {
  await stores.graph.write(`MATCH (p:PendingChanges) WHERE p.key STARTS WITH 'batch:test-' DELETE p`);
  await closeStores(stores);
});

it('appends the events of a batch whose writer died after its graph commit, exactly once', async () => {
  const key = `batch:test-${randomUUID()}`;
  const pending = pendingOfBatch(key, changes)!;
  // The writer committed the batch (with its pending events) a minute ago, then died.
  await stores.graph.write(`CREATE (p:PendingChanges) SET p.key = $key, p.changes = $changes, p.at = $at`, {
    key,
    changes: pending.changes,
    at: new Date(Date.now() - 60_000).toISOString(),
  });
  expect(await sweepPendingChanges(stores)).toBeGreaterThanOrEqual(1);
  expect(await eventsOf(key)).toEqual(changes.map((c) => c.code));
  expect(await pendingLeft(key)).toBe(0);
  // A second sweep, or the writer coming back and appending, adds nothing.
  expect(await appendChanges(stores.sql, changes, key)).toEqual([]);
  await sweepPendingChanges(stores);
  expect(await eventsOf(key)).toEqual(changes.map((c) => c.code));
});

it('leaves a batch written just now to its own writer, which appends and clears it', async () => {
  const key = `batch:test-${randomUUID()}`;
  const pending = pendingOfBatch(key, changes)!;
  await stores.graph.write(`CREATE (p:PendingChanges) SET p.key = $key, p.changes = $changes, p.at = $at`, { key, changes: pending.changes, at: new Date().toISOString() });
  await sweepPendingChanges(stores);
  expect(await pendingLeft(key)).toBe(1);
  await publishChanges(stores, pending);
  expect(await pendingLeft(key)).toBe(0);
  expect(await eventsOf(key)).toEqual(changes.map((c) => c.code));
});

it('a batch with no changes writes nothing pending', () => {
  expect(pendingOfBatch('batch:x', [])).toBeNull();
});

it('an ingest through the API leaves no pending events behind', async () => {
  const n = await stores.graph.read<{ n: number }>(`MATCH (p:PendingChanges) WHERE NOT p.key STARTS WITH 'batch:test-' AND p.at < $before RETURN count(p) AS n`, {
    before: new Date(Date.now() - 60_000).toISOString(),
  });
  expect(n[0].n).toBe(0);
});
