/**
 * The file formats of bulk exchange (批量共享), written and read the same way on both sides, so
 * that a district importing a file and writing it again gets the very same bytes:
 *
 * - NDJSON: one canonical JSON object per line (keys sorted): `{"code","kind","values":{…}}`.
 * - CSV (RFC 4180, csv-stringify / csv-parse): a header `code,kind,<attribute…>`, then one line
 *   per row; an absent value is an empty cell. The columns are the export's attributes, in the
 *   city model's order.
 * - GeoJSON (RFC 7946): a FeatureCollection written one feature per line (`id` = city code,
 *   `properties` = kind and values, `geometry` null for kinds without one), so it streams both ways.
 */
import { parse as parseCsv } from 'csv-parse';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { canonicalJson } from '../audit/chain';
import type { ExportFormat } from '../sharing/exports';

export interface FileRow {
  code: string;
  kind: string;
  values: Record<string, unknown>;
  /** GeoJSON geometry (GEOJSON files), null when the entity has none or may not be shown. */
  geometry?: unknown;
}

export const GEOJSON_HEAD = '{"type":"FeatureCollection","features":[\n';
export const GEOJSON_TAIL = '\n]}\n';

/** What comes before the first row (the CSV header, the GeoJSON opening). */
export function fileHead(format: ExportFormat, columns: readonly string[]): string {
  if (format === 'CSV') return stringifyCsv([['code', 'kind', ...columns]]);
  if (format === 'GEOJSON') return GEOJSON_HEAD;
  return '';
}

/** What closes the file after the last row. */
export function fileTail(format: ExportFormat): string {
  return format === 'GEOJSON' ? GEOJSON_TAIL : '';
}

/**
 * Canonical JSON (keys sorted at every level, audit/chain.ts canonicalJson) of a row; the common
 * case — values that are strings, numbers, booleans or null — is built with one JSON.stringify.
 */
function canonicalRow(row: { code: string; kind: string; values: Record<string, unknown> }): string {
  const keys = Object.keys(row.values).sort();
  const sorted: Record<string, unknown> = {};
  for (const k of keys) {
    const v = row.values[k];
    if (v !== null && typeof v === 'object') return canonicalJson(row);
    if (typeof v === 'number' && !Number.isFinite(v)) return canonicalJson(row);
    if (v !== undefined) sorted[k] = v;
  }
  return JSON.stringify({ code: row.code, kind: row.kind, values: sorted });
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return canonicalJson(value);
  return String(value);
}

/** The text of rows; `first`: whether the first of them is the file's first row (GeoJSON separators). */
export function encodeRows(format: ExportFormat, columns: readonly string[], rows: readonly FileRow[], first: boolean): string {
  if (rows.length === 0) return '';
  switch (format) {
    case 'NDJSON':
      return rows.map((r) => canonicalRow(r) + '\n').join('');
    case 'CSV':
      return stringifyCsv(rows.map((r) => [r.code, r.kind, ...columns.map((c) => cell(r.values[c]))]));
    case 'GEOJSON':
      return rows
        .map((r, i) => (first && i === 0 ? '' : ',\n') + canonicalJson({ type: 'Feature', id: r.code, geometry: r.geometry ?? null, properties: { kind: r.kind, ...r.values } }))
        .join('');
  }
}

/**
 * The rows of a file in one of these formats, in file order (a CSV's columns from its header; CSV
 * values come back as strings, an empty cell as absent).
 */
export async function* decodeRows(format: ExportFormat, input: Readable): AsyncGenerator<FileRow> {
  if (format === 'CSV') {
    let header: string[] | null = null;
    for await (const record of input.pipe(parseCsv({ relax_column_count: false })) as AsyncIterable<string[]>) {
      if (!header) {
        header = record;
        if (header[0] !== 'code' || header[1] !== 'kind') throw new Error('the CSV header does not start with code,kind');
        continue;
      }
      const values: Record<string, unknown> = {};
      header.slice(2).forEach((c, i) => {
        if (record[i + 2] !== '') values[c] = record[i + 2];
      });
      yield { code: record[0], kind: record[1], values };
    }
    return;
  }
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (format === 'NDJSON') {
      if (text === '') continue;
      const o = JSON.parse(text) as FileRow;
      yield { code: o.code, kind: o.kind, values: o.values };
      continue;
    }
    // GeoJSON as written here: the opening line, one feature per line (each but the last ending in a comma), the closing line.
    if (line === 1) {
      if (text + '\n' !== GEOJSON_HEAD) throw new Error('not a FeatureCollection written one feature per line');
      continue;
    }
    if (text === ']}' || text === '') continue;
    const f = JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text) as { id: string; geometry: unknown; properties: { kind: string } & Record<string, unknown> };
    const { kind, ...values } = f.properties;
    yield { code: f.id, kind, values, geometry: f.geometry };
  }
}

/** The columns of a CSV as the rows' values name them (for a district writing back what it imported). */
export function columnsOf(rows: readonly FileRow[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
}
