/**
 * A plan in words: what one planned statement fetches (the entity, its ancestors, each relation
 * page with its size, count and projection, nested relations indented) and its Cypher, for the
 * row scope it ran under. tools/plan.ts prints the plans of a query with it.
 */
import { entityStatement, relationStatement, type EntityPlan, type RelationPlan } from '../graph/relations';
import type { GraphScope } from '../graph/scope';
import type { PlannedStep } from './loaders';

function props(p: readonly string[] | null | undefined): string {
  return p ? `{${p.join(', ')}}` : '{all properties}';
}

function relationLines(plan: RelationPlan, indent: string): string[] {
  const page = `first ${plan.page.first}${plan.page.after ? ` after ${plan.page.after}` : ''}${plan.page.kinds ? ` kinds ${plan.page.kinds.join('|')}` : ''}`;
  const head = `${indent}${plan.relation} (${page}${plan.count ? ', totalCount' : ''}${plan.more === false ? '' : ', hasNextPage'}) ${props(plan.props)}`;
  return [head, ...plan.nested.flatMap((n) => relationLines(n, `${indent}  `))];
}

/** The plan tree of one step, indented. */
export function describePlan(step: PlannedStep): string {
  if (step.what === 'relation') return relationLines(step.plan, '').join('\n');
  const p: EntityPlan = step.plan;
  return [
    `${p.label ?? 'Entity'} by code ${props(p.props)}`,
    ...(p.ancestors ? [`  ancestors ${props(p.ancestorProps)}`] : []),
    ...p.relations.flatMap((r) => relationLines(r, '  ')),
  ].join('\n');
}

/** One step explained: its plan tree, how many codes it fetched for, and its Cypher with the parameters the plan fixes. */
export function explainStep(step: PlannedStep, scope: GraphScope): string {
  const statement = step.what === 'entity' ? entityStatement(step.plan, scope) : relationStatement(step.plan, scope);
  // Page sizes travel as Neo4j integers ({low, high}); print them as numbers.
  const plain = (_key: string, v: unknown) => (v && typeof v === 'object' && 'low' in v && 'high' in v ? Number((v as { low: number }).low) : v);
  const fixed = Object.keys(statement.params).length ? `\nparameters: ${JSON.stringify(statement.params, plain)}` : '';
  return `${describePlan(step)}\nfor ${step.codes} code(s), one statement:\n${statement.cypher}${fixed}`;
}
