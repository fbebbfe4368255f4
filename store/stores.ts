import type { Config } from '../core/config';
import { GraphStore } from './neo4j';
import { SqlStore } from './postgres';

/** The backing stores of one API process; shared by all requests. */
export interface Stores {
  graph: GraphStore;
  sql: SqlStore;
}

export function openStores(config: Config): Stores {
  return { graph: new GraphStore(config.neo4j), sql: new SqlStore(config.postgres) };
}

export async function closeStores(stores: Stores): Promise<void> {
  await Promise.allSettled([stores.graph.close(), stores.sql.close()]);
}
