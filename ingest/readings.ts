/**
 * Readings in (物联感知接入): batches and streams of readings checked one by one (domain/readings.ts),
 * readings of unregistered devices refused, the rest written in batches of at most 10,000 (one
 * statement each, iot/store.ts). A refused reading never stops the others; each is reported with
 * its index, code and reason. The device registry follows the graph (syncDeviceRegistry).
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { checkReading, READING_STORE, rejectionHint, type ReadingInput, type RejectedReading } from '../domain/readings';
import { devicesOfGraph } from '../graph/devices';
import { registerDevices, registeredDevices, writeReadings } from '../iot/store';
import type { Stores } from '../store/stores';

export interface ReadingsReport {
  received: number;
  written: number;
  duplicates: number;
  /** How many were refused; the first 100 are listed in `rejected`. */
  rejectedCount: number;
  rejected: (RejectedReading & { hint: string })[];
}

/** At most this many refusals are listed in a report (the count is always whole). */
const MAX_LISTED = 100;

export function emptyReport(): ReadingsReport {
  return { received: 0, written: 0, duplicates: 0, rejectedCount: 0, rejected: [] };
}

function refuse(report: ReadingsReport, r: RejectedReading): void {
  report.rejectedCount += 1;
  if (report.rejected.length < MAX_LISTED) report.rejected.push({ ...r, hint: rejectionHint(r.code) });
}

/** Checks and writes one batch (raw JSON values; their index in the request is `indexes[i]`, else `i`). */
export async function ingestReadingBatch(stores: Stores, raw: readonly unknown[], report: ReadingsReport, indexes?: readonly number[], now = new Date()): Promise<void> {
  report.received += raw.length;
  const checked: { reading: ReadingInput; index: number }[] = [];
  raw.forEach((value, i) => {
    const c = checkReading(value, indexes?.[i] ?? i, now);
    if (c.ok) checked.push({ reading: c.reading, index: indexes?.[i] ?? i });
    else refuse(report, c.rejected);
  });
  const known = await registeredDevices(stores.sql, checked.map((c) => c.reading.deviceCode));
  const kept: ReadingInput[] = [];
  for (const c of checked) {
    if (known.has(c.reading.deviceCode)) kept.push(c.reading);
    else refuse(report, { index: c.index, code: 'UNKNOWN_DEVICE', reason: `device ${c.reading.deviceCode} is not registered` });
  }
  for (let i = 0; i < kept.length; i += READING_STORE.maxBatch) {
    const r = await writeReadings(stores.sql, kept.slice(i, i + READING_STORE.maxBatch));
    report.written += r.written;
    report.duplicates += r.duplicates;
  }
}

/**
 * A stream of readings, one JSON object per line (NDJSON): written every `batchSize` lines, so a
 * long-lived stream lands as it arrives. A line that is not JSON is refused (code NOT_AN_OBJECT);
 * `index` is the line number from 1.
 */
export async function ingestReadingStream(stores: Stores, input: Readable, batchSize = 5_000): Promise<ReadingsReport> {
  const report = emptyReport();
  let values: unknown[] = [];
  let lines: number[] = [];
  const flush = async () => {
    await ingestReadingBatch(stores, values, report, lines);
    values = [];
    lines = [];
  };
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined; // refused as NOT_AN_OBJECT with its line number
    }
    values.push(value);
    lines.push(line);
    if (values.length >= Math.min(batchSize, READING_STORE.maxBatch)) await flush();
  }
  if (values.length) await flush();
  return report;
}

/** Registers every DEVICE object of the graph (or those given) with its building and regions; returns how many changed. */
export async function syncDeviceRegistry(stores: Stores, codes: readonly string[] | null = null): Promise<number> {
  const devices = await devicesOfGraph(stores.graph, codes);
  let changed = 0;
  for (let i = 0; i < devices.length; i += 5_000) changed += await registerDevices(stores.sql, devices.slice(i, i + 5_000));
  return changed;
}
