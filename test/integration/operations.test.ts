import { print } from 'graphql';
import { EXAMPLE_OPERATIONS, EXAMPLE_VARIABLES } from '../support/exampleOperations';
import { gql, startTestApi, TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

// The example operations app teams start from (client/operations, typed by `npm run generate`)
// must run against the demo city and return real data.
let api: TestApi;
let headers: Record<string, string>;
const VARIABLES = EXAMPLE_VARIABLES;
const operations = EXAMPLE_OPERATIONS;

beforeAll(async () => {
  api = await startTestApi();
  headers = { ...bearer(await tokenFor('zhang.data')), 'x-purpose': 'DATA_GOVERNANCE' };
});
afterAll(() => api.close());

it('has variables for every example operation', () => {
  expect(operations.map((o) => o.name?.value).sort()).toEqual(Object.keys(VARIABLES).sort());
});

it.each(operations.map((o) => [o.name!.value, o] as const))('%s returns seeded data', async (name, operation) => {
  const res = await gql<Record<string, unknown>>(api.url, print(operation), VARIABLES[name], headers);
  expect(res.errors).toBeUndefined();
  const root = Object.values(res.data ?? {})[0];
  expect(root).not.toBeNull();
  const text = JSON.stringify(res.data);
  // Real codes of the demo city come back, not empty shells.
  expect(text).toMatch(/"[0-9]{21}[0-9X]"/);
});

describe('compiled execution of hot operations', () => {
  // An operation runs on graphql-js the first time and compiled (api/jitExecutor.ts) from its
  // second run on: both must answer the same, data and errors alike, for a caller who sees
  // everything and for one whose policy masks and denies (wu.water: the water bureau, no purpose declared).
  const callers = [
    ['the data steward', async () => headers],
    ['a caller with denials', async () => bearer(await tokenFor('wu.water'))],
  ] as const;

  it.each(callers)('answers every example operation the same, compiled or not, for %s', async (_who, headersOf) => {
    const h = await headersOf();
    let denied = 0;
    for (const operation of operations) {
      const name = operation.name!.value;
      // A text of its own per caller, so that its first run here is its first run anywhere.
      const text = `${print(operation)}\n# compiled-execution test: ${_who}`;
      const first = await gql<Record<string, unknown>>(api.url, text, VARIABLES[name], h);
      const second = await gql<Record<string, unknown>>(api.url, text, VARIABLES[name], h);
      const third = await gql<Record<string, unknown>>(api.url, text, VARIABLES[name], h);
      expect({ name, ...second }).toEqual({ name, ...first });
      expect({ name, ...third }).toEqual({ name, ...first });
      denied += (first.errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN_FIELD').length;
    }
    if (_who !== 'the data steward') expect(denied).toBeGreaterThan(0);
  });
});
