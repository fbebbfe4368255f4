/**
 * One source row → one prepared source record (pure): every field normalised and checked
 * against its declared type, identifiers canonicalised (a citizen ID becomes its HMAC look-up
 * key at once, so the clear number goes no further), the values each attribute receives, and a
 * content hash. A row that fails gets its line number and the reason instead.
 */
import { createHash } from 'node:crypto';
import { normaliseCodeText } from '../domain/citycode';
import { resolveCode } from '../domain/identifiers';
import { canonicalIdNumber, idLookupKey } from '../domain/pii';
import { ATTRIBUTES, DatasetDefinition, IDENTIFIER_TYPES } from '../domain/datasets';

export type Scalar = string | number;

export interface IdentifierRef {
  scheme: string;
  /** Canonical value; for CITIZEN_ID the HMAC look-up key. */
  value: string;
}

export interface PreparedRecord {
  line: number;
  recordKey: string;
  /** sha256 of the normalised content (with ID numbers as their HMAC). */
  hash: string;
  /** The record's own update time (ISO), when the dataset has one. */
  time: string | null;
  /** Identifiers of the entity the record describes (strongest first). */
  identifiers: IdentifierRef[];
  /** Clear canonical citizen ID, only to encrypt it for a new person; never stored in clear. */
  citizenId: string | null;
  /** Values of property attributes, keyed by attribute (Person.phone). */
  values: Record<string, Scalar>;
  /** Relation attributes: the identifier of the related entity. */
  relations: Record<string, IdentifierRef>;
  lon: number | null;
  lat: number | null;
  /** Mapped fields with a value, of mapped fields (completeness). */
  filled: number;
  mappable: number;
}

export interface RejectedRow {
  line: number;
  reason: string;
  field: string | null;
}

export type Prepared = { ok: true; record: PreparedRecord } | { ok: false; rejected: RejectedRow };

const STRONGEST: readonly string[] = ['CITIZEN_ID', 'USCC', 'HOUSE_CODE', 'BUILDING_CODE', 'DEVICE_CODE', 'PARKING_CODE', 'CITIZEN_CODE'];

function isoDate(text: string): string | null {
  const m = text.match(/^(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})$/);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function normalisePhone(text: string): string | null {
  let digits = normaliseCodeText(text).replace(/[-()\s]/g, '');
  if (digits.startsWith('+86')) digits = digits.slice(3);
  if (/^1[3-9]\d{9}$/.test(digits)) return digits;
  if (/^0\d{9,11}$/.test(digits)) return digits;
  return null;
}

type Normalised = { ok: true; value: Scalar | null } | { ok: false; reason: string };

function normaliseValue(type: string, raw: unknown): Normalised {
  if (raw === undefined || raw === null) return { ok: true, value: null };
  // Text is kept as the source wrote it (NFC): full-width punctuation is part of official names
  // (（有限合伙）); matching compares NFKC forms (ingest/matching.ts). Other types read NFKC, so
  // full-width digits and signs parse.
  const kept = typeof raw === 'string' ? raw.normalize('NFC').trim() : typeof raw === 'number' ? String(raw) : null;
  if (kept === null) return { ok: false, reason: 'is not a string or a number' };
  if (kept === '') return { ok: true, value: null };
  if (type === 'string') return { ok: true, value: kept.replace(/\s+/g, ' ') };
  const text = kept.normalize('NFKC');
  switch (type) {
    case 'date': {
      const d = isoDate(text);
      return d ? { ok: true, value: d } : { ok: false, reason: `"${text.slice(0, 20)}" is not a date (YYYY-MM-DD)` };
    }
    case 'datetime': {
      const ms = Date.parse(text);
      return Number.isFinite(ms) ? { ok: true, value: new Date(ms).toISOString() } : { ok: false, reason: `"${text.slice(0, 30)}" is not a date-time` };
    }
    case 'int': {
      const n = Number(text);
      return Number.isInteger(n) ? { ok: true, value: n } : { ok: false, reason: `"${text.slice(0, 20)}" is not an integer` };
    }
    case 'number':
    case 'lon':
    case 'lat': {
      const n = Number(text);
      if (!Number.isFinite(n)) return { ok: false, reason: `"${text.slice(0, 20)}" is not a number` };
      if (type === 'lon' && (n < 73 || n > 136)) return { ok: false, reason: `longitude ${n} is outside China` };
      if (type === 'lat' && (n < 3 || n > 54)) return { ok: false, reason: `latitude ${n} is outside China` };
      return { ok: true, value: n };
    }
    case 'phone': {
      const p = normalisePhone(text);
      return p ? { ok: true, value: p } : { ok: false, reason: 'is not a mobile (11 digits) or landline number' };
    }
    case 'sex': {
      const s = text.toUpperCase();
      if (s === 'M' || s === '男' || s === '1' || s === 'MALE') return { ok: true, value: 'M' };
      if (s === 'F' || s === '女' || s === '2' || s === 'FEMALE') return { ok: true, value: 'F' };
      return { ok: false, reason: 'is not M/F (男/女)' };
    }
    case 'CITIZEN_ID':
      try {
        return { ok: true, value: canonicalIdNumber(text) };
      } catch (err) {
        return { ok: false, reason: `is not a valid citizen ID number (${(err as Error).message})` };
      }
    default: {
      const r = resolveCode(type, text);
      return r.ok ? { ok: true, value: r.value.canonical } : { ok: false, reason: `is not a valid ${type} (${r.reason})` };
    }
  }
}

