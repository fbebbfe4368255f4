/**
 * 批量共享 / 离线交换: export jobs. A job selects rows — a dataset's entities, a grant's rows, or a
 * kind in a region — and streams them page by page (keyset by city code) through the requester's
 * release gate into a file (NDJSON, CSV or GeoJSON, exchange/formats.ts): never more than a page
 * in memory, backpressure from the disk. After each page it records how far it got; a job
 * interrupted anywhere (its process killed, an error) continues from there — the file cut back to
 * the last recorded page and its hash rebuilt from it — and ends with the same file as an
 * uninterrupted run. At the end the file gets a signed manifest (rows, sha256, grants, requester,
 * purpose, policy, time); every page's reads and the job itself are in the audit chain.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync, type WriteStream } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { AuditSigningKey } from '../audit/keys';
import { badInput, CityCodeError } from '../core/errors';
import { logger } from '../core/logger';
import { LEVELS, type Level, type Subject } from '../core/subject';
import { FEEDABLE_ATTRIBUTES, attributesOf, isKindName } from '../domain/modelIndex';
import { KINDS, KIND_NAMES, type KindName } from '../domain/model';
import { datasetsByIds } from '../graph/datasets';
import { entitiesForExport } from '../graph/entities';
import type { Policy } from '../policy/model';
import { regionOf, Release, type AuditEntry } from '../policy/release';
import { isDistrictArea, isShenzhenStreetCode } from '../policy/scope';
import { featuresByCodes } from '../spatial/features';
import {
  claimJob,
  failJob,
  finishJob,
  insertJob,
  ExportQuotaExceeded,
  type ExportQuota,
  jobById,
  orphanedJobs,
  recordProgress,
  restartJob,
  type ExportFormat,
  type ExportJob,
  type ExportSource,
} from '../sharing/exports';
import type { Stores } from '../store/stores';
import { decodeRows, encodeRows, fileHead, fileTail, type FileRow } from './formats';
import { checkManifest, signManifest, type SignedManifest } from './manifest';
import { releasedRow } from './rows';

export interface ExportDeps {
  stores: Stores;
  policy: () => Policy;
  audit: { record(entry: AuditEntry): void } | null;
  /** Where export files are written (a folder per job). */
  dir: string;
  key: AuditSigningKey;
  /** Per-department quota of export jobs (QUOTA_EXPORTS_*); null: none. */
  quota?: ExportQuota | null;
}

export interface ExportInput {
  dataset: string | null;
  grant: string | null;
  kind: string | null;
  region: string | null;
  fields: string[] | null;
  format: ExportFormat;
  purpose: string | null;
}

export const PAGE_ROWS = 1000;
const LEASE_MS = 2 * 60_000;
/**
 * CITYCODE_EXPORT_THROTTLE_MS: a pause after each page (0 by default), so that a fault test can
 * stop a database while an export is between its first and last page (as ingest's --throttle-ms).
 */
const THROTTLE_MS = Number(process.env.CITYCODE_EXPORT_THROTTLE_MS ?? 0);
const EXTENSIONS: Record<ExportFormat, string> = { NDJSON: 'ndjson', CSV: 'csv', GEOJSON: 'geojson' };
const HINT = 'Export a dataset (dataset), the rows of one of your grants (grant), or a kind with an optional region (kind, region), as NDJSON, CSV or GEOJSON.';

const hasGeometry = (kind: KindName): boolean => attributesOf(kind).some((a) => a.source.from === 'feature' && a.source.part === 'geometry');

/** The stored attributes of a kind a row may carry (what exchange/rows.ts releases). */
const rowFields = (kind: KindName): string[] => attributesOf(kind).filter((a) => a.source.from === 'property').map((a) => a.field);

export function fileOf(dir: string, job: Pick<ExportJob, 'id' | 'format'>): { folder: string; data: string; manifest: string } {
  const folder = join(dir, job.id);
  return { folder, data: join(folder, `${job.id}.${EXTENSIONS[job.format]}`), manifest: join(folder, `${job.id}.manifest.json`) };
}

