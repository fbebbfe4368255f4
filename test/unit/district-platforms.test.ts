import { readFileSync } from 'node:fs';
import { fromRoot } from '../../core/paths';
import { DEPARTMENT_PLATFORMS, DISTRICT_PLATFORMS, FUTIAN, districtPlatform, fieldName, typeName } from '../../domain/districtPlatforms';
import { districtOfStreet } from '../../domain/regions';
import { renderMigration } from '../../districts/futian/migrate';
import { composeSupergraph } from '../../gateway/compose';
import { districtSdl, districtSdlFile } from '../../gateway/districtSdl';
import { readSdl, SUBGRAPHS } from '../../gateway/subgraphs';
import { loadMigrations } from '../../store/migrate';
import { planDemoCity } from '../../seed/city';

/**
 * 1+11+N: the eleven district platforms as configuration, each subgraph generated from the
 * template (福田's SDL and migrations), and the city composed with all eleven (the compose-check
 * every district's SDL passes in CI, not only the served ones').
 */
describe('the eleven district platforms', () => {
  it('are the eleven district-level areas of the city, each with its own slug, code, department, port and names', () => {
    expect(DISTRICT_PLATFORMS).toHaveLength(11);
    const plan = planDemoCity();
    const areas = new Set(plan.nodes.filter((n) => n.props.objectKind === 'DISTRICT').map((n) => String(n.props.regionCode)));
    expect(new Set(DISTRICT_PLATFORMS.map((p) => p.code))).toEqual(areas);
    for (const key of ['slug', 'code', 'department', 'defaultPort', 'idPrefix', 'envPrefix'] as const) {
      expect(new Set(DISTRICT_PLATFORMS.map((p) => p[key])).size).toBe(11);
    }
    // Every street of the demo city matches the street pattern of exactly its own district.
    const streets = plan.nodes.filter((n) => n.props.objectKind === 'STREET').map((n) => String(n.props.regionCode));
    for (const s of streets) {
      const owners = DISTRICT_PLATFORMS.filter((p) => new RegExp(p.streetPattern).test(s) && districtOfStreet(s) === p.code);
      expect([s, owners.length]).toEqual([s, 1]);
    }
    expect(DISTRICT_PLATFORMS.filter((p) => p.served).map((p) => p.slug)).toEqual(['futian', 'luohu', 'nanshan']);
    expect(() => districtPlatform('atlantis')).toThrow(/no district platform "atlantis"/);
  });

  it("generate each district's SDL from 福田's: 福田's is the template itself, the others' names carry their prefix", () => {
    expect(districtSdl(FUTIAN)).toBe(readFileSync(fromRoot('districts', 'futian', 'schema.graphql'), 'utf8'));
    const luohu = districtPlatform('luohu');
    const sdl = districtSdl(luohu);
    expect(typeName(luohu, 'GridEvent')).toBe('LuohuGridEvent');
    expect(fieldName(luohu, 'gridEvents')).toBe('luohuGridEvents');
    expect(sdl).toContain('type LuohuGridEvent {');
    expect(sdl).toContain('luohuGridEvents(status: LuohuGridEventStatus, first: Int = 20): [LuohuGridEvent!]');
    expect(sdl).toContain('罗湖区');
    expect(sdl).not.toMatch(/福田|\bGridEvent\b|\bgridEvents\b/);
    // The committed files are what the template renders (npm run generate --check says the same).
    for (const p of DISTRICT_PLATFORMS) expect([p.slug, readFileSync(fromRoot(districtSdlFile(p)), 'utf8') === districtSdl(p)]).toEqual([p.slug, true]);
  });

  it('render the migrations for each district into its own schema (福田: the files themselves)', () => {
    const migrations = loadMigrations(fromRoot('districts', 'futian', 'migrations'), '.sql');
    expect(migrations.length).toBeGreaterThanOrEqual(3);
    for (const m of migrations) expect(renderMigration(m.body, FUTIAN)).toBe(m.body);
    const dapeng = districtPlatform('dapeng');
    const body = migrations.map((m) => renderMigration(m.body, dapeng)).join('\n');
    expect(body).toContain('CREATE TABLE dapeng.grid_event');
    expect(body).toContain(`street_code ~ '^440307[0-9]{3}$'`);
    expect(body).toContain(`id ~ '^DP-[0-9A-Z-]{4,40}$'`);
    expect(body).not.toMatch(/futian|440304|福田/);
  });

  it('compose with the city: all eleven and the department subgraph at once (compose-check), and the served ones as the committed supergraph', () => {
    const city = SUBGRAPHS.find((s) => s.name === 'city')!;
    const all = composeSupergraph([
      { name: 'city', url: city.defaultUrl, sdl: readSdl(city) },
      ...DISTRICT_PLATFORMS.map((p) => ({ name: p.slug, url: `http://127.0.0.1:${p.defaultPort}/graphql`, sdl: districtSdl(p) })),
      ...DEPARTMENT_PLATFORMS.map((d) => ({ name: d.slug, url: `http://127.0.0.1:${d.defaultPort}/graphql`, sdl: readFileSync(fromRoot('districts', d.slug, 'schema.graphql'), 'utf8') })),
    ]);
    expect(all.ok ? [] : all.errors).toEqual([]);
    if (all.ok) for (const p of DISTRICT_PLATFORMS) expect(all.supergraphSdl).toContain(`${fieldName(p, 'gridEvents')}(`);
    if (all.ok) expect(all.supergraphSdl).toContain('parkingOccupancy: ParkingOccupancy');
    const committed = readFileSync(fromRoot('schema', 'supergraph.graphql'), 'utf8');
    expect(SUBGRAPHS.map((s) => s.name)).toEqual(['city', 'futian', 'luohu', 'nanshan', 'jtj']);
    for (const s of SUBGRAPHS) expect(committed).toContain(`url: "${s.defaultUrl}"`);
  });
});
