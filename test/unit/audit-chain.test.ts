import { createHash, generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  AuditRow,
  AuditRowContent,
  canonicalContent,
  canonicalJson,
  CONTENT_KEYS,
  DECISIONS,
  GENESIS_HASH,
  JsonValue,
  operationHash,
  rowHash,
  verifyRows,
} from '../../audit/chain';
import { DEV_KEY_ID, DEV_SIGNING_KEY_PKCS8_BASE64, keyIdOf, loadSigningKey, publicKeyFrom, signingKeyFrom } from '../../audit/keys';
import { checkpointPayload, checkSignature, keyring, signCheckpoint } from '../../audit/signature';
import { entryToContent } from '../../audit/writer';
import type { AuditCheckpoint } from '../../audit/rows';
import { ANONYMOUS, Subject } from '../../core/subject';

/**
 * The audit hash chain (audit/chain.ts), checkpoint signatures and the offline verifier's
 * agreement with them, without a database.
 */

// ---------------------------------------------------------------------------------------------
// Arbitraries and helpers
// ---------------------------------------------------------------------------------------------

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const text = fc.string({ unit: 'binary', maxLength: 12 });
const iso = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

const contentArb: fc.Arbitrary<AuditRowContent> = fc.record({
  at: iso,
  subject: text,
  department: fc.option(text, { nil: null }),
  purpose: fc.option(text, { nil: null }),
  operation_hash: hex64,
  operation_name: fc.option(text, { nil: null }),
  entity_codes: fc.array(text, { maxLength: 4 }),
  fields: fc.array(text, { maxLength: 4 }),
  decision: fc.constantFrom(...DECISIONS),
  policy: text,
  detail: fc.option(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>, { nil: null }),
});

function chainOf(contents: AuditRowContent[], startId = 1, startPrev = GENESIS_HASH): AuditRow[] {
  let prev = startPrev;
  return contents.map((c, i) => {
    const hash = rowHash(prev, c);
    const row = { ...c, id: startId + i, prev_hash: prev, hash };
    prev = hash;
    return row;
  });
}

const sample: AuditRowContent = {
  at: '2026-03-01T08:00:00.123Z',
  subject: '5b0c3f0e-0d6e-4c1a-9b8e-1f2a3b4c5d6e',
  department: 'SZ-GAJ',
  purpose: '治安管理',
  operation_hash: 'a'.repeat(64),
  operation_name: 'PersonByCode',
  entity_codes: ['4403040100000000123X', '440304010000000012AB'],
  fields: ['Person.name', 'Person.idNumber'],
  decision: 'MASK',
  policy: 'gaj-population@3',
  detail: { z: 1, a: [true, null, 'x'], m: { b: 2, a: 1 } },
};

// ---------------------------------------------------------------------------------------------
// Canonical form
// ---------------------------------------------------------------------------------------------

