/**
 * The city-scale load (`npm run city:load -- --scale S`, docs/city-scale.md), in resumable stages:
 *
 *  1. generate  CSV/TSV parts (seed/scale/generate.ts); a part with a marker is not written again;
 *  2. graph     Neo4j's offline importer builds the store of the city instance from the parts in
 *               one go (all or nothing); a marker in the instance's home records scale and parts;
 *  3. schema    the instance is started and the project's migrations create its constraints and
 *               indexes (populated from the imported nodes), then the policy files are loaded;
 *  4. postgres  COPY of each part's registry and geometry rows, each part in one transaction with
 *               its row in city_load_part, so a part is loaded exactly once across restarts;
 *  5. metadata  datasets and lineage registered, the catalogue refreshed;
 *  6. verify    counts per kind and sample look-ups compared with the generator's own rows.
 *
 * The process environment points at the city stores (infra/city.sh sets PG_DATABASE,
 * NEO4J_INSTANCE and NEO4J_BOLT_PORT), never at the demo city's.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../core/config';
import { badInput } from '../../core/errors';
import { logger } from '../../core/logger';
import { fromRoot } from '../../core/paths';
import { progress } from '../../core/progress';
import { refreshCatalogue } from '../../ingest/catalogue';
import { registerDatasetFiles } from '../../ingest/registry';
import { serialKey } from '../../registry/issuing';
import { copyRegistryRows, raiseCounters, registeredCodeCount } from '../../registry/bulk';
import { copyFeatureRows } from '../../spatial/bulk';
import { upsertFeatures } from '../../spatial/features';
import { databaseBytes, ensureLoadLedger, loadedParts, loadedScales, recordLoadedPart } from '../../store/loadLedger';
import { COUNTED_LABELS, nodesWithLabel, relationshipCount } from '../../graph/census';
import { entitiesByCodes } from '../../graph/entities';
import { UNRESTRICTED } from '../../graph/scope';
import { migrateNeo4j, migratePostgres } from '../../store/migrate';
import { loadPolicyDir, syncPolicyFiles } from '../../store/policy';
import { closeStores, openStores, Stores } from '../../store/stores';
import { loadRegions } from '../regions';
import { ScaleCity } from './city';
import { countsAt } from './counts';
import { familyHeader, generateCity, partMarker, partsOf } from './generate';

export interface LoadOptions {
  scale: number;
  /** Where the generated files go (default .data/<instance>-files/<scale>). */
  filesDir?: string;
  /** Processes generating parts (default 2: the machine's cores). */
  workers?: number;
  /** Stop after this stage (for tests of resumption). */
  until?: Stage;
}

export const STAGES = ['generate', 'graph', 'schema', 'postgres', 'metadata', 'verify'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageTiming {
  stage: Stage;
  ms: number;
  skipped: boolean;
  detail?: Record<string, unknown>;
}

export interface LoadReport {
  scale: number;
  counts: ReturnType<typeof countsAt>;
  stages: StageTiming[];
  nodes: number;
  relationships: number;
  storeBytes: { neo4j: number; postgres: number; files: number };
}

const instance = () => process.env.NEO4J_INSTANCE ?? 'neo4j';
const instanceHome = () => fromRoot('.data', instance());

function neo4jScript(args: string[]): void {
  const r = spawnSync('bash', [fromRoot('infra', 'neo4j.sh'), ...args], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) throw new Error(`infra/neo4j.sh ${args[0]} failed (exit ${String(r.status)})`);
}

function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number.parseInt(r.stdout.split('\t')[0] ?? '0', 10) || 0;
}

interface GraphMarker {
  scale: number;
  parts: string[];
  importedAt: string;
}

const graphMarkerPath = () => join(instanceHome(), 'citycode-city.json');

function readGraphMarker(): GraphMarker | null {
  return existsSync(graphMarkerPath()) ? (JSON.parse(readFileSync(graphMarkerPath(), 'utf8')) as GraphMarker) : null;
}

