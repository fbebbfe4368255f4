/**
 * The permission model (分层分域分主题分权) as data types: domains, levels, the field catalogue,
 * grants, purposes and the decisions the engine (policy/engine.ts) makes. Everything here is
 * plain data; docs/permissions.md explains the model.
 */
import type { Level } from '../core/subject';
import type { Domain, MaskKind, MaskSpec } from '../domain/model';

/** Data domains (数据域) and masks are the city model's vocabulary (domain/model.ts). */
export { DOMAIN_CODES as DOMAINS, isDomain } from '../domain/model';
export type { Domain, MaskSpec } from '../domain/model';

/** Region scope of a grant: the whole city, district-level areas (6 digits) or streets (9 digits). */
export type GrantScope =
  | { kind: 'CITY' }
  | { kind: 'DISTRICTS'; codes: string[] }
  | { kind: 'STREETS'; codes: string[] }
  /** 网格: 14-digit grid codes (a community's 12 digits + the grid's 2), e.g. a grid-management centre's own grids. */
  | { kind: 'GRIDS'; codes: string[] };

/**
 * A grant (授权): a department may read one domain up to `maxLevel`, in `scope`, for `purposes`
 * (needed for L3+), with masking exceptions, until `expiresAt`.
 */
export interface Grant {
  id: string;
  department: string;
  domain: Domain;
  maxLevel: Level;
  scope: GrantScope;
  /** Purpose codes (数据用途) under which the grant reaches L3 and above. */
  purposes: string[];
  /** Masking exceptions: catalogue field key → mask this grant sees even where its level allows. */
  masks: Record<string, MaskSpec>;
  /**
   * Only these fields of its domain (catalogue keys), when given: a grant made from an access
   * request for some attributes (申请—审批—授权) gives those and no other field of the domain. It
   * still makes the rows of its scope visible (their public fields are public anyway).
   */
  fields?: string[];
  /** ISO 8601 instant with offset; the grant gives nothing from this instant on. */
  expiresAt: string;
  /** Why the grant exists (sharing agreement, legal basis); shown to stewards. */
  description?: string;
}

export interface LevelInfo {
  label: string;
  /** Level of GB/T 43697-2024 whose controls this level gets: 一般数据 / 重要数据 / 核心数据. */
  gbt43697: '一般数据' | '重要数据' | '核心数据';
  description?: string;
}

export interface DomainInfo {
  label: string;
  description?: string;
}

export interface TypeInfo {
  label: string;
  /** Domain of the type's rows (the row scope of a listing of this type). Absent on interfaces. */
  rowDomain?: Domain;
  /** For interfaces: the object types that implement it. */
  implementations?: string[];
}

/** Classification of one GraphQL field or relation, keyed `Type.field` in the catalogue. */
export interface FieldSpec {
  domain: Domain;
  level: Level;
  /** Default mask: what a grant one level short of `level` sees (decision rule 5). */
  mask?: MaskSpec;
  /** True for fields returning entities or connections (masks do not apply to them). */
  relation?: boolean;
  /** The relation(s) walking the same edge the other way; they must share domain and level. */
  inverseOf?: string[];
  /** Field the lead is adding to schema/city.graphql; until then the schema test tolerates it. */
  pending?: boolean;
  label?: string;
}

export interface CatalogueEntry extends FieldSpec {
  key: string;
  type: string;
  field: string;
}

export interface DepartmentInfo {
  code: string;
  name: string;
  /** CITY: a municipal department; DISTRICT: a district government, confined to `districtCode`. */
  layer: 'CITY' | 'DISTRICT';
  districtCode?: string;
}

export interface PurposeInfo {
  label: string;
  description?: string;
}

/** What every caller, anonymous or not, may read: L1, city-wide (grants.json `public`). */
export interface PublicAccess {
  maxLevel: Level;
  scope: GrantScope;
  description?: string;
}

// ---------------------------------------------------------------------------------------------
// The three policy files, as the loader normalises them (and as policyToFiles returns them)
// ---------------------------------------------------------------------------------------------

