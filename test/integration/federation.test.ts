import { Pool } from 'pg';
import { loadConfig } from '../../core/config';
import { planGridEvents } from '../../districts/futian/seed';
import { applyMask } from '../../policy/masks';
import { landmarkCode, planDemoCity } from '../../seed/city';
import net from 'node:net';
import { freePort, NodeProcess, startFederation, type Federation } from '../support/processes';
import { gql } from '../support/services';
import { bearer, decodeClaims, tokenFor } from '../support/tokens';

/**
 * Federation with three real processes (city subgraph, 福田 subgraph, gateway) and real Keycloak
 * tokens: a cross-subgraph query, permissions through crafted `_entities` representations (and
 * their audit), the district's own policy, the gateway's limits, and the district going down
 * and coming back.
 */
const plan = planDemoCity();
const events = planGridEvents(plan);
const CIVIC = landmarkCode('CIVIC_CENTER');
const civicEvents = events.filter((e) => e.buildingCode === CIVIC).sort((a, b) => b.reportedAt.localeCompare(a.reportedAt) || a.id.localeCompare(b.id));
const node = (code: string) => plan.nodes.find((n) => n.code === code)!;
const nanshanBuilding = plan.nodes.find((n) => n.labels.includes('CityObject') && n.props.objectKind === 'BUILDING' && n.props.districtCode === '440305')!;
const nanshanPerson = plan.nodes.find((n) => n.labels.includes('Person') && n.props.districtCode === '440305')!;
const GRID = { 'x-purpose': 'GRID_GOVERNANCE' };

const BUILDING_WITH_EVENTS = `query ($code: ID!) {
  cityObject(code: $code) {
    code name address floors
    gridEvents { id title status handler reportedAt person { code name } }
  }
}`;

let fed: Federation;
let db: Pool;

beforeAll(async () => {
  fed = await startFederation();
  db = new Pool({ ...loadConfig().postgres, max: 2 });
  // Warm up (first plans, first Neo4j reads) so that timings below measure the steady state.
  await gql(fed.gateway.url, BUILDING_WITH_EVENTS, { code: CIVIC }, bearer(await tokenFor('wang.futian')));
}, 120_000);

afterAll(async () => {
  await fed?.stop();
  await db?.end();
});

