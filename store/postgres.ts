import { Pool, PoolClient, QueryResultRow } from 'pg';
import type { Config } from '../core/config';
import { isPostgresTimeout, isPostgresUnavailable, timedOut, unavailable } from '../core/errors';
import { withTimeout } from './neo4j';

/** The PostgreSQL connection pool: parameterised SQL only, errors translated to UNAVAILABLE. */
export class SqlStore {
  readonly pool: Pool;
  /**
   * Where read-only searches go (readQuery): a replica's pool when PG_READ_HOST is set, else the
   * primary's. A replica lags its primary by its replay delay, so only reads that may see a
   * slightly older state use it (spatial searches, geometry); writes and read-after-write stay
   * on the primary.
   */
  readonly readPool: Pool;
  /** Statements sent to PostgreSQL through query(); tests use it to prove batching. */
  readonly stats = { roundTrips: 0 };

  constructor(config: Config['postgres']) {
    this.pool = SqlStore.pool(config, config.host, config.port);
    this.readPool = config.readHost ? SqlStore.pool(config, config.readHost, config.readPort ?? config.port) : this.pool;
  }

  private static pool(config: Config['postgres'], host: string, port: number): Pool {
    const pool = new Pool({
      host,
      port,
      user: config.user,
      password: config.password,
      database: config.database,
      max: config.poolSize,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30000,
      application_name: 'citycode',
      // Every statement has a deadline: the server cancels it (statement_timeout, SQLSTATE 57014)
      // and the client gives up a little later should the server not answer at all.
      ...(config.statementTimeoutMs > 0 ? { statement_timeout: config.statementTimeoutMs, query_timeout: config.statementTimeoutMs + 2000 } : {}),
    });
    // An idle client losing its connection must not crash the process.
    pool.on('error', () => undefined);
    return pool;
  }

  /** A read-only statement on the read pool (a replica when configured). */
  async readQuery<T extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.run<T>(this.readPool, sql, params);
  }

  private async run<T extends QueryResultRow>(pool: Pool, sql: string, params: unknown[]): Promise<T[]> {
    this.stats.roundTrips++;
    try {
      const result = await pool.query<T>(sql, params);
      return result.rows;
    } catch (err) {
      throw translate(err);
    }
  }

  async query<T extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.run<T>(this.pool, sql, params);
  }

  /** Runs work inside BEGIN/COMMIT; any error rolls everything back. */
  async transaction<R>(work: (client: PoolClient) => Promise<R>): Promise<R> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw isPostgresUnavailable(err) ? unavailable('PostgreSQL', err) : err;
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw translate(err);
    } finally {
      client.release();
    }
  }

  /**
   * LISTENs on `channel` on a connection of its own, re-established (after 1 s) when it is lost:
   * `onNotify` gets each payload; `onConnected` runs after every (re)connection, when notifications
   * sent while the connection was down may have been missed (the caller catches up then).
   * Returns a function that stops listening.
   */
  async listen(channel: string, onNotify: (payload: string) => void, onConnected: () => void = () => undefined): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    let stopped = false;
    let client: PoolClient | null = null;
    let retry: NodeJS.Timeout | undefined;
    const reconnectLater = (): void => {
      client?.release(true);
      client = null;
      if (!stopped) retry = setTimeout(() => void connect(), 1000).unref();
    };
    const connect = async (): Promise<void> => {
      if (stopped) return;
      try {
        const c = await this.pool.connect();
        client = c;
        c.on('notification', (m) => {
          if (m.channel === channel) onNotify(m.payload ?? '');
        });
        c.on('error', reconnectLater);
        await c.query(`LISTEN ${channel}`);
        onConnected();
      } catch {
        reconnectLater();
      }
    };
    await connect();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      if (c) {
        await c.query(`UNLISTEN ${channel}`).catch(() => undefined);
        c.release();
      }
    };
  }

  async ping(timeoutMs: number): Promise<void> {
    await withTimeout(this.query('SELECT 1'), timeoutMs, 'PostgreSQL');
  }

  async close(): Promise<void> {
    await this.pool.end();
    if (this.readPool !== this.pool) await this.readPool.end();
  }
}

function translate(err: unknown): unknown {
  if (isPostgresTimeout(err)) return timedOut('PostgreSQL');
  return isPostgresUnavailable(err) ? unavailable('PostgreSQL', err) : err;
}
