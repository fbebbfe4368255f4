import { Pool, PoolClient, QueryResultRow } from 'pg';
import type { Config } from '../core/config';
import { isPostgresUnavailable, unavailable } from '../core/errors';
import { withTimeout } from './neo4j';

/** The PostgreSQL connection pool: parameterised SQL only, errors translated to UNAVAILABLE. */
export class SqlStore {
  readonly pool: Pool;
  /** Statements sent to PostgreSQL through query(); tests use it to prove batching. */
  readonly stats = { roundTrips: 0 };

  constructor(config: Config['postgres']) {
    this.pool = new Pool({
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      database: config.database,
      max: config.poolSize,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30000,
      application_name: 'citycode',
    });
    // An idle client losing its connection must not crash the process.
    this.pool.on('error', () => undefined);
  }

  async query<T extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    this.stats.roundTrips++;
    try {
      const result = await this.pool.query<T>(sql, params);
      return result.rows;
    } catch (err) {
      throw isPostgresUnavailable(err) ? unavailable('PostgreSQL', err) : err;
    }
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
      throw err;
    } finally {
      client.release();
    }
  }

  async ping(timeoutMs: number): Promise<void> {
    await withTimeout(this.query('SELECT 1'), timeoutMs, 'PostgreSQL');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