describe('a cross-subgraph query through the gateway', () => {
  it('returns a building with its city data and its 福田 grid events', async () => {
    const token = await tokenFor('wang.futian');
    const res = await gql<{ cityObject: { name: string; floors: number; gridEvents: { id: string; title: string; status: string; handler: string | null; person: { code: string; name: string } | null }[] } }>(
      fed.gateway.url, BUILDING_WITH_EVENTS, { code: CIVIC }, { ...bearer(token), ...GRID },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.cityObject.name).toBe('深圳市民中心');
    expect(res.data!.cityObject.floors).toBe(28);
    expect(civicEvents.length).toBeGreaterThan(0);
    expect(res.data!.cityObject.gridEvents.map((e) => [e.id, e.title, e.status, e.handler])).toEqual(civicEvents.map((e) => [e.id, e.title, e.status, e.handler]));
    // The events' persons come back from the city subgraph, with the caller's city permissions.
    for (const [i, e] of civicEvents.entries()) {
      const person = res.data!.cityObject.gridEvents[i].person;
      if (e.personCode === null) expect(person).toBeNull();
      else expect(person).toEqual({ code: e.personCode, name: node(e.personCode).props.name });
    }
  });

  it('applies the district policy per request: handlers masked without the grid purpose', async () => {
    const token = await tokenFor('wang.futian');
    const res = await gql<{ cityObject: { gridEvents: { handler: string | null }[] } }>(fed.gateway.url, BUILDING_WITH_EVENTS, { code: CIVIC }, bearer(token));
    expect(res.data!.cityObject.gridEvents.map((e) => e.handler)).toEqual(civicEvents.map((e) => applyMask(e.handler, 'NAME')));
  });

  it('refuses grid events to another district, keeping the city data it may see', async () => {
    const token = await tokenFor('chen.nanshan');
    const res = await gql<{ gridEvents: unknown; regions: { regionCode: string }[] }>(
      fed.gateway.url, '{ gridEvents(first: 2) { id } regions(level: DISTRICT) { regionCode } }', {}, { ...bearer(token), ...GRID },
    );
    expect(res.data).toEqual({ gridEvents: null, regions: [{ regionCode: '440305' }] });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', policy: 'futian-default-deny', service: 'futian' });
  });

  it('verifies the token at the gateway: a forged token never reaches a subgraph', async () => {
    const token = await tokenFor('wang.futian');
    const [h, p] = token.split('.');
    const response = await fetch(`${fed.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h}.${p}.AAAA` },
      body: JSON.stringify({ query: '{ gridEvents { id } }' }),
    });
    expect(response.status).toBe(401);
    const anonymous = await gql(fed.gateway.url, '{ gridEvents(first: 1) { id } }');
    expect(anonymous.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', policy: 'futian-no-anonymous' });
  });

  it('passes on a subgraph\'s refusal of the whole request with its code and hint', async () => {
    const token = await tokenFor('wang.futian');
    const res = await gql<{ cityObject: unknown }>(fed.gateway.url, BUILDING_WITH_EVENTS, { code: CIVIC }, { ...bearer(token), 'x-purpose': 'SPYING' });
    expect(res.data!.cityObject).toBeNull();
    expect(res.errors![0].message).toMatch(/Unknown purpose "SPYING"/);
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'X-Purpose', service: 'city', status: 400 });
  });

  it('does not expose _entities to clients of the gateway', async () => {
    const res = await gql(fed.gateway.url, 'query { _entities(representations: [{ __typename: "CityObject", code: "x" }]) { __typename } }');
    expect(res.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('crafted _entities representations on the city subgraph', () => {
  const QUERY = `query ($r: [_Any!]!) { _entities(representations: $r) { __typename
    ... on CityObject { code name address floors }
    ... on Person { code name phone birthDate } } }`;

  it('return nothing about out-of-scope entities but errors, and the attempt is audited', async () => {
    const token = await tokenFor('wang.futian');
    const sub = String(decodeClaims(token).sub);
    const representations = [
      { __typename: 'CityObject', code: nanshanBuilding.code },
      { __typename: 'Person', code: nanshanPerson.code },
      { __typename: 'CityObject', code: CIVIC },
    ];
    const startedAt = new Date();
    const res = await gql<{ _entities: ({ code: string; name: string } | null)[] }>(fed.city.url, QUERY, { r: representations }, { ...bearer(token), ...GRID });
    expect(res.data!._entities[0]).toBeNull();
    expect(res.data!._entities[1]).toBeNull();
    expect(res.data!._entities[2]).toMatchObject({ code: CIVIC, name: '深圳市民中心' });
    expect(res.errors!.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['_entities', 0], 'FORBIDDEN'],
      [['_entities', 1], 'FORBIDDEN'],
    ]);
    // Nothing about them: none of their values appear anywhere in the response.
    const body = JSON.stringify(res);
    for (const value of [nanshanBuilding.props.name, nanshanBuilding.props.address, nanshanPerson.props.name, nanshanPerson.props.phone]) {
      expect(body).not.toContain(String(value));
    }

    let rows: { decision: string; fields: string[]; entity_codes: string[]; policy: string }[] = [];
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = (
        await db.query(
          `SELECT decision, fields, entity_codes, policy FROM audit_log WHERE subject = $1 AND at >= $2 AND 'Query._entities' = ANY(fields)`,
          [sub, new Date(startedAt.getTime() - 1000)],
        )
      ).rows;
    }
    expect(rows).toHaveLength(1);
    expect(rows[0].decision).toBe('DENY');
    expect(rows[0].policy).toMatch(/^row-scope@/);
    expect([...rows[0].entity_codes].sort()).toEqual([nanshanBuilding.code, nanshanPerson.code].sort());
  });

  it('refuse a representation naming a code of another kind or a type that is no entity', async () => {
    const token = await tokenFor('wang.futian');
    const res = await gql<{ _entities: unknown[] }>(
      fed.city.url, QUERY, { r: [{ __typename: 'Person', code: CIVIC }, { __typename: 'PageInfo', code: CIVIC }] }, bearer(token),
    );
    expect(res.data!._entities).toEqual([null, null]);
    expect(res.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
  });

  it('pass the field guard: entities served through _entities are masked like any other read', async () => {
    const token = await tokenFor('wang.futian');
    const person = events.find((e) => e.personCode)!.personCode!;
    // No purpose: FT-GOV reads the L3 phone masked, exactly as through `person(code:)`.
    const res = await gql<{ _entities: { phone: string }[] }>(fed.city.url, QUERY, { r: [{ __typename: 'Person', code: person }] }, bearer(token));
    expect(res.data!._entities[0].phone).toBe(applyMask(String(node(person).props.phone), 'PHONE'));
  });

  it('on the 福田 subgraph, are subject to the district policy', async () => {
    const token = await tokenFor('chen.nanshan');
    const res = await gql<{ _entities: ({ gridEvents: unknown } | null)[] }>(
      fed.futian.url, 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on CityObject { code gridEvents { id title } } } }',
      { r: [{ __typename: 'CityObject', code: CIVIC }] }, { ...bearer(token), ...GRID },
    );
    expect(res.data!._entities[0]).toEqual({ code: CIVIC, gridEvents: null });
    expect(res.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', policy: 'futian-default-deny' });
    expect(JSON.stringify(res)).not.toContain(civicEvents[0].title);
  });
});

