import { createReadStream, existsSync, statSync } from 'node:fs';
import { Router } from 'express';
import { fileOf } from '../exchange/export';
import { COMMITTEE_DEPARTMENT } from '../policy/requests';
import { STEWARD_ROLE } from '../policy/roles';
import { jobById } from '../sharing/exports';
import type { Stores } from '../store/stores';
import { AuthError } from './auth';
import type { AppServices } from './services';

/**
 * GET /exports/:id/file and /exports/:id/manifest: a finished export's file and its signed
 * manifest, streamed, to its department's users and the committee's stewards (bearer token as for
 * /graphql). Every download is a GOVERNANCE entry of the audit chain. Errors answer
 * { error, code, hint }.
 */
const TYPES: Record<string, string> = { NDJSON: 'application/x-ndjson', CSV: 'text/csv; charset=utf-8', GEOJSON: 'application/geo+json' };

export function exportRoutes(stores: Stores, services: AppServices): Router {
  const router = Router();
  router.get('/exports/:id/:part', async (req, res) => {
    const refuse = (status: number, code: string, error: string, hint: string) => res.status(status).json({ error, code, hint });
    if (req.params.part !== 'file' && req.params.part !== 'manifest') return void refuse(404, 'NOT_FOUND', 'no such part', 'Ask for /exports/<id>/file or /exports/<id>/manifest.');
    let subject;
    try {
      subject = await services.auth.subjectOfAuthorization(req.headers.authorization);
    } catch (err) {
      if (err instanceof AuthError) return void refuse(err.status, err.code, err.message, err.hint);
      throw err;
    }
    const job = /^ex-\d{6,}$/.test(req.params.id) ? await jobById(stores.sql, req.params.id) : null;
    const committee = subject.department === COMMITTEE_DEPARTMENT && subject.roles.includes(STEWARD_ROLE);
    if (!job || subject.anonymous || (subject.department !== job.department && !committee)) {
      return void refuse(404, 'NOT_FOUND', `no export ${req.params.id.slice(0, 40)} of yours`, 'List your exports with the exportJobs query.');
    }
    if (job.state !== 'DONE') return void refuse(409, 'CONFLICT', `export ${job.id} is ${job.state}`, 'Wait until exportJob(id).state is DONE (or resumeExport a FAILED one).');
    const paths = fileOf(services.exports.dir, job);
    const path = req.params.part === 'file' ? paths.data : paths.manifest;
    if (!existsSync(path)) return void refuse(410, 'GONE', `the file of export ${job.id} is no longer kept`, 'Start the export again.');
    services.audit?.record({
      subject,
      purpose: job.purpose,
      operationHash: `${job.id}:${req.params.part}`,
      operationName: 'downloadExport',
      entityCodes: [],
      fields: [],
      decision: 'GOVERNANCE',
      policy: `export:${job.id}@${job.policyVersion}`,
      detail: { export: job.id, part: req.params.part, sha256: job.sha256, rows: job.rows },
    });
    res.setHeader('content-type', req.params.part === 'file' ? TYPES[job.format] : 'application/json');
    res.setHeader('content-length', String(statSync(path).size));
    res.setHeader('content-disposition', `attachment; filename="${path.split('/').pop()}"`);
    createReadStream(path).pipe(res);
  });
  return router;
}