/** Kinds, columns and region of a job's source. */
function shape(source: ExportSource): { kinds: KindName[]; columns: string[]; districts: string[] | null; streets: string[] | null; dataset: string | null } {
  const kinds = (source.kind === 'DATASET' ? [source.entityKind] : source.kinds).filter(isKindName);
  const fields = source.fields;
  const columns = fields && fields.length ? fields : [...new Set(kinds.flatMap(rowFields))];
  const region = source.kind === 'DATASET' ? null : source.region;
  const codes = region ? region.split(',') : null;
  return {
    kinds,
    columns,
    districts: codes ? codes.filter((c) => c.length === 6) : null,
    streets: codes ? codes.filter((c) => c.length === 9) : null,
    dataset: source.kind === 'DATASET' ? source.dataset : null,
  };
}

function subjectOf(job: Pick<ExportJob, 'subject'>): Subject {
  const s = job.subject;
  return {
    id: s.id,
    username: s.username,
    department: s.department,
    departmentName: s.departmentName,
    clearance: (LEVELS as readonly string[]).includes(s.clearance) ? (s.clearance as Level) : 'L1',
    districtScope: s.districtScope,
    roles: s.roles,
    serviceAccount: false,
    anonymous: false,
  };
}

/** Checks a request and stores the job (QUEUED); bad input stores nothing. */
export async function createExport(deps: ExportDeps, subject: Subject, input: ExportInput, now = new Date()): Promise<ExportJob> {
  const policy = deps.policy();
  if (subject.anonymous || !subject.department) throw new CityCodeError('FORBIDDEN', 'Exports are made by a department', 'Sign in with an account of a department.');
  const given = [input.dataset, input.grant, input.kind].filter((x) => x !== null && x !== undefined).length;
  if (given !== 1) throw badInput('name exactly one of dataset, grant or kind', HINT, { argument: 'dataset' });
  if (input.purpose !== null && !policy.purposes.has(input.purpose)) throw badInput(`purpose ${input.purpose.slice(0, 40)} is not a purpose of the policy`, 'Use a purpose code of the policy.', { argument: 'purpose' });
  const release = new Release(policy, subject, input.purpose, now);
  let source: ExportSource;
  if (input.dataset) {
    const found = (await datasetsByIds(deps.stores.graph, [input.dataset])).get(input.dataset);
    if (!found) throw badInput(`dataset ${input.dataset.slice(0, 64)} is not registered`, 'Pass the id of a registered dataset (see the catalogue).', { argument: 'dataset' });
    const kind = found.definition.entity;
    if (!isKindName(kind)) throw badInput(`dataset ${input.dataset} describes no kind of the city model`, HINT, { argument: 'dataset' });
    const fed = found.definition.fields.flatMap((f) => (f.attribute ? [FEEDABLE_ATTRIBUTES[f.attribute]?.classifiedAs ?? f.attribute] : []));
    const fields = [...new Set(fed.filter((k) => k.startsWith(`${kind}.`)).map((k) => k.slice(kind.length + 1)))].filter((f) => rowFields(kind).includes(f));
    source = { kind: 'DATASET', dataset: found.id, entityKind: kind, fields: rowFields(kind).filter((f) => fields.includes(f)) };
  } else if (input.grant) {
    const grant = policy.grants.find((g) => g.id === input.grant);
    if (!grant) throw badInput(`grant ${input.grant.slice(0, 64)} is not in the policy in force`, 'Pass the id of one of your grants (policyVersion, accessRequests).', { argument: 'grant', grant: 'UNKNOWN' });
    if (grant.department !== subject.department) {
      throw new CityCodeError('FORBIDDEN', `grant ${grant.id} is not your department's`, 'Export under a grant of your own department.', { argument: 'grant', grant: 'FOREIGN' });
    }
    if (Date.parse(grant.expiresAt) <= now.getTime()) throw badInput(`grant ${grant.id} expired at ${grant.expiresAt}`, 'Ask for the data again (requestAccess).', { argument: 'grant', grant: 'EXPIRED' });
    if (grant.purposes.length && (!input.purpose || !grant.purposes.includes(input.purpose))) {
      throw badInput(`grant ${grant.id} is for ${grant.purposes.join(', ')}`, 'Declare one of the grant’s purposes.', { argument: 'purpose' });
    }
    const kinds = KIND_NAMES.filter((k) => attributesOf(k).some((a) => policy.fields.get(a.key)?.domain === grant.domain) || KINDS[k].rowDomain === grant.domain);
    const keys = grant.fields ?? [...policy.fields.values()].filter((f) => f.domain === grant.domain).map((f) => f.key);
    const fields = kinds.length === 1 ? rowFields(kinds[0]).filter((f) => keys.includes(`${kinds[0]}.${f}`)) : null;
    source = { kind: 'GRANT', grant: grant.id, domain: grant.domain, kinds, region: grant.scope.kind === 'CITY' ? null : grant.scope.codes.join(','), fields };
  } else {
    const kind = input.kind!;
    if (!isKindName(kind)) throw badInput(`${kind.slice(0, 40)} is not a kind`, `Use one of ${KIND_NAMES.join(', ')}.`, { argument: 'kind' });
    if (input.region !== null) {
      const ok = input.region.length === 6 ? isDistrictArea(input.region) : isShenzhenStreetCode(input.region);
      if (!ok) throw badInput(`${input.region.slice(0, 20)} is not a district or street of Shenzhen`, 'Pass a 6-digit district or 9-digit street code.', { argument: 'region' });
      release.assertCanUse(`${kind}.${input.region.length === 6 ? 'districtCode' : 'streetCode'}`, 'filter');
    }
    const known = rowFields(kind);
    const bad = (input.fields ?? []).findIndex((f) => !known.includes(f));
    if (bad >= 0) throw badInput(`${String(input.fields![bad]).slice(0, 40)} is not a stored attribute of ${kind}`, `Use some of ${known.join(', ')}.`, { argument: `fields[${bad}]` });
    source = { kind: 'SELECTION', kinds: [kind], region: input.region, fields: input.fields?.length ? known.filter((f) => input.fields!.includes(f)) : null };
  }
  const kinds = shape(source).kinds;
  if (input.format === 'GEOJSON' && !kinds.every(hasGeometry)) {
    throw badInput(`${kinds.filter((k) => !hasGeometry(k)).join(', ')} has no geometry`, 'Export it as NDJSON or CSV; GeoJSON is for kinds with a location.', { argument: 'format' });
  }
  return insertJob(deps.stores.sql, {
    requester: subject.username,
    department: subject.department,
    subject: {
      id: subject.id,
      username: subject.username,
      department: subject.department,
      departmentName: subject.departmentName,
      clearance: subject.clearance,
      districtScope: subject.districtScope,
      roles: subject.roles,
    },
    purpose: input.purpose,
    source,
    format: input.format,
    policyVersion: policy.version,
  }, deps.quota ?? null).catch((err: unknown) => {
    if (!(err instanceof ExportQuotaExceeded)) throw err;
    const what = err.quota === 'perDay' ? `started ${err.count} exports in the last 24 h` : `has ${err.count} exports queued or running`;
    throw new CityCodeError('QUOTA_EXCEEDED', `${subject.department} ${what}; its quota is ${err.limit}`, err.quota === 'perDay' ? 'Wait until earlier exports are a day old, or ask the operators for a larger quota.' : 'Wait until a running export finishes.', {
      quota: err.quota === 'perDay' ? 'exportsPerDepartmentPerDay' : 'exportsRunningPerDepartment',
      limit: err.limit,
    });
  });
}

