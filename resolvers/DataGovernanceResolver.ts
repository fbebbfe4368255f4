import { randomUUID } from 'node:crypto';
import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { badInput, CityCodeError } from '../core/errors';
import { LEVELS, Level } from '../core/subject';
import { piiKeys } from '../domain/pii';
import { KINDS, KIND_NAMES } from '../domain/model';
import { ATTRIBUTE_FIELDS, classifiedAs, kindOfLabels } from '../domain/modelIndex';
import { RELEASED_AS } from '../policy/release';
import { asEntity } from '../query/entities';
import { attributeProvenance, recordKeyAttribute, type ProvenanceValue } from '../query/provenance';
import { allDatasets, approveDatasetLevel, datasetsByIds, StoredDataset } from '../graph/datasets';
import { changedEntities, conflictByKey, ConflictRecord, listConflicts, listReviews, ReviewRecord, markReview, resolveConflict, sourceRecords, sourceRecordValues } from '../graph/governance';
import type { LineageNodeRecord } from '../graph/lineage';
import { ATTRIBUTES } from '../domain/datasets';
import { walkLineage } from '../ingest/lineage';
import { provenanceKey } from '../graph/provenanceRecord';
import { withDatasetLock } from '../store/locks';
import { loadDataset, processBatch, zero } from '../ingest/pipeline';
import { prepareRecord, PreparedRecord } from '../ingest/records';
import { datasetQuality, departmentQuality } from '../ingest/quality';
import { parseDatasetJson, register } from '../ingest/registry';
import { refreshCatalogue } from '../ingest/catalogue';
import { pendingOfBatch, publishChanges, resolutionChanges } from '../ingest/changes';
import { effectiveLevel } from '../domain/datasets';
import { requireSteward, STEWARD_ROLE } from '../policy/roles';
import { requireCityCode } from './codes';
import type { RequestContext } from './context';
import { recordGovernance } from './governanceAudit';
import { ProvenanceType } from './types/provenance';
import {
  ChangePageType,
  ConflictChoiceEnum,
  ConflictPageType,
  ConflictType,
  DatasetQualityType,
  DatasetRegistrationType,
  DatasetType,
  DepartmentQualityType,
  IngestResultType,
  LineageDirectionEnum,
  LineageNodeType,
  LineageType,
  ReviewCaseType,
  SourceRecordType,
} from './types/lineage';

/**
 * 数据治理 over ingested data: the dataset registry, lineage, conflicts (数据打架), the review
 * queue, quality, provenance and the change feed (数据回流). Governance views are for data
 * stewards; values inside them pass the same field decisions as the entity fields they come
 * from, and every entity row goes through the caller's row scope in Cypher. Changes are audited
 * as GOVERNANCE entries like changeGrant.
 */

function audit(ctx: RequestContext, operationName: string, args: unknown, fields: string[], entityCodes: string[], detail: Record<string, unknown>): void {
  recordGovernance(ctx, operationName, { key: args, purpose: ctx.release.purpose ?? 'DATA_GOVERNANCE', fields, entityCodes, policy: `${operationName}@${ctx.release.policy.version}`, detail });
}


function toDataset(d: StoredDataset): DatasetType {
  const def = d.definition;
  return {
    id: d.id,
    name: def.name,
    department: def.department,
    departmentName: d.departmentName,
    topic: def.topic,
    domain: def.domain,
    level: d.level,
    declaredLevel: def.level,
    inheritedLevel: d.inheritedLevel,
    approvedLevel: d.approvedLevel,
    cadenceDays: def.cadenceDays,
    entity: def.entity,
    authoritative: def.authoritative,
    fields: def.fields.map((f) => ({ name: f.name, type: f.type, attribute: f.attribute, label: f.label })),
    derivedFrom: def.derivedFrom,
    registeredAt: d.registeredAt,
    description: def.description,
  };
}

function toNode(n: LineageNodeRecord): LineageNodeType {
  const p = n.props;
  const kind = n.labels.includes('Dataset') ? 'DATASET' : n.labels.includes('DatasetField') ? 'FIELD' : n.labels.includes('Indicator') ? 'INDICATOR' : 'ATTRIBUTE';
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    id: n.lid,
    kind,
    name: str(kind === 'DATASET' ? p.name ?? p.id : kind === 'FIELD' ? `${String(p.dataset)}.${String(p.name)}` : p.key) ?? n.lid,
    label: str(p.label) ?? str(p.topic),
    department: str(p.department),
    departmentName: str(p.departmentName),
    level: str(p.level),
    placeholder: p.placeholder === true,
  };
}

