import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { badInput, CityCodeError } from '../core/errors';
import { moveRequest, submitRequest } from '../exchange/requests';
import type { GrantScope } from '../policy/model';
import { COMMITTEE_DEPARTMENT, shownState, type AccessRequest, type RequestAction, type RequestState } from '../policy/requests';
import { STEWARD_ROLE } from '../policy/roles';
import { listRequests, requestById, requestEvents } from '../sharing/requests';
import type { RequestContext } from './context';
import { recordGovernance } from './governanceAudit';
import { AccessRequestInput, AccessRequestPageType, AccessRequestType, RequestStateEnum, RequestViewEnum, ScopeKindEnum } from './types/accessRequest';

/**
 * 申请—审批—授权: a department asks for attributes, datasets or a row scope; the owner of the
 * data approves (and the committee too, for L3/L4); the approved request becomes a grant in force
 * at once in every API process; it expires on its date and is revoked at once. Every move is
 * audited as a GOVERNANCE entry of the chain. The rules: policy/requests.ts.
 */
const PAGE_MAX = 100;

function scopeOf(input: AccessRequestInput): GrantScope {
  if (input.scopeKind === ScopeKindEnum.CITY) {
    if (input.scopeCodes.length) throw badInput('a CITY scope takes no codes', 'Leave scopeCodes empty, or choose DISTRICTS or STREETS.', { argument: 'scopeCodes' });
    return { kind: 'CITY' };
  }
  if (input.scopeCodes.length === 0) throw badInput(`a ${input.scopeKind} scope needs codes`, 'List the 6-digit district or 9-digit street codes.', { argument: 'scopeCodes' });
  return { kind: input.scopeKind, codes: [...input.scopeCodes] };
}

function isCommittee(ctx: RequestContext): boolean {
  return ctx.subject.department === COMMITTEE_DEPARTMENT && ctx.subject.roles.includes(STEWARD_ROLE);
}

/** The requester's department, the owner's, and the committee see a request; nobody else learns it exists. */
function mayView(ctx: RequestContext, r: AccessRequest): boolean {
  return !ctx.subject.anonymous && (isCommittee(ctx) || ctx.subject.department === r.requesterDepartment || ctx.subject.department === r.ownerDepartment);
}

async function toType(ctx: RequestContext, r: AccessRequest): Promise<AccessRequestType> {
  return {
    ...r,
    scopeKind: r.scope.kind as ScopeKindEnum,
    scopeCodes: r.scope.kind === 'CITY' ? [] : [...r.scope.codes],
    state: shownState(r, ctx.release.now) as RequestStateEnum,
    events: await requestEvents(ctx.stores.sql, r.id),
  };
}

function audit(ctx: RequestContext, operationName: string, r: AccessRequest, detail: Record<string, unknown>): void {
  recordGovernance(ctx, operationName, {
    key: [r.id, detail],
    purpose: r.purpose,
    fields: r.fields.length ? r.fields : [`domain:${r.domain}`],
    policy: `${r.grantId ?? `request:${r.id}`}@${ctx.release.policy.version}`,
    detail: { request: r.id, state: r.state, requester: r.requesterDepartment, owner: r.ownerDepartment, ...detail },
  });
}

@Resolver()
export class AccessRequestResolver {
  @Mutation(() => AccessRequestType, { description: '提出数据使用申请: 属性、数据集或行范围, 用途、理由、到期时间 (登录的部门用户)' })
  async requestAccess(@Arg('input', () => AccessRequestInput) input: AccessRequestInput, @Ctx() ctx: RequestContext): Promise<AccessRequestType> {
    const r = await submitRequest(ctx.stores, ctx.release.policy, ctx.subject, {
      attributes: input.attributes,
      datasets: input.datasets,
      domain: input.domain ?? null,
      maxLevel: input.maxLevel ?? null,
      scope: scopeOf(input),
      purpose: input.purpose,
      justification: input.justification,
      expiresAt: input.expiresAt,
    });
    audit(ctx, 'requestAccess', r, { fields: r.fields, datasets: r.datasets, scope: r.scope, expiresAt: r.expiresAt, justification: r.justification });
    return toType(ctx, r);
  }

  @Mutation(() => AccessRequestType, { description: '同意申请 (数据所有方的数据管家; L3/L4 之后还需数据治理委员会); 最终同意即生成授权并立即生效' })
  approveAccessRequest(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext): Promise<AccessRequestType> {
    return this.move(ctx, id, 'APPROVE', reason);
  }