export interface CatalogueFile {
  version: string;
  effectiveFrom: string;
  standard?: string;
  levels: Record<Level, LevelInfo>;
  domains: Record<Domain, DomainInfo>;
  types: Record<string, TypeInfo>;
  fields: Record<string, FieldSpec>;
  /** resolveCode schemes → the catalogue field a lookup by that scheme filters on. */
  identifierSchemes: Record<string, string>;
}

export interface GrantsFile {
  version: string;
  effectiveFrom: string;
  public: PublicAccess;
  departments: DepartmentInfo[];
  grants: Grant[];
}

export interface PurposesFile {
  version: string;
  effectiveFrom: string;
  purposes: Record<string, PurposeInfo>;
}

/** The policy files as parsed JSON, before validation (loadPolicy checks everything). */
export interface PolicyFiles {
  catalogue: unknown;
  grants: unknown;
  purposes: unknown;
}

export interface NormalisedPolicyFiles {
  catalogue: CatalogueFile;
  grants: GrantsFile;
  purposes: PurposesFile;
}

/** A validated policy: the normalised files plus indexes the engine uses. Treat as immutable. */
export interface Policy {
  /** Version id: `v1` for files, `v1.3` for the third governance change on top of them. */
  version: string;
  effectiveFrom: string;
  /** SHA-256 (hex) of the canonical JSON of the normalised files. */
  checksum: string;
  files: NormalisedPolicyFiles;
  fields: ReadonlyMap<string, CatalogueEntry>;
  types: ReadonlyMap<string, TypeInfo>;
  domains: ReadonlyMap<Domain, DomainInfo>;
  purposes: ReadonlyMap<string, PurposeInfo>;
  departments: ReadonlyMap<string, DepartmentInfo>;
  /** All grants, sorted by id. */
  grants: readonly Grant[];
  /** Grants by department code, each list sorted by id. */
  grantsByDepartment: ReadonlyMap<string, readonly Grant[]>;
  public: PublicAccess;
}

// ---------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------

export type Effect = 'ALLOW' | 'MASK' | 'DENY';

/** Where a row lies: the region columns the row scope is pushed down on. */
export interface RowRegion {
  districtCode: string | null;
  streetCode: string | null;
  /** The grid (网格) the row lies in, where grids are drawn (14 digits). */
  gridCode?: string | null;
}

export interface DecisionContext {
  /** Declared purpose (X-Purpose header), or null. */
  purpose: string | null;
  now: Date;
  /**
   * The row the field is read on. Absent: the decision holds for every row of the subject's row
   * scope of the field's type (the usual case, with the row scope pushed into the query). Given:
   * the decision for that row, which may be better (a grant covering only some streets).
   */
  row?: RowRegion | null;
}

export interface Decision {
  effect: Effect;
  /** For MASK: the mask to apply (policy/masks.ts applyMask). */
  mask?: MaskKind;
  /** For SHOW_FIRST_N masks: how many leading characters stay. */
  maskN?: number;
  /** The catalogue key decided (for interface keys: the key of the strictest implementation). */
  field: string;
  requiredLevel: Level;
  /** The field's domain; null only for a field the catalogue does not classify (`unclassified`). */
  domain: Domain | null;
  /** `<grant id>@<version>`, `public@<version>`, `default-deny@<version>` or `unclassified@<version>`. */
  policy: string;
  reason: string;
  /** True when the catalogue has no entry for the field: denied, whatever the grants (fail closed). */
  unclassified?: true;
  /** True when declaring one of `acceptablePurposes` would give a better decision. */
  needsPurpose?: boolean;
  acceptablePurposes?: string[];
}

/** Rows of a domain the subject may see: pushed into the WHERE clause of every listing. */
export type RowScope =
  | { kind: 'ALL' }
  | { kind: 'REGIONS'; districtCodes: string[]; streetCodes: string[]; gridCodes?: string[] }
  | { kind: 'NONE' };
