import { Pool } from 'pg';
import { isPostgresUnavailable, unavailable } from '../../core/errors';
import type { FutianConfig } from './config';

/** Every SQL statement of the 福田 subgraph (schema `futian`), parameterised. */
export interface GridEventRow {
  id: string;
  title: string;
  category: string;
  status: string;
  handler: string | null;
  reportedAt: string;
  resolvedAt: string | null;
  gridCode: string;
  streetCode: string;
  buildingCode: string | null;
  personCode: string | null;
}

/** Which rows a request may see: all of the district, or some of its streets. */
export type StreetScope = 'ALL' | readonly string[];

export interface EventFilter {
  status: string | null;
  first: number;
  streets: StreetScope;
}

const COLUMNS = `id, title, category, status, handler,
  to_char(reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "reportedAt",
  to_char(resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "resolvedAt",
  grid_code AS "gridCode", street_code AS "streetCode", building_code AS "buildingCode", person_code AS "personCode"`;

/** `$all` / `$streets` parameters of the street predicate. */
function scopeParams(streets: StreetScope): [boolean, string[]] {
  return streets === 'ALL' ? [true, []] : [false, [...streets]];
}

export class FutianStore {
  readonly pool: Pool;

  constructor(config: FutianConfig['postgres']) {
    this.pool = new Pool({ ...config, max: config.poolSize, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30000, application_name: 'citycode-futian' });
    this.pool.on('error', () => undefined);
  }

  private async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    try {
      return (await this.pool.query(sql, params)).rows as T[];
    } catch (err) {
      throw isPostgresUnavailable(err) ? unavailable('PostgreSQL (futian)', err) : err;
    }
  }

  /** The newest `first` events per building (or person) code, in one statement for all codes. */
  async eventsByEntity(column: 'building_code' | 'person_code', codes: readonly string[], filter: EventFilter): Promise<Map<string, GridEventRow[]>> {
    const [all, streets] = scopeParams(filter.streets);
    const rows = await this.query<GridEventRow & { key: string }>(
      `SELECT ${COLUMNS}, key FROM (
         SELECT e.*, e.${column} AS key,
                row_number() OVER (PARTITION BY e.${column} ORDER BY e.reported_at DESC, e.id) AS rn
           FROM futian.grid_event e
          WHERE e.${column} = ANY($1::text[])
            AND ($2::text IS NULL OR e.status = $2)
            AND ($3::boolean OR e.street_code = ANY($4::text[]))
       ) ranked
       WHERE rn <= $5
       ORDER BY key, reported_at DESC, id`,
      [codes, filter.status, all, streets, filter.first],
    );
    const out = new Map<string, GridEventRow[]>();
    for (const { key, ...row } of rows) {
      const list = out.get(key) ?? [];
      list.push(row);
      out.set(key, list);
    }
    return out;
  }

  async recentEvents(filter: EventFilter): Promise<GridEventRow[]> {
    const [all, streets] = scopeParams(filter.streets);
    return this.query<GridEventRow>(
      `SELECT ${COLUMNS} FROM futian.grid_event e
        WHERE ($1::text IS NULL OR e.status = $1) AND ($2::boolean OR e.street_code = ANY($3::text[]))
        ORDER BY e.reported_at DESC, e.id LIMIT $4`,
      [filter.status, all, streets, filter.first],
    );
  }

  async eventById(id: string, streets: StreetScope): Promise<GridEventRow | null> {
    const [all, list] = scopeParams(streets);
    const rows = await this.query<GridEventRow>(
      `SELECT ${COLUMNS} FROM futian.grid_event e WHERE e.id = $1 AND ($2::boolean OR e.street_code = ANY($3::text[]))`,
      [id, all, list],
    );
    return rows[0] ?? null;
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1 FROM futian.grid_event LIMIT 1', []);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
