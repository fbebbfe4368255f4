import { readFileSync } from 'node:fs';
import { fromRoot } from '../../core/paths';
import { planGridEvents } from '../../districts/futian/seed';
import { DEMO_RESIDENT } from '../support/residents';
import { createOracle } from '../support/permissionOracle';

/** The demo resident's account and the seed agree: a 福田 person with a phone and grid events. */
describe('the demo resident', () => {
  it('is a seeded person of 福田 with a phone and grid events, and the realm gives them their code', () => {
    const plan = createOracle().plan;
    const person = plan.nodes.find((n) => n.code === DEMO_RESIDENT.code)!;
    expect(person.labels).toContain('Person');
    expect(person.props).toMatchObject({ name: DEMO_RESIDENT.name, phone: DEMO_RESIDENT.phone, districtCode: DEMO_RESIDENT.districtCode });
    expect(planGridEvents(plan).some((e) => e.personCode === DEMO_RESIDENT.code)).toBe(true);
    const realm = JSON.parse(readFileSync(fromRoot('infra', 'keycloak', 'citycode-realm.json'), 'utf8')) as { users: { username: string; attributes?: Record<string, string[]> }[] };
    expect(realm.users.find((u) => u.username === DEMO_RESIDENT.username)?.attributes?.city_code).toEqual([DEMO_RESIDENT.code]);
  });
});
