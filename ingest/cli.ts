#!/usr/bin/env node
import 'reflect-metadata';
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { closeStores, openStores } from '../store/stores';
import { loadConfig } from '../core/config';
import { logger } from '../core/logger';
import { ingestFile, IngestSummary } from './pipeline';
import { loadDatasetFiles, registerDatasetFiles } from './registry';
import { importBim } from './bim';
import { syncDeviceRegistry } from './readings';
import { refreshCatalogue } from './catalogue';
import { currentPolicy } from '../store/policy';

/**
 * citycode ingest: loads a department's file into the knowledge graph.
 *   npm run ingest -- --dataset <id> <file> [--format csv|jsonl|geojson] [--all-or-nothing]
 *                     [--batch-size 1000] [--rejects rejects.jsonl] [--json]
 *   npm run ingest -- --register        (registers datasets/*.json, also done before every ingest)
 * Exit codes: 0 done, 2 rejected rows under --all-or-nothing (nothing written), 1 error.
 */
const USAGE =
  'usage: npm run ingest -- --dataset <id> <file> [--format csv|jsonl|geojson] [--all-or-nothing] [--batch-size N] [--rejects FILE] [--throttle-ms N] [--json] [--no-progress]\n' +
  '       npm run ingest -- --bim <building city code> <model.ifc>   (BIM into CIM: storeys, spaces, components, parts)';

function printSummary(s: IngestSummary): void {
  const lines = [
    `dataset     ${s.dataset}`,
    `file        ${s.file} (sha256 ${s.fileHash.slice(0, 12)}…)`,
    `read        ${s.read}`,
    `matched     ${s.matched}`,
    `new         ${s.new}`,
    `review      ${s.review}`,
    `unchanged   ${s.unchanged}`,
    `conflicts   ${s.conflicts}`,
    `rejected    ${s.rejected}`,
    `registered  ${s.registered}/${s.located} located records (空间配准)`,
    `batches     ${s.batches}${s.resumedAtBatch > 0 ? ` (resumed at batch ${s.resumedAtBatch})` : ''}, ${s.ms} ms${s.written ? '' : ', NOTHING WRITTEN'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const r of s.rejectedRows.slice(0, 20)) process.stdout.write(`  rejected line ${r.line}: ${r.reason}\n`);
  if (s.rejected > 20) process.stdout.write(`  … ${s.rejected - 20} more rejected rows (--rejects FILE writes them all)\n`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dataset: { type: 'string' },
      format: { type: 'string' },
      'all-or-nothing': { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
      rejects: { type: 'string' },
      register: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'no-progress': { type: 'boolean', default: false },
      'throttle-ms': { type: 'string' },
      bim: { type: 'string' },
    },
  });
  const args = positionals[0] === 'ingest' ? positionals.slice(1) : positionals;
  if (values.bim) {
    if (args.length !== 1) {
      process.stderr.write(`${USAGE}\n`);
      return 1;
    }
    const stores = openStores(loadConfig());
    try {
      const report = await importBim(stores, { building: values.bim, file: args[0] });
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    } finally {
      await closeStores(stores);
    }
  }
  if (!values.register && (!values.dataset || args.length !== 1)) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  const stores = openStores(loadConfig());
  try {
    const registered = await registerDatasetFiles(stores);
    if (values.register) {
      process.stdout.write(`${registered.map((r) => `registered ${r.id} (${r.level})`).join('\n')}\n`);
      if (!values.dataset) return 0;
    }
    const rejects = values.rejects ? createWriteStream(values.rejects) : null;
    const summary = await ingestFile(stores, {
      dataset: values.dataset!,
      file: args[0],
      format: values.format ?? null,
      batchSize: values['batch-size'] ? Number(values['batch-size']) : undefined,
      allOrNothing: values['all-or-nothing'],
      progress: !values['no-progress'],
      throttleMs: values['throttle-ms'] ? Number(values['throttle-ms']) : undefined,
      onRejected: rejects ? (r) => rejects.write(`${JSON.stringify(r)}\n`) : undefined,
    });
    await new Promise<void>((resolve) => (rejects ? rejects.end(resolve) : resolve()));
    // The catalogue shows each dataset's rows, quality and freshness: as of this run.
    if (summary.written) await refreshCatalogue(stores, await currentPolicy(stores.sql));
    // New or moved IoT devices: readings find them by their device code (ingest/readings.ts).
    // Only a dataset of devices can change the registry, so only its ingest re-registers them.
    const definition = loadDatasetFiles().find((d) => d.id === values.dataset);
    if (summary.written && definition?.objectKind === 'DEVICE') await syncDeviceRegistry(stores);
    if (values.json) process.stdout.write(`${JSON.stringify({ ...summary, rejectedRows: summary.rejectedRows.slice(0, 100) })}\n`);
    else printSummary(summary);
    return summary.written ? 0 : 2;
  } finally {
    await closeStores(stores);
  }
}

main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    const e = err as { message?: string; extensions?: { code?: string; hint?: string } };
    logger.error({ err }, 'ingest failed');
    process.stderr.write(`ingest failed: ${e.message ?? String(err)}${e.extensions?.hint ? `\nhint: ${e.extensions.hint}` : ''}\n`);
    process.exit(1);
  });