describe('gateway limits', () => {
  it('refuses an over-deep operation', async () => {
    const deep = `{ cityObject(code: "${CIVIC}") { ${'parent { '.repeat(13)}code${' }'.repeat(13)} } }`;
    const res = await gql(fed.gateway.url, deep);
    expect(res.data ?? null).toBeNull();
    expect(res.errors![0].extensions).toMatchObject({ code: 'OPERATION_TOO_DEEP', depth: 15, maxDepth: 12 });
    expect(String(res.errors![0].extensions?.hint)).toMatch(/nested/);
  });

  it('counts subgraph fetches under lists (query-plan-aware cost)', async () => {
    // Fields alone cost about 12,000 (under the 20,000 limit); the two 福田 fetches under
    // 2,000 buildings each add 10,000.
    const query = `{ regions(level: STREET) { code
      a: contents(first: 100) { nodes { gridEvents(first: 1) { id } } }
      b: children(first: 100) { nodes { gridEvents(first: 1) { id } } } } }`;
    const res = await gql(fed.gateway.url, query);
    expect(res.data ?? null).toBeNull();
    expect(res.errors![0].extensions).toMatchObject({ code: 'OPERATION_TOO_COSTLY', maxCost: 20000 });
    expect(res.errors![0].extensions!.fetches).toBeGreaterThanOrEqual(3);
  });
});

describe('the 福田 subgraph going down', () => {
  it('still gives the city data with an error for the missing part, quickly, and recovers', async () => {
    const token = await tokenFor('wang.futian');
    const headers = { ...bearer(token), ...GRID };
    await fed.futian.stop();
    const started = Date.now();
    const down = await gql<{ cityObject: { name: string; gridEvents: unknown } }>(fed.gateway.url, BUILDING_WITH_EVENTS, { code: CIVIC }, headers);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(down.data!.cityObject.name).toBe('深圳市民中心');
    expect(down.data!.cityObject.gridEvents).toBeNull();
    expect(down.errors).toHaveLength(1);
    expect(down.errors![0].extensions).toMatchObject({ code: 'UNAVAILABLE', service: 'futian' });

    await fed.futian.start();
    const back = await gql<{ cityObject: { gridEvents: { id: string }[] } }>(fed.gateway.url, BUILDING_WITH_EVENTS, { code: CIVIC }, headers);
    expect(back.errors).toBeUndefined();
    expect(back.data!.cityObject.gridEvents.map((e) => e.id)).toEqual(civicEvents.map((e) => e.id));
  });
});

