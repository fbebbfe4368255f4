/**
 * Who is calling: verifies the Keycloak bearer token of a request and turns its claims into a
 * Subject (core/subject.ts). This is the only module that knows about keycloak-connect, which
 * upstream has deprecated: swapping it for another JWT verifier means rewriting `verifySignature`
 * below and nothing else.
 *
 * keycloak-connect (bearer-only, GrantManager.validateToken) checks: RS256 signature against the
 * realm's JWKS (fetched by `kid`), `exp` when present, `typ` = Bearer, `iss` = realm URL, and,
 * only because we turn on `verify-token-audience`, that `aud` holds its `resource`. What it does
 * not do, and this module adds: reject any `alg` but RS256 before touching a key (`none`, HS256
 * signed with the public key, ...), reject tokens without `exp` (keycloak-connect treats a missing
 * `exp` as "not expired"), honour `nbf`, require `sub`, parse the JWT strictly (it decodes with
 * lenient base64 and swallows parse errors), bound the key fetch with a timeout (its HTTP call has
 * none), answer with the reason (its middleware swallows every error and answers 403 "Access
 * denied"), and tell "Keycloak unreachable" (503) from "bad token" (401). See docs/identity.md.
 *
 * Token lifecycle: a signed token stays valid until it expires, so on top of the signature the API
 * asks Keycloak's token introspection (as its own client, `citycode-api`, which every token names
 * in `aud`) whether the token is still active, and takes the caller's claims (department,
 * clearance, district scope, roles) from that answer: a user disabled, a session revoked or a role
 * removed takes effect within `recheckMs` (default 15 s; TOKEN_RECHECK_MS). The answer is kept per
 * token for that long, shared by concurrent requests of the token (core/recheck.ts).
 */
import type { Request, RequestHandler, Response } from 'express';
import Keycloak from 'keycloak-connect';
import { Config, loadConfig } from '../core/config';
import { Recheck } from '../core/recheck';
import { ANONYMOUS, LEVELS, Level, Subject } from '../core/subject';

export type AnonymousAccess = 'public' | 'deny';

export interface AuthConfig {
  /** Keycloak base URL as token issuers see it, e.g. http://127.0.0.1:8180 (no /realms/...). */
  keycloakUrl: string;
  realm: string;
  /** Must be in every accepted token's `aud`. */
  audience: string;
  /** Requests without a token: 'public' → the ANONYMOUS subject (L1 data only); 'deny' → 401. */
  anonymous: AnonymousAccess;
  /** How long to wait for the realm's signing keys before answering 503 (default 5000 ms). */
  keyFetchTimeoutMs?: number;
  /**
   * The API's own confidential client, with which it asks Keycloak's token introspection whether a
   * token is still active and what its user's claims are now; null turns the check off (tokens are
   * then trusted until they expire: tests of the local checks only).
   */
  introspection: { clientId: string; clientSecret: string } | null;
  /** How long an introspection answer is kept per token (default 15000 ms): the bound on revocation. */
  recheckMs?: number;
}

export interface Auth {
  /** Express middleware: verifies the bearer token (if any) and records the request's Subject. */
  middleware: RequestHandler;
  /** The Subject the middleware recorded for this request; throws if the middleware did not run. */
  subjectOf(req: Request): Subject;
  /** Verifies a raw access token (for transports other than HTTP headers); rejects with AuthError. */
  verify(token: string): Promise<Subject>;
  /**
   * The caller of an Authorization value sent another way than an HTTP header (a WebSocket's
   * connection parameters), decided as the middleware decides a header: none → ANONYMOUS or refused
   * per ANONYMOUS_ACCESS; rejects with AuthError.
   */
  subjectOfAuthorization(value: string | undefined): Promise<Subject>;
  /** The issuer tokens must carry: `${keycloakUrl}/realms/${realm}`. */
  issuer: string;
}

type OAuthError = 'invalid_request' | 'invalid_token';

/** A refused request: HTTP status, RFC 6750 error, GraphQL-style code and a hint saying what to fix. */
export class AuthError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401 | 503,
    readonly oauthError: OAuthError | undefined,
    readonly code: 'UNAUTHENTICATED' | 'BAD_REQUEST' | 'UNAVAILABLE',
    readonly hint: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

const ACCEPTED_ALG = 'RS256';
/** The API's client in the realm: the audience of its tokens, and who asks the introspection. */
const API_CLIENT = 'citycode-api';
const DEFAULT_RECHECK_MS = 15_000;
const MAX_TOKEN_LENGTH = 16 * 1024;
/** How many verified tokens are remembered (see `verify`). */
const VERIFIED_TOKEN_CACHE = 10_000;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** RFC 6750 b64token (token68), the only thing a Bearer credential may be. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const SERVICE_ACCOUNT_PREFIX = 'service-account-';
const NETWORK_FAILURE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|socket hang up|Error fetching JWK Keys/i;

