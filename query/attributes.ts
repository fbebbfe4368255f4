import { badInput } from '../core/errors';
import { ATTRIBUTES, type AttributeSpec } from '../domain/datasets';
import type { KindName } from '../domain/model';
import { RELATION_FIELDS } from '../domain/modelIndex';
import { provenanceKey } from '../graph/provenanceRecord';

/**
 * The attributes `provenance(attribute:)` answers for (those datasets feed, from the city model),
 * and what reading one's provenance takes: the stored properties and, for a relation, the to-one
 * relation field whose target is its value. Pure look-ups, shared by the planner and the query.
 */
/** `phone` or `Person.phone` → the ingested attribute of `kind`, or null when there is none. */
export function attributeOf(kind: KindName, attribute: string): { key: string; spec: AttributeSpec } | null {
  const key = attribute.includes('.') ? attribute : `${kind}.${attribute}`;
  const spec = ATTRIBUTES[key];
  return spec && spec.entity === kind ? { key, spec } : null;
}

/** The attribute of `kind`, or BAD_USER_INPUT saying which ones exist. */
export function requireAttribute(kind: KindName, attribute: string): { key: string; spec: AttributeSpec } {
  const found = attributeOf(kind, attribute);
  if (!found) {
    const known = Object.keys(ATTRIBUTES).filter((a) => a.startsWith(`${kind}.`)).map((a) => a.split('.')[1]);
    throw badInput(
      `${attribute.slice(0, 80)} is not an ingested attribute of ${kind}`,
      known.length ? `Use one of ${known.join(', ')}.` : `No dataset feeds ${kind} yet.`,
      { argument: 'attribute' },
    );
  }
  return found;
}

/** The stored property holding the attribute's value, or null for a relation (its value is the target's code). */
export function valueProperty(spec: AttributeSpec): string | null {
  if (spec.kind === 'relation') return null;
  return spec.scheme === 'CITIZEN_ID' ? 'idCipher' : spec.target;
}

/** The stored properties the provenance of `attribute` reads, and the catalogue key it is decided as (look-ahead). */
export function provenanceProperties(kind: KindName, attribute: string): { props: string[]; key: string | null } {
  const found = attributeOf(kind, attribute);
  if (!found) return { props: [], key: null };
  const value = valueProperty(found.spec);
  return { props: [...(value ? [value] : []), provenanceKey(found.key)], key: found.spec.classifiedAs };
}

/** The to-one relation field whose target is the value of `attribute`, if it is one (look-ahead). */
export function provenanceRelation(kind: KindName, attribute: string): string | null {
  const found = attributeOf(kind, attribute);
  const relation = found && found.spec.kind === 'relation' ? RELATION_FIELDS.get(found.key) : undefined;
  return relation && relation.shape === 'one' ? relation.key : null;
}
