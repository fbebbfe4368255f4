import { loadConfig } from '../../core/config';
import { cityCodeForCounter, deobfuscateSerial, parseCityCode } from '../../domain/citycode';
import {
  DEV_SERIAL_KEY,
  MAX_ISSUE_COUNT,
  MAX_SEED_COUNT,
  codeStatus,
  issueCityCodes,
  issueCityCodesWith,
  reserveSeedCodes,
  retireCityCode,
  serialKey,
} from '../../registry/issuing';
import { SqlStore } from '../../store/postgres';

/**
 * City code issuing against the real PostgreSQL (migration 0003 applied by `npm run migrate`).
 * The divisions and classes are a fixed list, so the tests use a real pair (坪山区, 综合管廊) that
 * the demo seed does not issue, and every assertion is relative to the counter read before.
 */
const DIVISION = '440310';
const CLASS = '500600';
const REQ = { division: DIVISION, classCode: CLASS };

const config = loadConfig();
let sql: SqlStore;

async function counterOf(division = DIVISION, classCode = CLASS): Promise<number> {
  const rows = await sql.query<{ next_counter: string }>(
    'SELECT next_counter FROM city_code_counter WHERE division = $1 AND class_code = $2',
    [division, classCode],
  );
  return rows.length === 0 ? 0 : Number(rows[0].next_counter);
}

async function registryCount(division = DIVISION, classCode = CLASS): Promise<number> {
  const rows = await sql.query<{ n: string }>(
    'SELECT count(*) AS n FROM city_code_registry WHERE division = $1 AND class_code = $2',
    [division, classCode],
  );
  return Number(rows[0].n);
}

function counterOfCode(code: string): number {
  return deobfuscateSerial(Number(code.slice(12, 21)), serialKey());
}

/** Runs one statement in a transaction that is always rolled back; returns the error it raised (or a stand-in). */
async function errorOf(text: string, params: unknown[] = []): Promise<Error & { code?: string }> {
  const client = await sql.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(text, params);
    return new Error('the statement was NOT refused');
  } catch (err) {
    return err as Error & { code?: string };
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  sql = new SqlStore({ ...config.postgres, poolSize: 20 });
  const [{ t }] = await sql.query<{ t: string | null }>("SELECT to_regclass('city_code_registry')::text AS t");
  if (t === null) throw new Error('city_code_registry is missing: build and run `node dist/migrations/run.js` first.');
});

afterAll(async () => {
  await sql.close();
});

describe('issueCityCodes under concurrency', () => {
  it('40 parallel issuers over 20 connections get 200 distinct, valid codes and advance the counter by exactly 200', async () => {
    const before = await counterOf();
    const monitor = new SqlStore({ ...config.postgres, poolSize: 1 });
    // Watch the issuers queue on the counter row's lock while they run.
    let running = true;
    let peakWaiting = 0;
    const watch = (async () => {
      while (running) {
        const [{ n }] = await monitor.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE city_code_counter%'`,
        );
        peakWaiting = Math.max(peakWaiting, Number(n));
        await sleep(1);
      }
    })();
    const backends = new Set<number>();
    try {
      const calls = Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? issueCityCodes(sql, { ...REQ, count: 5 })
          : // Half issue inside a transaction of their own that holds the row lock a little longer
            // after issuing, so the other issuers really queue behind it.
            sql.transaction(async (client) => {
              backends.add((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid);
              const codes = await issueCityCodesWith(client, { ...REQ, count: 5 });
              await client.query('SELECT pg_sleep(0.02)');
              return codes;
            }),
      );
      const results = await Promise.all(calls);
      running = false;
      await watch;

      const all = results.flat();
      expect(all).toHaveLength(200);
      expect(new Set(all).size).toBe(200);
      for (const code of all) {
        const parsed = parseCityCode(code);
        expect(parsed.ok).toBe(true);
        if (parsed.ok) {
          expect(parsed.value.division).toBe(DIVISION);
          expect(parsed.value.classCode).toBe(CLASS);
          expect(parsed.value.objectKind).toBe('PIPE');
        }
      }
      // Each call got one contiguous block of counters, and together they are exactly before..before+199.
      for (const codes of results) {
        const counters = codes.map(counterOfCode);
        expect(counters).toEqual(counters.map((_, i) => counters[0] + i));
      }
      const counters = all.map(counterOfCode).sort((a, b) => a - b);
      expect(counters).toEqual(Array.from({ length: 200 }, (_, i) => before + i));
      expect(await counterOf()).toBe(before + 200);

      const rows = await sql.query<{ code: string; counter: string; status: string; kind: string }>(
        'SELECT code, counter, status, kind FROM city_code_registry WHERE code = ANY($1::text[])',
        [all],
      );
      expect(rows).toHaveLength(200);
      for (const r of rows) {
        expect(Number(r.counter)).toBe(counterOfCode(r.code));
        expect([r.status, r.kind]).toEqual(['ACTIVE', 'OBJECT']);
      }
      // Real parallel transactions: many backends, issuers seen waiting on the row lock.
      expect(backends.size).toBeGreaterThanOrEqual(10);
      expect(sql.pool.totalCount).toBeGreaterThanOrEqual(10);
      expect(peakWaiting).toBeGreaterThanOrEqual(2);
    } finally {
      running = false;
      await watch.catch(() => undefined);
      await monitor.close();
    }
  });

  it('a rolled-back transaction takes back both its counters and its codes', async () => {
    const before = await counterOf();
    let issued: string[] = [];
    await expect(
      sql.transaction(async (client) => {
        issued = await issueCityCodesWith(client, { ...REQ, count: 7 });
        throw new Error('caller failed after issuing');
      }),
    ).rejects.toThrow('caller failed after issuing');
    expect(issued).toHaveLength(7);
    expect(await counterOf()).toBe(before);
    expect((await codeStatus(sql, issued)).size).toBe(0);
  });
});

