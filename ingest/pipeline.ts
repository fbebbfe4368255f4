/**
 * Ingestion of one source file into the knowledge graph (docs/ingestion.md).
 *
 * The file is read line by line and cut into batches of `batchSize` rows (rejected rows
 * included, so batch boundaries depend on the file only). Each batch is resolved against the
 * graph as committed so far (deterministic identifiers, then Fellegi-Sunter), new entities get
 * codes deterministic per source record (registry/sourceCodes.ts), values are merged with their
 * provenance (ingest/merge.ts), and everything the batch writes, with the run's checkpoint,
 * commits in one Neo4j transaction. A killed run resumes after its last committed batch; since a
 * batch's outcome depends only on the file and the committed graph, the result equals one clean
 * run. Re-ingesting a file finds every record unchanged (same dataset, record key, content hash).
 * Pipelined: batch n+1 is read, prepared and resolved while batch n's transaction runs, with what
 * batch n writes standing in for the graph it has not committed yet (ingest/batches.ts); writes
 * and checkpoints stay one at a time, in file order.
 */
import { KINDS, type KindDecl } from '../domain/model';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Stores } from '../store/stores';
import { badInput, CityCodeError } from '../core/errors';
import { logger } from '../core/logger';
import { encryptIdNumber, piiKeys } from '../domain/pii';
import { datasetsByIds, StoredDataset } from '../graph/datasets';
import { blockingCandidates, EntityState, entityStates, existingRecords, finishRun, ingestRun, startRun, writeBatch, BatchWrite } from '../graph/ingest';
import { codesByExternalIds, externalIdKey } from '../graph/identifiers';
import { sourceRecordCodes } from '../registry/sourceCodes';
import { registerPoints } from '../spatial/registration';
import { progress, Progress } from '../core/progress';
import { ATTRIBUTES, DatasetDefinition } from '../domain/datasets';
import { classifiedAs } from '../domain/modelIndex';
import { changesOfBatch, pendingOfBatch, publishChanges } from './changes';
import { bestMatch, blockingKeys, Comparable, matchConfigOf } from './matching';
import { parseProvenance, provenanceKey, type Provenance } from '../graph/provenanceRecord';
import { Claim, mergeClaim } from './merge';
import { BatchInFlight, inFlight, prepareBatch, ResolvedBatch, SourceRow } from './batches';
import { formatOf, readRows } from './readers';
import { PreparedRecord, prepareRecord, RejectedRow } from './records';
import { withDatasetLock } from '../store/locks';

export const DEFAULT_BATCH_SIZE = 1_000;
/** Rejected rows kept in the summary (all of them go to onRejected). */
const KEPT_REJECTS = 1_000;

export interface IngestOptions {
  dataset: string;
  file: string;
  format?: string | null;
  batchSize?: number;
  /** Validate the whole file first and write nothing when any row is rejected. */
  allOrNothing?: boolean;
  /** Called for every rejected row, in file order. */
  onRejected?: (row: RejectedRow) => void;
  /** Show a progress bar (terminal) or progress log lines. */
  progress?: boolean;
  /** Pause after each committed batch (ms), to share the database with live traffic. */
  throttleMs?: number;
}

export interface IngestCounts {
  read: number;
  matched: number;
  new: number;
  review: number;
  unchanged: number;
  conflicts: number;
  rejected: number;
  /** Records with a location, and how many were registered to a building (空间配准). */
  located: number;
  registered: number;
}

export interface IngestSummary extends IngestCounts {
  dataset: string;
  file: string;
  fileHash: string;
  batches: number;
  /** First batch this run processed (> 0 when it resumed a killed run). */
  resumedAtBatch: number;
  written: boolean;
  ms: number;
  rejectedRows: RejectedRow[];
}

export const zero = (): IngestCounts => ({ read: 0, matched: 0, new: 0, review: 0, unchanged: 0, conflicts: 0, rejected: 0, located: 0, registered: 0 });

export async function fileDigest(path: string): Promise<{ hash: string; lines: number }> {
  const hash = createHash('sha256');
  let lines = 0;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    hash.update(buf);
    for (let i = 0; i < buf.length; i++) if (buf[i] === 10) lines++;
  }
  return { hash: hash.digest('hex'), lines };
}

