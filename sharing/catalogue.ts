/**
 * SQL of the catalogue (数据资源目录, migration 0008): the entries and their search.
 * Parameterised only; the search ranks an exact key first, then names that start with the text,
 * then names, synonyms and descriptions that contain it, then near misses by trigram similarity.
 */
import type { Level } from '../core/subject';
import type { SqlStore } from '../store/postgres';

export type CatalogueKind = 'KIND' | 'ATTRIBUTE' | 'DATASET';

export interface CatalogueQuality {
  completeness: number | null;
  matchRate: number | null;
  registrationRate: number | null;
  conflicts: number;
  openConflicts: number;
  reviewOpen: number;
}

export interface CatalogueEntry {
  key: string;
  kind: CatalogueKind;
  name: string;
  description: string | null;
  /** The entity kind an attribute belongs to, or a dataset describes. */
  entityKind: string | null;
  department: string | null;
  departmentName: string | null;
  topic: string | null;
  domain: string;
  level: Level;
  pii: string | null;
  authoritativeDataset: string | null;
  authoritativeDepartment: string | null;
  cadenceDays: number | null;
  lastIngest: string | null;
  fresh: boolean | null;
  quality: CatalogueQuality | null;
  rowCount: number | null;
  synonyms: string[];
}

export interface CatalogueFilter {
  search: string | null;
  /** Only entries about this entity kind (the kind itself, its attributes, the datasets describing it). */
  entityKind: string | null;
  kind: CatalogueKind | null;
  domain: string | null;
  department: string | null;
  level: Level | null;
  topic: string | null;
  /** Keyset: the sort position of the last entry of the previous page. */
  after: { rank: number; key: string } | null;
  first: number;
}

const COLUMNS = `key, kind, name, description, entity_kind, department, department_name, topic, domain, level, pii,
  authoritative_dataset, authoritative_department, cadence_days, last_ingest, fresh, quality, row_count, synonyms`;

interface Row {
  key: string;
  kind: CatalogueKind;
  name: string;
  description: string | null;
  entity_kind: string | null;
  department: string | null;
  department_name: string | null;
  topic: string | null;
  domain: string;
  level: Level;
  pii: string | null;
  authoritative_dataset: string | null;
  authoritative_department: string | null;
  cadence_days: number | null;
  last_ingest: Date | null;
  fresh: boolean | null;
  quality: CatalogueQuality | null;
  row_count: string | null;
  synonyms: string[];
  rank?: number;
}

function toEntry(r: Row): CatalogueEntry {
  return {
    key: r.key,
    kind: r.kind,
    name: r.name,
    description: r.description,
    entityKind: r.entity_kind,
    department: r.department,
    departmentName: r.department_name,
    topic: r.topic,
    domain: r.domain,
    level: r.level,
    pii: r.pii,
    authoritativeDataset: r.authoritative_dataset,
    authoritativeDepartment: r.authoritative_department,
    cadenceDays: r.cadence_days,
    lastIngest: r.last_ingest ? r.last_ingest.toISOString() : null,
    fresh: r.fresh,
    quality: r.quality,
    rowCount: r.row_count === null ? null : Number(r.row_count),
    synonyms: r.synonyms,
  };
}

/** The text an entry is found by: its key, name, synonyms, description, topic and department. */
export function searchText(e: CatalogueEntry): string {
  return [e.key, e.name, ...e.synonyms, e.description ?? '', e.topic ?? '', e.departmentName ?? '', e.department ?? ''].join(' ').toLowerCase();
}