describe('canonical JSON and the row hash', () => {
  it('writes the content fields in the fixed order, nested keys sorted, arrays as given', () => {
    expect(canonicalContent(sample)).toBe(
      '{"at":"2026-03-01T08:00:00.123Z","subject":"5b0c3f0e-0d6e-4c1a-9b8e-1f2a3b4c5d6e","department":"SZ-GAJ",' +
        '"purpose":"治安管理","operation_hash":"' +
        'a'.repeat(64) +
        '","operation_name":"PersonByCode",' +
        '"entity_codes":["4403040100000000123X","440304010000000012AB"],"fields":["Person.name","Person.idNumber"],' +
        '"decision":"MASK","policy":"gaj-population@3","detail":{"a":[true,null,"x"],"m":{"a":1,"b":2},"z":1}}',
    );
    expect(CONTENT_KEYS).not.toContain('id');
  });

  it('hashes prev_hash followed by the canonical content (sha256, lower-case hex)', () => {
    const expected = createHash('sha256').update(GENESIS_HASH + canonicalContent(sample), 'utf8').digest('hex');
    expect(rowHash(GENESIS_HASH, sample)).toBe(expected);
    // Pinned: changing the canonical form silently would orphan every stored chain.
    expect(rowHash(GENESIS_HASH, sample)).toBe('28cf7764d81e6457a8caebc628b26cd89115a7d86bc096241414a3fc3e0ac138');
  });

  it('normalises timestamps to ISO with milliseconds and ignores key order in detail', () => {
    const same = { ...sample, at: '2026-03-01T16:00:00.123+08:00', detail: { m: { a: 1, b: 2 }, z: 1, a: [true, null, 'x'] } };
    expect(rowHash('1'.repeat(64), same)).toBe(rowHash('1'.repeat(64), sample));
  });

  it('keeps array order, drops undefined members and refuses non-finite numbers', () => {
    expect(canonicalJson({ b: [2, 1], a: undefined })).toBe('{"b":[2,1]}');
    expect(canonicalJson([undefined])).toBe('[null]');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson(Infinity)).toThrow(TypeError);
  });

  it('operationHash ignores the order of variables but not their values or the document', () => {
    const doc = 'query P($c: String!) { person(code: $c) { name } }';
    expect(operationHash(doc, { c: '1', d: 2 })).toBe(operationHash(doc, { d: 2, c: '1' }));
    expect(operationHash(doc, { c: '1' })).not.toBe(operationHash(doc, { c: '2' }));
    expect(operationHash(doc)).not.toBe(operationHash(`${doc} `));
    expect(operationHash(doc)).toMatch(/^[0-9a-f]{64}$/);
  });
});

// ---------------------------------------------------------------------------------------------
// verifyRows
// ---------------------------------------------------------------------------------------------