describe('the city subgraph going down', () => {
  it('answers the district\'s own data with an error for the city part, quickly, and recovers', async () => {
    const token = await tokenFor('wang.futian');
    const headers = { ...bearer(token), ...GRID };
    const EVENTS = `{ gridEvents(first: 3) { id title building { code name } } }`;
    const up = await gql<{ gridEvents: { id: string; building: { name: string } | null }[] }>(fed.gateway.url, EVENTS, {}, headers);
    expect(up.errors).toBeUndefined();
    expect(up.data!.gridEvents).toHaveLength(3);
    expect(up.data!.gridEvents.every((e) => typeof e.building?.name === 'string')).toBe(true);
    await fed.city.stop();
    try {
      const started = Date.now();
      const down = await gql<{ gridEvents: { id: string; title: string; building: unknown }[] }>(fed.gateway.url, EVENTS, {}, headers);
      expect(Date.now() - started).toBeLessThan(5000);
      // The 福田 part is there (the same events, each building's key as 福田 holds it); what only the
      // city knows (the name) is null, with an error naming the city.
      const upBuildings = up.data!.gridEvents.map((e) => e.building as { code: string; name: string } | null);
      expect(down.data!.gridEvents.map((e) => e.id)).toEqual(up.data!.gridEvents.map((e) => e.id));
      expect(down.data!.gridEvents.map((e) => e.building)).toEqual(upBuildings.map((b) => b && { code: b.code, name: null }));
      expect(down.errors!.length).toBeGreaterThan(0);
      expect(down.errors![0].extensions).toMatchObject({ code: 'UNAVAILABLE', service: 'city' });
      // A query only the city can answer: no data, the same clear error.
      const cityOnly = await gql<{ cityObject: unknown }>(fed.gateway.url, BUILDING_WITH_EVENTS, { code: CIVIC }, headers);
      expect(cityOnly.data?.cityObject ?? null).toBeNull();
      expect(cityOnly.errors![0].extensions).toMatchObject({ code: 'UNAVAILABLE', service: 'city' });
    } finally {
      await fed.city.start();
    }
    const back = await gql<{ gridEvents: { building: { name: string } | null }[] }>(fed.gateway.url, EVENTS, {}, headers);
    expect(back.errors).toBeUndefined();
    expect(back.data!.gridEvents.map((e) => e.building?.name)).toEqual(up.data!.gridEvents.map((e) => e.building?.name));
  });
});

describe('a 福田 subgraph that hangs', () => {
  it('costs at most the gateway\'s subgraph timeout: city data plus an error naming the timeout', async () => {
    // A black hole: accepts connections, never answers.
    const sockets = new Set<net.Socket>();
    const hole = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    const holePort = await freePort();
    await new Promise<void>((resolve) => hole.listen(holePort, '127.0.0.1', resolve));
    const gatewayPort = await freePort();
    const gateway = new NodeProcess('gateway (hanging district)', 'gateway/server.js', gatewayPort, {
      GATEWAY_PORT: String(gatewayPort),
      CITY_SUBGRAPH_URL: `${fed.city.url}/graphql`,
      FUTIAN_SUBGRAPH_URL: `http://127.0.0.1:${holePort}/graphql`,
      GATEWAY_SUBGRAPH_TIMEOUT_MS: '1500',
    });
    try {
      await gateway.start();
      const token = await tokenFor('wang.futian');
      const started = Date.now();
      const res = await gql<{ cityObject: { name: string; gridEvents: unknown } }>(gateway.url, BUILDING_WITH_EVENTS, { code: CIVIC }, { ...bearer(token), ...GRID });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(6000);
      expect(res.data!.cityObject).toMatchObject({ name: '深圳市民中心', gridEvents: null });
      expect(res.errors![0].extensions).toMatchObject({ code: 'UNAVAILABLE', service: 'futian' });
      expect(res.errors![0].message).toMatch(/within 1500 ms/);
    } finally {
      await gateway.stop();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => hole.close(resolve));
    }
  });
});
