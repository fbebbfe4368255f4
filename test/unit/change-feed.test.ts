import { encodeCursor, streamKey } from '../../exchange/feed';
import { changesOfBatch } from '../../ingest/changes';
import { ALL, graphScopeAdmits, NONE, regions, type GraphScope } from '../../policy/scope';

/** The pure parts of 实时推送: stream identity, the outbox rows of a batch, the row-scope test of a loaded row. */
describe('stream keys and cursors', () => {
  it('a stream is its field and filter; the order of codes does not matter', () => {
    const k = streamKey('entityChanged', { codes: ['b', 'a'] });
    expect(streamKey('entityChanged', { codes: ['a', 'b'] })).toBe(k);
    expect(streamKey('entityChanged', { codes: ['a'] })).not.toBe(k);
    expect(streamKey('changes', { codes: ['a', 'b'] })).not.toBe(k);
    expect(streamKey('entityChanged', { codes: ['a', 'b'], region: '440304' })).not.toBe(k);
    expect(Buffer.from(encodeCursor(k, 42), 'base64url').toString()).toBe(`c1:${k}:42`);
  });
});

describe('the outbox rows of an ingest batch', () => {
  it('one per entity with changed attributes, in code order, with the region it has after the batch', () => {
    const rows = changesOfBatch(
      { id: 'gaj-population', entity: 'Person' },
      {
        changed: new Map([
          ['B', new Set(['Person.phone', 'Person.name'])],
          ['A', new Set(['Person.residence'])],
          ['C', new Set<string>()],
        ]),
        states: new Map([
          ['A', { code: 'A', labels: ['Person'], props: { districtCode: '440304', streetCode: '440304001' }, relations: {} }],
          ['B', { code: 'B', labels: ['Person'], props: {}, relations: {} }],
        ]),
      },
    );
    expect(rows).toEqual([
      { code: 'A', kind: 'Person', domain: 'POPULATION', districtCode: '440304', streetCode: '440304001', dataset: 'gaj-population', fields: ['Person.residence'], source: 'INGEST' },
      { code: 'B', kind: 'Person', domain: 'POPULATION', districtCode: null, streetCode: null, dataset: 'gaj-population', fields: ['Person.name', 'Person.phone'], source: 'INGEST' },
    ]);
  });
});

describe('graphScopeAdmits (the predicate graph/scope.ts pushes into Cypher)', () => {
  const scope: GraphScope = {
    kinds: { Person: regions(['440304'], []), CityObject: ALL, Enterprise: NONE },
    objectKinds: { DEVICE: regions([], ['440305001']) },
  };
  it('rows of a kind inside its scope, rows without region only in ALL, unknown kinds never', () => {
    expect(graphScopeAdmits(scope, 'Person', { districtCode: '440304', streetCode: '440304001' })).toBe(true);
    expect(graphScopeAdmits(scope, 'Person', { districtCode: '440305', streetCode: '440305001' })).toBe(false);
    expect(graphScopeAdmits(scope, 'Person', {})).toBe(false);
    expect(graphScopeAdmits(scope, 'Enterprise', { districtCode: '440304' })).toBe(false);
    expect(graphScopeAdmits(scope, 'PublicFacility', { districtCode: '440304' })).toBe(false);
    expect(graphScopeAdmits(scope, 'CityObject', {})).toBe(true);
  });
  it('a classified object kind also needs its own scope', () => {
    expect(graphScopeAdmits(scope, 'CityObject', { objectKind: 'DEVICE', districtCode: '440304', streetCode: '440304001' })).toBe(false);
    expect(graphScopeAdmits(scope, 'CityObject', { objectKind: 'DEVICE', districtCode: '440305', streetCode: '440305001' })).toBe(true);
    expect(graphScopeAdmits(scope, 'CityObject', { objectKind: 'BUILDING', districtCode: '440304' })).toBe(true);
  });
});