describe('the registry never loses, changes or reuses a code', () => {
  it('refuses DELETE, TRUNCATE and changing a code; counters never go down or disappear', async () => {
    const [a, b] = await issueCityCodes(sql, { ...REQ, count: 2 });
    const other = cityCodeForCounter({ ...REQ, counter: 999_999_999 }, serialKey());

    const del = await errorOf('DELETE FROM city_code_registry WHERE code = $1', [a]);
    expect(del.message).toMatch(/deleting issued city codes is refused/);
    expect(del.code).toBe('23001');
    expect((await errorOf('TRUNCATE city_code_registry')).message).toMatch(/deleting issued city codes is refused/);
    expect((await errorOf('UPDATE city_code_registry SET code = $2 WHERE code = $1', [a, other])).message).toMatch(
      /cannot be changed/,
    );
    expect((await errorOf('UPDATE city_code_registry SET counter = counter + 500000000 WHERE code = $1', [b])).message).toMatch(
      /cannot be changed/,
    );
    expect((await errorOf("UPDATE city_code_registry SET class_code = '500500' WHERE code = $1", [b])).message).toMatch(
      /cannot be changed/,
    );
    expect(
      (await errorOf('UPDATE city_code_counter SET next_counter = next_counter - 1 WHERE division = $1 AND class_code = $2', [DIVISION, CLASS]))
        .message,
    ).toMatch(/cannot go down/);
    expect((await errorOf('DELETE FROM city_code_counter WHERE division = $1 AND class_code = $2', [DIVISION, CLASS])).message).toMatch(
      /deleting issuing counters is refused/,
    );
    // A counter beyond the counter row cannot be registered by hand (it would block a later issue).
    expect(
      (
        await errorOf(
          "INSERT INTO city_code_registry (code, division, class_code, counter, kind) VALUES ($1, $2, $3, 999999999, 'OBJECT')",
          [other, DIVISION, CLASS],
        )
      ).message,
    ).toMatch(/counter row is at/);

    const status = await codeStatus(sql, [a, b]);
    expect(status.get(a)?.status).toBe('ACTIVE');
    expect(status.get(b)?.status).toBe('ACTIVE');
  });

  it('a retired code stays registered, cannot be reactivated and is never issued again', async () => {
    const [a, b] = await issueCityCodes(sql, { ...REQ, count: 2 });
    const retired = await retireCityCode(sql, a, '管廊段已废弃 (tunnel section abandoned)');
    expect(retired).toMatchObject({ code: a, changed: true, status: 'RETIRED' });
    expect(retired.retiredAt).toBeInstanceOf(Date);

    const again = await retireCityCode(sql, a, 'another reason');
    expect(again).toMatchObject({ code: a, changed: false, status: 'RETIRED', retiredAt: retired.retiredAt });
    const [{ retired_reason }] = await sql.query<{ retired_reason: string }>(
      'SELECT retired_reason FROM city_code_registry WHERE code = $1',
      [a],
    );
    expect(retired_reason).toBe('管廊段已废弃 (tunnel section abandoned)');

    expect(
      (await errorOf("UPDATE city_code_registry SET status = 'ACTIVE', retired_at = NULL, retired_reason = NULL WHERE code = $1", [a]))
        .message,
    ).toMatch(/never changed or reactivated/);
    expect((await errorOf("UPDATE city_code_registry SET retired_reason = 'rewritten' WHERE code = $1", [a])).message).toMatch(
      /never changed or reactivated/,
    );
    expect((await errorOf('DELETE FROM city_code_registry WHERE code = $1', [a])).message).toMatch(/refused/);
    const reinsert = await errorOf(
      "INSERT INTO city_code_registry (code, division, class_code, counter, kind) VALUES ($1, $2, $3, $4, 'OBJECT')",
      [a, DIVISION, CLASS, counterOfCode(a)],
    );
    expect(reinsert.code).toBe('23505');

    const later = await issueCityCodes(sql, { ...REQ, count: 50 });
    expect(later).not.toContain(a);
    expect(Math.min(...later.map(counterOfCode))).toBeGreaterThan(counterOfCode(b));
    const status = await codeStatus(sql, [a, b, ...later, 'not a code', a.toLowerCase()]);
    expect(status.get(a)).toEqual({ status: 'RETIRED', issuedAt: expect.any(Date), retiredAt: retired.retiredAt });
    expect(status.get(b)?.status).toBe('ACTIVE');
    expect(status.size).toBe(52);
    const [{ n }] = await sql.query<{ n: string }>('SELECT count(*) AS n FROM city_code_registry WHERE code = $1', [a]);
    expect(n).toBe('1');
  });

  it('retireCityCode answers NOT_FOUND for a code never issued and BAD_USER_INPUT for bad input', async () => {
    const [a] = await issueCityCodes(sql, { ...REQ, count: 1 });
    const never = cityCodeForCounter({ division: '441521', classCode: '029900', counter: 999_999_998 }, serialKey());
    await expect(retireCityCode(sql, never, 'gone')).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND', cityCode: never, hint: expect.any(String) },
    });
    const typo = a.slice(0, 14) + String((Number(a[14]) + 1) % 10) + a.slice(15);
    await expect(retireCityCode(sql, typo, 'gone')).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'code', problem: 'CHECK', hint: expect.any(String) },
    });
    await expect(retireCityCode(sql, a, '   ')).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'reason', hint: expect.any(String) },
    });
    expect((await codeStatus(sql, [a])).get(a)?.status).toBe('ACTIVE');
  });
});

