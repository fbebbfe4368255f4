import { createHmac } from 'node:crypto';
import type { GraphQLResolveInfo } from 'graphql';
import { piiKeys } from '../../domain/pii';
import type { Decision } from '../../policy/model';
import type { RequestContext } from '../../resolvers/context';
import { guardResolver } from '../../resolvers/fieldGuard';

/** A request context whose only part the guard uses: a fixed decision and the audit bookkeeping. */
function contextDeciding(decision: Decision | null) {
  const reads: string[] = [];
  const denials: string[] = [];
  const access = {
    decide: () => decision,
    recordRead: (_d: Decision, field: string, code?: string) => reads.push(`${field}@${code}`),
    recordDenial: (_d: Decision, field: string, code?: string) => denials.push(`${field}@${code}`),
  };
  return { ctx: { access } as unknown as RequestContext, reads, denials };
}

const base: Decision = { effect: 'ALLOW', field: 'Person.phone', requiredLevel: 'L3', domain: 'POPULATION', policy: 'g@v1', reason: 'test' };
const info = {} as GraphQLResolveInfo;
const person = { code: '4403000100001531458426', phone: '13812345678' };

describe('field guard', () => {
  it('calls a structural field directly and stays synchronous', () => {
    const { ctx, reads } = contextDeciding(null);
    const resolve = guardResolver('Person.code', (root) => (root as typeof person).code);
    expect(resolve(person, {}, ctx, info)).toBe(person.code);
    expect(reads).toEqual([]);
  });

  it('masks text, withholds masked non-text, and records each read', async () => {
    const { ctx, reads } = contextDeciding({ ...base, effect: 'MASK', mask: 'PHONE' });
    expect(guardResolver('Person.phone', (root) => (root as typeof person).phone)(person, {}, ctx, info)).toBe('138****5678');
    await expect(guardResolver('Person.phone', async () => '13912345678')(person, {}, ctx, info)).resolves.toBe('139****5678');
    expect(guardResolver('Person.phone', () => 42)(person, {}, ctx, info)).toBeNull();
    expect(reads).toEqual(['Person.phone@4403000100001531458426', 'Person.phone@4403000100001531458426', 'Person.phone@4403000100001531458426']);
  });

  it('HASH masks with the masking key: stable, 64 hex, not the look-up HMAC of the value', () => {
    const { ctx } = contextDeciding({ ...base, effect: 'MASK', mask: 'HASH' });
    const resolve = guardResolver('Person.phone', (root) => (root as typeof person).phone);
    const first = resolve(person, {}, ctx, info) as string;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(resolve(person, {}, ctx, info)).toBe(first);
    expect(first).toBe(createHmac('sha256', piiKeys().maskingKey).update(person.phone).digest('hex'));
    expect(first).not.toBe(createHmac('sha256', piiKeys().hmacKey).update(person.phone).digest('hex'));
  });

  it('denies with FORBIDDEN_FIELD without calling the resolver', () => {
    const { ctx, denials } = contextDeciding({ ...base, effect: 'DENY' });
    let called = false;
    const resolve = guardResolver('Person.phone', () => {
      called = true;
      return 'x';
    });
    expect(() => resolve(person, {}, ctx, info)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN_FIELD', field: 'Person.phone' }) }));
    expect(called).toBe(false);
    expect(denials).toEqual(['Person.phone@4403000100001531458426']);
  });
});
