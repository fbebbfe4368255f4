/**
 * Issuing city codes (赋码): the only way new city codes come into existence.
 *
 * Each (division of issue, class) has a counter row in city_code_counter. An issuer takes n
 * counters with `UPDATE ... SET next_counter = next_counter + n RETURNING next_counter`: the row
 * lock of that UPDATE queues concurrent issuers until the holder commits or rolls back, so no
 * counter value is ever handed out twice. Counters become codes through the keyed serial
 * obfuscation of domain/citycode.ts (cityCodeForCounter), and the codes are recorded in
 * city_code_registry in the same transaction. Triggers (migration 0003) refuse deleting codes,
 * changing them, reactivating retired ones and lowering counters, so a code is never reused.
 *
 * Spec: docs/city-code.md (§5, §6 and "Issuing in practice").
 */
import type { PoolClient } from 'pg';
import {
  CITY_CODE_CLASSES,
  SERIAL_LIMIT,
  cityCodeForCounter,
  isCityCodeClass,
  isDivisionOfIssue,
  normaliseCodeText,
  parseCityCode,
  type CityCodeClassCode,
  type DivisionCode,
  type EntityKind,
} from '../domain/citycode';
import { badInput, CityCodeError } from '../core/errors';
import type { SqlStore } from '../store/postgres';

export interface IssueRequest {
  /** Division of issue (DIVISIONS_OF_ISSUE), e.g. '440304'. Persons are always issued under '440300'. */
  division: string;
  /** Class code (CITY_CODE_CLASSES), e.g. '200100'. */
  classCode: string;
  /** How many codes, 1..MAX_ISSUE_COUNT (reserveSeedCodes: 1..MAX_SEED_COUNT). */
  count: number;
}

export interface SeedRequest extends IssueRequest {
  /** First counter of the range (default 0), so large seeds can reserve in deterministic slices. */
  start?: number;
}

export interface CodeStatus {
  status: 'ACTIVE' | 'RETIRED';
  issuedAt: Date;
  retiredAt: Date | null;
}

export interface RetiredCode extends CodeStatus {
  code: string;
  /** False when the code was already retired (the original retirement is kept unchanged). */
  changed: boolean;
}

/** Most codes one issueCityCodes call hands out. */
export const MAX_ISSUE_COUNT = 10_000;

/** The division every person code is issued under (docs/city-code.md §3): it must not tell where a person registered. */
export const PERSON_DIVISION = '440300';

/** Most codes one reserveSeedCodes call returns (call again with `start` for more). */
export const MAX_SEED_COUNT = 1_000_000;

/** Rows per INSERT statement when registering codes. */
const INSERT_BATCH = 10_000;

// ---------------------------------------------------------------------------------------------
// Serial key

/**
 * Development default of CITYCODE_SERIAL_KEY. Public (it is in the repository), so it only hides
 * issue order on development and demo databases; serialKey() refuses it under NODE_ENV=production.
 */
export const DEV_SERIAL_KEY: readonly number[] = Object.freeze([0x43495459, 0x434f4445, 0x535a3230, 0x32364445]);

function parseSerialKey(raw: string): readonly number[] {
  const parts = raw.split(',').map((p) => p.trim());
  const key = parts.map((p) => (/^(?:[0-9]{1,10}|0x[0-9a-fA-F]{1,8})$/.test(p) ? Number(p) : Number.NaN));
  if (key.length < 4 || key.some((k) => !Number.isInteger(k) || k < 0 || k > 0xffffffff)) {
    throw new Error(
      'CITYCODE_SERIAL_KEY must be at least 4 comma-separated unsigned 32-bit integers (decimal or 0x hex), ' +
        `e.g. "1234567890,987654321,192837465,564738291"; got ${parts.length} part(s), not all valid.`,
    );
  }
  return Object.freeze(key);
}

/**
 * The Feistel key of the serial obfuscation, from CITYCODE_SERIAL_KEY (≥ 4 comma-separated
 * uint32s). Unset: DEV_SERIAL_KEY, except under NODE_ENV=production, which throws, as it does for
 * a production key equal to the development default. The key must never change once codes
 * were issued with it (a new permutation would map new counters onto serials already used).
 */
