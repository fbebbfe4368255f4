import { planDemoCity } from '../../seed/city';
import { gql, startTestApi, type TestApi } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * Grid-scoped grants (网格授权) against the real services: 福田区网格管理中心's grid officer
 * (zhou.wangge, FT-WGB) holds population to L3 (grid governance) for two grids of one community only. The grant
 * reaches the residents recorded in those grids — by code, through a room's residents, in
 * counts — and nothing of another grid of the same community, while the district-wide spatial
 * grant still shows every 福田 room.
 */
const plan = planDemoCity();
const [A, B, C] = ['44030401100201', '44030401100202', '44030401100204'];
const persons = (grid: string) => plan.nodes.filter((n) => n.labels.includes('Person') && n.props.gridCode === grid);
const residentsOf = (building: string) => plan.edges.filter((e) => e.type === 'RESIDES_IN' && e.to === building).map((e) => e.from);
const roomWithResidents = (grid: string) =>
  plan.nodes.filter((n) => n.props.objectKind === 'ROOM' && n.props.gridCode === grid).find((r) => residentsOf(r.code).length > 0)!.code;

let api: TestApi;
let token: string;
const as = (query: string, variables: Record<string, unknown>) => gql<Record<string, unknown>>(api.url, query, variables, { ...bearer(token), 'x-purpose': 'GRID_GOVERNANCE' });

beforeAll(async () => {
  api = await startTestApi();
  token = await tokenFor('zhou.wangge');
});
afterAll(async () => {
  await api.close();
});

describe('a grid-scoped grant', () => {
  it('reaches the residents of its grids and no one in the next grid of the same community', async () => {
    expect(persons(A).length + persons(B).length).toBeGreaterThan(0);
    expect(persons(C).length).toBeGreaterThan(0);
    const inside = persons(A)[0] ?? persons(B)[0];
    const r1 = await as(`query ($c: ID!) { person(code: $c) { code name gridCode } }`, { c: inside.code });
    expect(r1.errors).toBeUndefined();
    expect(r1.data!.person).toEqual({ code: inside.code, name: inside.props.name, gridCode: inside.props.gridCode });
    const outside = persons(C)[0];
    const r2 = await as(`query ($c: ID!) { person(code: $c) { code name } }`, { c: outside.code });
    expect(r2.data!.person).toBeNull();
  });

  it("decides a room's residents by the room's grid, and counts only the rows in scope", async () => {
    const Q = `query ($c: ID!) { cityObject(code: $c) { code gridCode residents(first: 100) { totalCount nodes { code gridCode } } } }`;
    const bA = roomWithResidents(A);
    const r1 = await as(Q, { c: bA });
    expect(r1.errors).toBeUndefined();
    const res = (r1.data!.cityObject as { residents: { totalCount: number; nodes: { code: string; gridCode: string }[] } }).residents;
    const expected = residentsOf(bA).filter((p) => [A, B].includes(String(plan.nodes.find((n) => n.code === p)!.props.gridCode)));
    expect(res.totalCount).toBe(expected.length);
    expect(res.nodes.map((n) => n.code).sort()).toEqual(expected.sort());
    expect(res.nodes.every((n) => [A, B].includes(n.gridCode))).toBe(true);

    const bC = roomWithResidents(C);
    const r2 = await as(Q, { c: bC });
    // The room is seen (spatial grant: all 福田); its residents are not (their grid is outside the grant).
    expect((r2.data!.cityObject as { code: string }).code).toBe(bC);
    const denied = (r2.data!.cityObject as { residents: unknown }).residents;
    if (denied === null) expect(r2.errors?.[0].extensions?.code).toBe('FORBIDDEN_FIELD');
    else expect(denied).toMatchObject({ totalCount: 0, nodes: [] });
  });
});
