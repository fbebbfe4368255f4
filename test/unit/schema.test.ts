import { readFileSync } from 'node:fs';
import { buildSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { fromRoot } from '../../core/paths';
import { buildCitySchemaSync } from '../../resolvers/schema';

describe('committed schema SDL', () => {
  it('matches the schema the server builds (run `npm run generate` after changing types)', () => {
    const committed = printSchema(lexicographicSortSchema(buildSchema(readFileSync(fromRoot('schema', 'city.graphql'), 'utf8'))));
    const running = printSchema(lexicographicSortSchema(buildCitySchemaSync()));
    expect(committed).toBe(running);
  });

  it('offers the queries app teams rely on', () => {
    const fields = Object.keys(buildCitySchemaSync().getQueryType()!.getFields()).sort();
    expect(fields).toEqual([
      'accessRequest',
      'accessRequests',
      'catalogue',
      'catalogueEntry',
      'changes',
      'cityObject',
      'conflicts',
      'dataset',
      'datasetQuality',
      'datasets',
      'departmentQuality',
      'enterprise',
      'entitiesByName',
      'entity',
      'exportJob',
      'exportJobs',
      'indicatorDefinitions',
      'indicatorHistory',
      'indicators',
      'lineage',
      'managementEvent',
      'myDataUsage',
      'myFieldAccess',
      'objectsInBbox',
      'objectsInRegion',
      'objectsNear',
      'objectsWithin',
      'person',
      'pointOfInterest',
      'policyVersion',
      'provenance',
      'publicFacility',
      'region',
      'regionStats',
      'regions',
      'resolveCode',
      'returnFlow',
      'returnFlows',
      'reviewQueue',
      'sourceRecords',
      'usageTrail',
      'verifyAudit',
    ]);
  });
});
