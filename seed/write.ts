import type { Stores } from '../store/stores';
import { encryptIdNumber, idLookupKey, piiKeys } from '../domain/pii';
import { reserveSeedCodes } from '../registry/issuing';
import { mergeEntities, mergeExternalIds, mergeRelations } from '../graph/cityWrites';
import { upsertFeatures } from '../spatial/features';
import { assignFeaturesToGrids, writeGridPolygons } from '../spatial/grids';
import type { CityPlan, SeedEdge, SeedNode } from './plan';
import { progress } from '../core/progress';

/**
 * Writes a city plan. Every write is keyed by city code (MERGE / upsert), so writing the same
 * plan again changes nothing; an interrupted run is completed by the next one.
 */
const BATCH = 2_000;

function chunks<T>(items: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Registers every code the plan uses in the issuing registry and checks it matches. */
async function reserveCodes(stores: Stores, plan: CityPlan): Promise<void> {
  const used = new Set(plan.nodes.map((n) => n.code));
  for (const block of plan.codeBlocks) {
    const reserved = await reserveSeedCodes(stores.sql, block);
    for (const code of reserved) {
      if (!used.has(code)) throw new Error(`registry and seed disagree on ${code} (${block.division}/${block.classCode})`);
    }
  }
}

async function writeNodes(stores: Stores, nodes: SeedNode[]): Promise<void> {
  const keys = piiKeys();
  const bar = progress('graph: entities', nodes.length);
  for (const group of groupBy(nodes, (n) => n.labels.join(',')).values()) {
    for (const batch of chunks(group)) {
      const rows = batch.map((n) => ({
        code: n.code,
        props: n.props,
        idHash: n.citizenId ? idLookupKey(n.citizenId, keys.hmacKey) : null,
        idCipher: n.citizenId ? encryptIdNumber(n.citizenId, keys.encryptionKey) : null,
      }));
      await mergeEntities(stores.graph, batch[0].labels, rows);
      bar.advance(batch.length);
    }
  }
  bar.done();
}

async function writeEdges(stores: Stores, edges: SeedEdge[]): Promise<void> {
  const bar = progress('graph: relations', edges.length);
  for (const [type, group] of groupBy(edges, (e) => e.type)) {
    for (const batch of chunks(group)) {
      await mergeRelations(stores.graph, type, batch);
      bar.advance(batch.length);
    }
  }
  bar.done();
}

async function writeExternalIds(stores: Stores, plan: CityPlan): Promise<void> {
  const bar = progress('graph: external ids', plan.externalIds.length);
  for (const batch of chunks(plan.externalIds)) {
    await mergeExternalIds(stores.graph, batch);
    bar.advance(batch.length);
  }
  bar.done();
}

async function writeFeatures(stores: Stores, plan: CityPlan): Promise<void> {
  const bar = progress('postgis: geometry', plan.features.length);
  for (const batch of chunks(plan.features, 1_000)) {
    await upsertFeatures(stores.sql, batch.map((f) => ({ ...f, source: 'seed' })));
    bar.advance(batch.length);
  }
  bar.done();
}

/** Grid polygons (PostGIS draws them from the plan's seeds) and the grid of every feature in them. */
async function writeGrids(stores: Stores, plan: CityPlan): Promise<void> {
  const gridObjects = new Map(plan.nodes.filter((n) => n.props.objectKind === 'GRID').map((n) => [String(n.props.gridCode), n.code]));
  const streetOf = new Map(plan.nodes.filter((n) => n.props.objectKind === 'COMMUNITY').map((n) => [String(n.props.regionCode), String(n.props.streetCode)]));
  for (const g of plan.grids) {
    await writeGridPolygons(stores.sql, {
      districtCode: g.districtCode,
      districtGeometry: g.districtGeometry,
      communities: g.communities.map((c) => ({ communityCode: c.communityCode, streetCode: streetOf.get(c.communityCode) ?? '', lon: c.center[0], lat: c.center[1] })),
      grids: g.grids.filter((s) => gridObjects.has(s.gridCode)).map((s) => ({ cityCode: gridObjects.get(s.gridCode)!, gridCode: s.gridCode, communityCode: s.communityCode, lon: s.seed[0], lat: s.seed[1] })),
    });
    await assignFeaturesToGrids(stores.sql, g.districtCode);
  }
}

export async function writePlan(stores: Stores, plan: CityPlan): Promise<void> {
  await reserveCodes(stores, plan);
  await writeNodes(stores, plan.nodes);
  await writeEdges(stores, plan.edges);
  await writeExternalIds(stores, plan);
  await writeFeatures(stores, plan);
  await writeGrids(stores, plan);
}
