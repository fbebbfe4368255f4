import { appendFileSync } from 'node:fs';
import neo4j, { Driver, ManagedTransaction, Notification, RecordShape } from 'neo4j-driver';
import type { Config } from '../core/config';
import { isNeo4jTimeout, isNeo4jUnavailable, timedOut, unavailable } from '../core/errors';
import { logger } from '../core/logger';

/**
 * CITYCODE_CYPHER_CAPTURE=<file>: every distinct read statement this process runs is appended
 * there once, with the parameters of its first run (bench/scale.ts PROFILEs them). Off by default.
 */
const CAPTURE = process.env.CITYCODE_CYPHER_CAPTURE;
const captured = new Set<string>();

export function capture(cypher: string, params: Record<string, unknown>): void {
  if (!CAPTURE || captured.has(cypher) || captured.size >= 500) return;
  captured.add(cypher);
  // Integers as {$int}, so the reader can send them back as integers (not maps of low/high).
  appendFileSync(CAPTURE, JSON.stringify({ cypher, params }, (_k, v: unknown) => (neo4j.isInt(v) ? { $int: v.toString() } : v)) + '\n');
}

/**
 * The only door to Neo4j. Reads go through executeRead and writes through executeWrite, so a
 * neo4j:// routing URI sends them to the right cluster members; every statement is parameterised.
 */
export class GraphStore {
  readonly driver: Driver;
  /**
   * Statements sent to Neo4j by this process (tests use it to prove batching), and the
   * notifications (deprecations, performance warnings) Neo4j answered them with: each one costs
   * bytes on every answer, so a statement that draws one is logged once and tests expect none.
   */
  readonly stats = { roundTrips: 0, notifications: 0 };
  /** Sessions open now (each holds one pooled connection while it runs): the pool use metric. */
  inUse = 0;
  readonly maxPoolSize = 200;
  private readonly noted = new Set<string>();
  private readonly database?: string;
  /** Every transaction's deadline, enforced by Neo4j (Neo.ClientError.Transaction.TransactionTimedOut). */
  private readonly txConfig: { timeout?: number };

  constructor(config: Config['neo4j']) {
    this.database = config.database;
    this.txConfig = config.timeoutMs > 0 ? { timeout: config.timeoutMs } : {};
    this.driver = neo4j.driver(config.uri, neo4j.auth.basic(config.user, config.password), {
      // Fail fast when the database is down instead of hanging a request: the API answers
      // UNAVAILABLE and the driver reconnects on its own when Neo4j is back.
      connectionTimeout: 3000,
      connectionAcquisitionTimeout: 5000,
      maxTransactionRetryTime: 2000,
      maxConnectionPoolSize: this.maxPoolSize,
      disableLosslessIntegers: true,
    });
  }

  async read<T extends RecordShape = RecordShape>(cypher: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const used = usedParams(cypher, params);
    if (CAPTURE) capture(cypher, used);
    return this.run('READ', (tx) => tx.run<T>(cypher, used));
  }

  async write<T extends RecordShape = RecordShape>(cypher: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const used = usedParams(cypher, params);
    return this.run('WRITE', (tx) => tx.run<T>(cypher, used));
  }

  /** Runs several statements in one write transaction: all of them or none. */
  async writeTransaction<R>(work: (tx: ManagedTransaction) => Promise<R>): Promise<R> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
    this.inUse++;
    try {
      return await session.executeWrite(work, this.txConfig);
    } catch (err) {
      throw translate(err);
    } finally {
      this.inUse--;
      await session.close();
    }
  }

  /** A schema statement (constraint, index) in an auto-commit transaction of its own. */
  async runSchema(cypher: string): Promise<void> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
    try {
      await session.run(cypher);
    } catch (err) {
      throw translate(err);
    } finally {
      await session.close();
    }
  }

  private note(notifications: Notification[]): void {
    this.stats.notifications += notifications.length;
    for (const n of notifications) {
      const key = `${n.code} ${n.description}`;
      if (this.noted.has(key) || this.noted.size >= 500) continue;
      this.noted.add(key);
      logger.warn({ code: n.code, description: n.description, position: n.position }, 'Neo4j notification on a statement (logged once)');
    }
  }

  /** Resolves when Neo4j answers a trivial read within timeoutMs. */
  async ping(timeoutMs: number): Promise<void> {
    await withTimeout(this.read('RETURN 1 AS ok'), timeoutMs, 'Neo4j');
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  private async run<T extends RecordShape>(
    mode: 'READ' | 'WRITE',
    work: (tx: ManagedTransaction) => Promise<{ records: { toObject(): T }[]; summary: { notifications: Notification[] } }>,
  ): Promise<T[]> {
    this.stats.roundTrips++;
    const session = this.driver.session({
      database: this.database,
      defaultAccessMode: mode === 'READ' ? neo4j.session.READ : neo4j.session.WRITE,
    });
    this.inUse++;
    try {
      const result = mode === 'READ' ? await session.executeRead(work, this.txConfig) : await session.executeWrite(work, this.txConfig);
      if (result.summary.notifications.length) this.note(result.summary.notifications);
      return result.records.map((r) => r.toObject());
    } catch (err) {
      throw translate(err);
    } finally {
      this.inUse--;
      await session.close();
    }
  }
}

/**
 * The parameters `cypher` refers to: a statement whose row-scope predicate folded to true/false
 * (graph/scope.ts) no longer reads `$scope`, and an unused map only costs packing and bytes.
 */
export function usedParams(cypher: string, params: Record<string, unknown>): Record<string, unknown> {
  let used: Record<string, unknown> | null = null;
  for (const key of Object.keys(params)) {
    if (cypher.includes(`$${key}`)) continue;
    used ??= { ...params };
    delete used[key];
  }
  return used ?? params;
}

function translate(err: unknown): unknown {
  if (isNeo4jTimeout(err)) return timedOut('Neo4j');
  return isNeo4jUnavailable(err) ? unavailable('Neo4j', err) : err;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
