import { readdirSync, readFileSync } from 'node:fs';
import { CITY_CODE_CLASSES } from '../../domain/citycode';
import { fromRoot } from '../../core/paths';
import { IDENTIFIER_ATTRIBUTES, KINDS, KIND_NAMES, OBJECT_KIND_ROWS, RELATIONS } from '../../domain/model';
import { ATTRIBUTE_FIELDS, catalogueFields, FEEDABLE_ATTRIBUTES, RELATION_FIELDS, STORED_RELATION_TYPES } from '../../domain/modelIndex';
import { PATTERNS } from '../../graph/patterns';

/** The city model (domain/model.ts) is consistent with itself and with what it is derived into. */
describe('the city model', () => {
  it('names the authoritative source of exactly the attributes each dataset file claims (一数一源)', () => {
    for (const file of readdirSync(fromRoot('datasets')).filter((f) => f.endsWith('.json'))) {
      const def = JSON.parse(readFileSync(fromRoot('datasets', file), 'utf8')) as { id: string; authoritative: string[] };
      const byModel = Object.entries(FEEDABLE_ATTRIBUTES)
        .filter(([, a]) => a.authoritative === def.id)
        .map(([key]) => key)
        .sort();
      expect([def.id, [...def.authoritative].sort()]).toEqual([def.id, byModel]);
    }
  });

  it('pairs every relation field with an inverse that points back, on the kind it targets', () => {
    for (const r of RELATION_FIELDS.values()) {
      if (!r.decl.inverse) continue;
      const other = RELATION_FIELDS.get(r.decl.inverse);
      expect([r.key, other?.kind]).toEqual([r.key, r.target === 'Entity' ? other?.kind : r.target]);
      expect([r.key, other!.relation, other!.direction === r.direction]).toEqual([r.key, r.relation, false]);
    }
    // Every inverse pair is classified alike (the catalogue refuses it otherwise).
    const fields = catalogueFields();
    for (const [key, f] of Object.entries(fields)) for (const o of f.inverseOf ?? []) expect([key, fields[o].domain, fields[o].level]).toEqual([key, f.domain, f.level]);
  });

  it('refers only to what it declares', () => {
    for (const fieldKey of Object.values(OBJECT_KIND_ROWS).map((o) => o.classifiedBy)) expect(RELATION_FIELDS.has(fieldKey)).toBe(true);
    for (const key of Object.values(IDENTIFIER_ATTRIBUTES)) expect(key === 'Entity.code' || ATTRIBUTE_FIELDS.has(key)).toBe(true);
    for (const cls of Object.values(CITY_CODE_CLASSES) as { kind: string; modelKind?: string }[]) {
      if (cls.modelKind) expect(KIND_NAMES).toContain(cls.modelKind);
    }
    // Every kind has a city code class of its own (a class without modelKind belongs to its code kind's kind).
    const DEFAULT_KIND: Record<string, string> = { PERSON: 'Person', ENTERPRISE: 'Enterprise', OBJECT: 'CityObject' };
    const classes = Object.values(CITY_CODE_CLASSES) as { kind: string; modelKind?: string }[];
    for (const kind of KIND_NAMES) {
      expect([kind, classes.some((c) => c.kind === KINDS[kind].codeKind && (c.modelKind ?? DEFAULT_KIND[c.kind]) === kind)]).toEqual([kind, true]);
    }
    for (const r of Object.values(RELATIONS)) for (const s of r.stored) expect(STORED_RELATION_TYPES.has(s)).toBe(true);
  });

  it('derives the Cypher patterns the hand-written table had, and patterns for what it adds', () => {
    expect(Object.fromEntries(PATTERNS)).toMatchObject({
      'Person.employers': '(p)-[:EMPLOYED_BY]->(x:Enterprise)',
      'Enterprise.employees': '(p)<-[:EMPLOYED_BY]-(x:Person)',
      'Person.representedEnterprises': '(p)-[:LEGAL_REPRESENTATIVE_OF]->(x:Enterprise)',
      'Enterprise.legalRepresentative': '(p)<-[:LEGAL_REPRESENTATIVE_OF]-(x:Person)',
      'Person.residence': '(p)-[:RESIDES_IN]->(x:CityObject)',
      'CityObject.residents': '(p)<-[:PART_OF*0..1]-(:CityObject)<-[:RESIDES_IN]-(x:Person)',
      'Person.registeredAt': '(p)-[:REGISTERED_AT]->(x:CityObject)',
      'Enterprise.registeredAt': '(p)-[:REGISTERED_AT]->(x:CityObject)',
      'CityObject.registeredEnterprises': '(p)<-[:REGISTERED_AT]-(x:Enterprise)',
      'Person.owns': '(p)-[:OWNS]->(x:CityObject)',
      'CityObject.owners': '(p)<-[:OWNS]-(x:Entity)',
      'CityObject.parent': '(p)-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON]->(x:CityObject)',
      'CityObject.children': '(p)<-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON]-(x:CityObject)',
      'CityObject.contents': '(p)<-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON*1..6]-(x:CityObject)',
      'CityObject.devices': '(p)<-[:INSTALLED_ON|PART_OF*1..3]-(x:CityObject {objectKind: "DEVICE"})',
      'Person.workplace': '(p)-[:WORKS_AT]->(x:CityObject)',
      'Enterprise.premises': '(p)-[:OPERATES]->(x:CityObject)',
      'PublicFacility.serves': '(p)-[:SERVES]->(x:CityObject)',
      'CityObject.servedBy': '(p)<-[:SERVES]-(x:PublicFacility)',
      'PublicFacility.site': '(p)-[:LOCATED_IN]->(x:CityObject)',
    });
  });
});
