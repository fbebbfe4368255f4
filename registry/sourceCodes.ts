/**
 * City codes for the new entities of ingested source records: deterministic per record. The
 * first time (dataset, record key) needs a code, it is issued (issueCityCodesWith) and recorded
 * in source_record_code in the same PostgreSQL transaction; every later call for that record,
 * e.g. the re-run of a killed ingest, gets the same code back and issues nothing.
 */
import type { SqlStore } from '../store/postgres';
import { issueCityCodesWith, MAX_ISSUE_COUNT } from './issuing';

export interface CodeRequest {
  recordKey: string;
  division: string;
  classCode: string;
}

/** Codes for the records of one dataset (record key → code), issuing only for records without one. */
export async function codesForSourceRecords(sql: SqlStore, dataset: string, requests: readonly CodeRequest[]): Promise<Map<string, string>> {
  return (await sourceRecordCodes(sql, dataset, requests)).codes;
}

export interface SourceRecordCodes {
  /** Record key → code. */
  codes: Map<string, string>;
  /**
   * Codes issued by this call: nothing anywhere holds them yet (an entity with such a code cannot
   * exist), unlike codes found in source_record_code, which a committed batch may already use.
   */
  issued: Set<string>;
}

/** As codesForSourceRecords, also saying which codes were issued just now. */
export async function sourceRecordCodes(sql: SqlStore, dataset: string, requests: readonly CodeRequest[]): Promise<SourceRecordCodes> {
  const out = new Map<string, string>();
  const issued = new Set<string>();
  if (requests.length === 0) return { codes: out, issued };
  const codes = await sql.transaction(async (client) => {
    issued.clear();
    await client.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    const keys = requests.map((r) => r.recordKey);
    const found = await client.query<{ record_key: string; code: string }>(
      'SELECT record_key, code FROM source_record_code WHERE dataset = $1 AND record_key = ANY($2::text[])',
      [dataset, keys],
    );
    for (const row of found.rows) out.set(row.record_key, row.code);
    const missing = requests.filter((r) => !out.has(r.recordKey));
    const groups = new Map<string, CodeRequest[]>();
    for (const r of missing) {
      const k = `${r.division}/${r.classCode}`;
      const group = groups.get(k);
      if (group) group.push(r);
      else groups.set(k, [r]);
    }
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += MAX_ISSUE_COUNT) {
        const slice = group.slice(i, i + MAX_ISSUE_COUNT);
        const codes = await issueCityCodesWith(client, { division: slice[0].division, classCode: slice[0].classCode, count: slice.length });
        await client.query(
          `INSERT INTO source_record_code (dataset, record_key, code) SELECT $1, t.k, t.c FROM unnest($2::text[], $3::text[]) AS t(k, c)`,
          [dataset, slice.map((r) => r.recordKey), codes],
        );
        slice.forEach((r, j) => out.set(r.recordKey, codes[j]));
        for (const c of codes) issued.add(c);
      }
    }
    return out;
  });
  return { codes, issued };
}
