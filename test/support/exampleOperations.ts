import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, OperationDefinitionNode, parse } from 'graphql';
import { fromRoot } from '../../core/paths';
import { landmarkCode, planDemoCity } from '../../seed/city';

/**
 * The example operations app teams start from (client/operations, typed by `npm run generate`),
 * with variables that reach real data of the demo city: operations.test.ts runs them, the restore
 * test compares their answers before a backup and after a restore.
 */
const plan = planDemoCity();
const residential = plan.nodes.find((n) => n.props.objectKind === 'BUILDING' && n.props.usage === '住宅' && plan.edges.some((e) => e.to === n.code && e.type === 'PART_OF'))!;
const person = plan.nodes.find((n) => n.labels.includes('Person') && n.citizenId)!;
const community = plan.nodes.find((n) => n.props.regionCode === '440304008001')!;
const futian = plan.nodes.find((n) => n.props.regionCode === '440304')!;

export const EXAMPLE_VARIABLES: Record<string, Record<string, unknown>> = {
  BuildingWithResidents: { code: residential.code, residents: 10 },
  EntityByCode: { code: landmarkCode('CIVIC_CENTER') },
  ResolveCode: { scheme: 'CITIZEN_ID', value: person.citizenId },
  ObjectsNear: { lon: 114.059, lat: 22.5453, radiusM: 1000, kinds: ['BUILDING'], first: 5 },
  ObjectsWithin: {
    polygon: { type: 'Polygon', coordinates: [[[114.04, 22.53], [114.07, 22.53], [114.07, 22.56], [114.04, 22.56], [114.04, 22.53]]] },
    first: 5,
  },
  Contents: { code: community.code, kinds: ['BUILDING', 'ROOM'], first: 10 },
  Districts: {},
  StreetsOf: { district: futian.code },
  PersonWithProvenance: { code: person.code },
};

/** 福田区's region object (city code), for queries by region. */
export const FUTIAN_REGION_CODE = futian.code;

export const EXAMPLE_OPERATIONS: OperationDefinitionNode[] = readdirSync(fromRoot('client', 'operations'))
  .filter((f) => f.endsWith('.graphql'))
  .flatMap((f) => parse(readFileSync(join(fromRoot('client', 'operations'), f), 'utf8')).definitions)
  .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
