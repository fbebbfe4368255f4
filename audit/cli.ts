import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config';
import { SqlStore } from '../store/postgres';
import { AuditIntegrityError, createCheckpoint } from './checkpoint';
import { exportAudit } from './export';
import { generateSigningKey } from './keys';
import { AuditCheckpoint, readRow } from './rows';
import { verifyAudit } from './verify';

/**
 * The audit trail from the command line (docs/audit.md, "Command line"):
 *   node dist/audit/cli.js verify [--from N] [--to N] [--anchor bundle.json]...
 *   node dist/audit/cli.js checkpoint
 *   node dist/audit/cli.js export --out file.json [--from N] [--to N]
 *   node dist/audit/cli.js keygen
 * Exit status: 0 intact, 1 the trail is broken (the first broken row is printed), 2 bad usage.
 */

const USAGE = `usage: node dist/audit/cli.js verify [--from N] [--to N] [--anchor FILE]...
       node dist/audit/cli.js checkpoint
       node dist/audit/cli.js export --out FILE [--from N] [--to N]
       node dist/audit/cli.js keygen`;

export class UsageError extends Error {}

function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

/** Checkpoints from an earlier export bundle, or from a JSON array of checkpoints. */
function readAnchors(files: string[]): AuditCheckpoint[] {
  return files.flatMap((file) => {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const list = Array.isArray(parsed) ? parsed : (parsed as { checkpoints?: unknown }).checkpoints;
    if (!Array.isArray(list)) throw new UsageError(`${file} holds neither an export bundle nor an array of checkpoints`);
    return list as AuditCheckpoint[];
  });
}

export interface CliIo {
  /** The store to use; default one from loadConfig(), closed at the end. */
  sql?: SqlStore;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

/** Runs one command; returns the exit status. Usage errors throw UsageError. */
export async function runCli(argv: string[], io: CliIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const errOut = io.err ?? ((t: string) => process.stderr.write(t));
  const print = (value: unknown): void => out(`${JSON.stringify(value, null, 2)}\n`);
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      anchor: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    out(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (command === 'keygen') {
    const key = generateSigningKey();
    out(
      `# audit signing key ${key.keyId}: keep the private key secret (CITYCODE_AUDIT_SIGNING_KEY or _FILE),\n` +
        `# publish the public key to the people who verify exports.\n${key.privateKeyPem}${key.publicKeyPem}`,
    );
    return 0;
  }
  const fromId = intOption(values.from, 'from');
  const toId = intOption(values.to, 'to');
  const sql = io.sql ?? new SqlStore(loadConfig().postgres);
  try {
    switch (command) {
      case 'verify': {
        const result = await verifyAudit(sql, { fromId, toId, anchors: readAnchors(values.anchor ?? []) });
        print(result);
        if (!result.ok) {
          const row = result.firstBrokenId !== undefined ? await readRow(sql.pool, result.firstBrokenId) : null;
          errOut(
            `AUDIT TRAIL BROKEN: ${result.reason}${result.firstBrokenId !== undefined ? ` at row ${result.firstBrokenId}` : ''}: ${result.message}\n`,
          );
          if (row) errOut(`first broken row: ${JSON.stringify(row)}\n`);
          return 1;
        }
        return 0;
      }
      case 'checkpoint': {
        try {
          const cp = await createCheckpoint(sql);
          print(cp ?? { message: 'the audit log is empty; no checkpoint' });
          return 0;
        } catch (err) {
          if (!(err instanceof AuditIntegrityError)) throw err;
          errOut(`AUDIT TRAIL BROKEN: ${err.reason} at row ${err.firstBrokenId}: ${err.message}\n`);
          return 1;
        }
      }
      case 'export': {
        if (!values.out) throw new UsageError('export needs --out FILE');
        const bundle = await exportAudit(sql, { fromId, toId });
        writeFileSync(values.out, JSON.stringify(bundle));
        print({ out: values.out, rows: bundle.rows.length, fromId: bundle.fromId, toId: bundle.toId, checkpoints: bundle.checkpoints.length });
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    if (!io.sql) await sql.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
        process.exit(2);
      }
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(2);
    },
  );
}