/** A conflict with both values raw: the release gate serves each as the attribute of the entity's row (null when denied). */
function toConflict(c: ConflictRecord): ConflictType {
  const at = { code: c.entity, row: c.region };
  const value = { key: classifiedAs(c.attribute), at, onDeny: 'null' as const };
  return {
    id: c.key,
    entity: c.entity,
    entityType: c.entityType,
    attribute: c.attribute,
    valueA: c.valueA,
    datasetA: c.datasetA,
    recordA: c.recordA,
    atA: c.atA ?? null,
    valueB: c.valueB,
    datasetB: c.datasetB,
    recordB: c.recordB,
    atB: c.atB ?? null,
    winnerDataset: c.winnerDataset,
    rule: c.rule,
    status: c.status,
    resolvedBy: c.resolvedBy ?? null,
    resolution: c.resolution ?? null,
    createdAt: c.createdAt,
    [RELEASED_AS]: { valueA: value, valueB: value },
  };
}

/**
 * A review case with its record's values raw: they are the candidate's attributes, each released
 * by the gate as that attribute of the candidate's row, and so is the record key when it is one.
 */
function toReviewCase(r: Omit<ReviewRecord, 'values'> & { values: string | null }, dataset: StoredDataset | null): ReviewCaseType {
  const at = { code: r.candidate, row: r.region };
  const recordAttribute = recordKeyAttribute(dataset);
  return {
    id: r.key,
    dataset: r.dataset,
    recordKey: r.recordKey,
    line: r.line,
    candidate: r.candidate,
    score: r.score,
    status: r.status,
    values: r.values,
    [RELEASED_AS]: { values: { at }, recordKey: recordAttribute ? { key: recordAttribute, at, onDeny: 'null' } : null },
  };
}

const PAGE_MAX = 500;

/** The row domains of the city model's kinds: what the change feed is asked by. */
const ROW_DOMAINS: readonly string[] = KIND_NAMES.map((k) => KINDS[k].rowDomain);

function page(first: number | null | undefined, fallback = 50): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > PAGE_MAX) throw badInput(`first must be 1..${PAGE_MAX}`, `Ask for at most ${PAGE_MAX} items per page.`, { argument: 'first' });
  return n;
}

@Resolver()
export class DataGovernanceResolver {
  @Query(() => [DatasetType], { description: '数据资源目录: 已登记的数据集 (仅数据管家)' })
  async datasets(@Ctx() ctx: RequestContext): Promise<DatasetType[]> {
    requireSteward(ctx.subject, 'The dataset registry');
    return (await allDatasets(ctx.stores.graph)).map(toDataset);
  }

  @Query(() => DatasetType, { nullable: true, description: '一个数据集 (仅数据管家)' })
  async dataset(@Arg('id', () => String) id: string, @Ctx() ctx: RequestContext): Promise<DatasetType | null> {
    requireSteward(ctx.subject, 'The dataset registry');
    const d = (await datasetsByIds(ctx.stores.graph, [id])).get(id);
    return d ? toDataset(d) : null;
  }

