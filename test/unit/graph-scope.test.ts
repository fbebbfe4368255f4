import { GraphScope, UNRESTRICTED, visible } from '../../graph/scope';

const futian: GraphScope = {
  person: { kind: 'REGIONS', districtCodes: ['440304'], streetCodes: [] },
  enterprise: { kind: 'NONE' },
  object: { kind: 'ALL' },
  device: { kind: 'ALL' },
};

describe('row-scope predicate (graph/scope.ts visible)', () => {
  it('adds the device scope to city objects: none, some districts, or every device the objects allow', () => {
    const noDevices: GraphScope = { ...futian, device: { kind: 'NONE' } };
    expect(visible('x', noDevices, 'CityObject')).toBe("coalesce(x.objectKind, '') <> 'DEVICE'");
    const someDevices: GraphScope = { ...futian, object: { kind: 'REGIONS', districtCodes: ['440304', '440305'], streetCodes: [] }, device: { kind: 'REGIONS', districtCodes: ['440304'], streetCodes: [] } };
    expect(visible('x', someDevices, 'CityObject')).toBe(
      "(x.districtCode IN $scope.object.districts OR x.streetCode IN $scope.object.streets) AND (coalesce(x.objectKind, '') <> 'DEVICE' OR x.districtCode IN $scope.device.districts OR x.streetCode IN $scope.device.streets)",
    );
    expect(visible('x', { ...noDevices, object: { kind: 'NONE' } }, 'CityObject')).toBe('false');
    expect(visible('e', noDevices)).toContain("(e:CityObject AND coalesce(e.objectKind, '') <> 'DEVICE')");
  });

  it('folds a domain seen whole to true and a domain not seen to false', () => {
    expect(visible('x', UNRESTRICTED)).toBe('true');
    expect(visible('x', futian, 'CityObject')).toBe('true');
    expect(visible('x', futian, 'Enterprise')).toBe('false');
  });

  it('tests the scope parameter for a domain seen in part', () => {
    expect(visible('x', futian, 'Person')).toBe('(x.districtCode IN $scope.person.districts OR x.streetCode IN $scope.person.streets)');
  });

  it('without a label, lets each label through only under its own domain', () => {
    expect(visible('e', futian)).toBe(
      '((e:Person AND (e.districtCode IN $scope.person.districts OR e.streetCode IN $scope.person.streets)) OR e:CityObject)',
    );
    const nothing: GraphScope = { person: { kind: 'NONE' }, enterprise: { kind: 'NONE' }, object: { kind: 'NONE' }, device: { kind: 'NONE' } };
    expect(visible('e', nothing)).toBe('false');
  });
});
