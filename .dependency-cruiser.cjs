/**
 * The rooms of citycode and the directions their imports may run (docs/architecture.md).
 * `npm test` runs it (npm run -s arch); a violation names the rule, the file and the import.
 *
 *   core → domain → policy → store → graph · spatial · audit · registry · sharing · iot → query · ingest → exchange · indicators → resolvers → api
 *   gateway and seed (processes of their own) above api; tools, bench and districts on top.
 *
 * A room imports only rooms below it; rooms on the same floor do not import each other.
 */
const FLOORS = [
  ['core'],
  ['domain'],
  ['policy'],
  ['store'],
  ['graph', 'spatial', 'audit', 'registry', 'sharing', 'iot'],
  ['query', 'ingest'],
  ['exchange', 'indicators'],
  ['resolvers'],
  ['api'],
  ['gateway', 'seed'],
  ['tools', 'bench', 'districts'],
];

const floorOf = new Map(FLOORS.flatMap((rooms, i) => rooms.map((r) => [r, i])));
const rooms = [...floorOf.keys()];

/** For each room: the rooms it may not import (any on its floor or above, but itself). */
const upward = rooms
  .map((room) => {
    const forbidden = rooms.filter((other) => other !== room && floorOf.get(other) >= floorOf.get(room));
    return forbidden.length
      ? {
          name: `${room}-imports-down-only`,
          severity: 'error',
          comment: `${room}/ stands on floor ${floorOf.get(room)}: it imports only rooms below it (${rooms.filter((o) => floorOf.get(o) < floorOf.get(room)).join(', ') || 'none'})`,
          from: { path: `^${room}/` },
          to: { path: `^(${forbidden.join('|')})/` },
        }
      : null;
  })
  .filter(Boolean);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circles: a room that needs a room that needs it is one job in two places.',
      from: { pathNot: '^(node_modules|test)/' },
      to: { circular: true },
    },
    ...upward,
    {
      name: 'neo4j-driver-in-store-and-graph-only',
      severity: 'error',
      comment: 'Neo4j is reached through store/ (the driver) and graph/ (the Cypher) only; bench/ measures the floor directly.',
      from: { path: '^(core|domain|policy|spatial|audit|registry|sharing|iot|query|indicators|ingest|exchange|resolvers|api|gateway|seed|tools)/' },
      to: { path: 'node_modules/neo4j-driver' },
    },
    {
      name: 'pg-in-store-and-sql-rooms-only',
      severity: 'error',
      comment: 'PostgreSQL is reached through store/ (the pool) and the rooms that hold SQL (spatial/, audit/, registry/, sharing/, iot/) only.',
      from: { path: '^(core|domain|policy|graph|query|ingest|exchange|resolvers|api|gateway|seed|tools)/' },
      to: { path: 'node_modules/pg/' },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports and that is not an entry point is dead code.',
      from: {
        orphan: true,
        pathNot: [
          '(^|/)\\.[^/]+\\.(js|cjs|mjs|ts|json)$',
          '\\.d\\.ts$',
          '(^|/)tsconfig\\.json$',
          '^(test|bench|tools|seed|districts|gateway)/',
          '^(api/server|store/migrate|ingest/cli|audit/cli|audit/verify-offline|indicators/cli)\\.(ts|mjs)$',
          '^(client|resolvers)/generated/',
          '^(client)/',
          '(^|/)(eslint|jest)\\.config\\.',
        ],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|\\.data|\\.tools|infra/neo4j/target)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
