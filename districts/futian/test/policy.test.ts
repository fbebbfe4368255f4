import { ANONYMOUS, type Subject } from '../../../core/subject';
import { gridAccess, streetsOf } from '../policy';

const subject = (department: string | null, districtScope: string[] = []): Subject => ({
  ...ANONYMOUS,
  id: 'u',
  username: 'u',
  anonymous: false,
  department,
  districtScope,
});

describe('福田 grid-event policy', () => {
  it('lets 福田区人民政府 read its events; handlers in clear only for GRID_GOVERNANCE', () => {
    expect(gridAccess(subject('FT-GOV', ['440304']), 'GRID_GOVERNANCE')).toMatchObject({ effect: 'ALLOW', streets: 'ALL', handler: 'CLEAR', rule: 'futian-grid' });
    expect(gridAccess(subject('FT-GOV', ['440304']), null)).toMatchObject({ effect: 'ALLOW', handler: 'MASKED' });
    expect(gridAccess(subject('FT-GOV', ['440304']), 'PUBLIC_SERVICE')).toMatchObject({ effect: 'ALLOW', handler: 'MASKED' });
  });

  it('narrows to the streets of a street-level district_scope and refuses a scope outside 福田', () => {
    expect(gridAccess(subject('FT-GOV', ['440304008']), 'GRID_GOVERNANCE')).toMatchObject({ effect: 'ALLOW', streets: ['440304008'] });
    expect(gridAccess(subject('FT-GOV', ['440305']), 'GRID_GOVERNANCE')).toMatchObject({ effect: 'DENY', rule: 'futian-scope' });
    expect(streetsOf([])).toBe('ALL');
    expect(streetsOf(['440300'])).toBe('ALL');
    expect(streetsOf(['440305001', '440304002'])).toEqual(['440304002']);
  });

  it('gives the city data bureau all events with masked handlers', () => {
    expect(gridAccess(subject('SZ-ZSJ'), 'GRID_GOVERNANCE')).toMatchObject({ effect: 'ALLOW', streets: 'ALL', handler: 'MASKED' });
  });

  it('refuses other districts, other departments and anonymous callers, with a hint', () => {
    for (const s of [subject('NS-GOV', ['440305']), subject('SZ-GAJ'), ANONYMOUS]) {
      const access = gridAccess(s, 'GRID_GOVERNANCE');
      expect(access.effect).toBe('DENY');
      if (access.effect === 'DENY') expect(access.hint.length).toBeGreaterThan(20);
    }
    expect(gridAccess(ANONYMOUS, null)).toMatchObject({ rule: 'futian-no-anonymous' });
  });
});