describe('verifyRows', () => {
  it('accepts every well-formed chain and returns its last hash', () => {
    fc.assert(
      fc.property(fc.array(contentArb, { maxLength: 25 }), (contents) => {
        const rows = chainOf(contents);
        const result = verifyRows(rows);
        expect(result).toEqual({
          ok: true,
          count: rows.length,
          lastId: rows.length ? rows.length : null,
          lastHash: rows.length ? rows[rows.length - 1].hash : GENESIS_HASH,
        });
      }),
    );
  });

  it('verifies a range from the hash before it', () => {
    const rows = chainOf([sample, sample, sample, sample]);
    expect(verifyRows(rows.slice(2), rows[1].hash, { startId: 3 })).toMatchObject({ ok: true, count: 2, lastId: 4 });
    // Anchored at the wrong hash: row 3 links to row 2, which the range does not hold...
    expect(verifyRows(rows.slice(2), rows[0].hash, { startId: 3 })).toMatchObject({
      ok: false,
      firstBrokenId: 3,
      reason: 'PREV_HASH_MISMATCH',
    });
    // ...unless the caller can find it elsewhere (verifyAudit asks the table).
    const lookupHash = (h: string) => (h === rows[1].hash ? 2 : undefined);
    expect(verifyRows(rows.slice(2), rows[0].hash, { startId: 3, lookupHash })).toMatchObject({ ok: false, reason: 'REORDERED' });
    expect(verifyRows(rows.slice(2), 'f'.repeat(64), { startId: 3, lookupHash: () => undefined })).toMatchObject({
      ok: false,
      firstBrokenId: 3,
      reason: 'PREV_HASH_MISMATCH',
    });
  });

  const FIELDS = [...CONTENT_KEYS, 'prev_hash', 'hash', 'id'] as const;

  it('detects any single-field change anywhere at exactly that row', () => {
    fc.assert(
      fc.property(
        fc.array(contentArb, { minLength: 1, maxLength: 20 }),
        fc.nat(),
        fc.constantFrom(...FIELDS),
        contentArb,
        hex64,
        fc.integer({ min: -5, max: 50 }),
        (contents, pick, field, other, otherHash, otherId) => {
          const rows = chainOf(contents);
          const k = pick % rows.length;
          const tampered = rows.map((r) => ({ ...r }));
          const row = tampered[k] as unknown as Record<string, unknown>;
          if (field === 'id') {
            fc.pre(otherId !== rows[k].id);
            row.id = otherId;
          } else if (field === 'prev_hash' || field === 'hash') {
            fc.pre(otherHash !== rows[k][field]);
            row[field] = otherHash;
          } else {
            fc.pre(canonicalJson(other[field]) !== canonicalJson(rows[k][field]));
            row[field] = other[field];
          }
          const result = verifyRows(tampered);
          expect(result.ok).toBe(false);
          if (result.ok) return;
          expect(result.index).toBe(k);
          expect(result.firstBrokenId).toBe(tampered[k].id);
          expect(result.count).toBe(k);
          if (field === 'id') expect(['GAP', 'REORDERED']).toContain(result.reason);
          else expect(result.reason).toBe('HASH_MISMATCH');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports a deleted row at the next row (GAP), a deleted row with the ids closed up as PREV_HASH_MISMATCH', () => {
    fc.assert(
      fc.property(fc.array(contentArb, { minLength: 3, maxLength: 15 }), fc.nat(), (contents, pick) => {
        const rows = chainOf(contents);
        const k = pick % (rows.length - 1); // not the last row: that is truncation
        const gapped = rows.filter((_, i) => i !== k);
        expect(verifyRows(gapped)).toMatchObject({ ok: false, firstBrokenId: rows[k + 1].id, index: k, reason: 'GAP' });
        const closedUp = gapped.map((r, i) => ({ ...r, id: i + 1 }));
        expect(verifyRows(closedUp)).toMatchObject({ ok: false, firstBrokenId: k + 1, index: k, reason: 'PREV_HASH_MISMATCH' });
      }),
    );
  });

  it('reports two rows whose contents were swapped (ids kept) as REORDERED at the first of them', () => {
    fc.assert(
      fc.property(fc.array(contentArb, { minLength: 2, maxLength: 15 }), fc.nat(), fc.nat(), (contents, a, b) => {
        const rows = chainOf(contents);
        const i = a % rows.length;
        const j = b % rows.length;
        fc.pre(i !== j);
        const [lo, hi] = i < j ? [i, j] : [j, i];
        const swapped = rows.map((r) => ({ ...r }));
        swapped[lo] = { ...rows[hi], id: rows[lo].id };
        swapped[hi] = { ...rows[lo], id: rows[hi].id };
        expect(verifyRows(swapped)).toMatchObject({ ok: false, firstBrokenId: rows[lo].id, index: lo, reason: 'REORDERED' });
      }),
    );
  });

  it('reports rows delivered out of order (ids moved with them) as REORDERED', () => {
    const rows = chainOf([sample, sample, sample, sample, sample]);
    const shuffled = [rows[0], rows[3], rows[2], rows[1], rows[4]];
    expect(verifyRows(shuffled)).toMatchObject({ ok: false, firstBrokenId: 4, index: 1, reason: 'REORDERED' });
    expect(verifyRows([rows[0], rows[1], rows[1]])).toMatchObject({ ok: false, index: 2, reason: 'REORDERED' });
  });

  it('cannot see a cut tail on its own (checkpoints bound that)', () => {
    const rows = chainOf([sample, sample, sample]);
    expect(verifyRows(rows.slice(0, 2))).toMatchObject({ ok: true, count: 2 });
  });

  it('reports rows missing at the start of the chain as a GAP', () => {
    const rows = chainOf([sample, sample, sample]);
    expect(verifyRows(rows.slice(1))).toMatchObject({ ok: false, firstBrokenId: 2, reason: 'GAP' });
  });

  it('treats a value of the wrong type as a hash mismatch rather than crashing', () => {
    const rows = chainOf([sample, sample]);
    const bad = [rows[0], { ...rows[1], detail: { n: Number.NaN } as unknown as JsonValue }];
    expect(verifyRows(bad)).toMatchObject({ ok: false, firstBrokenId: 2, reason: 'HASH_MISMATCH' });
  });
});

// ---------------------------------------------------------------------------------------------
// Keys and checkpoint signatures
// ---------------------------------------------------------------------------------------------

describe('audit signing key', () => {
  it('uses the development key by default and refuses it in production', () => {
    const dev = loadSigningKey({});
    expect(dev.keyId).toBe(DEV_KEY_ID);
    expect(dev.development).toBe(true);
    expect(keyIdOf(dev.publicKey)).toBe(DEV_KEY_ID);
    expect(() => loadSigningKey({ NODE_ENV: 'production' })).toThrow(/needs an audit signing key/);
    expect(() => loadSigningKey({ NODE_ENV: 'production', CITYCODE_AUDIT_SIGNING_KEY: DEV_SIGNING_KEY_PKCS8_BASE64 })).toThrow(
      /development audit signing key/,
    );
  });

  it('reads PKCS#8 PEM and base64 DER alike, and refuses keys that are not Ed25519', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const der = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    const fromPem = loadSigningKey({ NODE_ENV: 'production', CITYCODE_AUDIT_SIGNING_KEY: pem });
    const fromDer = loadSigningKey({ CITYCODE_AUDIT_SIGNING_KEY: der });
    expect(fromPem.keyId).toBe(fromDer.keyId);
    expect(fromPem.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(fromPem.development).toBe(false);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => signingKeyFrom(ec)).toThrow(/Ed25519/);
    expect(() => signingKeyFrom('not a key')).toThrow(/PKCS#8/);
    expect(keyIdOf(publicKeyFrom(fromPem.publicKeyPem))).toBe(fromPem.keyId);
  });

  it('signs exactly {last_id, last_hash, row_count, created_at}; any change breaks the signature', () => {
    const key = signingKeyFrom(DEV_SIGNING_KEY_PKCS8_BASE64);
    const signed = signCheckpoint({ last_id: 42, last_hash: 'b'.repeat(64), row_count: 42, created_at: '2026-03-01T08:00:00.000Z' }, key);
    expect(checkpointPayload(signed)).toBe(
      `{"last_id":42,"last_hash":"${'b'.repeat(64)}","row_count":42,"created_at":"2026-03-01T08:00:00.000Z"}`,
    );
    const ring = keyring([key.publicKey]);
    const cp: AuditCheckpoint = { id: 1, ...signed };
    expect(checkSignature(cp, ring)).toBe('VALID');
    expect(checkSignature({ ...cp, last_id: 43 }, ring)).toBe('BAD_SIGNATURE');
    expect(checkSignature({ ...cp, last_hash: 'c'.repeat(64) }, ring)).toBe('BAD_SIGNATURE');
    expect(checkSignature({ ...cp, row_count: 41 }, ring)).toBe('BAD_SIGNATURE');
    expect(checkSignature({ ...cp, created_at: '2026-03-01T08:00:00.001Z' }, ring)).toBe('BAD_SIGNATURE');
    expect(checkSignature({ ...cp, signature: 'AAAA' }, ring)).toBe('BAD_SIGNATURE');
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(checkSignature(cp, keyring([other]))).toBe('UNKNOWN_KEY');
  });
});

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

describe('entryToContent', () => {
  const subject: Subject = {
    id: 'u-1',
    username: 'zhang.wei',
    department: 'SZ-GAJ',
    departmentName: '市公安局',
    clearance: 'L3',
    districtScope: [],
    roles: [],
    serviceAccount: false,
    anonymous: false,
  };

  it('snapshots the entry: later changes to the caller objects do not reach the log', () => {
    const codes = ['A'];
    const detail = { rows: 1 };
    const content = entryToContent({
      subject,
      operationHash: 'h',
      entityCodes: codes,
      fields: ['Person.name'],
      decision: 'ALLOW',
      policy: 'p@1',
      detail,
      at: new Date('2026-03-01T08:00:00.5Z'),
    });
    codes.push('B');
    detail.rows = 2;
    expect(content.entity_codes).toEqual(['A']);
    expect(content.detail).toEqual({ rows: 1, actor: { username: 'zhang.wei', clearance: 'L3', serviceAccount: false, anonymous: false } });
    expect(content.at).toBe('2026-03-01T08:00:00.500Z');
    expect(content.department).toBe('SZ-GAJ');
    expect(content.purpose).toBeNull();
  });

  it('replaces what PostgreSQL cannot store (NUL, lone surrogates) before hashing', () => {
    const content = entryToContent({
      subject: ANONYMOUS,
      operationHash: 'h',
      entityCodes: ['a\u0000b'],
      fields: ['x\uD800y', '😀'],
      decision: 'DENY',
      policy: 'p',
      detail: { 'k\u0000': 'v\uDC00', n: Number.NaN, big: BigInt(5), when: new Date(0), skip: undefined },
    });
    expect(content.entity_codes).toEqual(['a\uFFFDb']);
    expect(content.fields).toEqual(['x\uFFFDy', '😀']);
    expect(content.department).toBeNull();
    expect(content.detail).toMatchObject({ 'k\uFFFD': 'v\uFFFD', n: null, big: '5', when: '1970-01-01T00:00:00.000Z' });
    expect(Object.keys(content.detail as object)).not.toContain('skip');
  });

  it('refuses malformed entries', () => {
    const ok = { subject, operationHash: 'h', entityCodes: [], fields: [], decision: 'ALLOW' as const, policy: 'p' };
    expect(() => entryToContent({ ...ok, decision: 'MAYBE' as never })).toThrow(/decision/);
    expect(() => entryToContent({ ...ok, policy: '' })).toThrow(/policy/);
    expect(() => entryToContent({ ...ok, operationHash: undefined as never })).toThrow(/operationHash/);
    expect(() => entryToContent({ ...ok, entityCodes: [1] as never })).toThrow(/entityCodes/);
    expect(() => entryToContent({ ...ok, at: new Date('nope') })).toThrow(/at/);
  });
});

// ---------------------------------------------------------------------------------------------
// The offline verifier agrees with chain.ts (no database: a bundle built here)
// ---------------------------------------------------------------------------------------------

describe('audit/verify-offline.mjs on a bundle built from chain.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-offline-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = signingKeyFrom(DEV_SIGNING_KEY_PKCS8_BASE64);
  const rows = chainOf(fc.sample(contentArb, { numRuns: 300, seed: 20260301 }));
  const cp = { id: 1, ...signCheckpoint({ last_id: 250, last_hash: rows[249].hash, row_count: 250, created_at: new Date().toISOString() }, key) };
  const bundle = {
    format: 'citycode-audit-export/1',
    exportedAt: new Date().toISOString(),
    fromId: 1,
    toId: rows.length,
    toEnd: true,
    startPrevHash: GENESIS_HASH,
    head: { last_id: rows.length, last_hash: rows[rows.length - 1].hash },
    rows,
    checkpoints: [cp],
    publicKeyPem: key.publicKeyPem,
    publicKeys: [{ keyId: key.keyId, pem: key.publicKeyPem }],
  };

  function run(b: unknown): { status: number | null; stdout: string; stderr: string } {
    const file = join(dir, `b-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(b));
    const r = spawnSync(process.execPath, ['audit/verify-offline.mjs', file, '--json'], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('accepts the intact bundle (300 random rows, unicode and JSON details included)', () => {
    const r = run(bundle);
    expect(r.stderr).toContain('trusting the keys inside the bundle');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, checkedRows: 300, checkpointsVerified: 1, lastHash: rows[299].hash });
  });

  it('names the row whose field changed', () => {
    const tampered = { ...bundle, rows: rows.map((r) => (r.id === 123 ? { ...r, policy: `${r.policy}!` } : r)) };
    const r = run(tampered);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, firstBrokenId: 123, reason: 'HASH_MISMATCH' });
    expect(r.stderr).toMatch(/BROKEN at row 123: HASH_MISMATCH/);
  });
});