/** The last key parsed (frozen, so the Feistel round keys are computed once for it). */
let cachedKey: { raw: string; key: readonly number[] } | undefined;

export function serialKey(env: NodeJS.ProcessEnv = process.env): readonly number[] {
  const raw = env.CITYCODE_SERIAL_KEY?.trim();
  const production = env.NODE_ENV === 'production';
  if (!raw) {
    if (production) {
      throw new Error(
        'CITYCODE_SERIAL_KEY is not set and NODE_ENV=production: refusing the public development serial key. ' +
          'Set it to the secret key (>= 4 comma-separated uint32s) the registry was issued with; it must never change.',
      );
    }
    return DEV_SERIAL_KEY;
  }
  const key = cachedKey?.raw === raw ? cachedKey.key : parseSerialKey(raw);
  cachedKey = { raw, key };
  if (production && key.length === DEV_SERIAL_KEY.length && key.every((k, i) => k === DEV_SERIAL_KEY[i])) {
    throw new Error('CITYCODE_SERIAL_KEY equals the public development default, which NODE_ENV=production refuses.');
  }
  return key;
}

// ---------------------------------------------------------------------------------------------
// Validation

interface CheckedRequest {
  division: DivisionCode;
  classCode: CityCodeClassCode;
  kind: EntityKind;
  count: number;
}

function checkRequest(req: IssueRequest, maxCount: number): CheckedRequest {
  const division = normaliseCodeText(String(req.division ?? ''));
  const classCode = normaliseCodeText(String(req.classCode ?? ''));
  if (!isDivisionOfIssue(division)) {
    throw badInput(
      `${JSON.stringify(division)} is not a division of issue`,
      'Use 440300 (city platform), 440303-440311 (districts; 大鹏新区 issues under 440307) or 441521 (深汕特别合作区).',
      { field: 'division' },
    );
  }
  if (!isCityCodeClass(classCode)) {
    throw badInput(
      `${JSON.stringify(classCode)} is not a city code class`,
      'Use a 6-digit class listed in CITY_CODE_CLASSES (docs/city-code.md §2), e.g. 200100 for a building.',
      { field: 'classCode' },
    );
  }
  const kind = CITY_CODE_CLASSES[classCode].kind;
  if (kind === 'PERSON' && division !== PERSON_DIVISION) {
    throw badInput(
      `Person codes are not issued under division ${division}`,
      `Issue person codes (class 010000) under ${PERSON_DIVISION}: a person's code must not tell which district registered them.`,
      { field: 'division' },
    );
  }
  const count = req.count;
  if (!Number.isInteger(count) || count < 1 || count > maxCount) {
    throw badInput(
      `count must be an integer from 1 to ${maxCount}; got ${String(count)}`,
      `Ask for 1..${maxCount} codes per call and call again for more.`,
      { field: 'count' },
    );
  }
  return { division, classCode, kind, count };
}

function exhausted(division: string, classCode: string, next: number, count: number): CityCodeError {
  return badInput(
    `Class ${classCode} of division ${division} has ${SERIAL_LIMIT - next} unissued serials left, fewer than the ${count} asked for`,
    'Each (division, class) holds 10^9 codes; ask for fewer, or add a new class to the class table.',
    { field: 'count' },
  );
}

// ---------------------------------------------------------------------------------------------
// SQL

const ENSURE_COUNTER = `INSERT INTO city_code_counter (division, class_code) VALUES ($1, $2)
  ON CONFLICT (division, class_code) DO NOTHING`;

/** Rows are registered in batches of INSERT_BATCH from parallel arrays (one statement per batch). */
async function register(
  client: PoolClient,
  req: CheckedRequest,
  codes: string[],
  counters: number[],
  onConflict: '' | 'ON CONFLICT DO NOTHING',
): Promise<void> {
  for (let i = 0; i < codes.length; i += INSERT_BATCH) {
    await client.query(
      `INSERT INTO city_code_registry (code, division, class_code, counter, kind)
       SELECT t.code, $3, $4, t.counter, $5 FROM unnest($1::text[], $2::bigint[]) AS t(code, counter)
       ${onConflict}`,
      [codes.slice(i, i + INSERT_BATCH), counters.slice(i, i + INSERT_BATCH), req.division, req.classCode, req.kind],
    );
  }
}