/** Stage 2: the offline import of every part's files into the (stopped) city instance. */
function importGraph(city: ScaleCity, dir: string, scale: number): GraphMarker {
  const families = new Map<string, string[]>();
  const parts = partsOf(city);
  for (const part of parts) {
    const marker = partMarker(dir, part);
    if (!marker) throw new Error(`part ${part.name} has no marker; the generate stage did not finish`);
    for (const f of marker.families) {
      if (f === 'registry' || f === 'features') continue;
      families.set(f, [...(families.get(f) ?? []), join(dir, `${f}.${part.name}`)]);
    }
  }
  const args = [
    '--id-type=integer',
    '--array-delimiter=;',
    '--bad-tolerance=0',
    '--skip-bad-relationships=false',
    `--threads=${process.env.CITY_IMPORT_THREADS ?? '2'}`,
    `--max-off-heap-memory=${process.env.CITY_IMPORT_OFF_HEAP ?? '6G'}`,
    '--overwrite-destination=true',
    `--report-file=${join(dir, 'import.report')}`,
  ];
  for (const [family, files] of families) {
    const h = familyHeader(family);
    const headerFile = join(dir, `header.${family}.csv`);
    writeFileSync(headerFile, h.header + '\n');
    args.push(`--${h.kind}=${h.label}=${[headerFile, ...files].join(',')}`);
  }
  neo4jScript(['stop']);
  neo4jScript(['import', ...args]);
  const marker: GraphMarker = { scale, parts: parts.map((p) => p.name), importedAt: new Date().toISOString() };
  writeFileSync(graphMarkerPath(), JSON.stringify(marker, null, 2) + '\n');
  return marker;
}

/** Stage 4: each part's registry and geometry rows, COPY'd in one transaction with its marker row. */
async function loadPostgres(stores: Stores, city: ScaleCity, dir: string, scale: number): Promise<{ parts: number; skipped: number }> {
  await ensureLoadLedger(stores.sql);
  const other = (await loadedScales(stores.sql)).filter((s) => s !== scale);
  if (other.length) {
    throw badInput(
      `the city database already holds a city of scale ${other[0]}`,
      'Load another scale with --fresh (drops the city stores first), or use the same --scale to resume.',
      { argument: 'scale' },
    );
  }
  const done = await loadedParts(stores.sql);
  const parts = partsOf(city);
  const todo = parts.filter((p) => !done.has(p.name));
  const bar = progress('postgres: COPY parts', todo.reduce((n, p) => n + p.to - p.from, 0));
  for (const part of todo) {
    const marker = partMarker(dir, part)!;
    await stores.sql.transaction(async (client) => {
      await raiseCounters(client, marker.counters);
      await copyRegistryRows(client, createReadStream(join(dir, `registry.${part.name}`)));
      if (marker.families.includes('features')) await copyFeatureRows(client, createReadStream(join(dir, `features.${part.name}`)));
      await recordLoadedPart(client, part.name, scale);
    });
    bar.advance(part.to - part.from);
  }
  bar.done();
  // Regions' geometry (district polygons, community centres) as the demo seed writes it.
  await writeRegionFeatures(stores, city);
  return { parts: todo.length, skipped: parts.length - todo.length };
}

async function writeRegionFeatures(stores: Stores, city: ScaleCity): Promise<void> {
  const features = [];
  for (const r of city.regions) {
    if (r.row.level === 'DISTRICT' && r.row.geometry) {
      features.push({ cityCode: r.code, kind: 'DISTRICT', geometry: r.row.geometry, districtCode: r.row.code, streetCode: null, communityCode: null, source: 'seed' });
    }
  }
  for (const p of city.places) {
    features.push({
      cityCode: city.regions[p.regionIndex].code,
      kind: 'COMMUNITY',
      geometry: { type: 'Point', coordinates: p.center },
      districtCode: p.district.code,
      streetCode: p.street.code,
      communityCode: p.community.code,
      source: 'seed',
    });
  }
  for (let i = 0; i < features.length; i += 500) await upsertFeatures(stores.sql, features.slice(i, i + 500));
}