export async function loadDataset(stores: Stores, id: string): Promise<StoredDataset> {
  const found = (await datasetsByIds(stores.graph, [id])).get(id);
  if (!found) {
    throw new CityCodeError('NOT_FOUND', `dataset ${id} is not registered`, 'Register it first (datasets/*.json, `npm run ingest -- --register`, or the registerDataset mutation).', {
      dataset: id,
    });
  }
  return found;
}

interface Resolution {
  record: PreparedRecord;
  outcome: 'UNCHANGED' | 'MATCHED' | 'NEW' | 'REVIEW';
  /** City code, or `new:<recordKey>` until codes are issued. */
  code: string | null;
  method: string | null;
  score: number | null;
  /** True when the MAPS_TO edge already exists. */
  mapped: boolean;
  candidate: string | null;
}

export function entityValues(def: DatasetDefinition, state: EntityState | undefined): Comparable {
  const out: Comparable = {};
  if (!state) return out;
  for (const [key, spec] of Object.entries(ATTRIBUTES)) {
    if (spec.entity !== def.entity) continue;
    if (spec.kind === 'property') out[key] = state.props[spec.target] as string | number | null;
    else if (spec.kind === 'relation') out[key] = state.relations[spec.target] ?? null;
  }
  return out;
}

function currentClaim(state: EntityState, attribute: string): Claim | null {
  const spec = ATTRIBUTES[attribute];
  const value = spec.kind === 'relation' ? state.relations[spec.target] : state.props[spec.target];
  if (value === undefined || value === null) return null;
  const prov = parseProvenance(state.props[provenanceKey(attribute)]);
  // A baseline value with no recorded source (the demo seed) is not a claim a source can disagree with.
  if (!prov) return null;
  return {
    value: value as string | number,
    dataset: prov.dataset,
    record: prov.record,
    at: prov.at,
    authoritative: prov.authoritative,
  };
}

interface BatchContext {
  now: string;
  checkpoint: BatchWrite['checkpoint'] | null;
  counts: IngestCounts;
  forced?: Map<string, { code: string | null; method: string; score: number | null }>;
}

/**
 * Resolves and writes one batch. Exported for the review mutation, which pushes a single record
 * through the same path with a forced decision.
 */
export async function processBatch(stores: Stores, dataset: StoredDataset, records: PreparedRecord[], ctx: BatchContext): Promise<void> {
  const resolved = await resolveBatch(stores, dataset, records, ctx, null);
  resolved.write.pending = pendingOfBatch(`batch:${randomUUID()}`, changesOfBatch(dataset.definition, resolved));
  await writeBatch(stores.graph, resolved.write);
  await publishChanges(stores, resolved.write.pending);
}

/**
 * Resolves one batch into its writes (BatchWrite): who each record is, codes for new entities,
 * spatial registration, values with provenance and conflicts. `previous`: the batch whose write
 * is still running (see BatchInFlight); the result is the same as after its commit.
 */
