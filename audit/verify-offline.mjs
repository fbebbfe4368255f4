#!/usr/bin/env node
// Offline verifier for citycode audit exports (docs/audit.md, "Offline verification").
//
//   node verify-offline.mjs BUNDLE.json [--public-key KEY.pem] [--anchor OLDER.json]... [--json]
//
// Plain Node (18 or newer), node:crypto only, nothing from the citycode repository: copy this one
// file to the auditor's machine. It checks
//   - the rows: ids contiguous, each prev_hash = the previous row's hash, each hash =
//     sha256(prev_hash || canonical JSON of the row's content);
//   - every checkpoint in the bundle: its Ed25519 signature, and that the row it names has the
//     signed hash; a checkpoint past the last row means the log was cut (TRUNCATED);
//   - every --anchor (checkpoints from an earlier export kept elsewhere): the same checks, and
//     that the checkpoint is still in the bundle.
// Signatures are checked against --public-key when given (obtain it out of band: the key inside a
// bundle proves nothing against someone who can rewrite the bundle), else against the keys the
// bundle carries, with a warning.
// Exit status: 0 intact; 1 broken (the first broken row is named); 2 bad usage or unreadable input.

import { createHash, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const GENESIS_HASH = '0'.repeat(64);
const CONTENT_KEYS = [
  'at',
  'subject',
  'department',
  'purpose',
  'operation_hash',
  'operation_name',
  'entity_codes',
  'fields',
  'decision',
  'policy',
  'detail',
];

// ---- canonical hashing (the same rules as audit/chain.ts) ----------------------------------

function canonicalJson(value) {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`no canonical form for ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`no canonical form for a ${typeof value}`);
}

function isoMillis(at) {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) throw new TypeError(`not a timestamp: ${at}`);
  return date.toISOString();
}

function rowHash(prev, row) {
  const members = CONTENT_KEYS.map((key) => `${JSON.stringify(key)}:${canonicalJson(key === 'at' ? isoMillis(row.at) : row[key])}`);
  return createHash('sha256').update(prev + `{${members.join(',')}}`, 'utf8').digest('hex');
}

function safeRowHash(prev, row) {
  try {
    return rowHash(prev, row);
  } catch {
    return null;
  }
}

// ---- the chain ----------------------------------------------------------------------------

function verifyRows(rows, startPrevHash, startId) {
  const byHash = new Map();
  const ids = new Set();
  for (const r of rows) {
    if (!byHash.has(r.hash)) byHash.set(r.hash, r.id);
    ids.add(r.id);
  }
  let expectedId = startId;
  let expectedPrev = startPrevHash;
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index];
    const broken = (reason, message) => ({ ok: false, firstBrokenId: row.id, index, reason, count: index, message });
    if (row.id !== expectedId) {
      if (!Number.isSafeInteger(row.id) || row.id < expectedId || ids.has(expectedId)) {
        return broken('REORDERED', `row ${row.id} stands where row ${expectedId} belongs`);
      }
      const missing = row.id - 1 > expectedId ? `rows ${expectedId}..${row.id - 1} are` : `row ${expectedId} is`;
      return broken('GAP', `${missing} missing before row ${row.id}`);
    }
    if (safeRowHash(row.prev_hash, row) !== row.hash) {
      return broken('HASH_MISMATCH', `row ${row.id}: the stored hash is not the hash of the row's content`);
    }
    if (row.prev_hash !== expectedPrev) {
      const predecessor = row.prev_hash === GENESIS_HASH ? 0 : byHash.get(row.prev_hash);
      if (predecessor !== undefined) {
        const after = predecessor === 0 ? 'the genesis hash' : `row ${predecessor}`;
        return broken('REORDERED', `row ${row.id} is a genuine entry of the chain but follows ${after}, not row ${row.id - 1}`);
      }
      return broken('PREV_HASH_MISMATCH', `row ${row.id} does not link to the hash of row ${row.id - 1}`);
    }
    expectedPrev = row.hash;
    expectedId = row.id + 1;
  }
  return { ok: true, count: rows.length, lastHash: expectedPrev };
}

// ---- signatures ---------------------------------------------------------------------------