async function issueChecked(client: PoolClient, req: CheckedRequest, key: readonly number[]): Promise<string[]> {
  await client.query(ENSURE_COUNTER, [req.division, req.classCode]);
  // The row lock taken here is held until the transaction ends: concurrent issuers of the same
  // (division, class) wait, then (READ COMMITTED) re-read the committed value, so each gets its own range.
  const rows = (
    await client.query<{ next_counter: string }>(
      `UPDATE city_code_counter SET next_counter = next_counter + $3
        WHERE division = $1 AND class_code = $2 AND next_counter + $3 <= $4
       RETURNING next_counter`,
      [req.division, req.classCode, req.count, SERIAL_LIMIT],
    )
  ).rows;
  if (rows.length === 0) {
    const now = await client.query<{ next_counter: string }>(
      'SELECT next_counter FROM city_code_counter WHERE division = $1 AND class_code = $2',
      [req.division, req.classCode],
    );
    throw exhausted(req.division, req.classCode, Number(now.rows[0]?.next_counter ?? SERIAL_LIMIT), req.count);
  }
  const first = Number(rows[0].next_counter) - req.count;
  const counters = Array.from({ length: req.count }, (_, i) => first + i);
  const codes = counters.map((counter) => cityCodeForCounter({ division: req.division, classCode: req.classCode, counter }, key));
  await register(client, req, codes, counters, '');
  return codes;
}

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * Issue `count` new city codes of (division, class) in one transaction of their own: take the
 * counters under the counter row's lock, derive the codes (serial obfuscation with serialKey()),
 * register them, commit. Returns the codes in counter order. Bad input (unknown division or
 * class, a person outside 440300, count outside 1..10000) throws BAD_USER_INPUT before anything
 * is written.
 */
export async function issueCityCodes(sql: SqlStore, req: IssueRequest): Promise<string[]> {
  const checked = checkRequest(req, MAX_ISSUE_COUNT);
  const key = serialKey();
  return sql.transaction(async (client) => {
    // The row lock only serialises issuers under READ COMMITTED (REPEATABLE READ would fail them
    // with a serialization error instead), so do not depend on the server's default.
    await client.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    return issueChecked(client, checked, key);
  });
}

/**
 * issueCityCodes inside the caller's open transaction (BEGIN already sent), so the codes are
 * registered if and only if the caller's own writes commit. The caller's transaction must be
 * READ COMMITTED (the default); it holds the counter row's lock until it ends, so keep it short.
 */
export async function issueCityCodesWith(client: PoolClient, req: IssueRequest): Promise<string[]> {
  const checked = checkRequest(req, MAX_ISSUE_COUNT);
  return issueChecked(client, checked, serialKey());
}

/**
 * FOR THE DETERMINISTIC DEMO SEED ONLY. Returns the codes of counters start..start+count-1
 * (start defaults to 0) of (division, class), the same on every run with the same serial key,
 * registers the ones not yet registered and raises the counter to at least start+count, in one
 * transaction. Calling it again changes nothing, and codes issued afterwards by issueCityCodes
 * never collide with it.
 *
 * It hands out codes without checking who holds them: on a database where issueCityCodes already
 * issued counters in the range, it returns those codes too. Real entities must get their codes
 * from issueCityCodes / issueCityCodesWith, never from here, and the seed must run on a database
 * that holds no real registry data. Throws when the registry holds other codes for these counters
 * (the registry was issued with another serial key).
 */