/** The sha256 of a file's first `bytes` bytes (a resumed job's hash, rebuilt from what is on disk). */
async function hashPrefix(path: string, bytes: number): Promise<ReturnType<typeof createHash>> {
  const hash = createHash('sha256');
  if (bytes === 0) return hash;
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) hash.update(chunk as Buffer);
  return hash;
}

function writeChunk(out: WriteStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => out.write(chunk, (err) => (err ? reject(err) : resolve())));
}

export interface RunOptions {
  /** Stops the job as a killed process would: after writing a page, before recording it (tests). */
  interruptAfterRows?: number;
}

export class ExportInterrupted extends Error {}

/**
 * Runs (or continues) a job to its end. Returns the finished job, or null when another process
 * holds it. Throws ExportInterrupted when `interruptAfterRows` stops it.
 */
export async function runExport(deps: ExportDeps, id: string, options: RunOptions = {}): Promise<ExportJob | null> {
  let job = await claimJob(deps.stores.sql, id, LEASE_MS);
  if (!job) return null;
  const log = logger.child({ export: job.id });
  const policy = deps.policy();
  if (policy.version !== job.policyVersion) {
    // A file under two policies would be neither: start over under the one in force.
    await restartJob(deps.stores.sql, job.id, policy.version);
    job = (await jobById(deps.stores.sql, job.id))!;
    log.info({ policy: policy.version }, 'policy changed since the export began; starting over');
  }
  const paths = fileOf(deps.dir, job);
  const { kinds, columns, districts, streets, dataset } = shape(job.source);
  const subject = subjectOf(job);
  const operation = { hash: createHash('sha256').update(`export|${job.id}`).digest('hex'), name: `export ${job.id}` };
  const grants = new Set(job.grants);
  let { rows, bytes, kindIndex, cursor } = job;
  let out: WriteStream | null = null;
  try {
    mkdirSync(paths.folder, { recursive: true });
    const resuming = rows > 0 || bytes > 0;
    if (resuming && existsSync(paths.data) && statSync(paths.data).size >= bytes) truncateSync(paths.data, bytes);
    else ({ rows, bytes, kindIndex, cursor } = { rows: 0, bytes: 0, kindIndex: 0, cursor: '' });
    const hash = await hashPrefix(paths.data, bytes);
    out = createWriteStream(paths.data, { flags: bytes > 0 ? 'a' : 'w' });
    const write = async (text: string): Promise<void> => {
      if (text === '') return;
      const chunk = Buffer.from(text, 'utf8');
      hash.update(chunk);
      bytes += chunk.length;
      await writeChunk(out!, chunk);
    };
    if (bytes === 0) await write(fileHead(job.format, columns));
    if (resuming) log.info({ rows, bytes, kindIndex, cursor }, 'export resumed from its last page');

    for (; kindIndex < kinds.length; kindIndex++, cursor = '') {
      const kind = kinds[kindIndex];
      const scope = new Release(policy, subject, job.purpose).graphScope();
      const fetchPage = (after: string) => {
        const p = entitiesForExport(deps.stores.graph, { kind, dataset, districts, streets }, after, PAGE_ROWS, scope);
        p.catch(() => undefined); // awaited below, or dropped when the job stops
        return p;
      };
      let next = fetchPage(cursor);
      for (;;) {
        const page = await next;
        if (page.length === 0) break;
        const more = page.length === PAGE_ROWS;
        // The next page is read from Neo4j while this one is released and written.
        if (more) next = fetchPage(page[page.length - 1].code);
        const release = new Release(policy, subject, job.purpose);
        const geometry = job.format === 'GEOJSON' ? new Map((await featuresByCodes(deps.stores.sql, page.map((p) => p.code))).map((f) => [f.cityCode, f.geometry])) : null;
        const fileRows: FileRow[] = [];
        for (const record of page) {
          const row = releasedRow(release, kind, record);
          if (!row) continue;
          const values: Record<string, unknown> = {};
          for (const c of columns) if (c in row.values) values[c] = row.values[c];
          const r: FileRow = { code: row.code, kind, values };
          if (geometry) {
            const key = `${kind}.geometry`;
            const g = geometry.get(record.code) ?? null;
            r.geometry = g === null || release.decide(key, regionOf(record.props)).effect === 'DENY' ? null : release.release(key, { code: record.code, props: record.props }, g);
          }
          fileRows.push(r);
        }
        await write(encodeRows(job.format, columns, fileRows, rows === 0));
        rows += fileRows.length;
        cursor = page[page.length - 1].code;
        if (options.interruptAfterRows !== undefined && rows >= options.interruptAfterRows) throw new ExportInterrupted(`interrupted after ${rows} rows`);
        for (const entry of release.auditEntries(operation)) {
          grants.add(entry.policy);
          deps.audit?.record(entry);
        }
        await recordProgress(deps.stores.sql, job.id, { kindIndex, cursor, rows, bytes, grants: [...grants].sort() }, LEASE_MS);
        if (!more) break;
        if (THROTTLE_MS > 0) await new Promise((resolve) => setTimeout(resolve, THROTTLE_MS));
      }
    }
    await write(fileTail(job.format));
    await new Promise<void>((resolve, reject) => out!.end((err?: Error | null) => (err ? reject(err) : resolve())));
    out = null;
    const sha256 = hash.digest('hex');
    const manifest: SignedManifest = signManifest(
      {
        format: 'citycode-manifest/1',
        source: { kind: 'EXPORT', id: job.id },
        file: { name: paths.data.split('/').pop()!, encoding: job.format, rows, bytes, sha256 },
        requester: { department: job.department, username: job.requester },
        purpose: job.purpose,
        policy: { version: job.policyVersion, grants: [...grants].sort() },
        selection: { ...job.source, columns },
        createdAt: new Date().toISOString(),
      },
      deps.key,
    );
    writeFileSync(paths.manifest, JSON.stringify(manifest, null, 2) + '\n');
    const done = await finishJob(deps.stores.sql, job.id, { rows, bytes, sha256, grants: [...grants].sort() });
    deps.audit?.record({
      subject,
      purpose: job.purpose,
      operationHash: operation.hash,
      operationName: 'exportDone',
      entityCodes: [],
      fields: columns.map((c) => `${kinds[0]}.${c}`),
      decision: 'GOVERNANCE',
      policy: `export:${job.id}@${job.policyVersion}`,
      detail: { export: job.id, rows, sha256, format: job.format, source: job.source.kind, grants: [...grants].sort() },
    });
    log.info({ rows, bytes }, 'export done');
    return done;
  } catch (err) {
    if (out) await new Promise<void>((resolve) => out!.end(() => resolve()));
    if (err instanceof ExportInterrupted) throw err;
    await failJob(deps.stores.sql, job.id, err instanceof Error ? err.message : String(err));
    log.warn({ err }, 'export failed; resumeExport continues it from its last page');
    throw err;
  }
}

