import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot } from '../../core/paths';
import { composeSupergraph } from '../../gateway/compose';
import { citySubgraphSdl, readSdl, SUBGRAPHS, SUPERGRAPH_FILE, subgraphUrl } from '../../gateway/subgraphs';
import { composeFromRepository } from '../../tools/compose';
import { composeCheck } from '../../tools/citycode';

describe('committed federation files', () => {
  it('schema/subgraphs/city.graphql is the SDL the city subgraph serves (run `npm run generate`)', () => {
    expect(readFileSync(fromRoot('schema', 'subgraphs', 'city.graphql'), 'utf8').trim()).toBe(citySubgraphSdl().trim());
  });

  it('schema/supergraph.graphql is the composition of the committed subgraphs (run `npm run generate`)', () => {
    const outcome = composeFromRepository();
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    expect(readFileSync(fromRoot(SUPERGRAPH_FILE), 'utf8').trim()).toBe(outcome.supergraphSdl.trim());
  });

  it('keys the city entities by code and lets the 福田 subgraph extend them', () => {
    const sdl = citySubgraphSdl();
    for (const type of ['Person', 'Enterprise', 'CityObject']) expect(sdl).toMatch(new RegExp(`type ${type} implements Entity @key\\(fields: "code"\\)`));
    const supergraph = readFileSync(fromRoot(SUPERGRAPH_FILE), 'utf8');
    expect(supergraph).toMatch(/gridEvents\(status: GridEventStatus, first: Int = 20\): \[GridEvent!\] @join__field\(graph: FUTIAN\)/);
  });
});

describe('composition errors', () => {
  const city = { name: 'city', url: 'http://x/graphql', sdl: citySubgraphSdl() };

  it('are listed one by one with their code and where they are', () => {
    const outcome = composeSupergraph([
      city,
      { name: 'bad', url: 'http://y/graphql', sdl: 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])\ntype CityObject @key(fields: "code") { code: Int! }\ntype Query { entity: String }' },
    ]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    const codes = outcome.errors.map((e) => e.code);
    expect(codes).toContain('FIELD_TYPE_MISMATCH');
    expect(codes).toContain('INVALID_FIELD_SHARING');
    expect(outcome.errors.find((e) => e.code === 'FIELD_TYPE_MISMATCH')!.message).toMatch(/CityObject\.code/);
  });

  it('include SDL that is not GraphQL at all', () => {
    const outcome = composeSupergraph([city, { name: 'broken', url: 'http://y/graphql', sdl: 'type {' }]);
    expect(outcome).toMatchObject({ ok: false, errors: [{ code: 'INVALID_GRAPHQL', where: ['broken:1:6'] }] });
  });
});

describe('citycode compose-check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'compose-check-'));

  it('says OK for the 福田 template', () => {
    const futian = SUBGRAPHS.find((s) => s.name === 'futian')!;
    const file = join(dir, 'futian.graphql');
    writeFileSync(file, readSdl(futian));
    expect(composeCheck(file, 'futian')).toMatchObject({ ok: true });
  });

  it('lists what breaks for a partner SDL that clashes with the city', () => {
    const file = join(dir, 'bad.graphql');
    writeFileSync(file, 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])\ntype Person @key(fields: "id") { id: ID! }\ntype Query { person(code: ID!): Person }\n');
    const { ok, report } = composeCheck(file, 'nanshan');
    expect(ok).toBe(false);
    expect(report).toMatch(/^FAILED: .*bad\.graphql does not compose with city/);
    expect(report).toMatch(/\[INVALID_FIELD_SHARING\].*Query\.person/);
  });
});

describe('subgraph URLs', () => {
  it('come from <NAME>_SUBGRAPH_URL, else the processes\' port variables, else the supergraph', () => {
    expect(subgraphUrl('futian', 'http://a/graphql', { FUTIAN_SUBGRAPH_URL: 'http://b/graphql' })).toBe('http://b/graphql');
    expect(subgraphUrl('city', 'http://a/graphql', { PORT: '4020' })).toBe('http://127.0.0.1:4020/graphql');
    expect(subgraphUrl('futian', 'http://a/graphql', {})).toBe('http://a/graphql');
    expect(subgraphUrl('luohu', undefined, { LUOHU_SUBGRAPH_URL: 'http://c/graphql' })).toBe('http://c/graphql');
  });
});
