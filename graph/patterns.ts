/**
 * Cypher patterns of the city model's relation fields (domain/model.ts), derived once: from the
 * parent `p` to the targets `x`, with the stored types, direction, length, the path walked first
 * and the target's label. The only place relation patterns are written; nothing a caller sends
 * becomes part of one.
 */
import type { KindName } from '../domain/model';
import { RELATION_FIELDS, type RelationFieldInfo } from '../domain/modelIndex';

function hops([min, max]: readonly [number, number]): string {
  return min === 1 && max === 1 ? '' : `*${min}..${max}`;
}

/** One step of a pattern in `direction`: `-[:A|B*1..3]->` or `<-[:A]-`. */
function step(direction: 'out' | 'in', stored: readonly string[], range: readonly [number, number]): string {
  const rel = `[:${stored.join('|')}${hops(range)}]`;
  return direction === 'out' ? `-${rel}->` : `<-${rel}-`;
}

function patternOf(r: RelationFieldInfo): string {
  const target = `(x:${r.target}${r.targetObjectKind ? ` {objectKind: "${r.targetObjectKind}"}` : ''})`;
  const through = r.through ? `${step(r.direction, r.through.stored, r.through.hops)}(:${r.through.kind})` : '';
  return `(p)${through}${step(r.direction, r.stored, r.hops)}${target}`;
}

/** The pattern of every relation field, by key. */
export const PATTERNS: ReadonlyMap<string, string> = new Map([...RELATION_FIELDS.values()].map((r) => [r.key, patternOf(r)]));

function info(relation: string): RelationFieldInfo {
  const r = RELATION_FIELDS.get(relation);
  if (!r) throw new Error(`${relation} is not a relation field of the city model`);
  return r;
}

/** The pattern of `relation` from variable `from` to variable `to`. */
export function patternBetween(relation: string, from: string, to: string): string {
  // Targets first: `from` may itself be a target variable of the level above (x0 → x0_1).
  return PATTERNS.get(info(relation).key)!.replaceAll('(x', `(${to}`).replace('(p)', `(${from})`);
}

/** The label every target of a relation has, when the model fixes one (`owners` may be a Person or an Enterprise). */
export function targetLabel(relation: string): KindName | undefined {
  const t = info(relation).target;
  return t === 'Entity' ? undefined : t;
}

/** The ancestors' path pattern from `from` to `to` (CityObject.ancestors: every hierarchy edge upwards). */
export function ancestorPattern(from: string, to: string): string {
  const r = info('CityObject.ancestors');
  return `(${from})${step(r.direction, r.stored, r.hops)}(${to}:${r.target})`;
}