function keyIdOf(publicKey) {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

function publicKeyFrom(text) {
  const trimmed = String(text).trim();
  let key;
  if (trimmed.includes('PRIVATE KEY')) key = createPublicKey(createPrivateKey({ key: trimmed, format: 'pem' }));
  else if (trimmed.startsWith('-----BEGIN')) key = createPublicKey({ key: trimmed, format: 'pem' });
  else key = createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the public key is ${key.asymmetricKeyType}, not Ed25519`);
  return key;
}

function checkpointPayload(cp) {
  return JSON.stringify({ last_id: cp.last_id, last_hash: cp.last_hash, row_count: cp.row_count, created_at: isoMillis(cp.created_at) });
}

function signatureStatus(cp, keys) {
  const key = keys.get(cp.key_id);
  if (!key) return 'UNKNOWN_KEY';
  try {
    return verify(null, Buffer.from(checkpointPayload(cp), 'utf8'), key, Buffer.from(String(cp.signature), 'base64'))
      ? 'VALID'
      : 'BAD_SIGNATURE';
  } catch {
    return 'BAD_SIGNATURE';
  }
}

// ---- the bundle ---------------------------------------------------------------------------

export function verifyBundle(bundle, { publicKeys = null, anchors = [] } = {}) {
  if (!bundle || bundle.format !== 'citycode-audit-export/1' || !Array.isArray(bundle.rows) || !Array.isArray(bundle.checkpoints)) {
    throw new Error('not a citycode audit export (format citycode-audit-export/1)');
  }
  const keys = new Map();
  const warnings = [];
  if (publicKeys && publicKeys.length > 0) {
    for (const k of publicKeys) keys.set(keyIdOf(k), k);
  } else {
    warnings.push('no --public-key given: trusting the keys inside the bundle, which only proves consistency');
    for (const { pem } of bundle.publicKeys ?? [{ pem: bundle.publicKeyPem }]) {
      const k = publicKeyFrom(pem);
      keys.set(keyIdOf(k), k);
    }
  }
  const rows = bundle.rows;
  const fromId = bundle.fromId;
  const lastRow = rows.length > 0 ? rows[rows.length - 1].id : fromId - 1;
  const findings = [];

  if (fromId === 1 && bundle.startPrevHash !== GENESIS_HASH) {
    findings.push({ firstBrokenId: 1, reason: 'PREV_HASH_MISMATCH', message: 'a chain starting at row 1 must start from the genesis hash' });
  }
  const chain = verifyRows(rows, bundle.startPrevHash, fromId);
  if (!chain.ok) findings.push(chain);

  const hashById = new Map(rows.map((r) => [r.id, r.hash]));
  const inBundle = new Set(bundle.checkpoints.map((c) => `${c.last_id}:${c.signature}`));
  let checkpointsVerified = 0;
  const check = (cp, what) => {
    const status = signatureStatus(cp, keys);
    if (status !== 'VALID') {
      findings.push({
        reason: 'CHECKPOINT_SIGNATURE',
        checkpointId: cp.id,
        message:
          status === 'UNKNOWN_KEY'
            ? `${what} ${cp.id} is signed by key ${cp.key_id}, which is not trusted`
            : `${what} ${cp.id} (row ${cp.last_id}) has a signature that does not verify`,
      });
      return false;
    }
    if (cp.row_count !== cp.last_id) {
      findings.push({ firstBrokenId: cp.last_id, reason: 'CHECKPOINT_MISMATCH', checkpointId: cp.id, message: `${what} ${cp.id} counts ${cp.row_count} rows up to row ${cp.last_id}` });
      return false;
    }
    if (cp.last_id < fromId) return false; // before the exported range: nothing to compare with
    if (cp.last_id > lastRow) {
      if (!bundle.toEnd && cp.last_id > bundle.toId) return false;
      findings.push({
        firstBrokenId: lastRow + 1,
        reason: 'TRUNCATED',
        checkpointId: cp.id,
        message: `${what} ${cp.id} signed ${cp.row_count} rows up to row ${cp.last_id}, but the log ends at row ${lastRow}`,
      });
      return false;
    }
    const hash = hashById.get(cp.last_id);
    if (hash !== cp.last_hash) {
      findings.push({
        firstBrokenId: cp.last_id,
        reason: 'CHECKPOINT_MISMATCH',
        checkpointId: cp.id,
        message:
          hash === undefined
            ? `${what} ${cp.id} signed row ${cp.last_id}, which is missing`
            : `row ${cp.last_id}'s hash is not the one ${what} ${cp.id} signed: the chain was rewritten up to here`,
      });
      return false;
    }
    return true;
  };
  for (const cp of bundle.checkpoints) if (check(cp, 'checkpoint')) checkpointsVerified++;
  for (const anchor of anchors) {
    const inRange = anchor.last_id >= fromId && (bundle.toEnd || anchor.last_id <= bundle.toId);
    if (check(anchor, 'anchor checkpoint') && inRange && !inBundle.has(`${anchor.last_id}:${anchor.signature}`)) {
      checkpointsVerified++;
      findings.push({
        reason: 'CHECKPOINT_MISSING',
        checkpointId: anchor.id,
        message: `checkpoint ${anchor.id} (row ${anchor.last_id}) from an earlier export is missing from this one`,
      });
    }
  }

  let first;
  for (const f of findings) {
    if (!first) first = f;
    else if (f.firstBrokenId !== undefined && (first.firstBrokenId === undefined || f.firstBrokenId < first.firstBrokenId)) first = f;
  }
  const result = {
    ok: first === undefined,
    checkedRows: chain.count,
    checkpointsVerified,
    fromId,
    toId: lastRow,
    keyIds: [...keys.keys()],
    warnings,
  };
  if (first) {
    result.firstBrokenId = first.firstBrokenId;
    result.reason = first.reason;
    result.message = first.message;
    if (first.checkpointId !== undefined) result.checkpointId = first.checkpointId;
  } else {
    result.lastHash = chain.lastHash;
  }
  return result;
}

