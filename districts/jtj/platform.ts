import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express, { type Express } from 'express';
import { parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import { formatError } from '../../api/app';
import { authConfigFromEnv, createAuth, type Auth } from '../../api/auth';
import { operationHash } from '../../audit/chain';
import { AuditWriter } from '../../audit/writer';
import type { Config } from '../../core/config';
import { CityCodeError } from '../../core/errors';
import { logger } from '../../core/logger';
import { fromRoot } from '../../core/paths';
import type { Subject } from '../../core/subject';
import { DEPARTMENT_PLATFORMS } from '../../domain/districtPlatforms';
import { parseCityCode } from '../../domain/citycode';
import { PURPOSE_HEADER } from '../../policy/engine';
import type { AuditEntry } from '../../policy/release';
import { planDemoCity } from '../../seed/city';
import type { CityPlan } from '../../seed/plan';
import { createRng } from '../../seed/rng';
import { SqlStore } from '../../store/postgres';
import { migrateOwnSchema } from '../futian/migrate';
import { partnerSettings } from '../futian/config';

/**
 * 市交通运输局's parking subgraph (the N of 1+11+N): the occupancy of the city's parking spaces,
 * from the department's own schema `jtj`, added to the city's CityObject (a parking space, or a
 * community: all its spaces). Its own policy: the department itself and the city data bureau read
 * it; every other caller is refused with a reason. Its reads and refusals go to the city's audit
 * chain stamped subgraph `jtj` (使用留痕), like the districts'.
 */
export const JTJ = DEPARTMENT_PLATFORMS.find((d) => d.slug === 'jtj')!;
export const JTJ_SDL_FILE = 'districts/jtj/schema.graphql';
const MIGRATIONS = fromRoot('districts', 'jtj', 'migrations');
const READERS: Readonly<Record<string, string>> = { 'SZ-JTJ': 'jtj-own', 'SZ-ZSJ': 'jtj-city-oversight' };

export interface JtjConfig {
  port: number;
  host: string;
  postgres: Config['postgres'];
  keycloak: Config['keycloak'];
}

/** JTJ_PORT (default 4421), JTJ_PG_* falling back to the city's PG_* (its own schema `jtj`). */
export function jtjConfig(env: NodeJS.ProcessEnv = process.env): JtjConfig {
  return partnerSettings(JTJ.envPrefix, JTJ.defaultPort, env);
}

export async function migrateJtj(postgres: JtjConfig['postgres']): Promise<string[]> {
  return migrateOwnSchema(postgres, 'jtj', MIGRATIONS);
}

interface StatusRow {
  space: string;
  community: string;
  district: string;
  occupied: boolean;
  updatedAt: string;
}

/** Demo occupancy of every parking space of the city plan: deterministic, replaced in one transaction. */
export function planParkingStatus(plan: CityPlan): StatusRow[] {
  const rng = createRng('jtj-parking-status');
  const located = new Map(plan.edges.filter((e) => e.type === 'LOCATED_IN').map((e) => [e.from, e.to]));
  return plan.nodes
    .filter((n) => n.props.objectKind === 'PARKING_SPACE' && located.has(n.code))
    .map((n) => ({
      space: n.code,
      community: located.get(n.code)!,
      district: String(n.props.districtCode),
      occupied: rng.next() < 0.62,
      updatedAt: new Date(Date.UTC(2026, 11, 1, 8) + rng.int(0, 36_000) * 1000).toISOString(),
    }));
}

export async function seedJtj(postgres: JtjConfig['postgres'], plan: CityPlan = planDemoCity()): Promise<number> {
  const rows = planParkingStatus(plan);
  const pool = new Pool({ ...postgres, max: 1, application_name: 'citycode-jtj-seed' });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('DELETE FROM jtj.parking_status');
    await client.query(
      `INSERT INTO jtj.parking_status (space_code, community_code, district_code, occupied, updated_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[])`,
      [rows.map((r) => r.space), rows.map((r) => r.community), rows.map((r) => r.district), rows.map((r) => r.occupied), rows.map((r) => r.updatedAt)],
    );
    await client.query('COMMIT');
    return rows.length;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
    await pool.end();
  }
}

interface Occupancy {
  spaces: number;
  occupied: number;
  rate: number;
  updatedAt: string | null;
}

interface JtjContext {
  subject: Subject;
  purpose: string | null;
  sql: SqlStore;
  entries: AuditEntry[];
}

