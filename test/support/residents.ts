/**
 * The demo resident (infra/keycloak/citycode-realm.json, docs/identity.md): a seeded person of 福田
 * with a phone and grid events in the 福田 subgraph, whose Keycloak account carries their city code
 * (claim city_code). test/unit/residents.test.ts checks these facts against the seed plan.
 */
export const DEMO_RESIDENT = Object.freeze({
  username: 'kong.resident',
  code: '4403000100000121852944',
  name: '孔国刚',
  phone: '19967204439',
  districtCode: '440304',
});
