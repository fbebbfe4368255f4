import type { Stores } from '../api/stores';
import type { Logger } from '../core/logger';
import type { Loaders } from './loaders';

/** What every resolver receives: the shared stores and this request's loaders. */
export interface RequestContext {
  requestId: string;
  stores: Stores;
  loaders: Loaders;
  log: Logger;
}
