import type { FieldNode, GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import type { PlanningPolicy } from '../policy/release';

/**
 * Look-ahead plans kept from one request to the next (query/plan.ts).
 *
 * A plan is a pure function of where it is made in a document (the field nodes being resolved:
 * Apollo keeps the parsed document of a query text, so every request with that text brings the
 * same nodes back), of the variables it reads and of the answers the caller's policy gives it.
 * While a plan is made, the cache records each variable read and each policy question with its
 * answer; a later request gets the plan only if every one of them answers the same again. The
 * questions are asked of the later caller's own policy, so a plan never carries one caller's
 * grants to another: it is reused only where the decisions it rests on are the same.
 */

interface VariableRead {
  name: string;
  own: boolean;
  json: string | undefined;
}

type PolicyAnswer =
  | { question: 'read' | 'row'; fieldKey: string; answer: boolean }
  | { question: 'filter'; answer: boolean };

interface Made {
  key: string;
  variables: VariableRead[];
  answers: PolicyAnswer[];
  plan: unknown;
}

/** Plans kept per place in a document; a few variants (other variables, other callers) each. */
const MAX_VARIANTS = 8;

const bySchema = new WeakMap<GraphQLSchema, WeakMap<FieldNode, Made[]>>();
const nodeIds = new WeakMap<FieldNode, number>();
let nextNodeId = 1;

function idOf(node: FieldNode): number {
  let id = nodeIds.get(node);
  if (id === undefined) {
    id = nextNodeId++;
    nodeIds.set(node, id);
  }
  return id;
}

const hasOwn = (o: object, name: string): boolean => Object.prototype.hasOwnProperty.call(o, name);

function stillHolds(made: Made, variables: Record<string, unknown>, policy: PlanningPolicy): boolean {
  for (const v of made.variables) {
    if (hasOwn(variables, v.name) !== v.own || JSON.stringify(variables[v.name]) !== v.json) return false;
  }
  for (const a of made.answers) {
    const answer =
      a.question === 'read' ? policy.mayRead(a.fieldKey) : a.question === 'row' ? policy.rowDependent(a.fieldKey) : policy.mayFilterByKind();
    if (answer !== a.answer) return false;
  }
  return true;
}

/**
 * Runs `make` with an info whose variables, and a policy whose answers, are recorded; a plan
 * that enumerated the variables (no known reader does) is not kept.
 */
function recorded<P>(info: GraphQLResolveInfo, policy: PlanningPolicy, make: (info: GraphQLResolveInfo, policy: PlanningPolicy) => P) {
  const source = info.variableValues;
  const variables: VariableRead[] = [];
  const answers: PolicyAnswer[] = [];
  const seen = new Set<string>();
  let enumerated = false;
  const note = (name: string | symbol): void => {
    if (typeof name !== 'string' || seen.has(name)) return;
    seen.add(name);
    variables.push({ name, own: hasOwn(source, name), json: JSON.stringify(source[name]) });
  };
  const watched = new Proxy(source, {
    get: (target, name, receiver) => (note(name), Reflect.get(target, name, receiver)),
    has: (target, name) => (note(name), Reflect.has(target, name)),
    getOwnPropertyDescriptor: (target, name) => (note(name), Reflect.getOwnPropertyDescriptor(target, name)),
    ownKeys: (target) => ((enumerated = true), Reflect.ownKeys(target)),
  });
  const asking: PlanningPolicy = {
    mayRead: (fieldKey) => {
      const answer = policy.mayRead(fieldKey);
      answers.push({ question: 'read', fieldKey, answer });
      return answer;
    },
    mayFilterByKind: () => {
      const answer = policy.mayFilterByKind();
      answers.push({ question: 'filter', answer });
      return answer;
    },
    rowDependent: (fieldKey) => {
      const answer = policy.rowDependent(fieldKey);
      answers.push({ question: 'row', fieldKey, answer });
      return answer;
    },
  };
  const plan = make({ ...info, variableValues: watched }, asking);
  return { plan, variables, answers, keep: !enumerated };
}

/**
 * The plan `make` gives for the field being resolved (`info`), made once per place in the
 * document, kind of plan (`kind`: what else the plan depends on, e.g. the field's own coerced
 * arguments) and set of answers, and reused while those answers hold.
 */
export function cachedPlan<P>(
  info: GraphQLResolveInfo,
  policy: PlanningPolicy,
  kind: string,
  make: (info: GraphQLResolveInfo, policy: PlanningPolicy) => P,
): P {
  // Siblings in a list resolve the same field with the same field nodes: within one request the
  // answers cannot have changed. The variables object tells requests apart: graphql-js and
  // graphql-jit (api/jitExecutor.ts) both coerce each execution's variables into a new object.
  const last = lastMade.get(info.fieldNodes);
  if (last && last.variables === info.variableValues && last.kind === kind) return last.plan as P;
  const plan = keptPlan(info, policy, kind, make);
  lastMade.set(info.fieldNodes, { variables: info.variableValues, kind, plan });
  return plan;
}

/** The last plan made or found for a list of field nodes, with the request's variables (one execution's). */
const lastMade = new WeakMap<readonly FieldNode[], { variables: object; kind: string; plan: unknown }>();

function keptPlan<P>(
  info: GraphQLResolveInfo,
  policy: PlanningPolicy,
  kind: string,
  make: (info: GraphQLResolveInfo, policy: PlanningPolicy) => P,
): P {
  const [anchor, ...others] = info.fieldNodes;
  if (!anchor) return make(info, policy);
  let byNode = bySchema.get(info.schema);
  if (!byNode) {
    byNode = new WeakMap();
    bySchema.set(info.schema, byNode);
  }
  const key = `${info.parentType.name}.${info.fieldName}:${String(info.returnType)}|${kind}|${others.map(idOf).join(',')}`;
  const variants = byNode.get(anchor);
  if (variants) {
    for (const made of variants) {
      if (made.key === key && stillHolds(made, info.variableValues, policy)) {
        return made.plan as P;
      }
    }
  }
  const { plan, variables, answers, keep } = recorded(info, policy, make);
  if (keep) {
    const list = variants ?? [];
    if (list.length >= MAX_VARIANTS) list.shift();
    list.push({ key, variables, answers, plan });
    if (!variants) byNode.set(anchor, list);
  }
  return plan;
}
