import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { verifyAudit } from '../audit/verify';
import { badInput } from '../core/errors';
import { requireSteward } from '../policy/roles';
import { changeGrant } from '../store/policy';
import type { RequestContext } from './context';
import { recordGovernance } from './governanceAudit';
import { AuditVerificationType, GrantChangeInput, GrantChangeResultType, PolicyVersionType } from './types/governance';


/** 数据治理: the policy in force, grant changes (audited), and verification of the audit chain. */
@Resolver()
export class GovernanceResolver {
  @Query(() => PolicyVersionType, { description: '当前生效的策略版本' })
  policyVersion(@Ctx() ctx: RequestContext): PolicyVersionType {
    const policy = ctx.release.policy;
    return { version: policy.version, checksum: policy.checksum, effectiveFrom: policy.effectiveFrom, grants: policy.grants.length };
  }

  @Mutation(() => GrantChangeResultType, { description: '新增、修改或撤销一项授权 (仅数据管家; 每次变更写入策略变更记录和审计链)' })
  async changeGrant(@Arg('input', () => GrantChangeInput) input: GrantChangeInput, @Ctx() ctx: RequestContext): Promise<GrantChangeResultType> {
    requireSteward(ctx.subject, 'Changing grants');
    let grant: unknown;
    try {
      grant = JSON.parse(input.grant);
    } catch {
      throw badInput('grant is not valid JSON', 'Send the grant as a JSON object, e.g. {"id": "…", "department": "…", …}.', { argument: 'grant' });
    }
    const result = await changeGrant(ctx.stores.sql, ctx.subject, { action: input.action, grant, reason: input.reason });
    recordGovernance(ctx, 'changeGrant', {
      key: [input.action, input.grant],
      purpose: 'DATA_GOVERNANCE',
      fields: [`grant:${result.change.grantId}`],
      policy: `${result.change.grantId}@${result.version}`,
      detail: { action: input.action, reason: input.reason, department: result.change.department, changeId: result.change.id },
    });
    await ctx.services.policy.refresh();
    return {
      version: result.version,
      changeId: result.change.id,
      grantId: result.change.grantId,
      action: input.action,
      department: result.change.department,
    };
  }

  @Query(() => AuditVerificationType, { description: '校验审计链 (哈希链与签名检查点), 报告第一条被篡改的记录 (仅数据管家)' })
  async verifyAudit(
    @Arg('fromId', () => Int, { nullable: true }) fromId: number | null,
    @Arg('toId', () => Int, { nullable: true }) toId: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<AuditVerificationType> {
    requireSteward(ctx.subject, 'Verifying the audit trail');
    const v = await verifyAudit(ctx.stores.sql, { fromId: fromId ?? undefined, toId: toId ?? undefined });
    return {
      ok: v.ok,
      checkedRows: v.checkedRows,
      checkpointsVerified: v.checkpointsVerified,
      firstBrokenId: v.firstBrokenId ?? null,
      reason: v.reason ?? null,
      message: v.message ?? null,
    };
  }
}
