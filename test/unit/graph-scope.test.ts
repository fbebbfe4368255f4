import { GraphScope, UNRESTRICTED, visible } from '../../graph/scope';

const ALL = { kind: 'ALL' } as const;
const NONE = { kind: 'NONE' } as const;
const scope = (kinds: Partial<Record<string, GraphScope['kinds'][string]>>, device: GraphScope['kinds'][string] = ALL): GraphScope => ({
  kinds: { Person: ALL, Enterprise: ALL, CityObject: ALL, PublicFacility: ALL, ...kinds },
  objectKinds: { DEVICE: device },
});
const futian = scope({ Person: { kind: 'REGIONS', districtCodes: ['440304'], streetCodes: [] }, Enterprise: NONE });

describe('row-scope predicate (graph/scope.ts visible)', () => {
  it('adds the device scope to city objects: none, some districts, or every device the objects allow', () => {
    const noDevices = scope({ Person: futian.kinds.Person, Enterprise: NONE }, NONE);
    expect(visible('x', noDevices, 'CityObject')).toBe("coalesce(x.objectKind, '') <> 'DEVICE'");
    const someDevices = scope(
      { CityObject: { kind: 'REGIONS', districtCodes: ['440304', '440305'], streetCodes: [] } },
      { kind: 'REGIONS', districtCodes: ['440304'], streetCodes: [] },
    );
    expect(visible('x', someDevices, 'CityObject')).toBe(
      "(x.districtCode IN $scope.CityObject.districts OR x.streetCode IN $scope.CityObject.streets OR x.gridCode IN $scope.CityObject.grids) AND (coalesce(x.objectKind, '') <> 'DEVICE' OR x.districtCode IN $scope.DEVICE.districts OR x.streetCode IN $scope.DEVICE.streets OR x.gridCode IN $scope.DEVICE.grids)",
    );
    expect(visible('x', scope({ CityObject: NONE }, NONE), 'CityObject')).toBe('false');
    expect(visible('e', noDevices)).toContain("(e:CityObject AND coalesce(e.objectKind, '') <> 'DEVICE')");
  });

  it('folds a kind seen whole to true and a kind not seen to false', () => {
    expect(visible('x', UNRESTRICTED)).toBe('true');
    expect(visible('x', futian, 'CityObject')).toBe('true');
    expect(visible('x', futian, 'Enterprise')).toBe('false');
  });

  it('tests the scope parameter for a kind seen in part', () => {
    expect(visible('x', futian, 'Person')).toBe('(x.districtCode IN $scope.Person.districts OR x.streetCode IN $scope.Person.streets OR x.gridCode IN $scope.Person.grids)');
  });

  it('without a label, lets each label through only under its own kind', () => {
    expect(visible('e', futian)).toBe(
      '((e:Person AND (e.districtCode IN $scope.Person.districts OR e.streetCode IN $scope.Person.streets OR e.gridCode IN $scope.Person.grids)) OR e:CityObject OR e:PublicFacility)',
    );
    expect(visible('e', scope({ Person: NONE, Enterprise: NONE, CityObject: NONE, PublicFacility: NONE }, NONE))).toBe('false');
  });

  it('shows no row of a kind the scope does not name (fail closed)', () => {
    const partial: GraphScope = { kinds: { Person: ALL }, objectKinds: {} };
    expect(visible('x', partial, 'Enterprise')).toBe('false');
    expect(visible('e', partial)).toBe('(e:Person)');
  });
});
