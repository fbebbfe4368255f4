import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Request, RequestHandler } from 'express';
import type { Auth } from '../../api/auth';
import { AuthError } from '../../api/auth';
import { trustedPublicKeys } from '../../audit/keys';
import type { Logger } from '../../core/logger';
import { checkManifest, type SignedManifest } from '../../exchange/manifest';
import { FUTIAN } from '../../domain/districtPlatforms';
import type { FutianStore, ReturnedRow } from './store';

/**
 * POST /return-flow: the city's deliveries of 福田's rows (数据回流, docs/sharing.md). Only the city
 * platform's service account (SZ-ZSJ, a Keycloak service account) may deliver; the manifest (header
 * X-Citycode-Manifest, base64 JSON) must carry a valid signature of a trusted platform key and name
 * this district; the body (NDJSON) is streamed into one transaction and committed only when its
 * row count and sha256 are the manifest's. A delivery already received is answered, not taken
 * twice. Answers { received, duplicate } or { error, code, hint }.
 */
const CITY_PLATFORM = 'SZ-ZSJ';

class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

async function* rowsOf(req: Request, digest: { hash: ReturnType<typeof createHash>; bytes: number; lines: number }): AsyncGenerator<ReturnedRow> {
  req.on('data', (chunk: Buffer) => {
    digest.hash.update(chunk);
    digest.bytes += chunk.length;
  });
  for await (const line of createInterface({ input: req, crlfDelay: Infinity })) {
    if (line === '') continue;
    digest.lines++;
    let row: ReturnedRow;
    try {
      row = JSON.parse(line) as ReturnedRow;
    } catch {
      throw new Refused(400, 'BAD_USER_INPUT', `line ${digest.lines} is not JSON`, 'Send the delivery file as written (NDJSON).');
    }
    if (typeof row.code !== 'string' || typeof row.kind !== 'string' || typeof row.values !== 'object' || row.values === null) {
      throw new Refused(400, 'BAD_USER_INPUT', `line ${digest.lines} is not a row {code, kind, values}`, 'Send the delivery file as written (NDJSON).');
    }
    yield { code: row.code, kind: row.kind, values: row.values, event: typeof row.event === 'number' ? row.event : null };
  }
}

export function returnFlowEndpoint(store: FutianStore, auth: Auth, log: Logger, district: string = FUTIAN.code): RequestHandler {
  const DISTRICT = district;
  return async (req, res) => {
    try {
      if (!req.headers.authorization) throw new Refused(401, 'UNAUTHENTICATED', 'a delivery needs the platform’s bearer token', 'Deliveries come from the city platform’s service account.');
      let subject;
      try {
        subject = await auth.subjectOfAuthorization(req.headers.authorization);
      } catch (err) {
        if (err instanceof AuthError) throw new Refused(err.status, err.code, err.message, err.hint);
        throw err;
      }
      if (!subject.serviceAccount || subject.department !== CITY_PLATFORM) {
        throw new Refused(403, 'FORBIDDEN', 'only the city platform delivers return flows', 'Deliveries come from the city platform’s service account (SZ-ZSJ).');
      }
      const header = req.header('x-citycode-manifest');
      let manifest: SignedManifest;
      try {
        manifest = JSON.parse(Buffer.from(header ?? '', 'base64').toString('utf8')) as SignedManifest;
      } catch {
        throw new Refused(400, 'BAD_USER_INPUT', 'X-Citycode-Manifest is not base64 JSON', 'Send the signed manifest of the delivery.');
      }
      if (manifest?.source?.kind !== 'RETURN_FLOW' || typeof manifest.source.id !== 'string') throw new Refused(400, 'BAD_USER_INPUT', 'the manifest is not of a return-flow delivery', 'Send the signed manifest of the delivery.');
      const signature = checkManifest(manifest, trustedPublicKeys());
      if (signature !== 'VALID') throw new Refused(400, 'BAD_SIGNATURE', `the manifest's signature is ${signature}`, 'Deliveries are signed with the platform key; a changed manifest is refused.');
      if (manifest.selection.district !== DISTRICT) throw new Refused(400, 'BAD_USER_INPUT', `the delivery is for district ${String(manifest.selection.district)}, not ${DISTRICT}`, 'Deliver to that district’s endpoint.');
      const digest = { hash: createHash('sha256'), bytes: 0, lines: 0 };
      const result = await store.receiveDelivery(
        { delivery: manifest.source.id, flow: String(manifest.selection.flow), rows: manifest.file.rows, sha256: manifest.file.sha256, domain: String(manifest.selection.domain) },
        rowsOf(req, digest),
        () => {
          const sha256 = digest.hash.digest('hex');
          if (digest.lines !== manifest.file.rows || sha256 !== manifest.file.sha256) {
            throw new Refused(400, 'CHECKSUM_MISMATCH', `received ${digest.lines} rows with sha256 ${sha256}; the manifest says ${manifest.file.rows} rows, ${manifest.file.sha256}`, 'Send the file again; nothing was taken.');
          }
        },
      );
      log.info({ delivery: manifest.source.id, ...result }, 'return-flow delivery received');
      res.json(result);
    } catch (err) {
      if (err instanceof Refused) {
        res.status(err.status).json({ error: err.message, code: err.code, hint: err.hint });
        return;
      }
      log.error({ err }, 'return-flow delivery failed');
      res.status(500).json({ error: 'the delivery could not be stored', code: 'INTERNAL_SERVER_ERROR', hint: 'Retry; nothing was taken.' });
    }
  };
}