/** Stage 6: counts per kind and sample rows read back equal to the generator's. */
export async function verifyCity(stores: Stores, city: ScaleCity): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const label of COUNTED_LABELS) counts[label] = await nodesWithLabel(stores.graph, label);
  const c = city.counts;
  const expected: Record<string, number> = {
    Person: c.persons,
    Enterprise: c.enterprises,
    CityObject: c.buildings + c.rooms + c.devices + city.regions.length,
    Region: city.regions.length,
    ExternalId: c.persons + c.enterprises + c.buildings + c.rooms + c.devices,
  };
  for (const [label, n] of Object.entries(expected)) {
    if (counts[label] !== n) throw new Error(`verify: ${label} has ${counts[label]} nodes in the graph, the generator made ${n}`);
  }
  for (const p of [0, Math.floor(c.persons / 2), c.persons - 1]) {
    const want = city.person(p);
    const [read] = await entitiesByCodes(stores.graph, [want.code], UNRESTRICTED);
    if (read?.props.name !== want.name) throw new Error(`verify: person ${want.code} reads ${String(read?.props.name)} from the graph, generated ${want.name}`);
  }
  const registered = await registeredCodeCount(stores.sql);
  const total = expected.ExternalId + city.regions.length;
  if (registered !== total) throw new Error(`verify: the registry holds ${registered} codes, the city has ${total}`);
  return counts;
}

export async function loadCity(options: LoadOptions): Promise<LoadReport> {
  const counts = countsAt(options.scale);
  const dir = options.filesDir ?? fromRoot('.data', `${instance()}-files`, String(options.scale));
  mkdirSync(dir, { recursive: true });
  const city = new ScaleCity(counts, loadRegions(), serialKey());
  const stages: StageTiming[] = [];
  const timed = async <T>(stage: Stage, work: () => Promise<{ skipped: boolean; detail?: T }>) => {
    const started = Date.now();
    logger.info({ stage, scale: options.scale }, `city load: ${stage}`);
    const r = await work();
    stages.push({ stage, ms: Date.now() - started, skipped: r.skipped, detail: r.detail as Record<string, unknown> | undefined });
    return STAGES.indexOf(stage) >= STAGES.indexOf(options.until ?? 'verify');
  };
  const report = (): LoadReport => ({
    scale: options.scale,
    counts,
    stages,
    nodes: 0,
    relationships: 0,
    storeBytes: { neo4j: dirBytes(instanceHome()), postgres: 0, files: dirBytes(dir) },
  });
  if (await timed('generate', async () => {
    const r = await generateCity(city, dir, options.scale, options.workers ?? 2);
    return { skipped: r.written === 0, detail: r };
  })) return report();

  const existing = readGraphMarker();
  if (existing && existing.scale !== options.scale) {
    throw badInput(
      `the city graph (${instanceHome()}) holds a city of scale ${existing.scale}`,
      'Load another scale with --fresh (drops the city stores first), or use the same --scale to resume.',
      { argument: 'scale' },
    );
  }
  if (await timed('graph', async () => {
    if (existing) return { skipped: true };
    return { skipped: false, detail: importGraph(city, dir, options.scale) };
  })) return report();

  neo4jScript(['start']);
  const stores = openStores(loadConfig());
  try {
    if (await timed('schema', async () => {
      const pg = await migratePostgres(stores.sql);
      const graph = await migrateNeo4j(stores.graph);
      await stores.graph.runSchema('CALL db.awaitIndexes(7200)');
      const policy = await syncPolicyFiles(stores.sql);
      return { skipped: pg.length + graph.length === 0, detail: { postgres: pg.length, neo4j: graph.length, policy: policy.version } };
    })) return report();
    if (await timed('postgres', async () => {
      const r = await loadPostgres(stores, city, dir, options.scale);
      return { skipped: r.parts === 0, detail: r };
    })) return report();
    if (await timed('metadata', async () => {
      await registerDatasetFiles(stores);
      await refreshCatalogue(stores, loadPolicyDir());
      return { skipped: false };
    })) return report();
    let counted: Record<string, number> = {};
    await timed('verify', async () => {
      counted = await verifyCity(stores, city);
      return { skipped: false, detail: counted };
    });
    const relationships = await relationshipCount(stores.graph);
    const pgBytes = await databaseBytes(stores.sql);
    const out = report();
    out.nodes = (counted.Person ?? 0) + (counted.Enterprise ?? 0) + (counted.CityObject ?? 0) + (counted.ExternalId ?? 0);
    out.relationships = relationships;
    out.storeBytes.postgres = pgBytes;
    return out;
  } finally {
    await closeStores(stores);
  }
}
