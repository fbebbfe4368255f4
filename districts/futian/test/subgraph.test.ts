import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { landmarkCode, planDemoCity } from '../../../seed/city';
import { gql } from '../../../test/support/services';
import { bearer, serviceToken, tokenFor } from '../../../test/support/tokens';
import { createFutianApp, type FutianApp } from '../app';
import { futianConfig } from '../config';
import { migrateFutian } from '../migrate';
import { DEMO_ID_PREFIX, planGridEvents } from '../seed';
import { FutianStore } from '../store';

/**
 * The 福田 subgraph on its own (in-process, real PostgreSQL and Keycloak): what a district team
 * runs while developing its subgraph, before composing it with the city.
 */
const config = futianConfig();
const plan = planDemoCity();
const events = planGridEvents(plan);
const CIVIC = landmarkCode('CIVIC_CENTER');
const ENTITIES = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on CityObject { code gridEvents(first: 50) { id status streetCode building { code } } } ... on Person { code gridEvents { id } } } }';

let store: FutianStore;
let served: FutianApp;
let server: Server;
let url: string;

beforeAll(async () => {
  store = new FutianStore(config.postgres);
  served = await createFutianApp(store, config);
  server = await new Promise((resolve) => {
    const s = served.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await served.apollo.stop();
  await store.close();
});

describe('futian schema and seed', () => {
  it('migrations are applied once (a second run applies nothing)', async () => {
    expect(await migrateFutian(config.postgres)).toEqual([]);
  });

  it('holds exactly the planned demo events', async () => {
    const { rows } = await store.pool.query<{ n: string }>('SELECT count(*) AS n FROM futian.grid_event WHERE id LIKE $1', [`${DEMO_ID_PREFIX}%`]);
    expect(Number(rows[0].n)).toBe(events.length);
    expect(events.length).toBeGreaterThan(100);
    expect(events.every((e) => e.streetCode.startsWith('440304'))).toBe(true);
  });
});

describe('futian subgraph', () => {
  it('extends city entities by code: buildings and persons get their events, newest first', async () => {
    const token = await serviceToken('svc-futian-grid');
    const person = events.find((e) => e.personCode)!.personCode!;
    const res = await gql<{ _entities: { code: string; gridEvents: { id: string; building?: { code: string } }[] }[] }>(
      url, ENTITIES, { r: [{ __typename: 'CityObject', code: CIVIC }, { __typename: 'Person', code: person }] }, { ...bearer(token), 'x-purpose': 'GRID_GOVERNANCE' },
    );
    expect(res.errors).toBeUndefined();
    const expected = (pick: (e: (typeof events)[number]) => boolean) =>
      events.filter(pick).sort((a, b) => b.reportedAt.localeCompare(a.reportedAt) || a.id.localeCompare(b.id)).map((e) => e.id);
    expect(res.data!._entities[0].gridEvents.map((e) => e.id)).toEqual(expected((e) => e.buildingCode === CIVIC));
    expect(res.data!._entities[0].gridEvents.every((e) => e.building!.code === CIVIC)).toBe(true);
    expect(res.data!._entities[1].gridEvents.map((e) => e.id)).toEqual(expected((e) => e.personCode === person).slice(0, 20));
  });

  it('a street-scoped or unknown building gets no events from other streets', async () => {
    const token = await tokenFor('wang.futian');
    const nanshan = plan.nodes.find((n) => n.props.objectKind === 'BUILDING' && n.props.districtCode === '440305')!;
    const res = await gql<{ _entities: { gridEvents: unknown[] }[] }>(url, ENTITIES, { r: [{ __typename: 'CityObject', code: nanshan.code }] }, bearer(token));
    expect(res.data!._entities[0].gridEvents).toEqual([]);
  });

  it('refuses bad input with a code and a hint', async () => {
    const token = await tokenFor('wang.futian');
    const tooMany = await gql(url, '{ gridEvents(first: 1000) { id } }', {}, bearer(token));
    expect(tooMany.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
    const badCode = await gql<{ _entities: unknown[] }>(url, ENTITIES, { r: [{ __typename: 'CityObject', code: 'not-a-code' }] }, bearer(token));
    expect(badCode.data!._entities).toEqual([null]);
    expect(badCode.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'representations' });
  });

  it('verifies the same Keycloak tokens as the city', async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.token' },
      body: JSON.stringify({ query: '{ gridEvents { id } }' }),
    });
    expect(response.status).toBe(401);
  });
});
