import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../../api/app';
import { closeStores, openStores, Stores } from '../../store/stores';
import { Config, loadConfig } from '../../core/config';
import { AppServices, startServices, stopServices } from '../../api/services';
import { filePolicy } from '../../api/policySource';
import { PendingChangesSweeper } from '../../ingest/changes';

/**
 * Integration tests run against the real PostgreSQL, Neo4j and Keycloak that `npm test` starts
 * (infra/run.sh). These helpers open the stores and an API on an ephemeral port.
 */
export interface TestApi {
  url: string;
  stores: Stores;
  config: Config;
  services: AppServices;
  close(): Promise<void>;
}

export async function startTestApi(
  overrides: (c: Config) => Config = (c) => c,
  serviceOverrides: Partial<AppServices> = {},
  options: { databasePolicy?: boolean } = {},
): Promise<TestApi> {
  // Rate limits and export quotas off unless a test sets them: test files share one subject for
  // hundreds of requests, and the dev database keeps the exports of earlier runs. Aliases, cost, tokens
  // lifted: the gate's property tests probe it with random operations far larger than apps send
  // (128 aliased fields, costs over 100,000, over 5,000 tokens). test/integration/limits.test.ts tests each limit at
  // its default, and that every example operation is within them.
  const base = loadConfig('api');
  const config = overrides({
    ...base,
    limits: { ...base.limits, ratePerSubject: 0, ratePerIp: 0, exportsPerDepartmentPerDay: 1_000_000, exportsRunningPerDepartment: 1_000_000, maxAliases: 1_000, maxCost: 10_000_000, maxTokens: 100_000 },
  });
  const stores = openStores(config);
  // Tests read the repository's policy files (fixed for the run) unless they ask for the database's
  // (as the API does: reloaded on a change any process makes), so that a governance test changing
  // grants cannot change what other test files expect.
  const policy = filePolicy();
  const services = await startServices(stores, config, {
    ...(options.databasePolicy ? {} : { policy: { current: () => policy, refresh: async () => undefined, close: () => undefined } }),
    checkpoints: null,
    // No background sweep of pending change events: tests that count round trips must see only
    // their own (test/integration/pending-changes.test.ts runs the sweep itself).
    pendingChanges: new PendingChangesSweeper(stores, 0),
    // No daily indicator run in the background: test/integration/indicators.test.ts runs it itself.
    indicatorSchedule: null,
    ...serviceOverrides,
  });
  const { app, apollo, attachSubscriptions } = await createApp(stores, config, services);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  // As api/server.ts: the client closes idle connections first (no reset on a reused one).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const subscriptions = attachSubscriptions(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stores,
    config,
    services,
    async close() {
      await subscriptions.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await apollo.stop();
      await stopServices(services);
      await closeStores(stores);
    },
  };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}
