/**
 * 数据回流: a district's scheduled deliveries of its own rows of a domain, as its grants allow.
 *
 * A flow runs as the district department (the claims of the steward who created it: department,
 * clearance, district scope) for a declared purpose, under the policy in force at each run. Its
 * first delivery is a snapshot of the district's rows of the domain; each later one carries the
 * entities changed since the flow's cursor (the change outbox, sharing/changes.ts) that lie in the
 * district. Every value passes the gate (exchange/rows.ts): rows outside the department's row scope
 * are left out, denied attributes left out, masked ones masked; the reads go to the audit chain.
 * A delivery is written as an NDJSON file with a signed manifest, and for a SUBGRAPH target also
 * pushed to the district subgraph's return-flow endpoint as the platform's service account. A
 * failed delivery leaves the cursor where it was: it is retried (30 s, 2 min, 8 min) and then left
 * to the next scheduled run, which carries everything since — nothing is lost.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import type { AuditSigningKey } from '../audit/keys';
import { badInput, CityCodeError } from '../core/errors';
import { logger } from '../core/logger';
import type { ServiceToken } from '../core/serviceToken';
import { LEVELS, type Level, type Subject } from '../core/subject';
import { KINDS, KIND_NAMES, type KindName } from '../domain/model';
import { entitiesByCodes, entitiesInDistrict } from '../graph/entities';
import { grantsFor } from '../policy/engine';
import type { Domain, Policy } from '../policy/model';
import { Release, type AuditEntry } from '../policy/release';
import { STEWARD_ROLE } from '../policy/roles';
import { changesAfter, outboxBounds } from '../sharing/changes';
import {
  claimDueFlows,
  claimFlow,
  deliveryFailed,
  deliverySucceeded,
  insertFlow,
  releaseClaim,
  startDelivery,
  type Delivery,
  type DeliveryTrigger,
  type FlowSubject,
  type FlowTarget,
  type ReturnFlow,
} from '../sharing/returnFlows';
import type { Stores } from '../store/stores';
import { signManifest, type SignedManifest } from './manifest';
import { releasedRow } from './rows';
import { DEFAULT_TIMEZONE, MAX_ATTEMPTS, nextRun, parseSchedule, retryDelayMs } from './schedule';

export interface ReturnFlowDeps {
  stores: Stores;
  policy: () => Policy;
  audit: { record(entry: AuditEntry): void } | null;
  /** District code → its subgraph's return-flow endpoint. */
  districtEndpoints: Readonly<Record<string, { subgraph: string; url: string }>>;
  serviceToken: ServiceToken;
  /** Where delivery files are written (a folder per flow). */
  dir: string;
  key: AuditSigningKey;
}

export interface NewFlowInput {
  /** The district; default: the caller's district department's. The committee names it. */
  districtCode: string | null;
  domain: string;
  cron: string;
  timezone: string | null;
  purpose: string;
  target: FlowTarget;
  /** Start with a snapshot of the district's rows (default), or only with changes from now. */
  snapshot: boolean;
}

const PAGE = 1000;
const LEASE_MS = 10 * 60_000;
const PUSH_TIMEOUT_MS = 60_000;

export const ROW_DOMAINS: readonly string[] = [...new Set(KIND_NAMES.map((k) => KINDS[k].rowDomain))];
const kindsOf = (domain: string): KindName[] => KIND_NAMES.filter((k) => KINDS[k].rowDomain === domain);

/** The subject a flow's deliveries are released as. */
export function flowSubject(flow: Pick<ReturnFlow, 'id' | 'subject'>): Subject {
  return {
    id: `return-flow:${flow.id}`,
    username: `return-flow:${flow.id}`,
    department: flow.subject.department,
    departmentName: flow.subject.departmentName,
    clearance: (LEVELS as readonly string[]).includes(flow.subject.clearance) ? (flow.subject.clearance as Level) : 'L1',
    districtScope: flow.subject.districtScope,
    roles: [],
    serviceAccount: true,
    anonymous: false,
  };
}