const NEW_TOKEN_HINT = 'Get a new access token from Keycloak (realm citycode, see docs/identity.md) and send it as "Authorization: Bearer <token>".';

function invalidToken(message: string, hint = NEW_TOKEN_HINT): AuthError {
  return new AuthError(message, 401, 'invalid_token', 'UNAUTHENTICATED', hint);
}

/** Reads ANONYMOUS_ACCESS (public | deny) on top of KEYCLOAK_URL / KEYCLOAK_REALM from core/config. */
export function authConfigFromEnv(base: Pick<Config, 'keycloak'> = loadConfig(), env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const anonymous = (env.ANONYMOUS_ACCESS || 'public').trim().toLowerCase();
  if (anonymous !== 'public' && anonymous !== 'deny') {
    throw new Error(`ANONYMOUS_ACCESS must be "public" or "deny", got "${env.ANONYMOUS_ACCESS}"`);
  }
  const recheck = env.TOKEN_RECHECK_MS?.trim();
  const recheckMs = recheck ? Number(recheck) : DEFAULT_RECHECK_MS;
  if (!Number.isInteger(recheckMs) || recheckMs < 0 || recheckMs > 300_000) {
    throw new Error(`TOKEN_RECHECK_MS must be a whole number of milliseconds from 0 to 300000, got "${env.TOKEN_RECHECK_MS}"`);
  }
  return {
    keycloakUrl: base.keycloak.url,
    realm: base.keycloak.realm,
    audience: API_CLIENT,
    anonymous,
    // DEVELOPMENT-ONLY default secret (infra/keycloak/citycode-realm.json); production sets its own.
    introspection: { clientId: API_CLIENT, clientSecret: env.KEYCLOAK_API_CLIENT_SECRET || 'citycode-api-dev-secret' },
    recheckMs,
  };
}

type Claims = Record<string, unknown>;

function decodePart(part: string, what: string): Claims {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken(`token ${what} is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidToken(`token ${what} is not a JSON object`);
  return value as Claims;
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

/**
 * Maps verified access-token claims to a Subject. Anything missing or malformed falls to the
 * least privilege (clearance L1, no department), except a malformed `district_scope`, which is
 * refused: dropping it would widen the caller's region instead of narrowing it.
 */
export function subjectFromClaims(claims: Claims): Subject {
  const id = nonEmptyString(claims.sub);
  if (!id) throw invalidToken('token has no subject (sub)');
  const username = nonEmptyString(claims.preferred_username) ?? id;

  const rawScope = claims.district_scope;
  let districtScope: string[];
  if (rawScope === undefined || rawScope === null) districtScope = [];
  else if (typeof rawScope === 'string' && rawScope.trim() !== '') districtScope = [rawScope.trim()];
  else if (Array.isArray(rawScope) && rawScope.every((c) => typeof c === 'string' && c.trim() !== '')) {
    districtScope = (rawScope as string[]).map((c) => c.trim());
  } else {
    throw invalidToken('token claim district_scope is malformed (expected region codes)', 'Ask the Keycloak administrator to fix the district_scope attribute of your user or department.');
  }

  const realmAccess = claims.realm_access as { roles?: unknown } | undefined;
  const roles = Array.isArray(realmAccess?.roles) ? realmAccess.roles.filter((r): r is string => typeof r === 'string') : [];
  const azp = nonEmptyString(claims.azp);

  return Object.freeze({
    id,
    username,
    department: nonEmptyString(claims.department),
    departmentName: nonEmptyString(claims.department_name),
    clearance: isLevel(claims.clearance) ? claims.clearance : 'L1',
    districtScope,
    roles,
    // Keycloak names a client's service-account user service-account-<clientId>, and a
    // client-credentials token's azp is that client.
    serviceAccount: azp !== null && username === `${SERVICE_ACCOUNT_PREFIX}${azp}`,
    anonymous: false,
    // A resident's own city code, only on residents' tokens.
    ...(typeof claims.city_code === 'string' && /^[0-9]{21}[0-9X]$/.test(claims.city_code) ? { cityCode: claims.city_code } : {}),
  });
}

/** Checks that need no key, in the order that gives the most useful message. */
function checkClaims(token: string, issuer: string, audience: string, nowMs: number): { kid: string; expMs: number } {
  if (token.length > MAX_TOKEN_LENGTH) throw invalidToken(`token is longer than ${MAX_TOKEN_LENGTH} characters`);
  if (!JWT_SHAPE.test(token)) throw invalidToken('token is not a JWT (expected three base64url parts separated by dots)');
  const [headerPart, payloadPart, signaturePart] = token.split('.');
  const header = decodePart(headerPart, 'header');
  const payload = decodePart(payloadPart, 'payload');

  if (header.alg !== ACCEPTED_ALG) {
    throw invalidToken(`token algorithm '${String(header.alg)}' is not accepted; only ${ACCEPTED_ALG} tokens signed by the realm are`);
  }
  if (signaturePart === '') throw invalidToken('token is not signed');
  if (typeof header.kid !== 'string' || header.kid === '') throw invalidToken('token header names no signing key (kid)');
  if (header.crit !== undefined) throw invalidToken('token header has critical extensions (crit), which are not supported');

  if (payload.iss !== issuer) {
    throw invalidToken(
      `token was issued by '${String(payload.iss)}', expected '${issuer}'`,
      `Get the token from ${issuer} (the API's KEYCLOAK_URL and KEYCLOAK_REALM must be the address clients use for Keycloak).`,
    );
  }
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) throw invalidToken('token has no expiry (exp)');
  if (payload.exp * 1000 <= nowMs) throw invalidToken(`token expired at ${new Date(payload.exp * 1000).toISOString()}`);
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf * 1000 > nowMs)) {
    throw invalidToken('token is not valid yet (nbf)');
  }
  if (payload.typ !== 'Bearer') {
    throw invalidToken(`token is not an access token (typ '${String(payload.typ)}')`, 'Send the access_token, not the id_token or refresh_token.');
  }
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(audience)) {
    throw invalidToken(
      `token audience [${aud.filter((a) => a !== undefined).map(String).join(', ')}] does not include '${audience}'`,
      `Request the token through a client whose tokens carry the ${audience} audience (realm default client scope citycode-api-audience).`,
    );
  }
  return { kid: header.kid, expMs: payload.exp * 1000 };
}

