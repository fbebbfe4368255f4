#!/usr/bin/env node
import 'reflect-metadata';
import { execute, parse } from 'graphql';
import { loadConfig } from '../core/config';
import { ANONYMOUS, LEVELS, type Level, type Subject } from '../core/subject';
import { Release } from '../policy/release';
import { createLoaders, type PlannedStep } from '../query/loaders';
import { explainStep } from '../query/explain';
import { buildCitySchema } from '../resolvers/schema';
import { currentPolicy } from '../store/policy';
import { closeStores, openStores } from '../store/stores';

/**
 * npm run -s plan -- [--department SZ-GAJ] [--clearance L4] [--purpose PUBLIC_SECURITY] '<query>'
 * Runs one query as a caller of that department (against the running databases, the policy in
 * force) and prints the plans the query layer made for it and their Cypher: how many statements a
 * query costs and what each fetches. Without --department: an anonymous caller.
 */
function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const query = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--')).pop();
  if (!query) {
    process.stderr.write("usage: npm run -s plan -- [--department CODE] [--clearance L1..L4] [--purpose PURPOSE] '<query>'\n");
    process.exit(2);
  }
  const department = option(argv, 'department');
  const clearance = (option(argv, 'clearance') ?? 'L4') as Level;
  if (!LEVELS.includes(clearance)) throw new Error(`--clearance must be one of ${LEVELS.join(', ')}`);
  const subject: Subject = department
    ? { ...ANONYMOUS, id: 'plan-cli', username: 'plan-cli', department, departmentName: department, clearance, anonymous: false }
    : ANONYMOUS;
  const stores = openStores(loadConfig());
  try {
    const release = new Release(await currentPolicy(stores.sql), subject, option(argv, 'purpose') ?? null);
    const steps: PlannedStep[] = [];
    const loaders = createLoaders(stores, release.graphScope(), (s) => steps.push(s));
    const before = stores.graph.stats.roundTrips;
    const result = await execute({ schema: await buildCitySchema(), document: parse(query), contextValue: { stores, release, loaders, subject, requestId: 'plan', log: console } });
    const trips = stores.graph.stats.roundTrips - before;
    process.stdout.write(`${steps.length} planned statement(s), ${trips} Neo4j round trip(s) in all; ${result.errors?.length ?? 0} error(s)\n\n`);
    steps.forEach((s, i) => process.stdout.write(`#${i + 1} ${explainStep(s, release.graphScope())}\n\n`));
    for (const e of result.errors ?? []) process.stdout.write(`error at ${e.path?.join('.') ?? '-'}: ${e.message} (${String(e.extensions.code)})\n`);
  } finally {
    await closeStores(stores);
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
