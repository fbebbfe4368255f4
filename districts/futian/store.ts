import { Pool, type PoolClient } from 'pg';
import { isPostgresUnavailable, unavailable } from '../../core/errors';
import type { FutianConfig } from './config';

/** Every SQL statement of a district subgraph (its schema: `futian` for 福田), parameterised. */
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

/** A row the city delivered (数据回流): an entity's code, kind and the values the district may have. */
export interface ReturnedRow {
  code: string;
  kind: string;
  values: Record<string, unknown>;
  event: number | null;
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

  /** The district's own schema (its slug, districts/platforms.ts): checked, then written into the statements. */
  readonly schema: string;

  constructor(config: FutianConfig['postgres'], schema = 'futian') {
    if (!/^[a-z]{2,30}$/.test(schema)) throw new Error(`district schema "${schema}" must be 2-30 lower-case letters`);
    this.schema = schema;
    this.pool = new Pool({ ...config, max: config.poolSize, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30000, application_name: `citycode-${schema}` });
    this.pool.on('error', () => undefined);
  }

  /** Runs work inside BEGIN/COMMIT on one connection; any error rolls everything back. */
  private async transaction<R>(work: (client: PoolClient) => Promise<R>): Promise<R> {
    const client = await this.pool.connect().catch((err: unknown) => {
      throw isPostgresUnavailable(err) ? unavailable(`PostgreSQL (${this.schema})`, err) : err;
    });
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

  private async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    try {
      return (await this.pool.query(sql, params)).rows as T[];
    } catch (err) {
      throw isPostgresUnavailable(err) ? unavailable(`PostgreSQL (${this.schema})`, err) : err;
    }
  }

