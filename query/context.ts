import type { Release } from '../policy/release';
import type { Stores } from '../store/stores';
import type { Loaders } from './loaders';

/** What the query layer needs of a request: its stores, its loaders and its release gate (the caller's policy). */
export interface QueryContext {
  stores: Stores;
  loaders: Loaders;
  release: Release;
}
