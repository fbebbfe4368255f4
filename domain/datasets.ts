/**
 * The dataset registry (数据资源目录): what each department's dataset is, which entity attribute
 * each of its fields feeds, and which attributes it is the authoritative source of (一数一源).
 * Pure: validation of a dataset definition and the level rule of derived datasets.
 * Definitions live in datasets/*.json and become lineage nodes in Neo4j (graph/datasets.ts).
 */
import { badInput } from '../core/errors';
import { LEVELS, Level, levelRank } from '../core/subject';
import { DATA_PLATE, DOMAIN_CODES as DOMAINS, KINDS, PLATE_KINDS, PLATE_OF_DOMAIN, type Domain, type KindName, type PlateKind } from './model';
import { FEEDABLE_ATTRIBUTES, isKindName, type FeedableAttribute } from './modelIndex';

/** The entity kinds of the city model (domain/model.ts) a dataset may describe. */
export type EntityType = KindName;

export const FIELD_TYPES = [
  'string',
  'date',
  'int',
  'number',
  'phone',
  'sex',
  'datetime',
  'lon',
  'lat',
  'CITIZEN_ID',
  'USCC',
  'BUILDING_CODE',
  'HOUSE_CODE',
  'DEVICE_CODE',
  'PARKING_CODE',
  'CITIZEN_CODE',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Identifier field types: deterministic matching keys (ExternalId schemes). */
export const IDENTIFIER_TYPES: ReadonlySet<string> = new Set(['CITIZEN_ID', 'USCC', 'BUILDING_CODE', 'HOUSE_CODE', 'DEVICE_CODE', 'PARKING_CODE', 'CITIZEN_CODE']);

/** An attribute a dataset field may feed (derived from the city model: domain/modelIndex.ts). */
export type AttributeSpec = FeedableAttribute;

/** Attributes datasets may feed, by key (`Person.phone`), derived from the city model. */
export const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = FEEDABLE_ATTRIBUTES;

export interface DatasetField {
  name: string;
  type: FieldType;
  required: boolean;
  /** The entity attribute this field feeds (field-level lineage), e.g. Person.phone. */
  attribute: string | null;
  label: string | null;
}

export interface Derivation {
  dataset: string;
  /** The job that derives this dataset from that one. */
  job: string;
}

export interface DatasetDefinition {
  id: string;
  name: string;
  department: string;
  /** Which of the ten kinds of the data plate (孪生数据底板) the dataset belongs to (domain/model.ts DATA_PLATE). */
  plate: PlateKind;
  topic: string;
  domain: Domain;
  /** Declared level (L1..L4). */
  level: Level;
  /** Update cadence in days (1 = daily, 30 = monthly). */
  cadenceDays: number;
  entity: EntityType;
  /** CityObject datasets: the objectKind of new objects (ROOM, BUILDING, DEVICE, PARKING_SPACE). */
  objectKind: string | null;
  /** City code class and division of issue of new entities. */
  classCode: string;
  division: string;
  /** Field that identifies a record inside the dataset (its primary key). */
  recordKey: string;
  /** Field with the record's own update time (most-recent-wins); null = file order. */
  recordTime: string | null;
  fields: DatasetField[];
  /** Attributes for which this dataset is the authoritative source (一数一源). */
  authoritative: string[];
  derivedFrom: Derivation[];
  /**
   * Whether records whose identifiers are unknown are also matched probabilistically (default
   * true). false: an unknown identifier means a new entity (the deterministic path only).
   */
  probabilistic: boolean;
  description: string;
}

const ID_RE = /^[a-z0-9][a-z0-9-]{1,62}$/;
const CADENCES: Record<string, number> = { REALTIME: 0.0417, DAILY: 1, WEEKLY: 7, MONTHLY: 30, QUARTERLY: 91, YEARLY: 365 };

function fail(message: string, hint: string, field: string): never {
  throw badInput(message, hint, { argument: 'dataset', field });
}

function text(raw: Record<string, unknown>, key: string, required = true): string {
  const v = raw[key];
  if (v === undefined || v === null || v === '') {
    if (!required) return '';
    fail(`dataset.${key} is missing`, `Give the dataset a "${key}".`, key);
  }
  if (typeof v !== 'string') fail(`dataset.${key} must be a string`, `Write "${key}" as a JSON string.`, key);
  return v.trim();
}

/**
 * Validates a dataset definition (parsed JSON) against the attribute catalogue and the known
 * departments. Throws BAD_USER_INPUT with the offending field and a hint.
 */
export function parseDataset(raw: unknown, departments: ReadonlySet<string>): DatasetDefinition {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('a dataset is a JSON object', 'See datasets/*.json for examples.', '');
  const r = raw as Record<string, unknown>;
  const id = text(r, 'id');
  if (!ID_RE.test(id)) fail(`dataset id "${id.slice(0, 64)}" is not valid`, 'Use 2-63 lower-case letters, digits and dashes, e.g. gaj-population.', 'id');
  const department = text(r, 'department');
  if (!departments.has(department)) {
    fail(`department ${department} is unknown`, `Use a department code of the policy (grants.json departments): ${[...departments].join(', ')}.`, 'department');
  }
  const plate = text(r, 'plate', false) || PLATE_OF_DOMAIN[text(r, 'domain') as Domain] || '';
  if (!(PLATE_KINDS as readonly string[]).includes(plate)) {
    fail(`plate ${plate} is unknown`, `Say which kind of the data plate the dataset is: ${PLATE_KINDS.map((k) => `${k} (${DATA_PLATE[k].label})`).join(', ')}.`, 'plate');
  }
  const domain = text(r, 'domain');
  if (!(DOMAINS as readonly string[]).includes(domain)) fail(`domain ${domain} is unknown`, `Use one of ${DOMAINS.join(', ')}.`, 'domain');
  const level = text(r, 'level');
  if (!(LEVELS as readonly string[]).includes(level)) fail(`level ${level} is unknown`, 'Use L1, L2, L3 or L4.', 'level');
  const cadence = text(r, 'cadence');
  const cadenceDays = CADENCES[cadence];
  if (cadenceDays === undefined) fail(`cadence ${cadence} is unknown`, `Use one of ${Object.keys(CADENCES).join(', ')}.`, 'cadence');
  const entity = text(r, 'entity');
  if (!isKindName(entity)) fail(`entity ${entity} is unknown`, `Use one of the city model's kinds: ${Object.keys(KINDS).join(', ')}.`, 'entity');
  const classCode = text(r, 'classCode');
  if (!/^\d{6}$/.test(classCode)) fail('classCode must be 6 digits', 'Use the city code class of new entities, e.g. 010000 for a person.', 'classCode');
  const division = text(r, 'division', false) || '440300';
  if (!Array.isArray(r.fields) || r.fields.length === 0) fail('dataset.fields must be a non-empty list', 'List every field with its name and type.', 'fields');
  const fields: DatasetField[] = (r.fields as unknown[]).map((f, i) => {
    const fr = (f ?? {}) as Record<string, unknown>;
    const name = typeof fr.name === 'string' ? fr.name.trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) fail(`fields[${i}].name is not a valid field name`, 'Use letters, digits and _.', `fields[${i}].name`);
    const type = String(fr.type ?? 'string');
    if (!(FIELD_TYPES as readonly string[]).includes(type)) fail(`fields[${i}].type ${type} is unknown`, `Use one of ${FIELD_TYPES.join(', ')}.`, `fields[${i}].type`);
    const attribute = typeof fr.attribute === 'string' && fr.attribute !== '' ? fr.attribute : null;
    if (attribute !== null) {
      const spec = ATTRIBUTES[attribute];
      if (!spec || spec.entity !== entity) {
        fail(`fields[${i}].attribute ${attribute} is not an attribute of ${entity}`, `Use one of ${Object.keys(ATTRIBUTES).filter((a) => a.startsWith(`${entity}.`)).join(', ')}.`, `fields[${i}].attribute`);
      }
      if (spec.kind !== 'property' && spec.scheme !== type) {
        fail(`fields[${i}] feeds ${attribute}, which needs type ${spec.scheme}`, `Declare the field as type ${spec.scheme}.`, `fields[${i}].type`);
      }
    }
    return { name, type: type as FieldType, required: fr.required === true, attribute, label: typeof fr.label === 'string' ? fr.label : null };
  });
  const names = new Set<string>();
  for (const f of fields) {
    if (names.has(f.name)) fail(`field ${f.name} is declared twice`, 'Give every field a distinct name.', 'fields');
    names.add(f.name);
  }
  const recordKey = text(r, 'recordKey');
  if (!names.has(recordKey)) fail(`recordKey ${recordKey} is not a field`, 'Name the field that identifies a record.', 'recordKey');
  const recordTime = text(r, 'recordTime', false) || null;
  if (recordTime && !names.has(recordTime)) fail(`recordTime ${recordTime} is not a field`, 'Name the field with the update time, or leave it out.', 'recordTime');
  const fed = new Set(fields.map((f) => f.attribute).filter((a): a is string => a !== null));
  const authoritative = Array.isArray(r.authoritative) ? (r.authoritative as unknown[]).map(String) : [];
  for (const a of authoritative) {
    if (!fed.has(a)) fail(`authoritative attribute ${a} is not fed by any field`, 'A dataset is authoritative only for attributes its fields feed.', 'authoritative');
  }
  const derivedFrom: Derivation[] = Array.isArray(r.derivedFrom)
    ? (r.derivedFrom as unknown[]).map((d, i) => {
        const dr = (d ?? {}) as Record<string, unknown>;
        const dataset = typeof dr.dataset === 'string' ? dr.dataset : '';
        const job = typeof dr.job === 'string' ? dr.job.trim() : '';
        if (!ID_RE.test(dataset)) fail(`derivedFrom[${i}].dataset is not a dataset id`, 'Name the source dataset by its id.', `derivedFrom[${i}]`);
        if (job === '') fail(`derivedFrom[${i}].job is missing`, 'Name the job that derives this dataset (e.g. an ETL task).', `derivedFrom[${i}].job`);
        if (dataset === id) fail('a dataset cannot derive from itself', 'Remove the self-reference.', `derivedFrom[${i}]`);
        return { dataset, job };
      })
    : [];
  return {
    id,
    name: text(r, 'name'),
    department,
    plate: plate as PlateKind,
    topic: text(r, 'topic'),
    domain: domain as Domain,
    level: level as Level,
    cadenceDays,
    entity,
    objectKind: text(r, 'objectKind', false) || null,
    classCode,
    division,
    recordKey,
    recordTime,
    fields,
    authoritative,
    derivedFrom,
    probabilistic: r.probabilistic !== false,
    description: text(r, 'description', false),
  };
}

/**
 * The level a derived dataset must carry (就高从严): the highest of its own declared level and
 * its sources' levels, unless an approval recorded by a steward lowers it (to `approved`).
 */
export function effectiveLevel(declared: Level, sourceLevels: readonly Level[], approved: Level | null): { level: Level; inherited: Level; lowered: boolean } {
  let inherited: Level = declared;
  for (const l of sourceLevels) if (levelRank(l) > levelRank(inherited)) inherited = l;
  if (approved && levelRank(approved) < levelRank(inherited)) return { level: approved, inherited, lowered: true };
  return { level: inherited, inherited, lowered: false };
}
