/**
 * The persisted-operation allow-list (docs/security.md, "Allow-list"): in `enforce` mode only
 * operations whose text (sha256, as Apollo's query hash) is in the manifest run; any other is
 * refused with OPERATION_NOT_ALLOWED before it is validated. `record` runs everything and adds
 * each new operation to the manifest (a staging run of the apps and the console fills it); `off`
 * (development) checks nothing. The manifest is Apollo's persisted query manifest format
 * (`apollo-persisted-query-manifest`), and `npm run generate` writes the one of the example
 * operations (client/operations) to client/persisted-operations.json.
 */
import type { RequestHandler } from 'express';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import type { Config } from '../core/config';
import { CityCodeError } from '../core/errors';
import { logger } from '../core/logger';

export interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export interface Manifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: ManifestOperation[];
}

export function operationId(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** A manifest entry for each operation of `body` (a document with one operation). */
export function manifestEntry(body: string): ManifestOperation {
  const op = parse(body).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return { id: operationId(body), name: op?.name?.value ?? '', type: op?.operation ?? 'query', body };
}

export function readManifest(file: string): Manifest {
  if (!existsSync(file)) return { format: 'apollo-persisted-query-manifest', version: 1, operations: [] };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Manifest>;
  if (parsed.format !== 'apollo-persisted-query-manifest' || parsed.version !== 1 || !Array.isArray(parsed.operations)) {
    throw new Error(`${file} is not an apollo-persisted-query-manifest version 1`);
  }
  return parsed as Manifest;
}

export function notAllowed(): CityCodeError {
  return new CityCodeError(
    'OPERATION_NOT_ALLOWED',
    'This operation is not on the allow-list of this deployment',
    'Production runs only registered operations: add it to the manifest (docs/operations.md, "Allow-list") and redeploy.',
    { http: { status: 400 } },
  );
}

interface Body {
  query?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } };
}

/**
 * The allow-list of one process; null when the mode is off. `middleware` runs after the JSON body
 * parser, before Apollo (an operation not listed is refused before it is parsed or validated);
 * `admitsText` is the same check for operations over WebSocket (api/subscriptions.ts). A client
 * may send the operation's text, or over HTTP only its id (`extensions.persistedQuery.sha256Hash`,
 * as Apollo's persisted queries): the text is then taken from the manifest.
 */
export interface AllowList {
  admitsText(text: string): boolean;
  middleware: RequestHandler;
}

export function allowList(config: Config['persistedOperations']): AllowList | null {
  if (config.mode === 'off') return null;
  const manifest = readManifest(config.manifest);
  const byId = new Map(manifest.operations.map((o) => [o.id, o.body]));
  logger.info({ mode: config.mode, operations: byId.size, manifest: config.manifest }, 'persisted-operation allow-list');
  const record = (body: string) => {
    const id = operationId(body);
    if (byId.has(id)) return;
    let entry: ManifestOperation;
    try {
      entry = manifestEntry(body);
    } catch {
      return; // not GraphQL: the parser refuses it anyway, nothing to record
    }
    byId.set(id, body);
    manifest.operations.push(entry);
    const tmp = `${config.manifest}.tmp`;
    writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
    renameSync(tmp, config.manifest);
  };
  const admitsText = (text: string): boolean => {
    if (config.mode === 'record') {
      record(text);
      return true;
    }
    return byId.has(operationId(text));
  };
  /** True when the operation may run (its text filled in from the manifest when only the id came). */
  const admit = (body: Body): boolean => {
    if (!body || typeof body !== 'object') return true; // Apollo refuses it as a bad request
    const hash = body.extensions?.persistedQuery?.sha256Hash;
    if (typeof body.query !== 'string') {
      if (typeof hash !== 'string' || !byId.has(hash)) return false;
      body.query = byId.get(hash);
      return true;
    }
    return admitsText(body.query);
  };
  const middleware: RequestHandler = (req, res, next) => {
    // GET carries the operation in the query string (Apollo runs queries sent so); it is checked
    // the same way, by its text (an id alone is for POST, where the text can be filled in).
    const viaGet = req.method === 'GET' && req.query.query !== undefined;
    const bodies: Body[] = viaGet ? [{ query: typeof req.query.query === 'string' ? req.query.query : undefined }] : Array.isArray(req.body) ? (req.body as Body[]) : [req.body as Body];
    if (bodies.every(admit)) return next();
    const error = notAllowed();
    res.status(400).json({ errors: [{ message: error.message, extensions: { code: 'OPERATION_NOT_ALLOWED', hint: error.extensions.hint } }] });
  };
  return { admitsText, middleware };
}
