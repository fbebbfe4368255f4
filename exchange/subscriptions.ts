/**
 * A subscriber's stream through the release gate (实时推送): each event of the feed is released as
 * the subscriber may see it at the moment it is delivered — the caller's claims rechecked (a
 * disabled user or removed role stops the stream), the policy in force (a grant approved or revoked
 * a second ago applies), the row scope (rows outside it are not delivered, not even their code), the
 * fields (an event whose changed attributes the caller may not read is not delivered; those it may
 * read are listed) — and the values of its entity are then released field by field by the same
 * field guard as every query (resolvers/guard.ts), reads recorded in the audit chain per event.
 */
import type { Subject } from '../core/subject';
import { badInput, CityCodeError } from '../core/errors';
import { isCityCode } from '../domain/citycode';
import { KINDS, KIND_NAMES } from '../domain/model';
import { datasetsByIds } from '../graph/datasets';
import type { Policy } from '../policy/model';
import { regionOf, Release } from '../policy/release';
import type { QueryContext } from '../query/context';
import { createLoaders } from '../query/loaders';
import type { ChangeFilter } from '../sharing/changes';
import type { Stores } from '../store/stores';
import { decodeCursor, encodeCursor, openStream, streamKey, type ChangeFeed } from './feed';

/** What a delivered event holds: the change and its entity (released by the entity types' fields). */
export interface ReleasedChange {
  cursor: string;
  id: string;
  at: string;
  code: string;
  kind: string;
  domain: string;
  dataset: string | null;
  source: string;
  /** The changed attributes the subscriber may read (catalogue keys). */
  fields: string[];
  entity: { __typename: string; code: string; props: Record<string, unknown> };
}

/** The live side of a subscriber: rechecked claims, the policy in force, where its reads are recorded. */
export interface LiveCaller {
  /** The caller's claims now (token rechecked with Keycloak, at most every TOKEN_RECHECK_MS); throws when no longer valid. */
  subject(): Promise<Subject>;
  purpose: string | null;
  policy(): Policy;
  /** Records the reads and denials of one delivered event (the audit chain). */
  record(release: Release): void;
  enforcement: boolean;
  /** Makes the unrestricted release of POLICY_ENFORCEMENT=off (benchmarks only). */
  unrestricted(policy: Policy, subject: Subject): Release;
}

const MAX_CODES = 1000;
const FILTER_HINT = 'Subscribe with codes (city codes), a region (6-digit district or 9-digit street), a dataset id, or a domain.';

/** Checks a subscription's arguments; bad input is refused before anything is registered. */
export async function checkFilter(stores: Stores, filter: ChangeFilter): Promise<ChangeFilter> {
  const f: ChangeFilter = {
    codes: filter.codes ?? null,
    domain: filter.domain ?? null,
    dataset: filter.dataset ?? null,
    region: filter.region ?? null,
  };
  if (!f.codes && !f.domain && !f.dataset && !f.region) throw badInput('a change stream needs a filter', FILTER_HINT, { argument: 'codes' });
  if (f.codes) {
    if (f.codes.length === 0 || f.codes.length > MAX_CODES) throw badInput(`codes takes 1-${MAX_CODES} city codes`, FILTER_HINT, { argument: 'codes' });
    const bad = f.codes.findIndex((c) => !isCityCode(c));
    if (bad >= 0) throw badInput(`${String(f.codes[bad]).slice(0, 40)} is not a city code`, 'Pass 22-character city codes (docs/city-code.md).', { argument: `codes[${bad}]` });
    f.codes = [...new Set(f.codes)];
  }
  if (f.region && !/^(\d{6}|\d{9})$/.test(f.region)) throw badInput('region is not a district or street code', 'Pass a 6-digit district or a 9-digit street code.', { argument: 'region' });
  if (f.domain && !KIND_NAMES.some((k) => KINDS[k].rowDomain === f.domain)) {
    throw badInput(`domain ${f.domain.slice(0, 40)} has no rows`, `Use a domain of the city model's rows: ${KIND_NAMES.map((k) => KINDS[k].rowDomain).join(', ')}.`, { argument: 'domain' });
  }
  if (f.dataset) {
    const found = await datasetsByIds(stores.graph, [f.dataset]);
    if (!found.has(f.dataset)) throw badInput(`dataset ${f.dataset.slice(0, 64)} is not registered`, 'Pass the id of a registered dataset (see the catalogue).', { argument: 'dataset' });
  }
  return f;
}

/** Kinds whose rows a region-filtered stream may select for this caller: filtering on a row's region is using its districtCode/streetCode. */
function regionKinds(release: Release, region: string): Set<string> {
  const key = region.length === 6 ? 'districtCode' : 'streetCode';
  return new Set(KIND_NAMES.filter((k) => release.policy.fields.has(`${k}.${key}`) && release.rule(`${k}.${key}`).decision.effect === 'ALLOW'));
}

/**
 * The released events of one subscription. `target` is the subscription's execution context: before
 * each event it gets the release, subject and loaders the event is released with.
 */
export async function releasedChanges(
  stores: Stores,
  feed: ChangeFeed,
  caller: LiveCaller,
  target: QueryContext & { subject: Subject },
  field: string,
  rawFilter: ChangeFilter,
  after: string | null,
): Promise<AsyncIterableIterator<ReleasedChange>> {
  const filter = await checkFilter(stores, rawFilter);
  const key = streamKey(field, filter);
  const afterId = after ? await decodeCursor(stores, key, after) : null;
  const first = makeRelease(caller, await caller.subject());
  if (filter.region && regionKinds(first, filter.region).size === 0) {
    throw new CityCodeError('FORBIDDEN_FILTER', `You may not select rows by region ${filter.region}`, 'Selecting by region uses the rows’ districtCode/streetCode, which your grants do not let you read in clear; subscribe by codes or dataset instead.', {
      argument: 'region',
    });
  }
  const stream = openStream(stores, feed, filter, afterId);

  async function* released(): AsyncGenerator<ReleasedChange> {
    try {
      for await (const event of stream) {
        const subject = await caller.subject();
        const release = makeRelease(caller, subject);
        const { change, entity } = event;
        if (!entity || !release.admitsRow(change.kind, entity.props)) continue;
        if (filter.region && !regionKinds(release, filter.region).has(change.kind)) continue;
        const row = regionOf(entity.props);
        const fields = change.fields.filter((k) => release.policy.fields.has(k) && release.decide(k, row).effect !== 'DENY');
        if (fields.length === 0) continue;
        target.release = release;
        target.subject = subject;
        target.loaders = createLoaders(stores, release.graphScope());
        yield {
          cursor: encodeCursor(key, change.id),
          id: String(change.id),
          at: change.at,
          code: change.code,
          kind: change.kind,
          domain: change.domain,
          dataset: change.dataset,
          source: change.source,
          fields,
          entity: { __typename: change.kind, code: entity.code, props: entity.props },
        };
        // Resumed once the event has been executed and sent: its reads are known.
        caller.record(release);
      }
    } finally {
      stream.close();
    }
  }
  const it = released();
  const finish = it.return.bind(it);
  it.return = (value?: unknown) => {
    stream.close();
    return finish(value as never);
  };
  return it;
}

export function makeRelease(caller: LiveCaller, subject: Subject): Release {
  const policy = caller.policy();
  return caller.enforcement ? new Release(policy, subject, caller.purpose) : caller.unrestricted(policy, subject);
}
