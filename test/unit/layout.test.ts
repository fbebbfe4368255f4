import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fromRoot } from '../../core/paths';

/**
 * One query layer per store (docs/architecture.md): Cypher text only in graph/, SQL only in the
 * rooms that own PostgreSQL tables (store/, spatial/, audit/, registry/, sharing/, iot/, indicators/). The import directions are
 * checked by dependency-cruiser (npm run arch); this checks the text. bench/ writes the driver
 * floor by hand on purpose, and a district subgraph (districts/) keeps a store of its own.
 */
const ROOMS = ['api', 'core', 'domain', 'policy', 'store', 'graph', 'spatial', 'audit', 'registry', 'sharing', 'iot', 'query', 'exchange', 'indicators', 'ingest', 'resolvers', 'gateway', 'seed', 'tools'];
const CYPHER = /\b(MATCH|MERGE)\s*\(|\bUNWIND\s+\$|\bDETACH\s+DELETE\b/;
const SQL = /\bSELECT\b[\s\S]{0,200}?\bFROM\s+[a-z_]|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+[a-z_]+\s+SET\b|\bCREATE\s+TABLE\b/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const files = ROOMS.flatMap((room) => sources(fromRoot(room))).map((path) => ({ file: relative(fromRoot(), path), text: readFileSync(path, 'utf8') }));

describe('one query layer per store', () => {
  it('reads the whole tree', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('Cypher text only in graph/ (and the migration ledger of the runner store/ owns)', () => {
    // store/migrate.ts records which migrations/neo4j files ran, in Neo4j itself: two statements.
    const allowed = (file: string) => file.startsWith('graph/') || file === 'store/migrate.ts';
    expect(files.filter((f) => !allowed(f.file) && CYPHER.test(f.text)).map((f) => f.file)).toEqual([]);
  });

  it('SQL text only in store/, spatial/, audit/, registry/, sharing/, iot/ and indicators/ (the rooms that own tables)', () => {
    expect(files.filter((f) => !/^(store|spatial|audit|registry|sharing|iot|indicators)\//.test(f.file) && SQL.test(f.text)).map((f) => f.file)).toEqual([]);
  });
});