describe('reserveSeedCodes (demo seed only)', () => {
  it('is deterministic and idempotent, and later issues never collide with it', async () => {
    const before = await counterOf();
    // A slice starting at the current counter, so the first call must raise the counter.
    const first = await reserveSeedCodes(sql, { ...REQ, start: before, count: 25 });
    expect(await counterOf()).toBe(before + 25);
    const second = await reserveSeedCodes(sql, { ...REQ, start: before, count: 25 });
    expect(second).toEqual(first);
    expect(await counterOf()).toBe(before + 25);
    expect(first.map(counterOfCode)).toEqual(Array.from({ length: 25 }, (_, i) => before + i));

    // From counter 0: the same codes every time, computed from the serial key alone; no counter move.
    const fromZero = await reserveSeedCodes(sql, { ...REQ, count: 5 });
    expect(await reserveSeedCodes(sql, { ...REQ, count: 5 })).toEqual(fromZero);
    expect(fromZero).toEqual([0, 1, 2, 3, 4].map((counter) => cityCodeForCounter({ ...REQ, counter }, serialKey())));
    expect(await counterOf()).toBe(before + 25);

    const reserved = new Set([...first, ...fromZero]);
    const status = await codeStatus(sql, [...reserved]);
    expect(status.size).toBe(reserved.size);

    const next = await issueCityCodes(sql, { ...REQ, count: 10 });
    expect(next.filter((c) => reserved.has(c))).toEqual([]);
    expect(Math.min(...next.map(counterOfCode))).toBeGreaterThanOrEqual(before + 25);
  });
});

