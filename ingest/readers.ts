/**
 * Streaming readers of source files: CSV (RFC 4180, header row), JSONL (one JSON object a line)
 * and GeoJSON (GeoJSONSeq, or a FeatureCollection written one feature a line as ogr2ogr does).
 * They read line by line (node:readline), so memory stays bounded whatever the file size, and
 * yield each row with the line number where it starts, or the reason it cannot be read.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { badInput } from '../core/errors';

export type SourceFormat = 'csv' | 'jsonl' | 'geojson';

export interface RawRow {
  line: number;
  fields: Record<string, unknown> | null;
  /** Why the row could not be read (fields is null then). */
  error: string | null;
}

export function formatOf(path: string, declared?: string | null): SourceFormat {
  const f = (declared ?? '').toLowerCase() || (path.match(/\.(csv|jsonl|ndjson|geojson|geojsonl|geojsons)$/i)?.[1] ?? '').toLowerCase();
  if (f === 'csv') return 'csv';
  if (f === 'jsonl' || f === 'ndjson') return 'jsonl';
  if (f === 'geojson' || f === 'geojsonl' || f === 'geojsons') return 'geojson';
  throw badInput(`cannot tell the format of ${path}`, 'Name the file .csv, .jsonl or .geojson, or pass --format csv|jsonl|geojson.', { argument: 'format' });
}

/** Splits one CSV record (possibly continued over several physical lines); null when a quote is still open. */
export function splitCsv(text: string): string[] | null {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) return null;
  out.push(field);
  return out;
}

async function* lines(path: string): AsyncGenerator<{ line: number; text: string }> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) {
    n++;
    yield { line: n, text: n === 1 ? text.replace(/^\uFEFF/, '') : text };
  }
}

async function* csvRows(path: string): AsyncGenerator<RawRow> {
  let header: string[] | null = null;
  let pending = '';
  let start = 0;
  for await (const { line, text } of lines(path)) {
    if (pending === '' && text.trim() === '') continue;
    const joined = pending === '' ? text : `${pending}\n${text}`;
    if (pending === '') start = line;
    const cells = splitCsv(joined);
    if (cells === null) {
      pending = joined;
      continue;
    }
    pending = '';
    if (!header) {
      header = cells.map((h) => h.trim());
      continue;
    }
    if (cells.length !== header.length) {
      yield { line: start, fields: null, error: `expected ${header.length} columns, found ${cells.length}` };
      continue;
    }
    const fields: Record<string, unknown> = {};
    header.forEach((h, i) => (fields[h] = cells[i]));
    yield { line: start, fields, error: null };
  }
  if (pending !== '') yield { line: start, fields: null, error: 'a quoted field is never closed' };
}

async function* jsonlRows(path: string): AsyncGenerator<RawRow> {
  for await (const { line, text } of lines(path)) {
    if (text.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(text);
      if (!value || typeof value !== 'object' || Array.isArray(value)) yield { line, fields: null, error: 'not a JSON object' };
      else yield { line, fields: value as Record<string, unknown>, error: null };
    } catch {
      yield { line, fields: null, error: 'not valid JSON' };
    }
  }
}

/** A representative point of a GeoJSON geometry: the point itself, or the mean of a polygon's outer ring. */
function pointOf(geometry: unknown): [number, number] | null {
  const g = geometry as { type?: string; coordinates?: unknown } | null;
  if (!g || typeof g !== 'object') return null;
  const c = g.coordinates as number[] | number[][] | number[][][] | undefined;
  if (g.type === 'Point' && Array.isArray(c) && typeof c[0] === 'number') return [c[0] as number, c[1] as number];
  if (g.type === 'Polygon' && Array.isArray(c) && Array.isArray(c[0])) {
    const ring = (c as number[][][])[0].slice(0, -1);
    if (ring.length === 0) return null;
    return [ring.reduce((s, p) => s + p[0], 0) / ring.length, ring.reduce((s, p) => s + p[1], 0) / ring.length];
  }
  return null;
}

/** RFC 8142 record separator that may start each GeoJSONSeq line. */
const RS = String.fromCharCode(0x1e);

async function* geojsonRows(path: string): AsyncGenerator<RawRow> {
  for await (const { line, text } of lines(path)) {
    const t = (text.startsWith(RS) ? text.slice(1) : text).trim().replace(/,$/, '');
    if (t === '' || t.startsWith('{"type":"FeatureCollection"') || t.startsWith('{ "type": "FeatureCollection"') || t === ']' || t === ']}' || t === '}') continue;
    let feature: { type?: string; properties?: Record<string, unknown>; geometry?: unknown };
    try {
      feature = JSON.parse(t) as typeof feature;
    } catch {
      yield { line, fields: null, error: 'not a GeoJSON feature on one line' };
      continue;
    }
    if (feature?.type !== 'Feature') {
      yield { line, fields: null, error: 'not a GeoJSON Feature' };
      continue;
    }
    const point = feature.geometry ? pointOf(feature.geometry) : null;
    if (feature.geometry && !point) {
      yield { line, fields: null, error: 'geometry must be a Point or a Polygon' };
      continue;
    }
    yield { line, fields: { ...(feature.properties ?? {}), ...(point ? { lon: point[0], lat: point[1] } : {}) }, error: null };
  }
}

export function readRows(path: string, format: SourceFormat): AsyncGenerator<RawRow> {
  if (format === 'csv') return csvRows(path);
  if (format === 'jsonl') return jsonlRows(path);
  return geojsonRows(path);
}