/**
 * Prepares one row of `dataset`. `hmacKey` turns citizen IDs into their look-up key. Rejects a
 * row when a required field is empty, a value does not fit its type, or the record key is missing.
 */
export function prepareRecord(dataset: DatasetDefinition, line: number, fields: Record<string, unknown>, hmacKey: Uint8Array): Prepared {
  const reject = (reason: string, field: string | null): Prepared => ({ ok: false, rejected: { line, reason, field } });
  const normalised: Record<string, Scalar | null> = {};
  for (const f of dataset.fields) {
    const n = normaliseValue(f.type, fields[f.name]);
    if (!n.ok) return reject(`${f.name} ${n.reason}`, f.name);
    if (n.value === null && f.required) return reject(`${f.name} is required`, f.name);
    normalised[f.name] = n.value;
  }
  const recordKey = normalised[dataset.recordKey];
  if (recordKey === null || recordKey === undefined) return reject(`${dataset.recordKey} (the record key) is empty`, dataset.recordKey);

  const identifiers: IdentifierRef[] = [];
  const values: Record<string, Scalar> = {};
  const relations: Record<string, IdentifierRef> = {};
  let citizenId: string | null = null;
  let lon: number | null = null;
  let lat: number | null = null;
  let filled = 0;
  let mappable = 0;
  const hashed: [string, Scalar | null][] = [];
  for (const f of dataset.fields) {
    let value = normalised[f.name];
    if (f.type === 'CITIZEN_ID' && typeof value === 'string') {
      citizenId = value;
      value = idLookupKey(value, hmacKey);
    }
    hashed.push([f.name, value]);
    if (f.type === 'lon' && typeof value === 'number') lon = value;
    if (f.type === 'lat' && typeof value === 'number') lat = value;
    if (!f.attribute) {
      if (IDENTIFIER_TYPES.has(f.type) && typeof value === 'string') identifiers.push({ scheme: f.type, value });
      continue;
    }
    mappable++;
    if (value === null) continue;
    filled++;
    const spec = ATTRIBUTES[f.attribute];
    if (spec.kind === 'identifier') identifiers.push({ scheme: spec.scheme!, value: String(value) });
    else if (spec.kind === 'relation') relations[f.attribute] = { scheme: spec.scheme!, value: String(value) };
    else values[f.attribute] = value;
  }
  identifiers.sort((a, b) => STRONGEST.indexOf(a.scheme) - STRONGEST.indexOf(b.scheme));
  const time = dataset.recordTime ? (normalised[dataset.recordTime] as string | null) : null;
  const hash = createHash('sha256').update(JSON.stringify(hashed)).digest('hex');
  return {
    ok: true,
    record: { line, recordKey: String(recordKey), hash, time: time ?? null, identifiers, citizenId, values, relations, lon, lat, filled, mappable },
  };
}
