import type { AppServices } from '../api/services';
import type { Stores } from '../api/stores';
import type { Logger } from '../core/logger';
import type { Subject } from '../core/subject';
import type { RequestAccess } from './access';
import type { Loaders } from './loaders';

/** What every resolver receives: the stores, the caller, their view of the policy, this request's loaders. */
export interface RequestContext {
  requestId: string;
  stores: Stores;
  /** Policy source, audit writer: what governance resolvers act on. */
  services: AppServices;
  subject: Subject;
  access: RequestAccess;
  loaders: Loaders;
  log: Logger;
}