  @Query(() => LineageType, { description: '血缘: 数据集、字段或属性 (如 Person.residence) 的上游/下游, 含跳数; 深度默认 3, 最多 10 (仅数据管家)' })
  async lineage(
    @Arg('node', () => String, { description: '数据集 id、dataset:/field:/attribute: 节点, 或 Person.residence 这样的属性' }) node: string,
    @Arg('direction', () => LineageDirectionEnum, { defaultValue: LineageDirectionEnum.UPSTREAM }) direction: LineageDirectionEnum,
    @Arg('depth', () => Int, { nullable: true }) depth: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<LineageType> {
    requireSteward(ctx.subject, 'Lineage');
    const r = await walkLineage(ctx.stores.graph, node, { direction, depth });
    return {
      root: r.root ? toNode(r.root) : null,
      entries: r.entries.map((e) => ({ node: toNode(e.node), hops: e.hops, direction: e.direction as LineageDirectionEnum, via: e.via, relation: e.relation, job: e.job })),
      authoritativeSources: r.authoritative.map(toNode),
      partial: r.partial,
      depth: r.depth,
    };
  }

  @Query(() => ConflictPageType, { description: '数据打架清单 (仅数据管家; 值按调用方授权脱敏)' })
  async conflicts(
    @Arg('status', () => String, { nullable: true, defaultValue: 'OPEN', description: 'OPEN / RESOLVED; null = 全部' }) status: string | null,
    @Arg('dataset', () => String, { nullable: true }) dataset: string | null,
    @Arg('entity', () => String, { nullable: true }) entity: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ConflictPageType> {
    requireSteward(ctx.subject, 'The conflict list');
    const n = page(first);
    const { rows, total } = await listConflicts(
      ctx.stores.graph,
      { status: status ?? null, dataset: dataset ?? null, entity: entity ? requireCityCode(entity, 'entity') : null, after: after ?? null, first: n },
      ctx.release.graphScope(),
    );
    return { totalCount: total, nodes: rows.map(toConflict), endCursor: rows.length === n ? rows[rows.length - 1].key : null };
  }

  @Mutation(() => ConflictType, { description: '裁决数据打架: 采用 A 或 B 的值 (仅数据管家; 留痕)' })
  async resolveConflict(
    @Arg('id', () => String) id: string,
    @Arg('choose', () => ConflictChoiceEnum) choose: ConflictChoiceEnum,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ConflictType> {
    requireSteward(ctx.subject, 'Resolving conflicts');
    if (reason.trim() === '') throw badInput('A resolution needs a reason', 'Say why this value is right (核实依据).', { argument: 'reason' });
    const c = await conflictByKey(ctx.stores.graph, id, ctx.release.graphScope());
    if (!c) throw new CityCodeError('NOT_FOUND', `conflict ${id.slice(0, 80)} does not exist`, 'List conflicts with the conflicts query and pass an id from it.', { argument: 'id' });
    const spec = ATTRIBUTES[c.attribute];
    const [value, dataset, record, at] = choose === ConflictChoiceEnum.A ? [c.valueA, c.datasetA, c.recordA, c.atA] : [c.valueB, c.datasetB, c.recordB, c.atB];
    const typed: string | number = ATTRIBUTE_FIELDS.get(spec.classifiedAs)?.decl.type === 'Int' ? Number(value) : value;
    const stored = await datasetsByIds(ctx.stores.graph, [dataset]);
    const now = new Date().toISOString();
    const pending = pendingOfBatch(`batch:${randomUUID()}`, resolutionChanges(c, dataset));
    await resolveConflict(ctx.stores.graph, {
      key: c.key,
      property: spec.kind === 'property' ? spec.target : null,
      relation: spec.kind === 'relation' ? spec.target : null,
      value: typed,
      provenanceKey: provenanceKey(c.attribute),
      provenance: JSON.stringify({ dataset, record, at, authoritative: stored.get(dataset)?.definition.authoritative.includes(c.attribute) ?? false, resolvedBy: ctx.subject.username }),
      resolvedBy: ctx.subject.username,
      resolution: `${choose}: ${reason}`,
      now,
      pending,
    });
    await publishChanges(ctx.stores, pending);
    audit(ctx, 'resolveConflict', { id, choose }, [classifiedAs(c.attribute)], [c.entity], { conflict: c.key, choose, dataset, reason });
    return toConflict({ ...c, status: 'RESOLVED', resolvedBy: ctx.subject.username, resolution: `${choose}: ${reason}`, winnerDataset: dataset });
  }

  @Query(() => [ReviewCaseType], { description: '疑似匹配复核队列 (仅数据管家)' })
  async reviewQueue(
    @Arg('status', () => String, { nullable: true, defaultValue: 'OPEN' }) status: string | null,
    @Arg('dataset', () => String, { nullable: true }) dataset: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ReviewCaseType[]> {
    requireSteward(ctx.subject, 'The review queue');
    const rows = await listReviews(ctx.stores.graph, { status: status ?? null, dataset: dataset ?? null, first: page(first) }, ctx.release.graphScope());
    const datasets = await datasetsByIds(ctx.stores.graph, [...new Set(rows.map((r) => r.dataset))]);
    return rows.map((r) => toReviewCase({ ...r, values: r.values ?? '{}' }, datasets.get(r.dataset) ?? null));
  }

  @Mutation(() => ReviewCaseType, { description: '复核疑似匹配: 接受 (并入候选实体) 或拒绝 (赋新码) (仅数据管家; 留痕)' })
  async decideReview(
    @Arg('id', () => String) id: string,
    @Arg('accept', () => Boolean) accept: boolean,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ReviewCaseType> {
    requireSteward(ctx.subject, 'Deciding reviews');
    const [rc] = await listReviews(ctx.stores.graph, { status: 'OPEN', dataset: null, key: id, first: 1 }, ctx.release.graphScope());
    if (!rc) throw new CityCodeError('NOT_FOUND', `no open review case ${id.slice(0, 80)}`, 'List open cases with reviewQueue and pass an id from it.', { argument: 'id' });
    const dataset = await loadDataset(ctx.stores, rc.dataset);
    const sr = await sourceRecordValues(ctx.stores.graph, id);
    if (!sr) throw new CityCodeError('NOT_FOUND', `source record ${id.slice(0, 80)} is gone`, 'Ingest the file again.', { argument: 'id' });
    const values = JSON.parse(sr.values) as Record<string, string | number>;
    const record: PreparedRecord = {
      line: sr.line,
      recordKey: rc.recordKey,
      hash: sr.hash,
      time: sr.time,
      identifiers: [],
      citizenId: null,
      values: Object.fromEntries(Object.entries(values).filter(([k]) => ATTRIBUTES[k]?.kind === 'property')),
      relations: Object.fromEntries(
        Object.entries(values)
          .filter(([k]) => ATTRIBUTES[k]?.kind === 'relation')
          .map(([k, v]) => [k, { scheme: ATTRIBUTES[k].scheme!, value: String(v) }]),
      ),
      lon: null,
      lat: null,
      filled: 0,
      mappable: 0,
    };
    const counts = zero();
    await processBatch(ctx.stores, dataset, [record], {
      now: new Date().toISOString(),
      checkpoint: null,
      counts,
      forced: new Map([[rc.recordKey, { code: accept ? rc.candidate : null, method: accept ? 'REVIEW' : 'REVIEW_NEW', score: rc.score }]]),
    });
    await markReview(ctx.stores.graph, id, accept ? 'ACCEPTED' : 'REJECTED', ctx.subject.username, reason);
    audit(ctx, 'decideReview', { id, accept }, [], [rc.candidate], { review: id, accept, reason, dataset: rc.dataset });
    return toReviewCase({ ...rc, status: accept ? 'ACCEPTED' : 'REJECTED', values: null }, dataset);
  }

  @Query(() => [SourceRecordType], { description: '数据集的源记录及其 MAPS_TO 边 (仅数据管家)' })
  async sourceRecords(
    @Arg('dataset', () => String) dataset: string,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('afterLine', () => Int, { nullable: true }) afterLine: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<SourceRecordType[]> {
    requireSteward(ctx.subject, 'Source records');
    const rows = await sourceRecords(ctx.stores.graph, dataset, page(first), afterLine ?? null, ctx.release.graphScope());
    const recordAttribute = recordKeyAttribute((await datasetsByIds(ctx.stores.graph, [dataset])).get(dataset) ?? null);
    return rows.map((r) => ({
      id: r.key,
      recordKey: r.recordKey,
      line: r.line,
      status: r.status,
      method: r.method,
      score: r.score,
      at: r.at,
      entityCode: r.code,
      registeredTo: r.registeredTo,
      // A record key that is an attribute's value (a house code) is released as that attribute.
      [RELEASED_AS]: { recordKey: recordAttribute ? { key: recordAttribute, at: { code: r.code ?? undefined, row: r.region }, onDeny: 'null' as const } : null },
    }));
  }

  @Query(() => [DatasetQualityType], { description: '数据集质量: 完整性、及时性、匹配率、数据打架、空间配准率 (仅数据管家)' })
  async datasetQuality(@Arg('dataset', () => String, { nullable: true }) dataset: string | null, @Ctx() ctx: RequestContext): Promise<DatasetQualityType[]> {
    requireSteward(ctx.subject, 'Data quality');
    return datasetQuality(ctx.stores.graph, dataset ?? null, new Date());
  }

  @Query(() => [DepartmentQualityType], { description: '部门数据质量 (仅数据管家)' })
  async departmentQuality(@Ctx() ctx: RequestContext): Promise<DepartmentQualityType[]> {
    requireSteward(ctx.subject, 'Data quality');
    return departmentQuality(ctx.stores.graph, new Date());
  }

  @Query(() => ProvenanceType, { nullable: true, description: '属性值的来源: 数据集、部门、记录、时间 (与该属性同样受授权约束)' })
  async provenance(
    @Arg('code', () => String) code: string,
    @Arg('attribute', () => String, { description: '属性名, 如 phone、residence (或 Person.phone)' }) attribute: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ProvenanceValue | null> {
    const c = requireCityCode(code);
    const record = await ctx.loaders.entity.load(c);
    const kind = record && kindOfLabels(record.labels);
    if (!record || !kind) return null;
    return attributeProvenance(ctx, kind, c, record.props, attribute);
  }

  @Query(() => ChangePageType, { description: '数据回流: 某区域某数据域自 since 起变更的实体, 按调用方授权和范围过滤' })
  async changes(
    @Arg('since', () => String, { description: 'ISO 时间' }) since: string,
    @Arg('domain', () => String, { description: 'POPULATION / LEGAL_ENTITY / SPATIAL' }) domain: string,
    @Arg('region', () => String, { nullable: true, description: '区 (6 位)、街道 (9 位) 或社区 (12 位) 代码' }) region: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: '上一页的 endCursor' }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ChangePageType> {
    if (!ROW_DOMAINS.includes(domain)) {
      throw badInput(`domain ${domain} has no rows`, `Use a domain of the city model's rows: ${KIND_NAMES.map((k) => `${KINDS[k].rowDomain} (${k})`).join(', ')}.`, { argument: 'domain' });
    }
    if (!Number.isFinite(Date.parse(since))) throw badInput('since is not an ISO date-time', 'Pass e.g. 2026-01-01T00:00:00Z.', { argument: 'since' });
    region = region ?? null;
    if (region !== null && !/^(\d{6}|\d{9}|\d{12})$/.test(region)) throw badInput('region is not a region code', 'Pass a 6, 9 or 12-digit region code.', { argument: 'region' });
    // Filtering on where a person lives is filtering on Person.districtCode (L2): it must be readable.
    if (region !== null && domain === 'POPULATION') ctx.release.assertCanUse('Person.districtCode', 'filter');
    let sinceIso = new Date(Date.parse(since)).toISOString();
    let afterCode: string | null = null;
    if (after) {
      const decoded = Buffer.from(after, 'base64url').toString('utf8').split('|');
      if (decoded.length !== 2 || !Number.isFinite(Date.parse(decoded[0]))) throw badInput('after is not a cursor of this feed', 'Pass the endCursor of the previous page.', { argument: 'after' });
      [sinceIso, afterCode] = decoded;
    }
    const n = page(first, 100);
    const rows = await changedEntities(ctx.stores.graph, { domain, since: sinceIso, afterCode, region: region ?? null, first: n + 1 }, ctx.release.graphScope());
    const nodes = rows.slice(0, n).map((r) => ({ code: r.code, changedAt: r.changedAt, entity: asEntity(r) }));
    const last = nodes[nodes.length - 1];
    return { nodes, hasNextPage: rows.length > n, endCursor: last ? Buffer.from(`${last.changedAt}|${last.code}`).toString('base64url') : null };
  }

  @Mutation(() => DatasetRegistrationType, { description: '登记或更新数据集 (仅数据管家; 留痕)' })
  async registerDataset(
    @Arg('definition', () => String, { description: '数据集定义 (JSON, 格式同 datasets/*.json)' }) definition: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: RequestContext,
  ): Promise<DatasetRegistrationType> {
    requireSteward(ctx.subject, 'Registering datasets');
    const def = parseDatasetJson(definition, ctx.release.policy);
    const r = await register(ctx.stores, ctx.release.policy, def, ctx.subject.username);
    audit(ctx, 'registerDataset', { id: def.id }, [`dataset:${def.id}`], [], { dataset: def.id, level: r.level, inheritedLevel: r.inheritedLevel, reason });
    await refreshCatalogue(ctx.stores, ctx.release.policy);
    return r;
  }

  @Mutation(() => DatasetType, { description: '批准派生数据集降低级别 (仅数据管家; 留痕)' })
  async approveDatasetLevel(
    @Arg('dataset', () => String) dataset: string,
    @Arg('level', () => String) level: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: RequestContext,
  ): Promise<DatasetType> {
    requireSteward(ctx.subject, 'Approving dataset levels');
    if (!(LEVELS as readonly string[]).includes(level)) throw badInput(`level ${level} is unknown`, 'Use L1..L4.', { argument: 'level' });
    if (reason.trim() === '') throw badInput('An approval needs a reason', 'Cite the review (脱敏/聚合评估) that justifies the lower level.', { argument: 'reason' });
    const d = await loadDataset(ctx.stores, dataset);
    const sources = await datasetsByIds(ctx.stores.graph, d.definition.derivedFrom.map((s) => s.dataset));
    const lv = effectiveLevel(d.definition.level, [...sources.values()].map((s) => s.level), level as Level);
    await approveDatasetLevel(ctx.stores.graph, dataset, { level: level as Level, effective: lv.level, approvedBy: ctx.subject.username, reason });
    audit(ctx, 'approveDatasetLevel', { dataset, level }, [`dataset:${dataset}`], [], { dataset, approved: level, effective: lv.level, inherited: lv.inherited, reason });
    await refreshCatalogue(ctx.stores, ctx.release.policy);
    return toDataset({ ...d, level: lv.level, approvedLevel: level as Level });
  }

  @Mutation(() => IngestResultType, { description: '小批量入库 (至多 1000 条 JSON 记录; 数据集所属部门或数据管家; 留痕)' })
  async ingestRecords(
    @Arg('dataset', () => String) dataset: string,
    @Arg('records', () => [String], { description: '每条一个 JSON 对象, 字段同数据集定义' }) records: string[],
    @Ctx() ctx: RequestContext,
  ): Promise<IngestResultType> {
    const d = await loadDataset(ctx.stores, dataset);
    if (ctx.subject.anonymous || (ctx.subject.department !== d.definition.department && !ctx.subject.roles.includes(STEWARD_ROLE))) {
      throw new CityCodeError('FORBIDDEN', `Only ${d.departmentName} or a data steward may ingest into ${dataset}`, 'Send the records with a token of the dataset’s department.', {
        dataset,
      });
    }
    if (records.length < 1 || records.length > 1000) throw badInput('send 1..1000 records per call', 'Use the ingest CLI for files.', { argument: 'records' });
    const { hmacKey } = piiKeys();
    const prepared: PreparedRecord[] = [];
    const rejections: string[] = [];
    const seen = new Set<string>();
    records.forEach((text, i) => {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        rejections.push(`${i + 1}: not valid JSON`);
        return;
      }
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        rejections.push(`${i + 1}: not a JSON object`);
        return;
      }
      const p = prepareRecord(d.definition, i + 1, raw as Record<string, unknown>, hmacKey);
      if (!p.ok) rejections.push(`${i + 1}: ${p.rejected.reason}`);
      else if (seen.has(p.record.recordKey)) rejections.push(`${i + 1}: duplicate record key ${p.record.recordKey}`);
      else {
        seen.add(p.record.recordKey);
        prepared.push(p.record);
      }
    });
    // Bad input never half-writes: any rejected record refuses the whole call.
    if (rejections.length) throw badInput(`${rejections.length} of ${records.length} records are invalid`, 'Fix the listed records and send the batch again.', { argument: 'records', rejections: rejections.slice(0, 100) });
    const counts = zero();
    counts.read = records.length;
    // Not while a file of the same dataset is being ingested (ingest/lock.ts).
    await withDatasetLock(ctx.stores.sql, dataset, () => processBatch(ctx.stores, d, prepared, { now: new Date().toISOString(), checkpoint: null, counts }));
    audit(ctx, 'ingestRecords', { dataset, n: records.length }, [`dataset:${dataset}`], [], { dataset, ...counts });
    await refreshCatalogue(ctx.stores, ctx.release.policy);
    return { dataset, read: counts.read, matched: counts.matched, new: counts.new, review: counts.review, unchanged: counts.unchanged, conflicts: counts.conflicts, rejected: 0, rejections };
  }
}