export async function resolveBatch(stores: Stores, dataset: StoredDataset, records: PreparedRecord[], ctx: BatchContext, previous: BatchInFlight | null): Promise<ResolvedBatch> {
  const def = dataset.definition;
  const keys = piiKeys();
  const timing = process.env.CITYCODE_INGEST_TIMING === '1';
  let t0 = Date.now();
  const lap = (what: string): void => {
    if (timing) process.stderr.write(`${Date.now() - t0} ms ${what}\n`);
    t0 = Date.now();
  };
  const recordKeyOf = (r: PreparedRecord) => `${def.id}|${r.recordKey}`;
  const idKeys = records.flatMap((r) => [...r.identifiers, ...Object.values(r.relations)]);
  const [firstRead, known] = await Promise.all([existingRecords(stores.graph, records.map(recordKeyOf)), codesByExternalIds(stores.graph, idKeys)]);
  let existing = firstRead;
  if (previous) {
    if (records.some((r) => previous.recordKeys.has(recordKeyOf(r)))) {
      await previous.written;
      existing = await existingRecords(stores.graph, records.map(recordKeyOf));
    }
    for (const id of idKeys) {
      const code = previous.externalIds.get(externalIdKey(id));
      if (code) known.set(externalIdKey(id), code);
    }
  }
  lap('existing + identifiers');

  // 1. Who is each record? (placeholders for new entities)
  const resolutions: Resolution[] = [];
  const newByIdentifier = new Map<string, string>();
  const probabilistic: { i: number; values: Comparable }[] = [];
  const matching = matchConfigOf(def.entity);
  for (const record of records) {
    const prior = existing.get(recordKeyOf(record));
    const forced = ctx.forced?.get(record.recordKey);
    const res: Resolution = { record, outcome: 'NEW', code: null, method: null, score: null, mapped: false, candidate: null };
    resolutions.push(res);
    if (prior && prior.hash === record.hash && !forced) {
      res.outcome = 'UNCHANGED';
      continue;
    }
    if (forced) {
      Object.assign(res, { outcome: forced.code ? 'MATCHED' : 'NEW', code: forced.code, method: forced.method, score: forced.score });
    } else if (prior?.code) {
      Object.assign(res, { outcome: 'MATCHED', code: prior.code, method: prior.method, mapped: true });
    } else {
      const hit = record.identifiers.map((id) => known.get(externalIdKey(id)) ?? newByIdentifier.get(externalIdKey(id))).find((c) => c);
      if (hit) Object.assign(res, { outcome: 'MATCHED', code: hit, method: hit.startsWith('new:') ? 'DETERMINISTIC_BATCH' : 'DETERMINISTIC', score: null });
      else if (matching && (record.identifiers.length === 0 || (def.entity !== 'CityObject' && def.probabilistic !== false))) {
        const values: Comparable = { ...record.values };
        for (const [attr, ref] of Object.entries(record.relations)) values[attr] = known.get(externalIdKey(ref)) ?? null;
        if (record.lon !== null && record.lat !== null) values.location = [record.lon, record.lat];
        if (Object.keys(matching.rules).some((a) => values[a] !== undefined && values[a] !== null)) {
          probabilistic.push({ i: resolutions.length - 1, values });
        }
      }
    }
    if (res.outcome === 'NEW' && !res.code) {
      res.code = `new:${record.recordKey}`;
      res.method ??= 'NEW';
    }
    if (res.code?.startsWith('new:')) for (const id of record.identifiers) newByIdentifier.set(externalIdKey(id), res.code);
  }

  // 2. Fellegi-Sunter over blocked candidates for records without a known identifier.
  if (probabilistic.length && matching) {
    const rules = matching;
    const blockRows = probabilistic.map((p) => ({ i: p.i, values: blockingKeys(def.entity, p.values as Record<string, string | number | null>) }));
    await previous?.written;
    const candidates = await blockingCandidates(stores.graph, def.entity, blockRows);
    for (const p of probabilistic) {
      const res = resolutions[p.i];
      // A candidate with another identifier of a scheme the record carries is someone else.
      const own = resolutions[p.i].record.identifiers;
      const list = (candidates.get(p.i) ?? [])
        .filter((c) => !own.some((id) => (c.identifiers ?? []).some((x) => x.startsWith(`${id.scheme}:`) && x !== `${id.scheme}:${id.value}`)))
        .map((c) => ({ code: c.code, values: entityValues(def, c) }));
      const best = bestMatch(rules, p.values, list);
      if (best.verdict === 'MATCH') Object.assign(res, { outcome: 'MATCHED', code: best.code, method: 'PROBABILISTIC', score: best.score });
      else if (best.verdict === 'REVIEW') Object.assign(res, { outcome: 'REVIEW', code: null, method: 'REVIEW', score: best.score, candidate: best.code });
      else Object.assign(res, { score: best.score });
    }
  }

  lap('resolve');
  // 3. Codes for new entities: deterministic per (dataset, record key).
  const fresh = resolutions.filter((r) => r.outcome === 'NEW');
  const { codes: issued, issued: issuedNow } = await sourceRecordCodes(
    stores.sql,
    def.id,
    fresh.map((r) => ({ recordKey: r.record.recordKey, division: def.division, classCode: def.classCode })),
  );
  const realCode = (code: string): string => (code.startsWith('new:') ? issued.get(code.slice(4))! : code);
  for (const r of resolutions) if (r.code) r.code = realCode(r.code);

  // 4. Spatial registration of located records (point in building footprint, or nearest).
  const located = resolutions.filter((r) => r.outcome !== 'UNCHANGED' && r.record.lon !== null && r.record.lat !== null);
  const registration = await registerPoints(stores.sql, located.map((r) => ({ lon: r.record.lon!, lat: r.record.lat! })));

  lap('codes + registration');
  // 5. Values with provenance, conflicts. An entity whose code was issued just now has no state yet.
  const stateCodes = [...new Set(resolutions.filter((r) => r.code && r.outcome !== 'UNCHANGED' && !issuedNow.has(r.code)).map((r) => r.code!))];
  const carried = previous ? stateCodes.filter((c) => previous.states.has(c)) : [];
  if (previous && stateCodes.some((c) => previous.unsettled.has(c))) await previous.written;
  const states = await entityStates(stores.graph, previous ? stateCodes.filter((c) => !previous.states.has(c)) : stateCodes);
  for (const c of carried) {
    const st = previous!.states.get(c)!;
    states.set(c, { ...st, props: { ...st.props }, relations: { ...st.relations } });
  }
  lap('entity states');
  const newCodes = new Set(fresh.map((r) => r.code!));
  const w: BatchWrite = {
    entity: def.entity,
    now: ctx.now,
    newEntities: [],
    externalIds: [],
    idCiphers: [],
    updates: [],
    relations: [],
    records: [],
    maps: [],
    reviews: [],
    conflicts: [],
    checkpoint: ctx.checkpoint ?? { run: '', batch: -1, summary: '' },
  };
  const changed = new Map<string, Set<string>>();
  const mark = (code: string, attribute: string): void => {
    let fields = changed.get(code);
    if (!fields) changed.set(code, (fields = new Set()));
    fields.add(classifiedAs(attribute));
  };
  const updates = new Map<string, Record<string, unknown>>();
  const update = (code: string): Record<string, unknown> => {
    let u = updates.get(code);
    if (!u) updates.set(code, (u = {}));
    return u;
  };
  const authoritative = new Set(def.authoritative);
  const regByRecord = new Map(located.map((r, i) => [r, registration[i]]));
  for (const res of resolutions) {
    const { record } = res;
    if (res.outcome === 'UNCHANGED') {
      ctx.counts.unchanged++;
      continue;
    }
    const reg = regByRecord.get(res);
    if (reg !== undefined) {
      ctx.counts.located++;
      if (reg) ctx.counts.registered++;
    }
    w.records.push({
      key: recordKeyOf(record),
      fresh: !existing.has(recordKeyOf(record)),
      props: {
        dataset: def.id,
        recordKey: record.recordKey,
        hash: record.hash,
        line: record.line,
        time: record.time,
        values: JSON.stringify({ ...record.values, ...Object.fromEntries(Object.entries(record.relations).map(([k, v]) => [k, v.value])) }),
        identifiers: JSON.stringify(record.identifiers),
        status: res.outcome === 'REVIEW' ? 'REVIEW' : 'MAPPED',
        method: res.method,
        filled: record.filled,
        mappable: record.mappable,
        located: reg !== undefined,
        registeredTo: reg?.code ?? null,
        registeredLevel: reg?.level ?? null,
      },
    });
    if (res.outcome === 'REVIEW') {
      ctx.counts.review++;
      w.reviews.push({ key: recordKeyOf(record), dataset: def.id, recordKey: record.recordKey, candidate: res.candidate!, score: res.score!, line: record.line });
      continue;
    }
    const code = res.code!;
    if (newCodes.has(code) && !states.has(code)) {
      ctx.counts.new++;
      states.set(code, { code, labels: [def.entity], props: {}, relations: {} });
      const props: Record<string, unknown> = { createdBy: def.id };
      const typeAttribute = (KINDS[def.entity] as KindDecl).typeAttribute;
      if (typeAttribute && def.objectKind) props[typeAttribute] = def.objectKind;
      if (reg) Object.assign(props, { districtCode: reg.districtCode, streetCode: reg.streetCode, communityCode: reg.communityCode, ...(reg.gridCode ? { gridCode: reg.gridCode } : {}) });
      w.newEntities.push({ code, props });
    } else if (res.outcome === 'MATCHED') ctx.counts.matched++;
    else ctx.counts.new++;
    if (!res.mapped) w.maps.push({ key: recordKeyOf(record), code, method: res.method ?? 'DETERMINISTIC', score: res.score });
    for (const id of record.identifiers) {
      if (!known.has(externalIdKey(id))) {
        w.externalIds.push({ scheme: id.scheme, value: id.value, code });
        known.set(externalIdKey(id), code);
      }
    }
    if (record.citizenId && !states.get(code)!.props.idCipher) {
      w.idCiphers.push({ code, cipher: encryptIdNumber(record.citizenId, keys.encryptionKey) });
      states.get(code)!.props.idCipher = 'pending';
    }
    const state = states.get(code)!;
    const claims: [string, string | number][] = [
      ...Object.entries(record.values),
      ...Object.entries(record.relations)
        .map(([a, ref]) => [a, known.get(externalIdKey(ref))] as [string, string | undefined])
        .filter((e): e is [string, string] => typeof e[1] === 'string'),
    ];
    for (const [attribute, value] of claims) {
      const incoming: Claim = { value, dataset: def.id, record: record.recordKey, at: record.time, authoritative: authoritative.has(attribute) };
      const current = currentClaim(state, attribute);
      const outcome = mergeClaim(current, incoming);
      if (outcome.conflict) {
        ctx.counts.conflicts++;
        const [a, b] = [outcome.conflict.current, outcome.conflict.incoming].sort((x, y) => (x.dataset < y.dataset ? -1 : x.dataset > y.dataset ? 1 : 0));
        const winner = outcome.conflict.winner === 'INCOMING' ? incoming : outcome.conflict.current;
        w.conflicts.push({
          key: `${code}|${attribute}|${a.dataset}|${b.dataset}`,
          entity: code,
          entityType: def.entity,
          attribute,
          valueA: String(a.value),
          datasetA: a.dataset,
          recordA: a.record,
          atA: a.at,
          valueB: String(b.value),
          datasetB: b.dataset,
          recordB: b.record,
          atB: b.at,
          winnerDataset: winner.dataset,
          rule: incoming.authoritative !== outcome.conflict.current.authoritative ? 'AUTHORITATIVE' : 'MOST_RECENT',
          districtCode: (state.props.districtCode as string | undefined) ?? null,
        });
      }
      if (!outcome.take) continue;
      const spec = ATTRIBUTES[attribute];
      const prov: Provenance = { dataset: def.id, record: record.recordKey, at: record.time, authoritative: incoming.authoritative };
      const u = update(code);
      const before = spec.kind === 'relation' ? state.relations[spec.target] : state.props[spec.target];
      if (spec.kind === 'relation') {
        if (state.relations[spec.target] !== value) w.relations.push({ code, type: spec.target, target: String(value) });
        state.relations[spec.target] = String(value);
      } else {
        u[spec.target] = value;
        state.props[spec.target] = value;
      }
      // The outbox tells of values that changed (a newer record of the same value changes provenance only).
      if (before !== (spec.kind === 'relation' ? String(value) : value)) mark(code, attribute);
      u[provenanceKey(attribute)] = JSON.stringify(prov);
      state.props[provenanceKey(attribute)] = u[provenanceKey(attribute)];
      u.changedAt = ctx.now;
    }
    if (reg && !state.props.districtCode) {
      Object.assign(update(code), { districtCode: reg.districtCode, streetCode: reg.streetCode, communityCode: reg.communityCode, changedAt: ctx.now });
      Object.assign(state.props, { districtCode: reg.districtCode, streetCode: reg.streetCode, communityCode: reg.communityCode });
      for (const f of ['districtCode', 'streetCode', 'communityCode']) mark(code, `${def.entity}.${f}`);
    }
  }
  w.updates = [...updates].map(([code, props]) => ({ code, props }));
  if (ctx.checkpoint) w.checkpoint = { ...ctx.checkpoint, summary: JSON.stringify(ctx.counts) };
  lap('merge');
  return { write: w, states, changed };
}

