import { composeServices } from '@apollo/composition';
import { getLocation, GraphQLError, parse, Source, type DocumentNode } from 'graphql';

/**
 * Supergraph composition (@apollo/composition) with readable failures: every problem is one
 * line `[CODE] message (subgraph: where)`, parse errors included, so a district sees at once
 * what breaks and where.
 */
export interface SubgraphSdl {
  name: string;
  url: string;
  sdl: string;
}

export interface ComposeProblem {
  code: string;
  message: string;
  /** Subgraphs and line:column the problem points at, when composition says. */
  where: string[];
}

export type ComposeOutcome =
  | { ok: true; supergraphSdl: string; hints: ComposeProblem[] }
  | { ok: false; errors: ComposeProblem[] };

function whereOf(error: GraphQLError): string[] {
  const out = new Set<string>();
  for (const node of error.nodes ?? []) {
    const loc = node.loc;
    if (!loc) continue;
    const { line, column } = getLocation(loc.source, loc.start);
    out.add(`${loc.source.name}:${line}:${column}`);
  }
  return [...out];
}

function problemOf(error: GraphQLError, fallbackCode: string): ComposeProblem {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : fallbackCode;
  return { code, message: error.message, where: whereOf(error) };
}

export function composeSupergraph(subgraphs: readonly SubgraphSdl[]): ComposeOutcome {
  const parsed: { name: string; url: string; typeDefs: DocumentNode }[] = [];
  const errors: ComposeProblem[] = [];
  for (const s of subgraphs) {
    try {
      parsed.push({ name: s.name, url: s.url, typeDefs: parse(new Source(s.sdl, s.name)) });
    } catch (err) {
      const e = err as GraphQLError;
      const loc = e.locations?.[0];
      errors.push({ code: 'INVALID_GRAPHQL', message: `subgraph "${s.name}" is not valid GraphQL: ${e.message}`, where: loc ? [`${s.name}:${loc.line}:${loc.column}`] : [s.name] });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const result = composeServices(parsed);
  if (result.errors) return { ok: false, errors: result.errors.map((e) => problemOf(e, 'COMPOSITION_ERROR')) };
  return {
    ok: true,
    supergraphSdl: result.supergraphSdl,
    hints: result.hints.map((h) => ({ code: h.definition.code, message: h.message, where: [] })),
  };
}

/** One problem per line, for terminals and CI logs. */
export function formatProblems(problems: readonly ComposeProblem[]): string {
  return problems.map((p, i) => `${String(i + 1).padStart(3)}. [${p.code}] ${p.message}${p.where.length ? `\n       at ${p.where.join(', ')}` : ''}`).join('\n');
}
