import express, { Router } from 'express';
import { READING_STORE } from '../domain/readings';
import { loadDatasetFiles } from '../ingest/registry';
import { emptyReport, ingestReadingBatch, ingestReadingStream } from '../ingest/readings';
import type { Stores } from '../store/stores';
import { AuthError } from './auth';
import type { AppServices } from './services';

/**
 * POST /iot/readings (物联读数接入): readings of registered devices, as a JSON array (a batch of at
 * most 10,000) or as a stream of NDJSON lines (Content-Type application/x-ndjson, any length,
 * written every 5,000 lines). Only the department that owns the readings dataset
 * (swj-device-readings) writes, with a bearer token as for /graphql. The answer counts what was
 * received, written and skipped as already stored, and lists the refused readings with their
 * index (line), code, reason and hint. Every write is a GOVERNANCE entry of the audit chain.
 */
const READINGS_DATASET = 'swj-device-readings';

export function readingRoutes(stores: Stores, services: AppServices): Router {
  const router = Router();
  const owner = loadDatasetFiles().find((d) => d.id === READINGS_DATASET)?.department;
  if (!owner) throw new Error(`datasets/${READINGS_DATASET}.json is missing: nobody could write readings`);
  const json = express.json({ limit: '8mb', type: 'application/json' });
  router.post('/iot/readings', async (req, res, next) => {
    const refuse = (status: number, code: string, error: string, hint: string) => res.status(status).json({ error, code, hint });
    let subject;
    try {
      subject = await services.auth.subjectOfAuthorization(req.headers.authorization);
    } catch (err) {
      if (err instanceof AuthError) return void refuse(err.status, err.code, err.message, err.hint);
      return void next(err);
    }
    if (subject.anonymous || subject.department !== owner) {
      return void refuse(403, 'FORBIDDEN', `writing readings is for ${owner}, the owner of dataset ${READINGS_DATASET}`, 'Send readings with a token of the owning department (or its service account).');
    }
    try {
      const type = String(req.headers['content-type'] ?? '').split(';')[0].trim();
      let report;
      if (type === 'application/x-ndjson') {
        report = await ingestReadingStream(stores, req);
      } else if (type === 'application/json') {
        await new Promise<void>((resolve, reject) => json(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
        const body: unknown = req.body;
        if (!Array.isArray(body)) return void refuse(400, 'BAD_USER_INPUT', 'the body is not a JSON array of readings', 'Send [{"deviceCode", "metric", "at", "value"}, …] or NDJSON.');
        if (body.length > READING_STORE.maxBatch) return void refuse(413, 'BAD_USER_INPUT', `a batch holds at most ${READING_STORE.maxBatch} readings`, 'Split the batch, or stream NDJSON.');
        report = emptyReport();
        await ingestReadingBatch(stores, body, report);
      } else {
        return void refuse(415, 'BAD_USER_INPUT', `content type ${type || '(none)'} is not accepted`, 'Send application/json (an array) or application/x-ndjson (one reading per line).');
      }
      services.audit?.record({
        subject,
        purpose: null,
        operationHash: `iot-readings:${Date.now()}`,
        operationName: 'writeReadings',
        entityCodes: [],
        fields: [],
        decision: 'GOVERNANCE',
        policy: `dataset:${READINGS_DATASET}`,
        detail: { received: report.received, written: report.written, duplicates: report.duplicates, rejected: report.rejectedCount },
      });
      res.status(200).json(report);
    } catch (err) {
      const status = (err as { status?: number; type?: string }).status;
      if (status === 400 || status === 413) return void refuse(status, 'BAD_USER_INPUT', (err as Error).message, 'Send a well-formed JSON array of at most 8 MB, or stream NDJSON.');
      next(err);
    }
  });
  return router;
}