  /** The newest `first` events per building (or person) code, in one statement for all codes. */
  async eventsByEntity(column: 'building_code' | 'person_code', codes: readonly string[], filter: EventFilter): Promise<Map<string, GridEventRow[]>> {
    const [all, streets] = scopeParams(filter.streets);
    const rows = await this.query<GridEventRow & { key: string }>(
      `SELECT ${COLUMNS}, key FROM (
         SELECT e.*, e.${column} AS key,
                row_number() OVER (PARTITION BY e.${column} ORDER BY e.reported_at DESC, e.id) AS rn
           FROM ${this.schema}.grid_event e
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
      `SELECT ${COLUMNS} FROM ${this.schema}.grid_event e
        WHERE ($1::text IS NULL OR e.status = $1) AND ($2::boolean OR e.street_code = ANY($3::text[]))
        ORDER BY e.reported_at DESC, e.id LIMIT $4`,
      [filter.status, all, streets, filter.first],
    );
  }

  async eventById(id: string, streets: StreetScope): Promise<GridEventRow | null> {
    const [all, list] = scopeParams(streets);
    const rows = await this.query<GridEventRow>(
      `SELECT ${COLUMNS} FROM ${this.schema}.grid_event e WHERE e.id = $1 AND ($2::boolean OR e.street_code = ANY($3::text[]))`,
      [id, all, list],
    );
    return rows[0] ?? null;
  }

  /**
   * Takes a return-flow delivery (数据回流) in one transaction: its rows upserted (a row keeps the
   * values of the latest change it was delivered for), its receipt recorded. A delivery already
   * received changes nothing and answers the rows it had.
   */
  async receiveDelivery(
    receipt: { delivery: string; flow: string; rows: number; sha256: string; domain: string },
    rows: AsyncIterable<ReturnedRow>,
    /** Called after the last row, before commit: throws when what arrived is not what the manifest says. */
    check: () => void,
  ): Promise<{ received: number; duplicate: boolean }> {
    return this.transaction(async (client) => {
      const taken = await client.query(
        `INSERT INTO ${this.schema}.return_flow_receipt (delivery, flow, rows, sha256) VALUES ($1, $2, $3, $4) ON CONFLICT (delivery) DO NOTHING RETURNING delivery`,
        [receipt.delivery, receipt.flow, receipt.rows, receipt.sha256],
      );
      // Received before: nothing to add (the transaction commits nothing).
      if (taken.rowCount === 0) return { received: receipt.rows, duplicate: true };
      let received = 0;
      let chunk: ReturnedRow[] = [];
      const flush = async (): Promise<void> => {
        if (chunk.length === 0) return;
        await client.query(
          `INSERT INTO ${this.schema}.returned_row (code, kind, domain, "values", event_id, delivery)
           SELECT r.code, r.kind, $2, r."values", r.event, $3 FROM jsonb_to_recordset($1::jsonb) AS r(code text, kind text, "values" jsonb, event bigint)
           ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, domain = EXCLUDED.domain, "values" = EXCLUDED."values", event_id = EXCLUDED.event_id,
             delivery = EXCLUDED.delivery, received_at = now()
           WHERE ${this.schema}.returned_row.event_id IS NULL OR EXCLUDED.event_id IS NULL OR EXCLUDED.event_id >= ${this.schema}.returned_row.event_id`,
          [JSON.stringify(chunk), receipt.domain, receipt.delivery],
        );
        received += chunk.length;
        chunk = [];
      };
      for await (const row of rows) {
        chunk.push(row);
        if (chunk.length >= 1000) await flush();
      }
      await flush();
      check();
      return { received, duplicate: false };
    });
  }

  /** The returned rows of some codes (tests, and the district's own apps). */
  async returnedRows(codes: readonly string[]): Promise<ReturnedRow[]> {
    return this.query<ReturnedRow>(`SELECT code, kind, "values", event_id AS event FROM ${this.schema}.returned_row WHERE code = ANY ($1) ORDER BY code`, [[...codes]]);
  }

  /** Stores an imported file's rows in file order, in one transaction (离线交换). */
  async importFile(
    file: { exportId: string; encoding: string; columns: readonly string[]; rows: number; sha256: string; manifest: unknown },
    rows: AsyncIterable<{ code: string; kind: string; values: Record<string, unknown>; geometry?: unknown }>,
  ): Promise<number> {
    return this.transaction(async (client) => {
      await client.query(`DELETE FROM ${this.schema}.imported_file WHERE export_id = $1`, [file.exportId]);
      await client.query(`INSERT INTO ${this.schema}.imported_file (export_id, encoding, columns, rows, sha256, manifest) VALUES ($1, $2, $3, $4, $5, $6)`, [
        file.exportId,
        file.encoding,
        [...file.columns],
        file.rows,
        file.sha256,
        JSON.stringify(file.manifest),
      ]);
      let seq = 0;
      let chunk: unknown[] = [];
      const flush = async (): Promise<void> => {
        if (chunk.length === 0) return;
        await client.query(
          `INSERT INTO ${this.schema}.imported_row (export_id, seq, code, kind, "values", geometry)
           SELECT $2, r.seq, r.code, r.kind, r."values", r.geometry FROM jsonb_to_recordset($1::jsonb) AS r(seq integer, code text, kind text, "values" jsonb, geometry jsonb)`,
          [JSON.stringify(chunk), file.exportId],
        );
        chunk = [];
      };
      for await (const r of rows) {
        chunk.push({ seq: seq++, code: r.code, kind: r.kind, values: r.values, geometry: r.geometry ?? null });
        if (chunk.length >= 1000) await flush();
      }
      await flush();
      return seq;
    });
  }

  /** An imported file's description. */
  async importedFile(exportId: string): Promise<{ encoding: string; columns: string[]; rows: number } | null> {
    const [row] = await this.query<{ encoding: string; columns: string[]; rows: number }>(`SELECT encoding, columns, rows FROM ${this.schema}.imported_file WHERE export_id = $1`, [exportId]);
    return row ?? null;
  }

  /** An imported file's rows in file order, a page at a time. */
  async *importedRows(exportId: string): AsyncGenerator<{ code: string; kind: string; values: Record<string, unknown>; geometry: unknown }> {
    for (let after = -1; ; ) {
      const page = await this.query<{ seq: number; code: string; kind: string; values: Record<string, unknown>; geometry: unknown }>(
        `SELECT seq, code, kind, "values", geometry FROM ${this.schema}.imported_row WHERE export_id = $1 AND seq > $2 ORDER BY seq LIMIT 1000`,
        [exportId, after],
      );
      for (const r of page) yield r;
      if (page.length < 1000) return;
      after = page[page.length - 1].seq;
    }
  }

  async ping(): Promise<void> {
    await this.query(`SELECT 1 FROM ${this.schema}.grid_event LIMIT 1`, []);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