  @Mutation(() => AccessRequestType, { description: '驳回申请 (数据所有方或数据治理委员会)' })
  rejectAccessRequest(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext): Promise<AccessRequestType> {
    return this.move(ctx, id, 'REJECT', reason);
  }

  @Mutation(() => AccessRequestType, { description: '撤回申请 (申请部门, 审批前)' })
  withdrawAccessRequest(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext): Promise<AccessRequestType> {
    return this.move(ctx, id, 'WITHDRAW', reason);
  }

  @Mutation(() => AccessRequestType, { description: '撤销已生效的授权 (数据所有方、委员会或申请部门), 立即生效' })
  revokeAccessRequest(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext): Promise<AccessRequestType> {
    return this.move(ctx, id, 'REVOKE', reason);
  }

  private async move(ctx: RequestContext, id: string, action: RequestAction, reason: string): Promise<AccessRequestType> {
    const { request, policyVersion } = await moveRequest(ctx.stores, id, action, ctx.subject, reason, ctx.release.now);
    // This process applies a new grant at once; the others hear of it from PostgreSQL (store/policy.ts).
    if (policyVersion) await ctx.services.policy.refresh();
    audit(ctx, `${action.toLowerCase()}AccessRequest`, request, { action, reason, policyVersion });
    return toType(ctx, request);
  }

  @Query(() => AccessRequestPageType, { description: '数据使用申请: 本部门提出的、待本部门审批的, 或全部 (数据治理委员会), 新的在前' })
  async accessRequests(
    @Arg('view', () => RequestViewEnum, { defaultValue: RequestViewEnum.MINE }) view: RequestViewEnum,
    @Arg('states', () => [RequestStateEnum], { nullable: true }) states: RequestStateEnum[] | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<AccessRequestPageType> {
    if (ctx.subject.anonymous || !ctx.subject.department) {
      throw new CityCodeError('UNAUTHENTICATED', 'Access requests are seen by departments', 'Sign in with an account of a department.');
    }
    const n = first ?? 20;
    if (!Number.isInteger(n) || n < 1 || n > PAGE_MAX) throw badInput(`first must be 1..${PAGE_MAX}`, `Ask for at most ${PAGE_MAX} requests per page.`, { argument: 'first' });
    if (after !== null && after !== undefined && !/^ar-\d{6,}$/.test(after)) throw badInput('after is not a request cursor', 'Pass endCursor of the previous page.', { argument: 'after' });
    if (view === RequestViewEnum.ALL && !isCommittee(ctx)) {
      throw new CityCodeError('FORBIDDEN', 'All requests are for the data governance committee', `Use view MINE or TO_APPROVE, or ask a data steward of ${COMMITTEE_DEPARTMENT}.`, { requiredRole: STEWARD_ROLE });
    }
    // EXPIRED is shown, not stored: it is a GRANTED request past its expiry.
    const wanted = states?.length ? states : null;
    const stored: RequestState[] | null = wanted ? [...new Set(wanted.map((s) => (s === RequestStateEnum.EXPIRED ? 'GRANTED' : s)))] as RequestState[] : null;
    const committeeQueue = view === RequestViewEnum.TO_APPROVE && isCommittee(ctx);
    const rows = await listRequests(ctx.stores.sql, {
      requesterDepartment: view === RequestViewEnum.MINE ? ctx.subject.department : null,
      ownerDepartment: view === RequestViewEnum.TO_APPROVE && !committeeQueue ? ctx.subject.department : null,
      states: committeeQueue && !stored ? ['OWNER_APPROVED', 'SUBMITTED'] : stored,
      before: after ?? null,
      first: n + 1,
    });
    const visible = rows
      .filter((r) => !committeeQueue || r.state !== 'SUBMITTED' || r.ownerDepartment === COMMITTEE_DEPARTMENT || ctx.subject.department === r.ownerDepartment)
      .filter((r) => !wanted || wanted.includes(shownState(r, ctx.release.now) as RequestStateEnum));
    const page = visible.slice(0, n);
    return {
      nodes: await Promise.all(page.map((r) => toType(ctx, r))),
      endCursor: page.length ? page[page.length - 1].id : null,
      hasNextPage: rows.length > n,
      count: page.length,
    };
  }

  @Query(() => AccessRequestType, { nullable: true, description: '一项申请及其审批记录 (申请部门、数据所有方、委员会)' })
  async accessRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<AccessRequestType | null> {
    const r = await requestById(ctx.stores.sql, id);
    return r && mayView(ctx, r) ? toType(ctx, r) : null;
  }
}
