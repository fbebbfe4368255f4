import { createHmac } from 'node:crypto';
import { buildSchema, execute, GraphQLSchema, parse } from 'graphql';
import { fromRoot } from '../../core/paths';
import { ANONYMOUS, type Subject } from '../../core/subject';
import { piiKeys } from '../../domain/pii';
import { loadPolicy, policyToFiles } from '../../policy/engine';
import { forgetDecisions } from '../../policy/decisions';
import type { Policy } from '../../policy/model';
import { Release, RELEASED_AS } from '../../policy/release';
import { guardSchema, unclassifiedFields } from '../../resolvers/guard';
import { buildCitySchemaSync } from '../../resolvers/schema';
import { loadPolicyDir, shenzhenStreetCodes } from '../../store/policy';

/**
 * The release gate (policy/release.ts) against the repository's policy: per-row decisions, masks,
 * denials that never produce the value, fail-closed on fields the catalogue does not know, the audit
 * it keeps; and the field guard's start-up check (resolvers/guard.ts).
 */
const NOW = new Date('2026-12-03T10:00:00+08:00');
let policy: Policy;
beforeAll(() => {
  policy = loadPolicyDir();
});
beforeEach(() => forgetDecisions());

function officer(department: string, clearance: Subject['clearance'] = 'L3', username = `t.${department}`): Subject {
  return { ...ANONYMOUS, id: username, username, department, departmentName: department, clearance, anonymous: false };
}

const emergency = officer('SZ-YJGLJ');
/** A row in 大鹏街道 (managed by 大鹏新区 440399) and one in 福田. */
const DAPENG = { districtCode: '440399', streetCode: '440307010' };
const FUTIAN = { districtCode: '440304', streetCode: '440304001' };
const PHONE = '13812345678';

describe('per-row decisions', () => {
  it('a grant narrower than the row scope applies to exactly its rows, in one request', () => {
    const r = new Release(policy, emergency, 'EMERGENCY', NOW);
    const rule = r.rule('Person.phone');
    expect(rule.rowDependent).toBe(true);
    expect(r.release('Person.phone', { code: 'dapeng', props: DAPENG }, PHONE)).toBe(PHONE);
    expect(r.release('Person.phone', { code: 'futian', props: FUTIAN }, PHONE)).toBe('138****5678');
    expect(rule.forRow(DAPENG).policy).toBe(`yjglj-population-dapeng@${policy.version}`);
    expect(rule.forRow(FUTIAN)).toMatchObject({ effect: 'MASK', mask: 'PHONE', policy: `yjglj-population@${policy.version}` });
    // For every row at once (filters, counts) only the city-wide grant counts: the field is masked.
    expect(rule.decision).toMatchObject({ effect: 'MASK', mask: 'PHONE' });
    expect(() => r.assertCanUse('Person.phone', 'filter')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN_FILTER' }) }));
  });

  it('a row outside every grant that covers a relation gets it denied, a row inside gets it', () => {
    const r = new Release(policy, emergency, 'EMERGENCY', NOW);
    expect(r.mayRead('Person.residence')).toBe(true);
    expect(r.release('Person.residence', { code: 'dapeng', props: DAPENG }, () => 'target')).toBe('target');
    let produced = false;
    expect(() =>
      r.release('Person.residence', { code: 'futian', props: FUTIAN }, () => {
        produced = true;
        return 'target';
      }),
    ).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN_FIELD', field: 'Person.residence', requiredLevel: 'L3' }) }));
    expect(produced).toBe(false);
  });

  it('a row without a region (the city itself) gets what grants of the whole city give', () => {
    const r = new Release(policy, emergency, 'EMERGENCY', NOW);
    expect(r.release('Person.phone', { props: {} }, PHONE)).toBe('138****5678');
  });

  it('decisions that hold for every row are not row-dependent', () => {
    const r = new Release(policy, officer('SZ-GAJ', 'L4'), 'PUBLIC_SECURITY', NOW);
    expect(r.rule('Person.phone').rowDependent).toBe(false);
    expect(r.rowDependent('Person.idNumber')).toBe(false);
  });
});

describe('the release function', () => {
  it('fails closed: a field the catalogue does not classify is denied, naming the missing entry', () => {
    const r = new Release(policy, officer('SZ-ZSJ', 'L4'), 'DATA_GOVERNANCE', NOW);
    let produced = false;
    expect(() =>
      r.release('Person.shoeSize', { code: 'x' }, () => {
        produced = true;
        return 42;
      }),
    ).toThrow(
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'UNCLASSIFIED_FIELD', field: 'Person.shoeSize', missing: 'catalogue.json fields["Person.shoeSize"]' }),
      }),
    );
    expect(produced).toBe(false);
    expect(r.mayRead('Person.shoeSize')).toBe(false);
    expect(r.auditEntries({ hash: 'h' })).toEqual([expect.objectContaining({ decision: 'DENY', fields: ['Person.shoeSize'], policy: `unclassified@${policy.version}` })]);
  });

  it('a value inside a larger answer is null when denied, and the denial is still recorded', () => {
    const r = new Release(policy, ANONYMOUS, null, NOW);
    expect(r.release('Person.phone', { code: 'p1' }, PHONE, 'null')).toBeNull();
    expect(r.auditEntries({ hash: 'h' })).toEqual([expect.objectContaining({ decision: 'DENY', entityCodes: ['p1'], fields: ['Person.phone'] })]);
  });

  it('masks text, withholds a masked number, passes L1 reads without an audit entry', async () => {
    const r = new Release(policy, officer('SZ-SCJGJ'), 'MARKET_SUPERVISION', NOW);
    expect(r.release('Person.phone', { code: 'p1' }, PHONE)).toBe('138****5678');
    await expect(r.release('Person.phone', { code: 'p2' }, async () => '13912345678')).resolves.toBe('139****5678');
    expect(r.release('Person.phone', { code: 'p3' }, 42)).toBeNull();
    expect(r.release('Enterprise.name', { code: 'e1' }, '深圳某公司')).toBe('深圳某公司');
    const entries = r.auditEntries({ hash: 'h', name: 'Op' });
    expect(entries).toEqual([expect.objectContaining({ decision: 'MASK', fields: ['Person.phone'], entityCodes: ['p1', 'p2', 'p3'], operationName: 'Op' })]);
  });

  it('HASH masks with the masking key: stable, 64 hex, not the look-up HMAC of the value', () => {
    const files = policyToFiles(policy) as unknown as { grants: { grants: { id: string; masks: Record<string, unknown> }[] } };
    files.grants.grants.find((g) => g.id === 'gaj-population')!.masks['Person.phone'] = 'HASH';
    const hashing = loadPolicy(files as never, { knownStreetCodes: shenzhenStreetCodes() });
    const r = new Release(hashing, officer('SZ-GAJ', 'L4'), 'PUBLIC_SECURITY', NOW);
    const first = r.release('Person.phone', { code: 'p1' }, PHONE) as string;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(r.release('Person.phone', { code: 'p2' }, PHONE)).toBe(first);
    expect(first).toBe(createHmac('sha256', piiKeys().maskingKey).update(PHONE).digest('hex'));
    expect(first).not.toBe(createHmac('sha256', piiKeys().hmacKey).update(PHONE).digest('hex'));
  });

  it('an older policy version that does not know a kind shows none of its rows', () => {
    const v2 = loadPolicyDir(fromRoot('policies', 'v2'));
    const r = new Release(v2, officer('SZ-ZSJ', 'L4'), 'DATA_GOVERNANCE', NOW);
    expect(r.graphScope().kinds.PublicFacility).toEqual({ kind: 'NONE' });
    expect(r.graphScope().kinds.Person).toEqual({ kind: 'ALL' });
    expect(() => r.release('PublicFacility.name', { code: 'f' }, 'x')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNCLASSIFIED_FIELD' }) }));
  });
});