// ---- command line -------------------------------------------------------------------------

function usage(message) {
  process.stderr.write(`${message ? `${message}\n` : ''}usage: node verify-offline.mjs BUNDLE.json [--public-key KEY.pem] [--anchor OLDER.json]... [--json]\n`);
  process.exit(2);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    usage(`cannot read ${file}: ${err.message}`);
  }
}

function main(argv) {
  let bundleFile;
  const keyFiles = [];
  const anchorFiles = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--public-key') keyFiles.push(argv[++i] ?? usage('--public-key needs a file'));
    else if (arg === '--anchor') anchorFiles.push(argv[++i] ?? usage('--anchor needs a file'));
    else if (arg === '--json') json = true;
    else if (arg === '-h' || arg === '--help') usage();
    else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else if (bundleFile === undefined) bundleFile = arg;
    else usage(`unexpected argument ${arg}`);
  }
  if (!bundleFile) usage('no bundle given');
  const bundle = readJson(bundleFile);
  let publicKeys;
  try {
    publicKeys = keyFiles.map((f) => publicKeyFrom(readFileSync(f, 'utf8')));
  } catch (err) {
    usage(`cannot use the public key: ${err.message}`);
  }
  const anchors = anchorFiles.flatMap((f) => {
    const parsed = readJson(f);
    const list = Array.isArray(parsed) ? parsed : parsed.checkpoints;
    if (!Array.isArray(list)) usage(`${f} holds neither an export bundle nor an array of checkpoints`);
    return list;
  });
  let result;
  try {
    result = verifyBundle(bundle, { publicKeys, anchors });
  } catch (err) {
    usage(`${bundleFile}: ${err.message}`);
  }
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  if (result.ok) {
    if (!json) {
      process.stdout.write(
        `OK: rows ${result.fromId}..${result.toId} (${result.checkedRows}) form an intact chain; ${result.checkpointsVerified} signed checkpoint(s) verified (key ${result.keyIds.join(', ')})\n`,
      );
    }
    process.exit(0);
  }
  const where = result.firstBrokenId !== undefined ? ` at row ${result.firstBrokenId}` : ` (checkpoint ${result.checkpointId})`;
  process.stderr.write(`BROKEN${where}: ${result.reason}: ${result.message}\n`);
  const row = bundle.rows.find((r) => r.id === result.firstBrokenId);
  if (row) process.stderr.write(`first broken row: ${JSON.stringify(row)}\n`);
  process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
