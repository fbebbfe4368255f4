import { usedParams } from '../../store/neo4j';

describe('usedParams (parameters a statement refers to)', () => {
  it('drops the parameters the statement never reads, and keeps the rest as they are', () => {
    const scope = { person: { all: true } };
    const params = { codes: ['a'], scope, l0: 3 };
    expect(usedParams('UNWIND $codes AS code MATCH (e {code: code}) WHERE true RETURN e LIMIT $l0', params)).toEqual({ codes: ['a'], l0: 3 });
    expect(usedParams('MATCH (e) WHERE e.districtCode IN $scope.person.districts RETURN e', params)).toEqual({ scope });
    expect(params).toEqual({ codes: ['a'], scope, l0: 3 }); // the caller's map is not changed
  });

  it('returns the same map when every parameter is read', () => {
    const params = { a: 1, b: 2 };
    expect(usedParams('RETURN $a + $b AS n', params)).toBe(params);
    expect(usedParams('RETURN 1', {})).toEqual({});
  });
});