describe('the field guard refuses a schema with a field that has no decision', () => {
  it('every field of the city schema is classified, an attribute value, or structural', () => {
    expect(unclassifiedFields(buildCitySchemaSync())).toEqual([]);
  });

  it('refuses an entity field the model does not classify and an output type it does not know', () => {
    const schema = buildSchema(`
      type Person { code: ID! shoeSize: Int }
      type Secret { value: String }
      type Query { person: Person secret: Secret }
    `);
    expect(unclassifiedFields(schema)).toEqual(['Person.shoeSize', 'Secret.value']);
    expect(() => guardSchema(schema)).toThrow(/refusing to serve 2 schema field\(s\) .*Person\.shoeSize, Secret\.value/);
  });

  it('an attribute value whose answer does not say which attribute is refused, one that does is released as it', async () => {
    const schema: GraphQLSchema = guardSchema(
      buildSchema(`
        type ConflictType { id: ID! valueA: String valueB: String }
        type Query { conflict: ConflictType }
      `),
    );
    const run = (conflict: unknown) =>
      execute({ schema, document: parse('{ conflict { id valueA valueB } }'), rootValue: { conflict }, contextValue: { release: new Release(policy, officer('SZ-SCJGJ'), null, NOW) } });
    const bare = await run({ id: 'c1', valueA: PHONE, valueB: PHONE });
    expect(bare.data).toEqual({ conflict: { id: 'c1', valueA: null, valueB: null } });
    expect(bare.errors?.map((e) => e.extensions.code)).toEqual(['UNCLASSIFIED_FIELD', 'UNCLASSIFIED_FIELD']);
    const value = { key: 'Person.phone', at: { code: 'p1' }, onDeny: 'null' };
    const described = await run({ id: 'c1', valueA: PHONE, valueB: '13900000000', [RELEASED_AS]: { valueA: value, valueB: value } });
    expect(described.errors).toBeUndefined();
    expect(described.data).toEqual({ conflict: { id: 'c1', valueA: '138****5678', valueB: '139****0000' } });
  });
});