export async function reserveSeedCodes(sql: SqlStore, req: SeedRequest): Promise<string[]> {
  const checked = checkRequest(req, MAX_SEED_COUNT);
  const start = req.start ?? 0;
  if (!Number.isInteger(start) || start < 0 || start + checked.count > SERIAL_LIMIT) {
    throw badInput(
      `start must be an integer from 0 and start + count at most ${SERIAL_LIMIT}; got start ${String(start)}`,
      'Reserve seed codes from counter 0 upwards in slices (start = 0, count, 2·count, ...).',
      { field: 'start' },
    );
  }
  const end = start + checked.count;
  const key = serialKey();
  const counters = Array.from({ length: checked.count }, (_, i) => start + i);
  const codes = counters.map((counter) =>
    cityCodeForCounter({ division: checked.division, classCode: checked.classCode, counter }, key),
  );
  return sql.transaction(async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await client.query(ENSURE_COUNTER, [checked.division, checked.classCode]);
    // GREATEST: never lowers the counter (the trigger would refuse it anyway); locks the row.
    await client.query(
      `UPDATE city_code_counter SET next_counter = GREATEST(next_counter, $3)
        WHERE division = $1 AND class_code = $2`,
      [checked.division, checked.classCode, end],
    );
    await register(client, checked, codes, counters, 'ON CONFLICT DO NOTHING');
    // A counter may already be registered under a different code (another serial key): then the
    // insert above skipped it, and handing out the computed code would hand out an unregistered one.
    const found = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM city_code_registry
        WHERE division = $1 AND class_code = $2 AND counter >= $3 AND counter < $4 AND code = ANY($5::text[])`,
      [checked.division, checked.classCode, start, end, codes],
    );
    if (Number(found.rows[0].n) !== checked.count) {
      throw new Error(
        `reserveSeedCodes: the registry holds other codes for counters ${start}..${end - 1} of ` +
          `${checked.division}/${checked.classCode}; it was issued with a different CITYCODE_SERIAL_KEY.`,
      );
    }
    return codes;
  });
}

function toStatus(row: { status: 'ACTIVE' | 'RETIRED'; issued_at: Date; retired_at: Date | null }): CodeStatus {
  return { status: row.status, issuedAt: row.issued_at, retiredAt: row.retired_at };
}

/**
 * Retire a code (ACTIVE → RETIRED, with the time and a reason). The code stays registered and is
 * never issued again. Retiring a retired code changes nothing (`changed: false`, the first
 * retirement is kept). BAD_USER_INPUT for a malformed code or an empty reason, NOT_FOUND for a
 * code that was never issued.
 */
export async function retireCityCode(sql: SqlStore, code: string, reason: string): Promise<RetiredCode> {
  const parsed = parseCityCode(String(code ?? ''));
  if (!parsed.ok) throw badInput(parsed.reason, 'Pass a 22-character city code as issued.', { field: 'code', problem: parsed.code });
  const why = String(reason ?? '').trim();
  if (why === '') {
    throw badInput('A retirement needs a reason', 'Say why the entity is retired, e.g. "建筑物已拆除 (demolished)".', {
      field: 'reason',
    });
  }
  const c = parsed.value.code;
  type Row = { status: 'ACTIVE' | 'RETIRED'; issued_at: Date; retired_at: Date | null };
  const updated = await sql.query<Row>(
    `UPDATE city_code_registry SET status = 'RETIRED', retired_at = now(), retired_reason = $2
      WHERE code = $1 AND status = 'ACTIVE'
     RETURNING status, issued_at, retired_at`,
    [c, why],
  );
  if (updated.length > 0) return { code: c, changed: true, ...toStatus(updated[0]) };
  const existing = await sql.query<Row>('SELECT status, issued_at, retired_at FROM city_code_registry WHERE code = $1', [c]);
  if (existing.length === 0) {
    throw new CityCodeError('NOT_FOUND', `City code ${c} was never issued`, 'Only issued (registered) codes can be retired; check the code.', {
      cityCode: c,
    });
  }
  return { code: c, changed: false, ...toStatus(existing[0]) };
}

/**
 * Registry status of each code. Keys are the codes in normalised form (normaliseCodeText);
 * codes that were never issued (or are not city codes at all) are absent from the map.
 */
export async function codeStatus(sql: SqlStore, codes: readonly string[]): Promise<Map<string, CodeStatus>> {
  const wanted = [...new Set(codes.map((c) => normaliseCodeText(String(c))))];
  const result = new Map<string, CodeStatus>();
  if (wanted.length === 0) return result;
  const rows = await sql.query<{ code: string; status: 'ACTIVE' | 'RETIRED'; issued_at: Date; retired_at: Date | null }>(
    'SELECT code, status, issued_at, retired_at FROM city_code_registry WHERE code = ANY($1::text[])',
    [wanted],
  );
  for (const row of rows) result.set(row.code, toStatus(row));
  return result;
}
