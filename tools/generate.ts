import 'reflect-metadata';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { manifestEntry } from '../api/allowList';
import { fromRoot } from '../core/paths';
import { DOMAINS } from '../domain/model';
import { catalogueFields, catalogueIdentifierSchemes, catalogueTypes, type CatalogueField } from '../domain/modelIndex';
import { policyDir } from '../store/policy';
import { SUBGRAPHS, SUPERGRAPH_FILE } from '../gateway/subgraphs';
import { districtSdl, districtSdlFile } from '../gateway/districtSdl';
import { DISTRICT_PLATFORMS } from '../domain/districtPlatforms';
import { composeFromRepository } from './compose';

/**
 * npm run generate: every artefact derived from the city model (domain/model.ts), written anew —
 *   policies/<newest>/catalogue.json   its domains, types, fields and identifierSchemes sections
 *   schema/city.graphql                the SDL (graphql-codegen, codegen.yml)
 *   resolvers/generated/resolver-types.ts, client/generated/graphql.ts   (graphql-codegen)
 *   schema/subgraphs/city.graphql, schema/supergraph.graphql             (composition)
 *   client/persisted-operations.json   the allow-list manifest of the example operations
 * `--check` writes nothing and exits 1 naming every artefact that is stale (npm test runs it).
 *
 * The catalogue is written into the newest policy version. A version loaded somewhere never
 * changes (store/policy.ts refuses it): once the newest is deployed, copy it to policies/v<N+1>
 * with that version before generating (docs/architecture.md, "Where do I change…").
 */
interface Artefact {
  file: string;
  text: string;
  /** How to compare with the file on disk (JSON: by value, so formatting alone is not stale). */
  json?: boolean;
}

function maskJson(f: CatalogueField): unknown {
  if (!f.mask) return undefined;
  return f.mask.n === undefined ? f.mask.kind : { kind: f.mask.kind, n: f.mask.n };
}

/** The catalogue's derived sections, as the policy files write them. */
function derivedSections(): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(catalogueFields())) {
    fields[key] = {
      domain: f.domain,
      level: f.level,
      ...(f.mask ? { mask: maskJson(f) } : {}),
      ...(f.relation ? { relation: true } : {}),
      ...(f.inverseOf ? { inverseOf: f.inverseOf } : {}),
      label: f.label,
    };
  }
  return {
    domains: Object.fromEntries(Object.entries(DOMAINS).map(([d, info]) => [d, { label: info.label, description: info.description }])),
    types: catalogueTypes(),
    fields,
    identifierSchemes: catalogueIdentifierSchemes(),
  };
}

/** JSON with one line per entry of the big maps (as the hand-written policy files read). */
function formatCatalogue(catalogue: Record<string, unknown>): string {
  const lines = ['{'];
  const entries = Object.entries(catalogue);
  entries.forEach(([key, value], i) => {
    const comma = i < entries.length - 1 ? ',' : '';
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const inner = Object.entries(value as Record<string, unknown>);
      lines.push(`  ${JSON.stringify(key)}: {`);
      inner.forEach(([k, v], j) => lines.push(`    ${JSON.stringify(k)}: ${JSON.stringify(v)}${j < inner.length - 1 ? ',' : ''}`));
      lines.push(`  }${comma}`);
    } else lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)}${comma}`);
  });
  lines.push('}');
  return `${lines.join('\n').replace(/":(?=[[{"\dtf])/g, '": ').replace(/,"/g, ', "')}\n`;
}

function catalogueArtefact(): Artefact {
  const file = relative(fromRoot(), `${policyDir()}/catalogue.json`);
  const current = JSON.parse(readFileSync(fromRoot(file), 'utf8')) as Record<string, unknown>;
  const { version, effectiveFrom, description, standard, levels } = current;
  const catalogue = { version, effectiveFrom, description, standard, levels, ...derivedSections() };
  return { file, text: formatCatalogue(catalogue), json: true };
}

async function codegenArtefacts(): Promise<Artefact[]> {
  const { config } = await loadCodegenConfig({ configFilePath: fromRoot('codegen.yml') });
  const outputs = await generate({ ...config, cwd: fromRoot(), silent: true }, false);
  return outputs.map((o: { filename: string; content: string }) => ({ file: relative(fromRoot(), fromRoot(o.filename)), text: o.content.endsWith('\n') ? o.content : `${o.content}\n` }));
}

/** The SDL of every district platform but 福田 (whose SDL is the template), rendered from the template. */
function districtSdlArtefacts(): Artefact[] {
  return DISTRICT_PLATFORMS.filter((p) => p.slug !== 'futian').map((p) => ({ file: districtSdlFile(p), text: districtSdl(p) }));
}

function compositionArtefacts(): Artefact[] {
  const outcome = composeFromRepository();
  if (!outcome.ok) throw new Error(`composition failed: ${outcome.errors.map((e) => e.message).join('; ')}`);
  const city = SUBGRAPHS.find((s) => s.name === 'city')!;
  const withNewline = (t: string) => (t.endsWith('\n') ? t : `${t}\n`);
  return [
    { file: city.sdlFile, text: withNewline(outcome.citySdl) },
    { file: SUPERGRAPH_FILE, text: withNewline(outcome.supergraphSdl) },
  ];
}

/**
 * The persisted-operation manifest of the example operations (client/operations/*.graphql, one
 * entry per operation, its text as the file writes it): what a production allow-list starts from
 * (docs/operations.md, "Allow-list").
 */
function manifestArtefact(): Artefact {
  const dir = fromRoot('client', 'operations');
  const operations = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .flatMap((f) => parse(readFileSync(join(dir, f), 'utf8')).definitions)
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((d) => manifestEntry(print(d)));
  return { file: 'client/persisted-operations.json', text: `${JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2)}\n`, json: true };
}

function stale(a: Artefact): boolean {
  let onDisk: string;
  try {
    onDisk = readFileSync(fromRoot(a.file), 'utf8');
  } catch {
    return true;
  }
  if (a.json) return JSON.stringify(JSON.parse(onDisk)) !== JSON.stringify(JSON.parse(a.text));
  return onDisk !== a.text;
}

/** Every artefact the city model derives, as it should be now. */
export async function derivedArtefacts(): Promise<Artefact[]> {
  return [catalogueArtefact(), ...(await codegenArtefacts()), ...districtSdlArtefacts(), ...compositionArtefacts(), manifestArtefact()];
}

async function main(argv: string[]): Promise<void> {
  const check = argv.includes('--check');
  const artefacts = await derivedArtefacts();
  const outdated = artefacts.filter(stale);
  if (check) {
    if (outdated.length) {
      process.stderr.write(
        `stale artefacts derived from the city model (domain/model.ts): ${outdated.map((a) => a.file).join(', ')}\n` +
          'Run `npm run generate` and commit what it writes.\n',
      );
      process.exit(1);
    }
    process.stdout.write(`all ${artefacts.length} artefacts derived from the city model are current\n`);
    return;
  }
  for (const a of outdated) {
    mkdirSync(dirname(fromRoot(a.file)), { recursive: true });
    writeFileSync(fromRoot(a.file), a.text);
  }
  process.stdout.write(outdated.length ? `wrote ${outdated.map((a) => a.file).join(', ')}\n` : `all ${artefacts.length} artefacts were current\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