/** Creates a flow after checking everything it will need; bad input stores nothing. */
export async function createReturnFlow(deps: ReturnFlowDeps, caller: Subject, input: NewFlowInput, now = new Date()): Promise<ReturnFlow> {
  const policy = deps.policy();
  if (caller.anonymous || !caller.roles.includes(STEWARD_ROLE) || !caller.department) {
    throw new CityCodeError('FORBIDDEN', 'Return flows are set up by a data steward of a district', 'Sign in as your district government’s data steward (数据管家).');
  }
  const department = policy.departments.get(caller.department);
  const isCommittee = caller.department === 'SZ-ZSJ';
  if (!department || (department.layer !== 'DISTRICT' && !isCommittee)) {
    throw new CityCodeError('FORBIDDEN', `${caller.department} is not a district government`, 'Data flows back to districts: a district government’s steward sets up its flows.');
  }
  const districtCode = input.districtCode ?? department.districtCode ?? null;
  if (!districtCode || !/^\d{6}$/.test(districtCode)) throw badInput('name the district (6-digit code)', 'Pass district, e.g. 440304 for 福田区.', { argument: 'district' });
  if (!isCommittee && districtCode !== department.districtCode) {
    throw badInput(`${caller.department} may set up flows for its own district ${department.districtCode} only`, 'Omit district, or name your own.', { argument: 'district' });
  }
  const flowDepartment = isCommittee ? [...policy.departments.values()].find((d) => d.layer === 'DISTRICT' && d.districtCode === districtCode) : department;
  if (!flowDepartment) throw badInput(`no district government of ${districtCode} in the policy`, 'Name a district with a government department (docs/permissions.md).', { argument: 'district' });
  if (!ROW_DOMAINS.includes(input.domain)) throw badInput(`domain ${input.domain.slice(0, 40)} has no rows`, `Use one of ${ROW_DOMAINS.join(', ')}.`, { argument: 'domain' });
  if (!policy.purposes.has(input.purpose)) throw badInput(`purpose ${input.purpose.slice(0, 40)} is not a purpose of the policy`, 'Use a purpose code of the policy, e.g. GRID_GOVERNANCE.', { argument: 'purpose' });
  const schedule = parseSchedule(input.cron, input.timezone ?? DEFAULT_TIMEZONE);
  if (input.target === 'SUBGRAPH' && !deps.districtEndpoints[districtCode]) {
    throw badInput(`district ${districtCode} has no subgraph endpoint to push to`, 'Use target FILE, or register the district’s subgraph (docs/federation.md).', { argument: 'target' });
  }
  const subject: FlowSubject = {
    department: flowDepartment.code,
    departmentName: flowDepartment.name,
    clearance: isCommittee ? 'L4' : caller.clearance,
    districtScope: isCommittee ? [districtCode] : caller.districtScope,
  };
  // Fail closed now rather than deliver public data only: the department's own grants in force must
  // give rows of the domain in the district for the purpose.
  if (grantsFor(policy, flowSubject({ id: 'rf-new', subject }), input.domain as Domain, { districtCode, streetCode: null }, input.purpose, now).length === 0) {
    throw new CityCodeError('FORBIDDEN', `${flowDepartment.code}'s grants give no ${input.domain} rows of ${districtCode} for ${input.purpose}`, 'Ask for the data first (requestAccess), or choose the purpose your grants name.', {
      argument: 'domain',
    });
  }
  const { lastId } = await outboxBounds(deps.stores.sql);
  return insertFlow(deps.stores.sql, {
    department: flowDepartment.code,
    districtCode,
    domain: input.domain,
    cron: schedule.cron,
    timezone: schedule.timezone,
    purpose: input.purpose,
    target: input.target,
    subject,
    createdBy: caller.username,
    snapshotDone: !input.snapshot,
    cursor: lastId,
    nextRunAt: schedule.nextAfter(now),
  });
}

interface Written {
  rows: number;
  bytes: number;
  sha256: string;
  path: string;
  grants: Set<string>;
}