/**
 * Runs jobs in the background of this process, one at a time, and every `sweepMs` takes over jobs
 * whose process died (their lease ran out): an interrupted export ends on its own.
 */
export class ExportRunner {
  private readonly queue: string[] = [];
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: ExportDeps,
    private readonly sweepMs: number,
  ) {}

  start(): void {
    if (this.sweepMs > 0) {
      this.timer = setInterval(() => void this.sweep(), this.sweepMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.queue.length = 0;
    await this.running;
  }

  /** Queues a job; resolves when the queue is idle again (tests wait on it). */
  enqueue(id: string): Promise<void> {
    if (!this.queue.includes(id)) this.queue.push(id);
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id; id = this.queue.shift()) {
      await runExport(this.deps, id).catch((err) => logger.warn({ err, export: id }, 'export stopped'));
    }
  }

  async sweep(): Promise<void> {
    const orphans = await orphanedJobs(this.deps.stores.sql, 5).catch(() => []);
    for (const id of orphans) void this.enqueue(id);
  }
}

/** A file checked against its manifest: the signature, and the rows and sha256 the file really has. */
export interface ExportCheck {
  manifest: SignedManifest;
  signature: 'VALID' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE';
  rows: number;
  sha256: string;
  /** Everything holds: a valid signature of a trusted key, the manifest's row count and sha256. */
  ok: boolean;
  problems: string[];
}

/**
 * Checks an export (or return-flow delivery) against its manifest: the manifest's signature with
 * the trusted platform keys, and the file's sha256 and row count, read in one pass.
 */
export async function checkExport(manifestPath: string, trusted: readonly KeyObject[], dataPath?: string): Promise<ExportCheck> {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as SignedManifest;
  const data = dataPath ?? join(dirname(manifestPath), manifest.file.name);
  const signature = checkManifest(manifest, trusted);
  const hash = createHash('sha256');
  const input = createReadStream(data);
  input.on('data', (chunk) => hash.update(chunk as Buffer));
  let rows = 0;
  for await (const row of decodeRows(manifest.file.encoding, input)) {
    void row;
    rows++;
  }
  const sha256 = hash.digest('hex');
  const problems = [
    ...(signature === 'VALID' ? [] : [`signature ${signature}`]),
    ...(rows === manifest.file.rows ? [] : [`the file has ${rows} rows, the manifest says ${manifest.file.rows}`]),
    ...(sha256 === manifest.file.sha256 ? [] : [`the file's sha256 is ${sha256}, the manifest says ${manifest.file.sha256}`]),
  ];
  return { manifest, signature, rows, sha256, ok: problems.length === 0, problems };
}
