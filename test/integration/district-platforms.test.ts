import { Pool } from 'pg';
import { loadConfig } from '../../core/config';
import { districtPlatform, FUTIAN } from '../../domain/districtPlatforms';
import { planGridEvents } from '../../districts/futian/seed';
import { planParkingStatus } from '../../districts/jtj/platform';
import { applyMask } from '../../policy/masks';
import { landmarkCode, planDemoCity } from '../../seed/city';
import { startFederation, type Federation } from '../support/processes';
import { gql } from '../support/services';
import { bearer, tokenFor } from '../support/tokens';

/**
 * 1+11+N with real processes: the city subgraph, three district subgraphs generated from the
 * template (福田, 罗湖, 南山), 交通运输局's parking subgraph (N) and the gateway, real Keycloak tokens. One gateway query reaches all
 * three districts; each district applies its own policy to its own data (南山's officer reads
 * 南山's events in clear and is refused 罗湖's, the city's data still served); every district's
 * reads and refusals land in the one audit chain stamped with its subgraph (使用留痕).
 */
const plan = planDemoCity();
const LUOHU = districtPlatform('luohu');
const NANSHAN = districtPlatform('nanshan');
const eventsOf = (p = FUTIAN) => planGridEvents(plan, p);
const busiest = (p = FUTIAN) => {
  const counts = new Map<string, number>();
  for (const e of eventsOf(p)) if (e.buildingCode) counts.set(e.buildingCode, (counts.get(e.buildingCode) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
};
const newestFirst = (list: ReturnType<typeof eventsOf>) => [...list].sort((a, b) => b.reportedAt.localeCompare(a.reportedAt) || a.id.localeCompare(b.id));

let fed: Federation;
let db: Pool;
let firstAuditId = 0;

beforeAll(async () => {
  fed = await startFederation();
  db = new Pool({ ...loadConfig().postgres, max: 2 });
  firstAuditId = Number((await db.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM audit_log')).rows[0].id);
}, 180_000);
afterAll(async () => {
  await fed?.stop();
  await db?.end();
});

describe('three districts behind one gateway', () => {
  it('the data bureau reads all three districts’ events of three buildings in one query, handlers masked by each district', async () => {
    const [ft, lh, ns] = [landmarkCode('CIVIC_CENTER'), busiest(LUOHU), busiest(NANSHAN)];
    const res = await gql<Record<string, { code: string; name: string; [k: string]: unknown }>>(
      fed.gateway.url,
      `query ($ft: ID!, $lh: ID!, $ns: ID!) {
        ft: cityObject(code: $ft) { code name gridEvents(first: 50) { id handler } }
        lh: cityObject(code: $lh) { code name luohuGridEvents(first: 50) { id handler building { code } } }
        ns: cityObject(code: $ns) { code name nanshanGridEvents(first: 50) { id handler } }
      }`,
      { ft, lh, ns },
      { ...bearer(await tokenFor('zhang.data')), 'x-purpose': 'DATA_GOVERNANCE' },
    );
    expect(res.errors).toBeUndefined();
    const expectFor = (p: typeof FUTIAN, code: string) => newestFirst(eventsOf(p).filter((e) => e.buildingCode === code)).map((e) => ({ id: e.id, handler: applyMask(e.handler, 'NAME') }));
    expect((res.data!.ft.gridEvents as { id: string; handler: string | null }[]).map((e) => ({ id: e.id, handler: e.handler }))).toEqual(expectFor(FUTIAN, ft));
    const luohu = res.data!.lh.luohuGridEvents as { id: string; handler: string | null; building: { code: string } }[];
    expect(luohu.map((e) => ({ id: e.id, handler: e.handler }))).toEqual(expectFor(LUOHU, lh));
    expect(luohu.length).toBeGreaterThan(0);
    expect(luohu.every((e) => e.id.startsWith('LH-DEMO-') && e.building.code === lh)).toBe(true);
    expect((res.data!.ns.nanshanGridEvents as { id: string }[]).map((e) => e.id)).toEqual(expectFor(NANSHAN, ns).map((e) => e.id));
    expect(typeof res.data!.lh.name).toBe('string');
  });

  it("南山's officer reads 南山's events with handlers in clear for grid governance; 交通运输局 is refused 罗湖's while the city data is served", async () => {
    const ns = busiest(NANSHAN);
    const token = await tokenFor('chen.nanshan');
    const own = await gql<{ cityObject: { nanshanGridEvents: { id: string; handler: string | null }[] } }>(
      fed.gateway.url,
      `query ($c: ID!) { cityObject(code: $c) { nanshanGridEvents(first: 50) { id handler } } }`,
      { c: ns },
      { ...bearer(token), 'x-purpose': 'GRID_GOVERNANCE' },
    );
    expect(own.errors).toBeUndefined();
    expect(own.data!.cityObject.nanshanGridEvents).toEqual(newestFirst(eventsOf(NANSHAN).filter((e) => e.buildingCode === ns)).map((e) => ({ id: e.id, handler: e.handler })));

    const lh = busiest(LUOHU);
    const other = await gql<{ cityObject: { code: string; luohuGridEvents: unknown } }>(
      fed.gateway.url,
      `query ($c: ID!) { cityObject(code: $c) { code luohuGridEvents { id } } }`,
      { c: lh },
      { ...bearer(await tokenFor('sun.transport')), 'x-purpose': 'TRANSPORT_ADMIN' },
    );
    expect(other.data?.cityObject.code).toBe(lh);
    expect(other.data?.cityObject.luohuGridEvents).toBeNull();
    expect(other.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', policy: 'luohu-default-deny', service: 'luohu' });
  });

  it("交通运输局's subgraph adds parking occupancy to the city's communities, for the department and the data bureau only", async () => {
    const status = planParkingStatus(plan);
    const byCommunity = new Map<string, typeof status>();
    for (const r of status) byCommunity.set(r.community, [...(byCommunity.get(r.community) ?? []), r]);
    const [community, spaces] = [...byCommunity.entries()].filter(([, r]) => r[0].district === NANSHAN.code).sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))[0];
    const Q = `query ($c: ID!) { cityObject(code: $c) { code name parkingOccupancy { spaces occupied rate updatedAt } } }`;
    const ok = await gql<{ cityObject: { name: string; parkingOccupancy: { spaces: number; occupied: number; rate: number; updatedAt: string } } }>(
      fed.gateway.url, Q, { c: community }, { ...bearer(await tokenFor('sun.transport')), 'x-purpose': 'TRANSPORT_ADMIN' },
    );
    expect(ok.errors).toBeUndefined();
    const occupied = spaces.filter((r) => r.occupied).length;
    expect(ok.data!.cityObject.parkingOccupancy).toEqual({
      spaces: spaces.length,
      occupied,
      rate: occupied / spaces.length,
      updatedAt: spaces.map((r) => r.updatedAt).sort().at(-1),
    });
    const refused = await gql<{ cityObject: { code: string; parkingOccupancy: unknown } }>(fed.gateway.url, Q, { c: community }, { ...bearer(await tokenFor('chen.nanshan')), 'x-purpose': 'GRID_GOVERNANCE' });
    expect(refused.data?.cityObject.code).toBe(community);
    expect(refused.data?.cityObject.parkingOccupancy).toBeNull();
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', policy: 'jtj-default-deny', service: 'jtj' });
  });

  it('every district’s reads and refusals are in the one audit chain, stamped with its subgraph', async () => {
    const deadline = Date.now() + 15_000;
    let rows: { subgraph: string; decision: string; department: string }[] = [];
    while (Date.now() < deadline) {
      rows = (
        await db.query<{ subgraph: string; decision: string; department: string }>(
          `SELECT detail->>'subgraph' AS subgraph, decision, department FROM audit_log WHERE id > $1 AND detail->>'subgraph' IN ('futian', 'luohu', 'nanshan', 'jtj')`,
          [firstAuditId],
        )
      ).rows;
      if (new Set(rows.map((r) => r.subgraph)).size === 4 && rows.some((r) => r.subgraph === 'luohu' && r.decision === 'DENY') && rows.some((r) => r.subgraph === 'jtj' && r.decision === 'DENY')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const seen = (subgraph: string, decision: string, department: string) => rows.some((r) => r.subgraph === subgraph && r.decision === decision && r.department === department);
    expect(seen('futian', 'MASK', 'SZ-ZSJ')).toBe(true);
    expect(seen('luohu', 'MASK', 'SZ-ZSJ')).toBe(true);
    expect(seen('nanshan', 'ALLOW', 'NS-GOV')).toBe(true);
    expect(seen('luohu', 'DENY', 'SZ-JTJ')).toBe(true);
    expect(seen('jtj', 'ALLOW', 'SZ-JTJ')).toBe(true);
    expect(seen('jtj', 'DENY', 'NS-GOV')).toBe(true);
  });
});
