/**
 * The eleven district platforms of 1+11+N (一个市级平台、十一个区级平台), as configuration: each
 * district's subgraph is generated from its entry by the template (districts/futian/*: schema,
 * migrations, seed, policy, usage trail, return flow), so that adding a district is an entry here
 * plus `npm run generate`. 福田 keeps the names it was first published with (GridEvent,
 * gridEvents); every other district's types and fields carry its prefix (LuohuGridEvent,
 * luohuGridEvents), because one supergraph cannot have two subgraphs answer the same field with
 * different rows. `served` districts run in the development supergraph and the tests.
 */
export interface DistrictPlatform {
  /** Folder, schema and subgraph name. */
  slug: string;
  name: string;
  /** District-level area code (6 digits). */
  code: string;
  /** The district government's department code (its grants in the city's policy, its users in Keycloak). */
  department: string;
  /** Prefix of the environment variables (`<P>_PORT`, `<P>_PG_*`, `<P>_SUBGRAPH_URL`). */
  envPrefix: string;
  defaultPort: number;
  /** Prefix of the district's record ids (FT-…). */
  idPrefix: string;
  /** Prefix of its GraphQL type names ('' for 福田). */
  typePrefix: string;
  /** Prefix of its GraphQL field names ('' for 福田: gridEvents). */
  fieldPrefix: string;
  /** Runs in the development supergraph (npm run start:federation) and the tests. */
  served: boolean;
  /** The street codes of the district (a regular expression for its schema's CHECK): 大鹏新区's streets are coded under 龙岗, 深汕's under 海丰. */
  streetPattern: string;
}

const district = (slug: string, name: string, code: string, department: string, idPrefix: string, port: number, served = false): DistrictPlatform => ({
  slug,
  name,
  code,
  department,
  envPrefix: slug.toUpperCase(),
  defaultPort: port,
  idPrefix,
  typePrefix: slug === 'futian' ? '' : slug[0].toUpperCase() + slug.slice(1),
  fieldPrefix: slug === 'futian' ? '' : slug,
  served,
  streetPattern: code === '440399' ? '^440307[0-9]{3}$' : code === '440398' ? '^441521[0-9]{3}$' : `^${code}[0-9]{3}$`,
});

export const DISTRICT_PLATFORMS: readonly DistrictPlatform[] = Object.freeze([
  district('futian', '福田区', '440304', 'FT-GOV', 'FT', 4401, true),
  district('luohu', '罗湖区', '440303', 'LH-GOV', 'LH', 4402, true),
  district('nanshan', '南山区', '440305', 'NS-GOV', 'NS', 4403, true),
  district('baoan', '宝安区', '440306', 'BA-GOV', 'BA', 4404),
  district('longgang', '龙岗区', '440307', 'LG-GOV', 'LG', 4405),
  district('yantian', '盐田区', '440308', 'YT-GOV', 'YT', 4406),
  district('longhua', '龙华区', '440309', 'LHQ-GOV', 'LHQ', 4407),
  district('pingshan', '坪山区', '440310', 'PS-GOV', 'PS', 4408),
  district('guangming', '光明区', '440311', 'GM-GOV', 'GM', 4409),
  district('dapeng', '大鹏新区', '440399', 'DP-GOV', 'DP', 4410),
  district('shenshan', '深汕特别合作区', '440398', 'SS-GOV', 'SS', 4411),
]);

export function districtPlatform(slug: string): DistrictPlatform {
  const p = DISTRICT_PLATFORMS.find((d) => d.slug === slug);
  if (!p) throw new Error(`no district platform "${slug}"; one of ${DISTRICT_PLATFORMS.map((d) => d.slug).join(', ')}`);
  return p;
}

export const FUTIAN = districtPlatform('futian');

/** A GraphQL type name of the platform (GridEvent → LuohuGridEvent). */
export const typeName = (p: DistrictPlatform, base: string): string => `${p.typePrefix}${base}`;
/** A GraphQL field name of the platform (gridEvents → luohuGridEvents). */
export const fieldName = (p: DistrictPlatform, base: string): string => (p.fieldPrefix ? `${p.fieldPrefix}${base[0].toUpperCase()}${base.slice(1)}` : base);

/**
 * The N of 1+11+N: department (sector) platforms that serve their own data as subgraphs beside the
 * districts. 交通运输局's parking occupancy (districts/jtj) is the first.
 */
export interface DepartmentPlatform {
  slug: string;
  name: string;
  department: string;
  envPrefix: string;
  defaultPort: number;
}

export const DEPARTMENT_PLATFORMS: readonly DepartmentPlatform[] = Object.freeze([
  { slug: 'jtj', name: '市交通运输局', department: 'SZ-JTJ', envPrefix: 'JTJ', defaultPort: 4421 },
]);
