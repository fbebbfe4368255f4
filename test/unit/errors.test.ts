import { isPostgresUnavailable, unavailable } from '../../core/errors';

describe('UNAVAILABLE errors', () => {
  it('tells an exhausted connection pool (overload) from a database that is down', () => {
    const exhausted = new Error('timeout exceeded when trying to connect');
    expect(isPostgresUnavailable(exhausted)).toBe(true);
    const busy = unavailable('PostgreSQL', exhausted);
    expect(busy.extensions).toMatchObject({ code: 'UNAVAILABLE', service: 'PostgreSQL', reason: 'POOL_EXHAUSTED' });
    expect(busy.message).toBe('PostgreSQL is busy: no pooled connection became free in time');
    expect(String(busy.extensions.hint)).toMatch(/retry with a backoff/);

    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:55432'), { code: 'ECONNREFUSED' });
    expect(isPostgresUnavailable(refused)).toBe(true);
    const down = unavailable('PostgreSQL', refused);
    expect(down.message).toBe('PostgreSQL is unavailable');
    expect(down.extensions).toMatchObject({ code: 'UNAVAILABLE', service: 'PostgreSQL', detail: 'connect ECONNREFUSED 127.0.0.1:55432' });
    expect(down.extensions.reason).toBeUndefined();
  });
});
