/**
 * Fusion of existing codes (多码融合): every external identifier scheme the platform resolves to
 * city codes, each with its own validation rule, behind one call: resolveCode(scheme, value).
 *
 * A resolved citizen ID carries personal data (its canonical value, birth date, sex): callers keep
 * only a keyed hash (HMAC) of `canonical` for look-up and an encrypted copy, never the clear value.
 */
import { parseCityCode, type CityCodeClassCode, type CityCodeErrorCode, type EntityKind, type Parsed } from '../citycode';
import { validateCitizenCode, type CitizenCodeErrorCode } from './citizenCode';
import { validateCitizenId, type CitizenIdErrorCode } from './citizenId';
import { validateDeviceCode, validateParkingCode, type DeviceCodeErrorCode } from './deviceCode';
import { validateBuildingCode, validateHouseCode, type HouseCodeErrorCode } from './houseCode';
import { validateUscc, type UsccErrorCode } from './uscc';
import { validateIfcGuid, type IfcGuidErrorCode } from './ifcGuid';

export * from './citizenId';
export * from './deviceCode';
export * from './houseCode';
export * from './uscc';
export * from './ifcGuid';

export type IdentifierScheme = 'CITIZEN_ID' | 'USCC' | 'BUILDING_CODE' | 'HOUSE_CODE' | 'DEVICE_CODE' | 'PARKING_CODE' | 'CITIZEN_CODE' | 'IFC_GUID' | 'CITY_CODE';

export type IdentifierErrorCode = CitizenIdErrorCode | CitizenCodeErrorCode | UsccErrorCode | HouseCodeErrorCode | DeviceCodeErrorCode | IfcGuidErrorCode | CityCodeErrorCode;

/** The validated, normalised fields of an identifier; which fields depends on the scheme. */
export interface IdentifierDetails {
  warnings: string[];
}

export interface ResolvedCode {
  scheme: IdentifierScheme;
  /** Canonical form, the look-up key (15-digit citizen IDs are upgraded to 18 digits). */
  canonical: string;
  entityKind: EntityKind;
  /** City code class of the entity this identifier names (for issuing its city code). */
  cityClassCode: CityCodeClassCode;
  details: IdentifierDetails;
  warnings: string[];
}

export interface IdentifierSchemeSpec {
  readonly scheme: IdentifierScheme;
  /** Chinese label, as officials read it. */
  readonly label: string;
  readonly name: string;
  /** Kind of entity the scheme names; 'ANY' for city codes, whose kind is read from the code itself. */
  readonly entityKind: EntityKind | 'ANY';
  validate(input: string): Parsed<IdentifierDetails, IdentifierErrorCode>;
  /** Canonical form of a valid identifier, or null when it is not valid. */
  normalise(input: string): string | null;
  resolve(input: string): Parsed<ResolvedCode, IdentifierErrorCode>;
}

interface SchemeDefinition<V extends IdentifierDetails> {
  scheme: IdentifierScheme;
  label: string;
  name: string;
  entityKind: EntityKind | 'ANY';
  validate(input: string): Parsed<V, IdentifierErrorCode>;
  canonical(value: V): string;
  kind(value: V): EntityKind;
  cityClassCode(value: V): CityCodeClassCode;
}

function defineScheme<V extends IdentifierDetails>(def: SchemeDefinition<V>): IdentifierSchemeSpec {
  const resolve = (input: string): Parsed<ResolvedCode, IdentifierErrorCode> => {
    const result = def.validate(input);
    if (!result.ok) return result;
    const v = result.value;
    return {
      ok: true,
      value: {
        scheme: def.scheme,
        canonical: def.canonical(v),
        entityKind: def.kind(v),
        cityClassCode: def.cityClassCode(v),
        details: v,
        warnings: v.warnings,
      },
    };
  };
  return {
    scheme: def.scheme,
    label: def.label,
    name: def.name,
    entityKind: def.entityKind,
    validate: (input) => def.validate(input),
    normalise: (input) => {
      const result = resolve(input);
      return result.ok ? result.value.canonical : null;
    },
    resolve,
  };
}

