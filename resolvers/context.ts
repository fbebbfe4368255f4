import type { Logger } from '../core/logger';
import type { Subject } from '../core/subject';
import type { Policy } from '../policy/model';
import type { AuditEntry } from '../policy/release';
import type { QueryContext } from '../query/context';
import type { ChangeFeed } from '../exchange/feed';
import type { LiveCaller } from '../exchange/subscriptions';
import type { ReturnFlowDeps } from '../exchange/returnFlow';
import type { ExportDeps } from '../exchange/export';

/** What governance resolvers act on besides the stores: the policy in force and the audit trail (api/services.ts provides them). */
export interface GovernanceServices {
  policy: { current(): Policy; refresh(): Promise<void> };
  audit: { record(entry: AuditEntry): void } | null;
  /** 数据回流: what deliveries need (exchange/returnFlow.ts); absent where the process runs none. */
  returnFlows?: ReturnFlowDeps;
  /** 批量共享: export jobs (exchange/export.ts) and this process's runner. */
  exports?: ExportDeps;
  exportRunner?: { enqueue(id: string): Promise<void> };
}

/** What every resolver receives: the stores, the caller, the release gate with the caller's policy, this request's loaders. */
export interface RequestContext extends QueryContext {
  requestId: string;
  services: GovernanceServices;
  subject: Subject;
  log: Logger;
  /** A subscription over graphql-ws (api/subscriptions.ts): the process's change feed and the live caller. */
  live?: { feed: ChangeFeed; caller: LiveCaller };
}
