import { Recheck } from '../../core/recheck';

/** The token recheck cache (core/recheck.ts): what api/auth.ts keeps Keycloak's answers in. */
describe('answers kept for a bounded time and shared while fetched', () => {
  it('fetches once per TTL, again after it', async () => {
    const cache = new Recheck<string>(1000);
    let loads = 0;
    const load = async () => `answer ${++loads}`;
    expect(await cache.get('t', 0, load)).toBe('answer 1');
    expect(await cache.get('t', 999, load)).toBe('answer 1');
    expect(await cache.get('t', 1000, load)).toBe('answer 2');
    expect(loads).toBe(2);
  });

  it('shares one fetch between callers asking while it runs', async () => {
    const cache = new Recheck<number>(1000);
    let loads = 0;
    let release!: (v: number) => void;
    const load = () => {
      loads++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const asks = [cache.get('t', 0, load), cache.get('t', 1, load), cache.get('t', 2, load)];
    release(7);
    expect(await Promise.all(asks)).toEqual([7, 7, 7]);
    expect(loads).toBe(1);
  });

  it('keeps no failure: the next ask fetches again', async () => {
    const cache = new Recheck<number>(1000);
    await expect(cache.get('t', 0, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('t', 1, async () => 5)).toBe(5);
  });

  it('keeps at most its bound of answers, the oldest going first', async () => {
    const cache = new Recheck<number>(10_000, 2);
    await cache.get('a', 0, async () => 1);
    await cache.get('b', 0, async () => 2);
    await cache.get('c', 0, async () => 3);
    expect(cache.size).toBe(2);
    let refetched = false;
    await cache.get('a', 1, async () => ((refetched = true), 1));
    expect(refetched).toBe(true);
  });
});
