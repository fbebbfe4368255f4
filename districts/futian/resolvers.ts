import DataLoader from 'dataloader';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { badInput, CityCodeError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { Subject } from '../../core/subject';
import { parseCityCode } from '../../domain/citycode';
import { applyMask } from '../../policy/masks';
import { FUTIAN, fieldName, typeName, type DistrictPlatform } from '../../domain/districtPlatforms';
import { GridAccess, gridAccess } from './policy';
import type { EventFilter, FutianStore, GridEventRow } from './store';
import { FutianTrail } from './trail';

/** What every resolver of the 福田 subgraph receives. */
export interface FutianContext {
  subject: Subject;
  purpose: string | null;
  store: FutianStore;
  log: Logger;
  /** The policy's answer for this request, computed once. */
  access(): GridAccess;
  /** One loader per (building|person, status, first): all entities of a request in one statement. */
  events(column: 'building_code' | 'person_code', filter: Omit<EventFilter, 'streets'>): DataLoader<string, GridEventRow[]>;
  /** What this request read and was refused (使用留痕), written to the audit chain at its end. */
  trail: FutianTrail;
  /** The district this subgraph is (districts/platforms.ts). */
  platform: DistrictPlatform;
}

export const CATEGORY_LABELS: Readonly<Record<string, string>> = {
  SAFETY_HAZARD: '安全隐患',
  SANITATION: '环境卫生',
  DISPUTE: '矛盾纠纷',
  ILLEGAL_CONSTRUCTION: '违法建设',
  FIRE_ACCESS: '消防通道占用',
  NOISE: '噪音扰民',
};

const MAX_FIRST = 100;

export function createContext(subject: Subject, purpose: string | null, store: FutianStore, log: Logger, platform: DistrictPlatform = FUTIAN): FutianContext {
  let decided: GridAccess | undefined;
  const access = () => (decided ??= gridAccess(subject, purpose, platform));
  const loaders = new Map<string, DataLoader<string, GridEventRow[]>>();
  return {
    subject,
    purpose,
    store,
    log,
    access,
    platform,
    trail: new FutianTrail(subject, purpose, platform),
    events(column, filter) {
      const key = JSON.stringify([column, filter.status, filter.first]);
      let loader = loaders.get(key);
      if (!loader) {
        loader = new DataLoader(async (codes) => {
          const a = access();
          const streets = a.effect === 'ALLOW' ? a.streets : [];
          const found = await store.eventsByEntity(column, codes, { ...filter, streets });
          return codes.map((c) => found.get(c) ?? []);
        });
        loaders.set(key, loader);
      }
      return loader;
    },
  };
}

/** The policy's ALLOW for this request, or a FORBIDDEN error saying why not and what to do. */
function allowed(ctx: FutianContext, field: string, codes: readonly string[] = []): Extract<GridAccess, { effect: 'ALLOW' }> {
  const a = ctx.access();
  if (a.effect === 'ALLOW') return a;
  ctx.log.info({ field, rule: a.rule, subject: ctx.subject.username }, `${ctx.platform.slug}: grid events denied`);
  ctx.trail.denied(a.rule, field, a.reason, codes);
  throw new CityCodeError('FORBIDDEN', `Not allowed to read ${field}: ${a.reason}`, a.hint, { field, policy: a.rule, service: ctx.platform.slug });
}

interface PageArgs {
  status?: string | null;
  first?: number | null;
}

function filterOf(args: PageArgs): Omit<EventFilter, 'streets'> {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST) {
    throw badInput(`first must be between 1 and ${MAX_FIRST}, got ${first}`, `Ask for at most ${MAX_FIRST} events at a time.`, { argument: 'first' });
  }
  return { status: args.status ?? null, first };
}

/** Records the events a request gets as read (the persons and buildings they are about). */
function readEvents<T extends GridEventRow | null | readonly GridEventRow[]>(ctx: FutianContext, rule: string, events: T): T {
  const list = events === null ? [] : Array.isArray(events) ? (events as readonly GridEventRow[]) : [events as GridEventRow];
  if (list.length) ctx.trail.read(rule, typeName(ctx.platform, 'GridEvent'), list.flatMap((e) => [e.personCode, e.buildingCode]));
  return events;
}

/** A representation's city code, checked (22 characters, valid check digit, the right kind). */
function referenceCode(ref: { code?: unknown }, kind: 'OBJECT' | 'PERSON', typename: string): { code: string } {
  const parsed = typeof ref.code === 'string' ? parseCityCode(ref.code) : null;
  if (!parsed?.ok || parsed.value.kind !== kind) {
    throw badInput(`a ${typename} representation needs the city code of a ${kind.toLowerCase()}`, 'Send { __typename, code } with a valid 22-character city code.', {
      argument: 'representations',
    });
  }
  return { code: parsed.value.code };
}

/** The resolvers of a district's subgraph, under its type and field names. */
export function resolversFor(p: DistrictPlatform): GraphQLResolverMap<FutianContext> {
  const events = fieldName(p, 'gridEvents');
  const event = fieldName(p, 'gridEvent');
  const eventType = typeName(p, 'GridEvent');
  return {
    Query: {
      [events]: async (_root: unknown, args: PageArgs, ctx: FutianContext) => {
        const a = allowed(ctx, `Query.${events}`);
        return readEvents(ctx, a.rule, await ctx.store.recentEvents({ ...filterOf(args), streets: a.streets }));
      },
      [event]: async (_root: unknown, args: { id: string }, ctx: FutianContext) => {
        const a = allowed(ctx, `Query.${event}`);
        return readEvents(ctx, a.rule, await ctx.store.eventById(args.id, a.streets));
      },
    },
    CityObject: {
      // async: a bad representation fails its own list item, not the whole _entities field.
      __resolveReference: async (ref: { code?: unknown }) => referenceCode(ref, 'OBJECT', 'CityObject'),
      [events]: async (obj: { code: string }, args: PageArgs, ctx: FutianContext) => {
        const a = allowed(ctx, `CityObject.${events}`, [obj.code]);
        return readEvents(ctx, a.rule, await ctx.events('building_code', filterOf(args)).load(obj.code));
      },
    },
    Person: {
      __resolveReference: async (ref: { code?: unknown }) => referenceCode(ref, 'PERSON', 'Person'),
      [events]: async (obj: { code: string }, args: PageArgs, ctx: FutianContext) => {
        const a = allowed(ctx, `Person.${events}`, [obj.code]);
        return readEvents(ctx, a.rule, await ctx.events('person_code', filterOf(args)).load(obj.code));
      },
    },
    [eventType]: {
      categoryLabel: (e: GridEventRow) => CATEGORY_LABELS[e.category] ?? e.category,
      handler: (e: GridEventRow, _args: unknown, ctx: FutianContext) => {
        const a = allowed(ctx, `${eventType}.handler`);
        ctx.trail.read(a.rule, `${eventType}.handler`, [e.personCode, e.buildingCode], a.handler !== 'CLEAR');
        return a.handler === 'CLEAR' ? e.handler : applyMask(e.handler, 'NAME');
      },
      building: (e: GridEventRow) => (e.buildingCode ? { __typename: 'CityObject', code: e.buildingCode } : null),
      person: (e: GridEventRow) => (e.personCode ? { __typename: 'Person', code: e.personCode } : null),
    },
  } as GraphQLResolverMap<FutianContext>;
}

export const resolvers: GraphQLResolverMap<FutianContext> = resolversFor(FUTIAN);