/** Ingests a file (see the module comment). */
export async function ingestFile(stores: Stores, options: IngestOptions): Promise<IngestSummary> {
  // One run per dataset at a time (ingest/lock.ts): a second is refused before it reads anything.
  return withDatasetLock(stores.sql, options.dataset, () => ingestFileLocked(stores, options));
}

async function ingestFileLocked(stores: Stores, options: IngestOptions): Promise<IngestSummary> {
  const started = Date.now();
  const dataset = await loadDataset(stores, options.dataset);
  const format = formatOf(options.file, options.format);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw badInput(`batch size ${batchSize} is out of range`, 'Use 1..10000 rows per batch (default 1000).', { argument: 'batchSize' });
  }
  const { hmacKey } = piiKeys();
  const { hash: fileHash, lines } = await fileDigest(options.file);
  const rejectedRows: RejectedRow[] = [];
  const reject = (row: RejectedRow, counts: IngestCounts): void => {
    counts.rejected++;
    if (rejectedRows.length < KEPT_REJECTS) rejectedRows.push(row);
    options.onRejected?.(row);
  };
  const summaryOf = (counts: IngestCounts, batches: number, resumedAtBatch: number, written: boolean): IngestSummary => ({
    dataset: dataset.id,
    file: options.file,
    fileHash,
    ...counts,
    batches,
    resumedAtBatch,
    written,
    ms: Date.now() - started,
    rejectedRows,
  });

  if (options.allOrNothing) {
    const counts = zero();
    for await (const row of readRows(options.file, format)) {
      counts.read++;
      if (!row.fields) reject({ line: row.line, reason: row.error ?? 'unreadable', field: null }, counts);
      else {
        const p = prepareRecord(dataset.definition, row.line, row.fields, hmacKey);
        if (!p.ok) reject(p.rejected, counts);
      }
    }
    if (counts.rejected > 0) return summaryOf(counts, 0, 0, false);
    rejectedRows.length = 0;
  }

  const runId = `${dataset.id}|${fileHash}`;
  const prior = await ingestRun(stores.graph, runId);
  const resume = prior !== null && prior.status !== 'DONE' && prior.batchSize === batchSize;
  await startRun(stores.graph, { id: runId, dataset: dataset.id, file: options.file, fileHash, batchSize, fresh: !resume });
  const lastBatch = resume ? prior.lastBatch : -1;
  const counts: IngestCounts = resume && prior.summary ? { ...zero(), ...(JSON.parse(prior.summary) as IngestCounts) } : zero();
  if (resume) logger.info({ dataset: dataset.id, run: runId, lastBatch }, 'resuming an interrupted ingest after its last committed batch');
  const bar: Progress | null = options.progress ? progress(`ingest ${dataset.id}`, Math.max(lines - (format === 'csv' ? 1 : 0), 0)) : null;

  let batchNo = 0;
  let rows: SourceRow[] = [];
  // Pipelined: batch n+1 is read, prepared and resolved while batch n's write transaction runs
  // (BatchInFlight makes the resolution exactly that of a one-batch-at-a-time run); writes stay
  // one at a time and in file order, so checkpoint n still means batches 0..n committed. The
  // counts serialised into checkpoint n are taken before batch n+1 is resolved.
  let previous: BatchInFlight | null = null;
  const timing = process.env.CITYCODE_INGEST_TIMING === '1';
  const flush = async (): Promise<void> => {
    const b = batchNo++;
    const batchRows = rows;
    rows = [];
    if (b <= lastBatch) {
      bar?.advance(batchRows.length);
      return;
    }
    const prepared = prepareBatch(dataset.definition, batchRows, hmacKey);
    counts.read += batchRows.length;
    for (const r of prepared.rejected) reject(r, counts);
    const resolved = await resolveBatch(stores, dataset, prepared.records, { now: new Date().toISOString(), checkpoint: { run: runId, batch: b, summary: '' }, counts }, previous);
    const t = Date.now();
    await previous?.written;
    if (timing) process.stderr.write(`${Date.now() - t} ms waiting for the previous write\n`);
    resolved.write.pending = pendingOfBatch(`batch:${randomUUID()}`, changesOfBatch(dataset.definition, resolved));
    const written = writeBatch(stores.graph, resolved.write).then(async () => {
      await publishChanges(stores, resolved.write.pending);
      bar?.advance(batchRows.length);
      if (options.throttleMs) await new Promise((resolve) => setTimeout(resolve, options.throttleMs));
    });
    // Awaited by the next batch; until then a failure must not count as unhandled.
    written.catch(() => undefined);
    previous = inFlight(resolved, written);
  };
  try {
    for await (const row of readRows(options.file, format)) {
      rows.push(row);
      if (rows.length >= batchSize) await flush();
    }
    if (rows.length) await flush();
  } finally {
    // Never leave a write in flight behind (an error of the reader or the resolver is thrown as is).
    await (previous as BatchInFlight | null)?.written.catch(() => undefined);
  }
  await (previous as BatchInFlight | null)?.written;
  bar?.done();
  await finishRun(stores.graph, runId, JSON.stringify(counts));
  return summaryOf(counts, batchNo, lastBatch + 1, true);
}
