import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { badInput } from '../core/errors';
import { residentPage, trailPage, trailView } from '../exchange/usage';
import type { RequestContext } from './context';
import { recordGovernance } from './governanceAudit';
import { MyDataUsagePageType, UsageFilterInput, UsagePageType } from './types/usage';

/**
 * 使用留痕 (exchange/usage.ts, docs/usage-trail.md): the usage trail for the committee and data
 * owners, and "who read my data" (谁查看了我的数据) for a resident. Reading either is itself audited.
 */
const MAX_PAGE = 200;
const DECISIONS = ['ALLOW', 'MASK', 'DENY'];

function pageSize(first: number | null): number {
  const n = first ?? 50;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw badInput(`first must be 1..${MAX_PAGE}`, 'Page with first and after.', { argument: 'first' });
  return n;
}

/** The audit id a cursor names: `u1:<id>`, base64url. */
function decodeAfter(after: string | null): number | null {
  if (after === null || after === undefined) return null;
  const text = Buffer.from(after, 'base64url').toString('utf8');
  const m = /^u1:(\d{1,15})$/.exec(text);
  if (!m) throw badInput('after is not a cursor of the usage trail', 'Pass the endCursor of the previous page, unchanged.', { argument: 'after' });
  return Number(m[1]);
}
const encodeAfter = (id: number) => Buffer.from(`u1:${id}`, 'utf8').toString('base64url');

function time(value: string | null, argument: string): Date | null {
  if (value === null || value === undefined) return null;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw badInput(`${argument} is not an ISO date-time`, 'Pass e.g. 2026-12-01T00:00:00+08:00.', { argument });
  return new Date(t);
}

function recordRead(ctx: RequestContext, operationName: string, detail: Record<string, unknown>): void {
  recordGovernance(ctx, operationName, { key: detail, policy: `usage-trail@${ctx.release.policy.version}`, detail });
}

@Resolver()
export class UsageResolver {
  @Query(() => UsagePageType, { description: '使用留痕: 谁在何时、为何用途、依据哪项授权、从哪个子图读取了哪些实体的哪些属性 (数据治理委员会: 全部; 数据所有方: 其数据), 新的在前' })
  async usageTrail(
    @Arg('filter', () => UsageFilterInput, { nullable: true }) filter: UsageFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<UsagePageType> {
    const view = await trailView(ctx.stores, ctx.subject);
    const f = filter ?? ({} as Partial<UsageFilterInput>);
    if (f.decision && !DECISIONS.includes(f.decision)) throw badInput(`decision ${f.decision.slice(0, 20)} is not one of ${DECISIONS.join(', ')}`, 'Filter by ALLOW, MASK or DENY.', { argument: 'filter.decision' });
    if (f.code && !/^[0-9]{21}[0-9X]$/.test(f.code)) throw badInput('code is not a city code', 'Pass a 22-character city code.', { argument: 'filter.code' });
    const n = pageSize(first);
    const rows = await trailPage(
      ctx.stores,
      ctx.release.policy,
      view,
      {
        code: f.code ?? null,
        attribute: f.attribute ?? null,
        department: f.department ?? null,
        username: f.user ?? null,
        purpose: f.purpose ?? null,
        grant: f.grant ?? null,
        subgraph: f.subgraph ?? null,
        decision: (f.decision as 'ALLOW' | 'MASK' | 'DENY' | null) ?? null,
        from: time(f.from ?? null, 'filter.from'),
        to: time(f.to ?? null, 'filter.to'),
      },
      n + 1,
      decodeAfter(after),
    );
    recordRead(ctx, 'usageTrail', { view: view.kind, filter: f, rows: Math.min(rows.length, n) });
    const nodes = rows.slice(0, n);
    return {
      nodes: nodes.map((e) => ({ ...e, id: String(e.id) })),
      endCursor: nodes.length ? encodeAfter(nodes[nodes.length - 1].id) : null,
      hasNextPage: rows.length > n,
    };
  }

  @Query(() => MyDataUsagePageType, { description: '谁查看了我的数据: 以本人城市码登录的居民, 查看各部门对本人数据的读取记录, 新的在前' })
  async myDataUsage(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<MyDataUsagePageType> {
    const n = pageSize(first);
    const rows = await residentPage(ctx.stores, ctx.release.policy, ctx.subject, n + 1, decodeAfter(after));
    recordRead(ctx, 'myDataUsage', { rows: Math.min(rows.length, n) });
    const nodes = rows.slice(0, n);
    return {
      nodes: nodes.map((e) => ({ ...e, id: String(e.id) })),
      endCursor: nodes.length ? encodeAfter(nodes[nodes.length - 1].id) : null,
      hasNextPage: rows.length > n,
    };
  }
}