describe('bad requests', () => {
  const cases: [string, { division: string; classCode: string; count: number }, string][] = [
    ['unknown division', { division: '440312', classCode: CLASS, count: 1 }, 'division'],
    ['malformed division', { division: '4403', classCode: CLASS, count: 1 }, 'division'],
    ['unknown class', { division: DIVISION, classCode: '200900', count: 1 }, 'classCode'],
    ['person outside 440300', { division: DIVISION, classCode: '010000', count: 1 }, 'division'],
    ['count 0', { ...REQ, count: 0 }, 'count'],
    ['negative count', { ...REQ, count: -3 }, 'count'],
    ['fractional count', { ...REQ, count: 1.5 }, 'count'],
    ['count NaN', { ...REQ, count: Number.NaN }, 'count'],
    ['count above the limit', { ...REQ, count: MAX_ISSUE_COUNT + 1 }, 'count'],
  ];

  it.each(cases)('%s: BAD_USER_INPUT with a hint, nothing written', async (_name, req, field) => {
    const counter = await counterOf();
    const registered = await registryCount();
    await expect(issueCityCodes(sql, req)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field, hint: expect.stringMatching(/\w/) },
    });
    await expect(sql.transaction((client) => issueCityCodesWith(client, req))).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field },
    });
    const seedCount = req.count === MAX_ISSUE_COUNT + 1 ? MAX_SEED_COUNT + 1 : req.count;
    await expect(reserveSeedCodes(sql, { ...req, count: seedCount })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await counterOf()).toBe(counter);
    expect(await registryCount()).toBe(registered);
    const [{ n }] = await sql.query<{ n: string }>(
      'SELECT count(*) AS n FROM city_code_counter WHERE division = $1 AND class_code = $2',
      [req.division, req.classCode],
    );
    expect(Number(n)).toBe(req.division === DIVISION && req.classCode === CLASS ? 1 : 0);
  });

  it('persons are issued under 440300 (checked in a rolled-back transaction, so no person code is spent)', async () => {
    const before = await counterOf('440300', '010000');
    let code = '';
    await expect(
      sql.transaction(async (client) => {
        [code] = await issueCityCodesWith(client, { division: '440300', classCode: '010000', count: 1 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const parsed = parseCityCode(code);
    expect(parsed.ok && parsed.value.kind).toBe('PERSON');
    expect(await counterOf('440300', '010000')).toBe(before);
  });
});

describe('serialKey', () => {
  it('uses the documented development key outside production', () => {
    expect(serialKey({})).toEqual(DEV_SERIAL_KEY);
    expect(serialKey({ NODE_ENV: 'test', CITYCODE_SERIAL_KEY: ' ' })).toEqual(DEV_SERIAL_KEY);
  });

  it('reads at least 4 comma-separated uint32s, decimal or hex', () => {
    expect(serialKey({ CITYCODE_SERIAL_KEY: '1, 2,3,4294967295' })).toEqual([1, 2, 3, 4294967295]);
    expect(serialKey({ CITYCODE_SERIAL_KEY: '0x10,2,3,4,5' })).toEqual([16, 2, 3, 4, 5]);
    for (const bad of ['1,2,3', '1,2,3,4294967296', '1,2,3,-4', '1,2,x,4', '1,,3,4', '1.5,2,3,4']) {
      expect(() => serialKey({ CITYCODE_SERIAL_KEY: bad })).toThrow(/CITYCODE_SERIAL_KEY must be at least 4/);
    }
  });

  it('refuses the development key under NODE_ENV=production', () => {
    expect(() => serialKey({ NODE_ENV: 'production' })).toThrow(/CITYCODE_SERIAL_KEY is not set and NODE_ENV=production/);
    expect(() => serialKey({ NODE_ENV: 'production', CITYCODE_SERIAL_KEY: DEV_SERIAL_KEY.join(',') })).toThrow(
      /public development default/,
    );
    expect(serialKey({ NODE_ENV: 'production', CITYCODE_SERIAL_KEY: '11,22,33,44' })).toEqual([11, 22, 33, 44]);
  });
});
