#!/usr/bin/env node
import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { composeSupergraph, formatProblems } from '../gateway/compose';
import { citySubgraphSdl, readSdl, SUBGRAPHS } from '../gateway/subgraphs';
import { trustedPublicKeys } from '../audit/keys';
import { checkExport } from '../exchange/export';

/**
 * citycode CLI.
 *   citycode compose-check <partner.graphql> [--name <subgraph>] [--with-districts]
 *   citycode ingest --dataset <id> <file> …   (ingest/cli.ts; also `npm run ingest -- …`)
 *   citycode verify-export <manifest.json> [<data file>]   (exit 0: signature, row count and sha256 hold)
 * Tells a partner district whether its subgraph SDL composes with the current city subgraph
 * (and, with --with-districts, with the districts already in the supergraph), and lists every
 * problem with its composition error code. Exit 0: composes; 1: does not; 2: usage error.
 */
export function composeCheck(file: string, name = 'partner', withDistricts = false): { ok: boolean; report: string } {
  const sdl = readFileSync(file, 'utf8');
  const others = SUBGRAPHS.filter((s) => s.name !== 'city' && withDistricts && s.name !== name).map((s) => ({ name: s.name, url: s.defaultUrl, sdl: readSdl(s) }));
  const outcome = composeSupergraph([
    { name: 'city', url: 'http://city.invalid/graphql', sdl: citySubgraphSdl() },
    ...others,
    { name, url: 'http://partner.invalid/graphql', sdl },
  ]);
  const against = ['city', ...others.map((o) => o.name)].join(' + ');
  if (outcome.ok) {
    const hints = outcome.hints.length ? `\n${outcome.hints.length} hint(s), not blocking:\n${formatProblems(outcome.hints)}` : '';
    return { ok: true, report: `OK: ${file} composes with ${against}.${hints}` };
  }
  return {
    ok: false,
    report: `FAILED: ${file} does not compose with ${against}: ${outcome.errors.length} problem(s)\n${formatProblems(outcome.errors)}\n\nSee docs/federation.md ("Partner onboarding") for the entities, their keys and the rules.`,
  };
}

function usage(): never {
  process.stderr.write(
    'usage: citycode compose-check <partner.graphql> [--name <subgraph>] [--with-districts]\n' +
      '       citycode ingest --dataset <id> <file> [--format csv|jsonl|geojson] [--all-or-nothing] …\n' +
      '       citycode verify-export <manifest.json> [<data file>]\n',
  );
  process.exit(2);
}

function main(argv: string[]): void {
  const [command, ...rest] = argv;
  if (command === 'ingest') {
    // citycode ingest --dataset <id> <file> …: the ingestion CLI reads the same argv.
    void import('../ingest/cli');
    return;
  }
  if (command === 'verify-export') {
    const [manifest, data] = rest;
    if (!manifest || !existsSync(manifest)) usage();
    void checkExport(manifest, trustedPublicKeys(), data).then((check) => {
      const what = `${check.manifest.source.kind} ${check.manifest.source.id}: ${check.rows} rows, sha256 ${check.sha256}, signed by ${check.manifest.keyId}`;
      if (check.ok) process.stdout.write(`OK: ${what}\n`);
      else process.stderr.write(`FAILED: ${what}\n${check.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exit(check.ok ? 0 : 1);
    });
    return;
  }
  if (command !== 'compose-check') usage();
  const file = rest.find((a, i) => !a.startsWith('--') && rest[i - 1] !== '--name');
  const nameAt = rest.indexOf('--name');
  const name = nameAt >= 0 ? rest[nameAt + 1] : 'partner';
  if (!file || !name || !/^[a-z][a-z0-9_-]*$/i.test(name)) usage();
  if (!existsSync(file)) {
    process.stderr.write(`compose-check: no such file: ${file}\n`);
    process.exit(2);
  }
  const { ok, report } = composeCheck(file, name, rest.includes('--with-districts'));
  (ok ? process.stdout : process.stderr).write(`${report}\n`);
  process.exit(ok ? 0 : 1);
}

if (require.main === module) main(process.argv.slice(2));
