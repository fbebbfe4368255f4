import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fromRoot } from '../core/paths';
import { composeSupergraph, formatProblems } from '../gateway/compose';
import { citySubgraphSdl, readSdl, SUBGRAPHS, SUPERGRAPH_FILE } from '../gateway/subgraphs';

/**
 * npm run compose: writes the city subgraph's SDL (schema/subgraphs/city.graphql, from the code)
 * and composes it with every district's committed SDL into schema/supergraph.graphql. On a
 * composition error it prints every problem, writes nothing and exits 1.
 */
export function composeFromRepository(): ReturnType<typeof composeSupergraph> & { citySdl: string } {
  const citySdl = citySubgraphSdl();
  const outcome = composeSupergraph(
    SUBGRAPHS.map((s) => ({ name: s.name, url: s.defaultUrl, sdl: s.name === 'city' ? citySdl : readSdl(s) })),
  );
  return { ...outcome, citySdl };
}

function main(): void {
  const outcome = composeFromRepository();
  if (!outcome.ok) {
    process.stderr.write(`composition failed (${outcome.errors.length} problem${outcome.errors.length === 1 ? '' : 's'}); nothing written:\n${formatProblems(outcome.errors)}\n`);
    process.exit(1);
  }
  const city = SUBGRAPHS.find((s) => s.name === 'city')!;
  for (const [file, text] of [[city.sdlFile, outcome.citySdl], [SUPERGRAPH_FILE, outcome.supergraphSdl]] as const) {
    mkdirSync(dirname(fromRoot(file)), { recursive: true });
    writeFileSync(fromRoot(file), text.endsWith('\n') ? text : `${text}\n`);
  }
  process.stdout.write(`composed ${SUBGRAPHS.map((s) => s.name).join(' + ')} → ${SUPERGRAPH_FILE}${outcome.hints.length ? ` (${outcome.hints.length} hints)` : ''}\n`);
  if (outcome.hints.length && process.env.COMPOSE_HINTS === '1') process.stdout.write(`${formatProblems(outcome.hints)}\n`);
}

if (require.main === module) main();
