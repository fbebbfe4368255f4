import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, OperationDefinitionNode, parse, print } from 'graphql';
import { fromRoot } from '../../core/paths';
import { landmarkCode, planDemoCity } from '../../seed/city';
import { gql, startTestApi, TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

// The example operations app teams start from (client/operations, typed by `npm run generate`)
// must run against the demo city and return real data.
let api: TestApi;
let headers: Record<string, string>;
const plan = planDemoCity();
const residential = plan.nodes.find((n) => n.props.objectKind === 'BUILDING' && n.props.usage === '住宅' && plan.edges.some((e) => e.to === n.code && e.type === 'PART_OF'))!;
const person = plan.nodes.find((n) => n.labels.includes('Person') && n.citizenId)!;
const community = plan.nodes.find((n) => n.props.regionCode === '440304008001')!;
const futian = plan.nodes.find((n) => n.props.regionCode === '440304')!;

const VARIABLES: Record<string, Record<string, unknown>> = {
  BuildingWithResidents: { code: residential.code, residents: 10 },
  EntityByCode: { code: landmarkCode('CIVIC_CENTER') },
  ResolveCode: { scheme: 'CITIZEN_ID', value: person.citizenId },
  ObjectsNear: { lon: 114.059, lat: 22.5453, radiusM: 1000, kinds: ['BUILDING'], first: 5 },
  ObjectsWithin: {
    polygon: { type: 'Polygon', coordinates: [[[114.04, 22.53], [114.07, 22.53], [114.07, 22.56], [114.04, 22.56], [114.04, 22.53]]] },
    first: 5,
  },
  Contents: { code: community.code, kinds: ['BUILDING', 'ROOM'], first: 10 },
  Districts: {},
  StreetsOf: { district: futian.code },
  PersonWithProvenance: { code: person.code },
};

const operations = readdirSync(fromRoot('client', 'operations'))
  .filter((f) => f.endsWith('.graphql'))
  .flatMap((f) => parse(readFileSync(join(fromRoot('client', 'operations'), f), 'utf8')).definitions)
  .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

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
