import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { badInput, CityCodeError } from '../core/errors';
import { LEVELS, type Level } from '../core/subject';
import { DOMAINS, isDomain } from '../domain/model';
import { kindOfCode } from '../domain/modelIndex';
import { refreshCatalogue } from '../ingest/catalogue';
import { requireSteward } from '../policy/roles';
import { RELEASED_AS } from '../policy/release';
import { catalogueEntries, searchCatalogue, type CatalogueEntry, type CatalogueKind } from '../sharing/catalogue';
import type { RequestContext } from './context';
import { CatalogueEntryType, CatalogueKindEnum, CataloguePageType } from './types/catalogue';

/**
 * 数据资源目录 (the data supermarket's shelves): every entity kind, attribute and dataset with its
 * department, topic, domain, level, authoritative source, cadence, freshness, quality and row
 * counts, for every signed-in user. A description of data above what the caller may read anywhere
 * is withheld by the release gate (the entry itself stays visible, so it can be asked for).
 */
const PAGE_DEFAULT = 20;
const PAGE_MAX = 100;

function requireSignedIn(ctx: RequestContext): void {
  if (ctx.subject.anonymous) {
    throw new CityCodeError('UNAUTHENTICATED', 'The catalogue is for signed-in users', 'Send a Keycloak access token (Authorization: Bearer …); docs/identity.md.');
  }
}

function toEntryType(e: CatalogueEntry): CatalogueEntryType {
  return {
    ...e,
    kind: e.kind as CatalogueKindEnum,
    domainLabel: isDomain(e.domain) ? DOMAINS[e.domain].label : e.domain,
    [RELEASED_AS]: { description: { at: {}, metadata: { domain: e.domain, level: e.level } } },
  };
}

function encodeAfter(rank: number, key: string): string {
  return Buffer.from(`cat|${rank}|${key}`, 'utf8').toString('base64url');
}

function decodeAfter(after: string | null): { rank: number; key: string } | null {
  if (!after) return null;
  const [tag, rank, ...key] = Buffer.from(after, 'base64url').toString('utf8').split('|');
  if (tag !== 'cat' || !/^[0-4]$/.test(rank ?? '') || key.length === 0) {
    throw badInput('after is not a cursor of the catalogue', 'Pass endCursor of the previous catalogue page, unchanged.', { argument: 'after' });
  }
  return { rank: Number(rank), key: key.join('|') };
}

@Resolver()
export class CatalogueResolver {
  @Query(() => CataloguePageType, { description: '数据资源目录: 按名称、说明、同义词 (中文)、目录编码或城市码检索; 可按类别、数据域、部门、级别、主题筛选 (登录用户)' })
  async catalogue(
    @Arg('search', () => String, { nullable: true, description: '检索词: 中文名称、同义词、说明、目录编码 (如 Person.phone) 或一个城市码' }) search: string | null,
    @Arg('kind', () => CatalogueKindEnum, { nullable: true }) kind: CatalogueKindEnum | null,
    @Arg('domain', () => String, { nullable: true, description: '数据域, 如 POPULATION' }) domain: string | null,
    @Arg('department', () => String, { nullable: true, description: '部门代码, 如 SZ-GAJ' }) department: string | null,
    @Arg('level', () => String, { nullable: true, description: 'L1-L4' }) level: string | null,
    @Arg('topic', () => String, { nullable: true }) topic: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<CataloguePageType> {
    requireSignedIn(ctx);
    const n = first ?? PAGE_DEFAULT;
    if (!Number.isInteger(n) || n < 1 || n > PAGE_MAX) throw badInput(`first must be 1..${PAGE_MAX}`, `Ask for at most ${PAGE_MAX} entries per page.`, { argument: 'first' });
    if (domain !== null && domain !== undefined && !isDomain(domain)) throw badInput(`domain ${domain.slice(0, 40)} is unknown`, `Use one of ${Object.keys(DOMAINS).join(', ')}.`, { argument: 'domain' });
    if (level !== null && level !== undefined && !(LEVELS as readonly string[]).includes(level)) throw badInput(`level ${level.slice(0, 10)} is unknown`, 'Use L1, L2, L3 or L4.', { argument: 'level' });
    const text = search?.trim().slice(0, 100) || null;
    // A city code finds what the catalogue says about its entity's kind.
    const codeKind = text ? kindOfCode(text) : null;
    const page = await searchCatalogue(ctx.stores.sql, {
      search: codeKind ? null : text,
      entityKind: codeKind ?? null,
      kind: (kind as CatalogueKind | null) ?? null,
      domain: domain ?? null,
      department: department ?? null,
      level: (level as Level | null) ?? null,
      topic: topic ?? null,
      after: decodeAfter(after ?? null),
      first: n,
    });
    const nodes = page.entries.slice(0, n);
    const last = nodes[nodes.length - 1];
    return { totalCount: page.total, nodes: nodes.map(toEntryType), hasNextPage: page.entries.length > n, endCursor: last ? encodeAfter(last.rank, last.key) : null };
  }

  @Query(() => CatalogueEntryType, { nullable: true, description: '一个目录条目 (登录用户)' })
  async catalogueEntry(@Arg('key', () => String) key: string, @Ctx() ctx: RequestContext): Promise<CatalogueEntryType | null> {
    requireSignedIn(ctx);
    const [entry] = await catalogueEntries(ctx.stores.sql, [key]);
    return entry ? toEntryType(entry) : null;
  }

  @Mutation(() => Int, { description: '重建数据资源目录 (仅数据管家; 入库和登记后自动进行)' })
  async refreshCatalogue(@Ctx() ctx: RequestContext): Promise<number> {
    requireSteward(ctx.subject, 'Refreshing the catalogue');
    return refreshCatalogue(ctx.stores, ctx.release.policy);
  }
}
