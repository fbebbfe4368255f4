import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { badInput, CityCodeError } from '../core/errors';
import { createReturnFlow, runFlowNow, type ReturnFlowDeps } from '../exchange/returnFlow';
import { nextRun } from '../exchange/schedule';
import { COMMITTEE_DEPARTMENT } from '../policy/requests';
import { STEWARD_ROLE } from '../policy/roles';
import { deliveriesOf, flowById, listFlows, setFlowEnabled, type ReturnFlow } from '../sharing/returnFlows';
import type { RequestContext } from './context';
import { recordGovernance } from './governanceAudit';
import { FlowTargetEnum, ReturnFlowInput, ReturnFlowType } from './types/returnFlow';

/**
 * 数据回流: a district's schedules of deliveries of its own rows (exchange/returnFlow.ts), their
 * status, retries and last cursor. The district government sees and runs its own; the committee
 * sees all. Every change is a GOVERNANCE entry of the audit chain.
 */
function deps(ctx: RequestContext): ReturnFlowDeps {
  if (!ctx.services.returnFlows) throw new CityCodeError('UNAVAILABLE', 'Return flows are not served by this process', 'Ask the operators: the API runs them (api/services.ts).');
  return ctx.services.returnFlows;
}

const isCommittee = (ctx: RequestContext) => ctx.subject.department === COMMITTEE_DEPARTMENT && ctx.subject.roles.includes(STEWARD_ROLE);

function mayView(ctx: RequestContext, f: ReturnFlow): boolean {
  return !ctx.subject.anonymous && (isCommittee(ctx) || ctx.subject.department === f.department);
}

function mayRun(ctx: RequestContext, f: ReturnFlow): void {
  if (!mayView(ctx, f) || !ctx.subject.roles.includes(STEWARD_ROLE)) {
    throw new CityCodeError('FORBIDDEN', `You may not change return flow ${f.id}`, `A data steward of ${f.department} or of the committee may.`, { flow: f.id });
  }
}

async function toType(ctx: RequestContext, f: ReturnFlow): Promise<ReturnFlowType> {
  const deliveries = await deliveriesOf(ctx.stores.sql, f.id, 20);
  return {
    ...f,
    district: f.districtCode,
    target: f.target as FlowTargetEnum,
    cursor: String(f.cursor),
    deliveries: deliveries.map((d) => ({ ...d, fromCursor: String(d.fromCursor), toCursor: d.toCursor === null ? null : String(d.toCursor) })),
  };
}

function audit(ctx: RequestContext, operationName: string, f: ReturnFlow, detail: Record<string, unknown>): void {
  recordGovernance(ctx, operationName, {
    key: [f.id, detail],
    purpose: f.purpose,
    fields: [`domain:${f.domain}`],
    policy: `return-flow:${f.id}@${ctx.release.policy.version}`,
    detail: { flow: f.id, district: f.districtCode, department: f.department, ...detail },
  });
}

async function visibleFlow(ctx: RequestContext, id: string): Promise<ReturnFlow> {
  const f = await flowById(ctx.stores.sql, id);
  if (!f || !mayView(ctx, f)) throw new CityCodeError('NOT_FOUND', `no return flow ${id.slice(0, 40)}`, 'List your flows with returnFlows and pass an id from it.', { argument: 'id' });
  return f;
}

@Resolver()
export class ReturnFlowResolver {
  @Mutation(() => ReturnFlowType, { description: '设立数据回流计划: 本区某数据域, 按本区授权, 定时推送至区子图或写为文件 (区政府数据管家)' })
  async createReturnFlow(@Arg('input', () => ReturnFlowInput) input: ReturnFlowInput, @Ctx() ctx: RequestContext): Promise<ReturnFlowType> {
    const f = await createReturnFlow(deps(ctx), ctx.subject, {
      districtCode: input.district ?? null,
      domain: input.domain,
      cron: input.cron,
      timezone: input.timezone ?? null,
      purpose: input.purpose,
      target: input.target,
      snapshot: input.snapshot,
    });
    audit(ctx, 'createReturnFlow', f, { cron: f.cron, target: f.target, snapshot: !f.snapshotDone });
    return toType(ctx, f);
  }

  @Mutation(() => ReturnFlowType, { description: '立即交付一次 (不改变计划)' })
  async runReturnFlow(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ReturnFlowType> {
    const f = await visibleFlow(ctx, id);
    mayRun(ctx, f);
    const status = await runFlowNow(deps(ctx), f.id);
    if (status === null) throw new CityCodeError('CONFLICT', `return flow ${f.id} is being delivered right now`, 'Wait for that delivery to finish; its status shows in returnFlow(id).', { flow: f.id });
    audit(ctx, 'runReturnFlow', f, { status });
    return toType(ctx, (await flowById(ctx.stores.sql, f.id))!);
  }

  @Mutation(() => ReturnFlowType, { description: '暂停或恢复回流计划' })
  async setReturnFlowEnabled(@Arg('id', () => ID) id: string, @Arg('enabled', () => Boolean) enabled: boolean, @Ctx() ctx: RequestContext): Promise<ReturnFlowType> {
    const f = await visibleFlow(ctx, id);
    mayRun(ctx, f);
    const next = enabled ? nextRun(f.cron, f.timezone, new Date()) : null;
    const changed = (await setFlowEnabled(ctx.stores.sql, f.id, enabled, next))!;
    audit(ctx, enabled ? 'resumeReturnFlow' : 'pauseReturnFlow', changed, {});
    return toType(ctx, changed);
  }

  @Query(() => [ReturnFlowType], { description: '数据回流计划: 本区的 (区政府), 或全部/某区的 (数据治理委员会), 新的在前' })
  async returnFlows(
    @Arg('district', () => String, { nullable: true }) district: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => ID, { nullable: true, description: '上一页最后一项的 id' }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ReturnFlowType[]> {
    if (ctx.subject.anonymous) throw new CityCodeError('UNAUTHENTICATED', 'Return flows are shown to signed-in users', 'Sign in.');
    const n = first ?? 20;
    if (!Number.isInteger(n) || n < 1 || n > 100) throw badInput('first must be 1..100', 'Page with first and after.', { argument: 'first' });
    const own = ctx.release.policy.departments.get(ctx.subject.department ?? '');
    const districtCode = isCommittee(ctx) ? (district ?? null) : own?.layer === 'DISTRICT' ? own.districtCode! : null;
    if (!isCommittee(ctx) && own?.layer !== 'DISTRICT') throw new CityCodeError('FORBIDDEN', 'Return flows belong to district governments', 'Sign in as a district government user, or as the committee.');
    const flows = await listFlows(ctx.stores.sql, districtCode, n, after ?? null);
    return Promise.all(flows.filter((f) => mayView(ctx, f)).map((f) => toType(ctx, f)));
  }

  @Query(() => ReturnFlowType, { nullable: true, description: '一个回流计划: 状态、重试、游标、最近的交付' })
  async returnFlow(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ReturnFlowType | null> {
    const f = await flowById(ctx.stores.sql, id);
    return f && mayView(ctx, f) ? toType(ctx, f) : null;
  }
}
