/**
 * IFC GlobalId (IfcGloballyUniqueId, ISO 16739): the 128-bit GUID of an IFC object written as 22
 * characters of IFC's base-64 alphabet (0-9, A-Z, a-z, _ and $); the first character carries only
 * two bits, so it is 0-3. BIM models imported into the city (ingest/bim.ts) keep each storey's,
 * space's, component's and part's GlobalId in the crosswalk under this scheme.
 */
import type { Parsed } from '../citycode';

export type IfcGuidErrorCode = 'LENGTH' | 'ALPHABET' | 'RANGE';

export interface IfcGuid {
  code: string;
  warnings: string[];
}

const ALPHABET = /^[0-9A-Za-z_$]{22}$/;

export function validateIfcGuid(input: string): Parsed<IfcGuid, IfcGuidErrorCode> {
  const code = typeof input === 'string' ? input.trim() : '';
  if (code.length !== 22) return { ok: false, code: 'LENGTH', reason: `An IFC GlobalId has 22 characters; got ${code.length}.` };
  if (!ALPHABET.test(code)) return { ok: false, code: 'ALPHABET', reason: "An IFC GlobalId uses only 0-9, A-Z, a-z, '_' and '$'." };
  if (!'0123'.includes(code[0])) return { ok: false, code: 'RANGE', reason: 'The first character of an IFC GlobalId is 0-3 (it holds the top two bits of the GUID).' };
  return { ok: true, value: { code, warnings: [] } };
}