/** Replaces every entry by `entries`, in one transaction: a reader sees the old catalogue or the new one. */
export async function replaceCatalogue(sql: SqlStore, entries: readonly CatalogueEntry[]): Promise<void> {
  await sql.transaction(async (client) => {
    await client.query('DELETE FROM catalogue_entry');
    const rows = entries.map((e) => ({ ...e, quality: e.quality, search_text: searchText(e) }));
    await client.query(
      `INSERT INTO catalogue_entry (${COLUMNS}, search_text)
       SELECT r.key, r.kind, r.name, r.description, r."entityKind", r.department, r."departmentName", r.topic, r.domain, r.level, r.pii,
              r."authoritativeDataset", r."authoritativeDepartment", r."cadenceDays", r."lastIngest", r.fresh, r.quality, r."rowCount",
              coalesce(r.synonyms, '{}'), r.search_text
         FROM jsonb_to_recordset($1::jsonb) AS r(key text, kind text, name text, description text, "entityKind" text, department text,
              "departmentName" text, topic text, domain text, level text, pii text, "authoritativeDataset" text, "authoritativeDepartment" text,
              "cadenceDays" double precision, "lastIngest" timestamptz, fresh boolean, quality jsonb, "rowCount" bigint, synonyms text[], search_text text)`,
      [JSON.stringify(rows)],
    );
  });
}

/** How many entries the catalogue holds (0: never refreshed). */
export async function catalogueSize(sql: SqlStore): Promise<number> {
  const [row] = await sql.query<{ n: string }>('SELECT count(*) AS n FROM catalogue_entry');
  return Number(row.n);
}

/**
 * One page of entries matching the filter, best first when searching (else by key), with the
 * total. The rank: 0 exact key, 1 name starts with the text, 2 name/synonym contains it, 3 key,
 * description, topic or department contains it, 4 near miss (trigram word similarity ≥ 0.6: a typo).
 */
export async function searchCatalogue(sql: SqlStore, f: CatalogueFilter): Promise<{ entries: (CatalogueEntry & { rank: number })[]; total: number }> {
  const text = f.search?.trim().toLowerCase() || null;
  const like = text ? `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const params: unknown[] = [text, like, f.kind, f.domain, f.department, f.level, f.topic, f.entityKind];
  const matched = `
    WITH matched AS (
      SELECT ${COLUMNS},
             CASE WHEN $1::text IS NULL THEN 0
                  WHEN lower(key) = $1 THEN 0
                  WHEN lower(name) LIKE $1 || '%' THEN 1
                  WHEN lower(name) LIKE $2 OR EXISTS (SELECT 1 FROM unnest(synonyms) s WHERE lower(s) LIKE $2) THEN 2
                  WHEN search_text LIKE $2 THEN 3
                  ELSE 4 END AS rank
        FROM catalogue_entry
       WHERE ($1::text IS NULL OR search_text LIKE $2 OR word_similarity($1, search_text) >= 0.6)
         AND ($3::text IS NULL OR kind = $3)
         AND ($4::text IS NULL OR domain = $4)
         AND ($5::text IS NULL OR department = $5)
         AND ($6::text IS NULL OR level = $6)
         AND ($7::text IS NULL OR topic = $7)
         AND ($8::text IS NULL OR entity_kind = $8)
    )`;
  params.push(f.after?.rank ?? null, f.after?.key ?? null, f.first + 1);
  const rows = await sql.query<Row & { rank: number }>(
    `${matched}
     SELECT * FROM matched
      WHERE $9::int IS NULL OR (rank, key) > ($9::int, $10::text)
      ORDER BY rank, key
      LIMIT $11`,
    params,
  );
  const [count] = await sql.query<{ n: string }>(`${matched} SELECT count(*) AS n FROM matched`, params.slice(0, 8));
  return { entries: rows.map((r) => ({ ...toEntry(r), rank: Number(r.rank) })), total: Number(count.n) };
}

/** Entries by key. */
export async function catalogueEntries(sql: SqlStore, keys: readonly string[]): Promise<CatalogueEntry[]> {
  const rows = await sql.query<Row>(`SELECT ${COLUMNS} FROM catalogue_entry WHERE key = ANY($1::text[]) ORDER BY key`, [[...keys]]);
  return rows.map(toEntry);
}
