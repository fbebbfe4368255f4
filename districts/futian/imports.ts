/**
 * 离线交换 on the district's side: importing a file the city exported (any format), after checking
 * it against its signed manifest (a trusted platform key, the row count, the sha256), into 福田's
 * schema in file order; and writing an imported file out again in the same format — byte for byte
 * the file that was imported (the round trip the exchange promises).
 *
 *   node dist/districts/futian/imports.js import <manifest.json> [<data file>]
 *   node dist/districts/futian/imports.js write <export id> <out file>
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { trustedPublicKeys } from '../../audit/keys';
import { checkExport } from '../../exchange/export';
import { decodeRows, encodeRows, fileHead, fileTail, type FileRow } from '../../exchange/formats';
import type { ExportFormat } from '../../sharing/exports';
import { futianConfig } from './config';
import { FutianStore } from './store';

export class ImportRefused extends Error {
  constructor(readonly problems: string[]) {
    super(`the file does not match its manifest: ${problems.join('; ')}`);
  }
}

/** Imports a checked export; returns its id and rows. Nothing is stored when any check fails. */
export async function importExport(store: FutianStore, manifestPath: string, dataPath?: string): Promise<{ exportId: string; rows: number }> {
  const check = await checkExport(manifestPath, trustedPublicKeys(), dataPath);
  if (!check.ok) throw new ImportRefused(check.problems);
  const m = check.manifest;
  const data = dataPath ?? join(dirname(manifestPath), m.file.name);
  const columns = Array.isArray(m.selection.columns) ? (m.selection.columns as string[]) : [];
  const rows = await store.importFile(
    { exportId: m.source.id, encoding: m.file.encoding, columns, rows: m.file.rows, sha256: m.file.sha256, manifest: m },
    decodeRows(m.file.encoding, createReadStream(data)),
  );
  return { exportId: m.source.id, rows };
}

/** Writes an imported file again, in its format, to `path`. */
export async function writeImported(store: FutianStore, exportId: string, path: string): Promise<number> {
  const file = await store.importedFile(exportId);
  if (!file) throw new Error(`no imported export ${exportId}`);
  const format = file.encoding as ExportFormat;
  const out = createWriteStream(path);
  const write = (text: string) => new Promise<void>((resolve, reject) => (text === '' ? resolve() : out.write(text, (err) => (err ? reject(err) : resolve()))));
  await write(fileHead(format, file.columns));
  let n = 0;
  let page: FileRow[] = [];
  const flush = async () => {
    await write(encodeRows(format, file.columns, page, n === 0));
    n += page.length;
    page = [];
  };
  for await (const r of store.importedRows(exportId)) {
    page.push(r);
    if (page.length >= 1000) await flush();
  }
  await flush();
  await write(fileTail(format));
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return n;
}

async function main(argv: string[]): Promise<number> {
  const [command, a, b] = argv;
  const store = new FutianStore(futianConfig().postgres);
  try {
    if (command === 'import' && a) {
      const r = await importExport(store, a, b);
      process.stdout.write(`imported ${r.rows} rows of ${r.exportId}\n`);
      return 0;
    }
    if (command === 'write' && a && b) {
      process.stdout.write(`wrote ${await writeImported(store, a, b)} rows to ${b}\n`);
      return 0;
    }
    process.stderr.write('usage: imports.js import <manifest.json> [<data>] | write <export id> <out file>\n');
    return 2;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