/** One delivery of a claimed flow: written, signed, pushed, recorded; the flow's cursor and schedule moved. */
export async function runDelivery(deps: ReturnFlowDeps, flow: ReturnFlow, trigger: DeliveryTrigger): Promise<Delivery['status']> {
  const attempt = flow.attempt + 1;
  const snapshot = !flow.snapshotDone;
  const deliveryId = await startDelivery(deps.stores.sql, flow, trigger, attempt, snapshot);
  const log = logger.child({ returnFlow: flow.id, delivery: deliveryId });
  try {
    const { lastId: throughId } = await outboxBounds(deps.stores.sql);
    const written = await writeDelivery(deps, flow, deliveryId, snapshot, throughId);
    const manifest = signManifest(
      {
        format: 'citycode-manifest/1',
        source: { kind: 'RETURN_FLOW', id: `${flow.id}/${deliveryId}` },
        file: { name: `${deliveryId}.ndjson`, encoding: 'NDJSON', rows: written.rows, bytes: written.bytes, sha256: written.sha256 },
        requester: { department: flow.department, username: flow.createdBy },
        purpose: flow.purpose,
        policy: { version: deps.policy().version, grants: [...written.grants].sort() },
        selection: { flow: flow.id, district: flow.districtCode, domain: flow.domain, snapshot, fromCursor: flow.cursor, toCursor: throughId },
        createdAt: new Date().toISOString(),
      },
      deps.key,
    );
    writeFileSync(join(deps.dir, flow.id, `${deliveryId}.manifest.json`), JSON.stringify(manifest, null, 2) + '\n');
    let location = written.path;
    if (flow.target === 'SUBGRAPH') location = await push(deps, flow, written, manifest);
    await deliverySucceeded(deps.stores.sql, flow.id, deliveryId, {
      toCursor: throughId,
      rows: written.rows,
      bytes: written.bytes,
      sha256: written.sha256,
      location,
      snapshotDone: true,
      nextRunAt: nextRun(flow.cron, flow.timezone, new Date()),
    });
    log.info({ rows: written.rows, snapshot, target: flow.target }, 'return-flow delivery done');
    return 'SUCCEEDED';
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const retry = attempt < MAX_ATTEMPTS;
    await deliveryFailed(deps.stores.sql, flow.id, deliveryId, {
      error: message,
      // After the last attempt the next scheduled run starts afresh (and carries everything since the cursor).
      attempt: retry ? attempt : 0,
      status: retry ? 'RETRYING' : 'FAILED',
      nextRunAt: retry ? new Date(Date.now() + retryDelayMs(attempt)) : nextRun(flow.cron, flow.timezone, new Date()),
    });
    log.warn({ err, attempt, retry }, 'return-flow delivery failed');
    return 'FAILED';
  }
}