function trail(ctx: JtjContext, decision: 'ALLOW' | 'DENY', rule: string, codes: string[], reason?: string): void {
  ctx.entries.push({
    subject: ctx.subject,
    purpose: ctx.purpose,
    operationHash: '',
    operationName: null,
    entityCodes: codes,
    fields: ['CityObject.parkingOccupancy'],
    decision,
    policy: `${rule}@jtj-v1`,
    detail: { subgraph: 'jtj', fieldLabels: { 'CityObject.parkingOccupancy': '停车泊位占用 (市交通运输局)' }, ...(reason ? { reason } : {}) },
  });
}

async function occupancyOf(ctx: JtjContext, code: string): Promise<Occupancy | null> {
  const rule = ctx.subject.anonymous ? undefined : READERS[ctx.subject.department ?? ''];
  if (!rule) {
    const reason = ctx.subject.anonymous ? 'parking occupancy is not public' : `department ${ctx.subject.department ?? '(none)'} has no grant on ${JTJ.name}'s parking data`;
    trail(ctx, 'DENY', 'jtj-default-deny', [code], reason);
    throw new CityCodeError('FORBIDDEN', `Not allowed to read CityObject.parkingOccupancy: ${reason}`, `Parking occupancy is readable by ${JTJ.name} (${JTJ.department}) and the city data bureau (SZ-ZSJ); ask ${JTJ.name} for a grant.`, {
      field: 'CityObject.parkingOccupancy',
      policy: 'jtj-default-deny',
      service: 'jtj',
    });
  }
  const [row] = await ctx.sql.query<{ spaces: number; occupied: number; updated: Date | null }>(
    `SELECT count(*)::int AS spaces, count(*) FILTER (WHERE occupied)::int AS occupied, max(updated_at) AS updated
       FROM jtj.parking_status WHERE space_code = $1 OR community_code = $1`,
    [code],
  );
  trail(ctx, 'ALLOW', rule, [code]);
  if (!row || row.spaces === 0) return null;
  return { spaces: row.spaces, occupied: row.occupied, rate: row.occupied / row.spaces, updatedAt: row.updated ? new Date(row.updated).toISOString() : null };
}

export interface JtjApp {
  app: Express;
  apollo: ApolloServer<JtjContext>;
  close(): Promise<void>;
}

export async function createJtjApp(config: JtjConfig, auth: Auth = createAuth(authConfigFromEnv(config))): Promise<JtjApp> {
  const sql = new SqlStore(config.postgres);
  const audit = new AuditWriter(sql, { subgraph: 'jtj' });
  const plugin: ApolloServerPlugin<JtjContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, request }) {
          const hash = operationHash(request.query ?? '', request.variables ?? null);
          for (const e of contextValue.entries) audit.record({ ...e, operationHash: hash, operationName: request.operationName ?? null });
        },
      };
    },
  };
  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(readFileSync(fromRoot(JTJ_SDL_FILE), 'utf8')),
      resolvers: {
        CityObject: {
          __resolveReference: async (ref: { code?: unknown }) => {
            const parsed = typeof ref.code === 'string' ? parseCityCode(ref.code) : null;
            if (!parsed?.ok || parsed.value.kind !== 'OBJECT') throw new CityCodeError('BAD_USER_INPUT', 'a CityObject representation needs the city code of an object', 'Send { __typename, code } with a valid city code.', { argument: 'representations' });
            return { code: parsed.value.code };
          },
          parkingOccupancy: (obj: { code: string }, _args: unknown, ctx: JtjContext) => occupancyOf(ctx, obj.code),
        },
      },
    },
  ]);
  const apollo = new ApolloServer<JtjContext>({
    stopOnTerminationSignals: false,
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), plugin],
  });
  await apollo.start();
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok', subgraph: 'jtj', uptimeS: Math.round(process.uptime()) }));
  app.use(
    '/graphql',
    auth.middleware,
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const raw = req.header(PURPOSE_HEADER)?.trim().toUpperCase();
        return { subject: auth.subjectOf(req), purpose: raw ? raw : null, sql, entries: [] };
      },
    }),
  );
  return {
    app,
    apollo,
    async close() {
      await apollo.stop();
      await audit.close();
      await sql.close();
    },
  };
}

export const jtjLogger = logger.child({ subgraph: 'jtj' });
