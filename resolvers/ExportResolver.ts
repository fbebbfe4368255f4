import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { badInput, CityCodeError } from '../core/errors';
import { createExport, type ExportDeps } from '../exchange/export';
import { COMMITTEE_DEPARTMENT } from '../policy/requests';
import { STEWARD_ROLE } from '../policy/roles';
import { jobById, listJobs, type ExportJob } from '../sharing/exports';
import type { RequestContext } from './context';
import { recordGovernance } from './governanceAudit';
import { ExportFormatEnum, ExportInput, ExportJobType } from './types/export';

/**
 * 批量共享: export jobs (exchange/export.ts). A department starts an export of a dataset, of one of
 * its grants' rows, or of a kind in a region; the job runs in the background; the file and its
 * signed manifest are downloaded over HTTP (api/exports.ts) by the department or the committee.
 */
function deps(ctx: RequestContext): ExportDeps {
  if (!ctx.services.exports || !ctx.services.exportRunner) throw new CityCodeError('UNAVAILABLE', 'Exports are not served by this process', 'Ask the operators (api/services.ts).');
  return ctx.services.exports;
}

const isCommittee = (ctx: RequestContext) => ctx.subject.department === COMMITTEE_DEPARTMENT && ctx.subject.roles.includes(STEWARD_ROLE);
const mayView = (ctx: RequestContext, j: ExportJob) => !ctx.subject.anonymous && (ctx.subject.department === j.department || isCommittee(ctx));

export function toExportType(j: ExportJob): ExportJobType {
  const done = j.state === 'DONE';
  return {
    ...j,
    format: j.format as ExportFormatEnum,
    sourceKind: j.source.kind,
    source: JSON.stringify(j.source),
    fileUrl: done ? `/exports/${j.id}/file` : null,
    manifestUrl: done ? `/exports/${j.id}/manifest` : null,
  };
}

@Resolver()
export class ExportResolver {
  @Mutation(() => ExportJobType, { description: '发起批量导出 (后台执行; 按本人授权放行; 附签名清单; 留痕)' })
  async startExport(@Arg('input', () => ExportInput) input: ExportInput, @Ctx() ctx: RequestContext): Promise<ExportJobType> {
    const job = await createExport(deps(ctx), ctx.subject, {
      dataset: input.dataset ?? null,
      grant: input.grant ?? null,
      kind: input.kind ?? null,
      region: input.region ?? null,
      fields: input.fields ?? null,
      format: input.format,
      purpose: ctx.release.purpose,
    });
    recordGovernance(ctx, 'startExport', { key: job.id, policy: `export:${job.id}@${job.policyVersion}`, detail: { export: job.id, source: job.source, format: job.format } });
    void ctx.services.exportRunner!.enqueue(job.id);
    return toExportType(job);
  }

  @Mutation(() => ExportJobType, { description: '继续一个中断或失败的导出 (从最后记录的一页起)' })
  async resumeExport(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ExportJobType> {
    const job = await jobById(ctx.stores.sql, id);
    if (!job || !mayView(ctx, job)) throw new CityCodeError('NOT_FOUND', `no export ${id.slice(0, 40)}`, 'List your exports with exportJobs.', { argument: 'id' });
    if (job.state === 'DONE') throw new CityCodeError('ILLEGAL_TRANSITION', `export ${job.id} is done`, 'Download it, or start a new export.', { state: job.state });
    deps(ctx);
    void ctx.services.exportRunner!.enqueue(job.id);
    return toExportType(job);
  }

  @Query(() => ExportJobType, { nullable: true, description: '一个导出任务 (本部门或数据治理委员会)' })
  async exportJob(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ExportJobType | null> {
    const job = await jobById(ctx.stores.sql, id);
    return job && mayView(ctx, job) ? toExportType(job) : null;
  }

  @Query(() => [ExportJobType], { description: '本部门的导出任务 (委员会: 全部), 新的在前' })
  async exportJobs(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => ID, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ExportJobType[]> {
    if (ctx.subject.anonymous) throw new CityCodeError('UNAUTHENTICATED', 'Exports are listed for signed-in users', 'Sign in.');
    const n = first ?? 20;
    if (!Number.isInteger(n) || n < 1 || n > 100) throw badInput('first must be 1..100', 'Page with first and after.', { argument: 'first' });
    const jobs = await listJobs(ctx.stores.sql, isCommittee(ctx) ? null : ctx.subject.department, n, after ?? null);
    return jobs.map(toExportType);
  }
}