export const IDENTIFIER_SCHEMES: Readonly<Record<IdentifierScheme, IdentifierSchemeSpec>> = {
  CITIZEN_ID: defineScheme({
    scheme: 'CITIZEN_ID',
    label: '公民身份号码',
    name: 'Citizen ID number (GB 11643-1999)',
    entityKind: 'PERSON',
    validate: (input) => validateCitizenId(input),
    canonical: (v) => v.idNumber,
    kind: () => 'PERSON',
    cityClassCode: () => '010000',
  }),
  USCC: defineScheme({
    scheme: 'USCC',
    label: '统一社会信用代码',
    name: 'Unified social credit code (GB 32100-2015)',
    entityKind: 'ENTERPRISE',
    validate: (input) => validateUscc(input),
    canonical: (v) => v.code,
    kind: () => 'ENTERPRISE',
    cityClassCode: (v) => v.cityClassCode,
  }),
  BUILDING_CODE: defineScheme({
    scheme: 'BUILDING_CODE',
    label: '楼栋编码',
    name: 'Shenzhen building code (19 digits)',
    entityKind: 'OBJECT',
    validate: validateBuildingCode,
    canonical: (v) => v.buildingCode,
    kind: () => 'OBJECT',
    cityClassCode: () => '200100',
  }),
  HOUSE_CODE: defineScheme({
    scheme: 'HOUSE_CODE',
    label: '房屋编码',
    name: 'Shenzhen house code (25 digits)',
    entityKind: 'OBJECT',
    validate: validateHouseCode,
    canonical: (v) => v.houseCode,
    kind: () => 'OBJECT',
    cityClassCode: () => '200200',
  }),
  DEVICE_CODE: defineScheme({
    scheme: 'DEVICE_CODE',
    label: '物联设备编码',
    name: 'IoT device code',
    entityKind: 'OBJECT',
    validate: validateDeviceCode,
    canonical: (v) => v.code,
    kind: () => 'OBJECT',
    cityClassCode: (v) => v.cityClassCode,
  }),
  PARKING_CODE: defineScheme({
    scheme: 'PARKING_CODE',
    label: '停车泊位编码',
    name: 'Parking-space code',
    entityKind: 'OBJECT',
    validate: validateParkingCode,
    canonical: (v) => v.code,
    kind: () => 'OBJECT',
    cityClassCode: () => '400200',
  }),
  CITIZEN_CODE: defineScheme({
    scheme: 'CITIZEN_CODE',
    label: '市民码',
    name: 'Shenzhen citizen code (市民码, 18 characters)',
    entityKind: 'PERSON',
    validate: validateCitizenCode,
    canonical: (v) => v.code,
    kind: () => 'PERSON',
    cityClassCode: () => '010000',
  }),
  IFC_GUID: defineScheme({
    scheme: 'IFC_GUID',
    label: 'IFC 构件标识 (GlobalId)',
    name: 'IFC GlobalId (ISO 16739, 22 characters)',
    entityKind: 'OBJECT',
    validate: validateIfcGuid,
    canonical: (v) => v.code,
    kind: () => 'OBJECT',
    cityClassCode: () => '200300',
  }),
  CITY_CODE: defineScheme({
    scheme: 'CITY_CODE',
    label: '城市码',
    name: 'City code',
    entityKind: 'ANY',
    validate: (input) => {
      const parsed = parseCityCode(input);
      return parsed.ok ? { ok: true, value: { ...parsed.value, warnings: [] } } : parsed;
    },
    canonical: (v) => v.code,
    kind: (v) => v.kind,
    cityClassCode: (v) => v.classCode,
  }),
};

export function isIdentifierScheme(scheme: string): scheme is IdentifierScheme {
  return Object.hasOwn(IDENTIFIER_SCHEMES, scheme);
}

/** Validate a value of any scheme with one call. */
export function resolveCode(scheme: string, value: string): Parsed<ResolvedCode, IdentifierErrorCode | 'UNKNOWN_SCHEME'> {
  if (!isIdentifierScheme(scheme)) {
    return {
      ok: false,
      code: 'UNKNOWN_SCHEME',
      reason: `Unknown identifier scheme ${JSON.stringify(scheme)}; use one of ${Object.keys(IDENTIFIER_SCHEMES).join(', ')}.`,
    };
  }
  return IDENTIFIER_SCHEMES[scheme].resolve(value);
}