/** WWW-Authenticate parameter values may not hold quotes, backslashes or non-ASCII (RFC 6750 §3). */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "'").slice(0, 300);
}

function refuse(res: Response, realm: string, err: AuthError): void {
  if (err.status === 503) {
    res.setHeader('Retry-After', '5');
  } else {
    const params = [`realm="${headerSafe(realm)}"`];
    if (err.oauthError) params.push(`error="${err.oauthError}"`, `error_description="${headerSafe(err.message)}"`);
    res.setHeader('WWW-Authenticate', `Bearer ${params.join(', ')}`);
  }
  const extensions: Record<string, unknown> = { code: err.code, hint: err.hint };
  if (err.code === 'UNAVAILABLE') extensions.service = 'Keycloak';
  res.status(err.status).json({ errors: [{ message: err.message, extensions }] });
}

export function createAuth(config: AuthConfig): Auth {
  if (config.anonymous !== 'public' && config.anonymous !== 'deny') {
    throw new Error(`anonymous must be "public" or "deny", got "${String(config.anonymous)}"`);
  }
  if (!config.audience) throw new Error('audience is required (citycode-api)');
  const keycloakUrl = new URL(config.keycloakUrl).toString().replace(/\/+$/, '');
  const issuer = `${keycloakUrl}/realms/${config.realm}`;
  const timeoutMs = config.keyFetchTimeoutMs ?? 5000;

  // Bearer-only: keycloak-connect never redirects, never stores sessions, only validates tokens.
  const adapterConfig: Keycloak.KeycloakConfig & { 'verify-token-audience': boolean } = {
    realm: config.realm,
    'auth-server-url': keycloakUrl,
    resource: config.audience,
    'bearer-only': true,
    'ssl-required': 'external',
    'confidential-port': 0,
    'verify-token-audience': true,
  };
  const keycloak = new Keycloak({}, adapterConfig);

  /** The keycloak-connect part: signature (realm JWKS by kid), exp, typ, iss, aud. Returns the claims. */
  async function verifySignature(token: string, kid: string): Promise<Claims> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AuthError(
        `Keycloak did not hand out the realm's signing keys within ${timeoutMs} ms`,
        503, undefined, 'UNAVAILABLE', 'Retry shortly; if it persists, check that Keycloak is up (GET /readyz).',
      )), timeoutMs);
    });
    try {
      const grant = await Promise.race([keycloak.grantManager.createGrant(JSON.stringify({ access_token: token })), timeout]);
      const content = (grant.access_token as unknown as { content?: Claims } | undefined)?.content;
      if (!content) throw invalidToken('token could not be read');
      return content;
    } catch (err) {
      if (err instanceof AuthError) throw err;
      const reason = (err as Error).message ?? String(err);
      if (NETWORK_FAILURE.test(reason)) {
        throw new AuthError(
          'Keycloak is unreachable, so the token signature cannot be checked',
          503, undefined, 'UNAVAILABLE', 'Retry shortly; if it persists, check that Keycloak is up (GET /readyz).',
        );
      }
      if (/signature/i.test(reason)) throw invalidToken("token signature does not verify against the realm's keys");
      // Everything but the key was checked before (checkClaims), so what is left is the key: a
      // kid the realm's JWKS does not list (keycloak-connect fails with a TypeError there).
      throw invalidToken(`token is signed with a key the realm does not publish (kid '${headerSafe(kid).slice(0, 80)}')`);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Tokens whose signature and claims were verified, until they expire: a token is immutable, so
   * verifying the same bytes again can only give the same answer (revocation is what the
   * introspection checks). Bounded; the oldest entry goes first.
   */
  const verified = new Map<string, { subject: Subject; expMs: number }>();

  async function verifyLocally(token: string, now: number): Promise<{ subject: Subject; expMs: number }> {
    const known = verified.get(token);
    if (known && known.expMs > now) return known;
    if (known) verified.delete(token);
    const { kid, expMs } = checkClaims(token, issuer, config.audience, now);
    const fresh = { subject: subjectFromClaims(await verifySignature(token, kid)), expMs };
    if (verified.size >= VERIFIED_TOKEN_CACHE) verified.delete(verified.keys().next().value as string);
    verified.set(token, fresh);
    return fresh;
  }

  /** Keycloak's word on a token now: still active, and its user's claims as they are now. */
  async function introspect(token: string, client: { clientId: string; clientSecret: string }): Promise<Claims> {
    let response: globalThis.Response;
    try {
      response = await fetch(`${issuer}/protocol/openid-connect/token/introspect`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw new AuthError(
        'Keycloak is unreachable, so whether the token is still active cannot be checked',
        503, undefined, 'UNAVAILABLE', 'Retry shortly; if it persists, check that Keycloak is up (GET /readyz).',
      );
    }
    if (!response.ok) {
      // The API's own client was refused (a wrong secret): a server problem, not the caller's.
      throw new AuthError(
        `Keycloak refused the API's token check (HTTP ${response.status})`,
        503, undefined, 'UNAVAILABLE', 'The API cannot check tokens right now; the operators are told by the logs. Retry later.',
      );
    }
    const answer = (await response.json().catch(() => null)) as Claims | null;
    if (!answer || typeof answer !== 'object') throw new AuthError('Keycloak answered the token check with no JSON', 503, undefined, 'UNAVAILABLE', 'Retry shortly.');
    if (answer.active !== true) {
      throw invalidToken(
        'token is no longer active: its session was ended, or its user was disabled or removed',
        'Sign in again; if you should still have access, ask the Keycloak administrator (docs/identity.md).',
      );
    }
    return answer;
  }

  /** Introspection answers per token (the subject they give, or the refusal), kept for `recheckMs`. */
  const rechecked = new Recheck<Subject>(config.recheckMs ?? DEFAULT_RECHECK_MS);

  async function verify(token: string): Promise<Subject> {
    const now = Date.now();
    const local = await verifyLocally(token, now);
    const client = config.introspection;
    if (!client) return local.subject;
    // The token's own claims give the identity; Keycloak's answer gives what holds now.
    return rechecked.get(token, now, async () => subjectFromClaims({ ...(await introspect(token, client)), sub: local.subject.id }));
  }

  const subjects = new WeakMap<Request, Subject>();

  async function subjectOfAuthorization(value: string | undefined): Promise<Subject> {
    if (value === undefined || value.trim() === '') {
      if (config.anonymous === 'deny') throw new AuthError('this API requires a bearer token', 401, undefined, 'UNAUTHENTICATED', NEW_TOKEN_HINT);
      return ANONYMOUS;
    }
    const match = BEARER.exec(value);
    if (!match) throw new AuthError('the Authorization header is not "Bearer <token>"', 400, 'invalid_request', 'BAD_REQUEST', NEW_TOKEN_HINT);
    return verify(match[1]);
  }

  const middleware: RequestHandler = async (req, res, next) => {
    try {
      subjects.set(req, await subjectOfAuthorization(req.headers.authorization));
    } catch (err) {
      if (err instanceof AuthError) {
        refuse(res, config.realm, err);
        return;
      }
      next(err);
      return;
    }
    next();
  };

  function subjectOf(req: Request): Subject {
    const subject = subjects.get(req);
    if (!subject) throw new Error('subjectOf: the auth middleware has not run for this request');
    return subject;
  }

  return { middleware, subjectOf, verify, subjectOfAuthorization, issuer };
}