/** Writes the delivery's rows (snapshot or changes since the cursor) as NDJSON; audits the reads page by page. */
async function writeDelivery(deps: ReturnFlowDeps, flow: ReturnFlow, deliveryId: string, snapshot: boolean, throughId: number): Promise<Written> {
  const policy = deps.policy();
  const subject = flowSubject(flow);
  if (!policy.departments.has(subject.department!)) throw new Error(`department ${subject.department} is no longer in the policy: nothing is delivered`);
  const folder = join(deps.dir, flow.id);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${deliveryId}.ndjson`);
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  const hash = createHash('sha256');
  const written: Written = { rows: 0, bytes: 0, sha256: '', path, grants: new Set() };
  const operation = { hash: createHash('sha256').update(`return-flow|${flow.id}|${deliveryId}`).digest('hex'), name: `returnFlow ${flow.id}` };
  const emit = async (line: string): Promise<void> => {
    const bytes = Buffer.from(line + '\n', 'utf8');
    hash.update(bytes);
    written.bytes += bytes.length;
    written.rows++;
    if (!out.write(bytes)) await once(out, 'drain');
  };
  /** One page: rows released by a fresh release (its audit entries stay one page big). */
  const page = async (records: { kind: KindName; code: string; props: Record<string, unknown>; event: number | null }[]): Promise<void> => {
    const release = new Release(policy, subject, flow.purpose);
    for (const r of records) {
      if (r.props.districtCode !== flow.districtCode) continue;
      const row = releasedRow(release, r.kind, r);
      if (row) await emit(JSON.stringify({ ...row, event: r.event }));
    }
    for (const entry of release.auditEntries(operation)) {
      written.grants.add(entry.policy);
      deps.audit?.record(entry);
    }
  };
  try {
    const scopeRelease = new Release(policy, subject, flow.purpose);
    if (snapshot) {
      for (const kind of kindsOf(flow.domain)) {
        let after = '';
        for (;;) {
          const records = await entitiesInDistrict(deps.stores.graph, kind, flow.districtCode, after, PAGE, scopeRelease.graphScope());
          if (records.length === 0) break;
          await page(records.map((r) => ({ kind, code: r.code, props: r.props, event: null })));
          after = records[records.length - 1].code;
          if (records.length < PAGE) break;
        }
      }
    } else {
      let from = flow.cursor;
      for (;;) {
        const changes = await changesAfter(deps.stores.sql, from, { limit: PAGE, throughId, filter: { domain: flow.domain, region: flow.districtCode } });
        if (changes.length === 0) break;
        // The latest change of each entity in the page; its current values are delivered.
        const last = new Map<string, number>();
        for (const c of changes) last.set(c.code, c.id);
        const records = await entitiesByCodes(deps.stores.graph, [...last.keys()], scopeRelease.graphScope());
        const kindOf = new Map(changes.map((c) => [c.code, c.kind as KindName]));
        await page(records.filter((r) => kindOf.has(r.code)).map((r) => ({ kind: kindOf.get(r.code)!, code: r.code, props: r.props, event: last.get(r.code)! })));
        from = changes[changes.length - 1].id;
        if (changes.length < PAGE) break;
      }
    }
    out.end();
    await once(out, 'finish');
    renameSync(partial, path);
  } catch (err) {
    out.destroy();
    throw err;
  }
  written.sha256 = hash.digest('hex');
  return written;
}

/** Pushes a written delivery to the district subgraph's endpoint; returns where it went. */
async function push(deps: ReturnFlowDeps, flow: ReturnFlow, written: Written, manifest: SignedManifest): Promise<string> {
  const endpoint = deps.districtEndpoints[flow.districtCode];
  if (!endpoint) throw new Error(`district ${flow.districtCode} has no subgraph endpoint`);
  const token = await deps.serviceToken();
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/x-ndjson',
      'content-length': String(statSync(written.path).size),
      'x-citycode-manifest': Buffer.from(JSON.stringify(manifest), 'utf8').toString('base64'),
      'x-request-id': randomUUID(),
    },
    body: Readable.toWeb(createReadStream(written.path)) as unknown as RequestInit['body'],
    duplex: 'half',
    signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
  } as RequestInit & { duplex: 'half' });
  const text = await response.text();
  if (!response.ok) throw new Error(`${endpoint.subgraph} refused the delivery (HTTP ${response.status}): ${text.slice(0, 300)}`);
  const answer = JSON.parse(text) as { received?: number };
  if (answer.received !== written.rows) throw new Error(`${endpoint.subgraph} received ${answer.received} rows of ${written.rows}`);
  return `${endpoint.url}#${manifest.source.id}`;
}

/** Runs a flow now (a steward's request); null when another process is running it. */
export async function runFlowNow(deps: ReturnFlowDeps, id: string): Promise<Delivery['status'] | null> {
  const flow = await claimFlow(deps.stores.sql, id, LEASE_MS);
  if (!flow) return null;
  return runDelivery(deps, flow, 'MANUAL');
}

/**
 * Runs due flows every `tickMs` in this process (one process per flow at a time: a lease taken with
 * SKIP LOCKED). Deliveries of different flows run one after the other.
 */
export class ReturnFlowScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly deps: ReturnFlowDeps,
    private readonly tickMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round: claims the due flows and delivers them. */
  tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        const due = await claimDueFlows(this.deps.stores.sql, 5, LEASE_MS);
        for (const flow of due) {
          if (!flow.enabled) {
            await releaseClaim(this.deps.stores.sql, flow.id);
            continue;
          }
          await runDelivery(this.deps, flow, flow.attempt > 0 ? 'RETRY' : 'SCHEDULE');
        }
      } catch (err) {
        logger.warn({ err }, 'return-flow scheduler round failed; next round retries');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
