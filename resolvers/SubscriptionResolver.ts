import { Arg, Float, ID, Resolver, Root, Subscription } from 'type-graphql';
import { CityCodeError } from '../core/errors';
import { readingAlerts, type ReadingAlert } from '../exchange/readingAlerts';
import { releasedChanges, type ReleasedChange } from '../exchange/subscriptions';
import type { RequestContext } from './context';
import { ChangeEventType } from './types/changeEvent';
import { ReadingAlertType } from './types/readings';

/**
 * 实时推送 over graphql-ws (api/subscriptions.ts): a stream of the entities changed by committed
 * writes, each event released through the subscriber's gate at delivery (exchange/subscriptions.ts)
 * and resumable from its cursor after a disconnect, on any API process, with no loss and no
 * duplicates (exchange/feed.ts).
 */
function live(ctx: RequestContext) {
  if (!ctx.live) throw new CityCodeError('BAD_USER_INPUT', 'Subscriptions are served over WebSocket (graphql-ws) only', 'Connect to ws://<host>/graphql with the graphql-transport-ws protocol.');
  return ctx.live;
}

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => ChangeEventType, {
    description: '实体变更推送: 按城市码、区域 (区/街道) 或数据集订阅; 每个事件按订阅方授权放行; after 传入上次收到的 cursor 续订',
    subscribe: ({ args, context }) => {
      const ctx = context as RequestContext;
      const a = args as { codes?: string[] | null; region?: string | null; dataset?: string | null; after?: string | null };
      return releasedChanges(ctx.stores, live(ctx).feed, live(ctx).caller, ctx, 'entityChanged', { codes: a.codes ?? null, region: a.region ?? null, dataset: a.dataset ?? null }, a.after ?? null);
    },
  })
  entityChanged(
    @Root() event: ReleasedChange,
    @Arg('codes', () => [ID], { nullable: true, description: '城市码 (至多 1000 个)' }) _codes: string[] | null,
    @Arg('region', () => String, { nullable: true, description: '区 (6 位) 或街道 (9 位) 代码' }) _region: string | null,
    @Arg('dataset', () => String, { nullable: true, description: '数据集 id' }) _dataset: string | null,
    @Arg('after', () => String, { nullable: true, description: '上次收到的 cursor' }) _after: string | null,
  ): ChangeEventType {
    return event as ChangeEventType;
  }

  @Subscription(() => ChangeEventType, {
    name: 'changes',
    description: '数据域变更推送 (数据回流): 某数据域 (可限区域) 的实体变更, 按订阅方授权放行; after 续订',
    subscribe: ({ args, context }) => {
      const ctx = context as RequestContext;
      const a = args as { domain: string; region?: string | null; after?: string | null };
      return releasedChanges(ctx.stores, live(ctx).feed, live(ctx).caller, ctx, 'changes', { domain: a.domain, region: a.region ?? null }, a.after ?? null);
    },
  })
  domainChanges(
    @Root() event: ReleasedChange,
    @Arg('domain', () => String, { description: 'POPULATION / LEGAL_ENTITY / SPATIAL / PUBLIC_SERVICE' }) _domain: string,
    @Arg('region', () => String, { nullable: true, description: '区 (6 位) 或街道 (9 位) 代码' }) _region: string | null,
    @Arg('after', () => String, { nullable: true, description: '上次收到的 cursor' }) _after: string | null,
  ): ChangeEventType {
    return event as ChangeEventType;
  }

  @Subscription(() => ReadingAlertType, {
    description: '物联阈值告警: 设备、建筑物、网格或区域内设备的最新读数越过阈值时推送; 读数按订阅方授权放行 (CityObject.readings)',
    subscribe: ({ args, context }) => {
      const ctx = context as RequestContext;
      const a = args as { object: string; metric: string; above?: number | null; below?: number | null };
      return readingAlerts(ctx.stores, live(ctx).caller, ctx, a);
    },
  })
  readingAlerts(
    @Root() alert: ReadingAlert,
    @Arg('object', () => ID, { description: '设备、建筑物、网格或区域的城市码' }) _object: string,
    @Arg('metric', () => String, { description: '指标, 如 water_level' }) _metric: string,
    @Arg('above', () => Float, { nullable: true, description: '高于此值告警' }) _above: number | null,
    @Arg('below', () => Float, { nullable: true, description: '低于此值告警' }) _below: number | null,
  ): ReadingAlertType {
    return alert as unknown as ReadingAlertType;
  }
}
