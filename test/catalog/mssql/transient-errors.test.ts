import { describe, expect, it } from 'vitest';
import { classifySqlError, retryTransient, transientSqlErrors } from '../../../functions/catalog/mssql/transient-errors.js';

/** What tedious throws: a RequestError carries the server's error number, a ConnectionError a code. */
const sqlError = (number: number) => Object.assign(new Error(`SQL error ${number}`), { code: 'EREQUEST', number });
const connectionError = (code: string) => Object.assign(new Error(`connection ${code}`), { code });

/** A clock that only the injected sleep moves, so the budget is tested without waiting. */
function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('transient SQL Server errors', () => {
  it.each([
    [4060, 5000],
    [40197, 5000],
    [40501, 5000],
    [40613, 5000],
    [49918, 5000],
    [49919, 5000],
    [49920, 5000],
    [4221, 5000],
    [615, 5000],
    [926, 5000],
    [10928, 5000],
    [10929, 5000],
    [10936, 5000],
    [40143, 5000],
    [40540, 5000],
    [42108, 5000],
    [42109, 5000],
    [233, 5000],
    [1205, 50],
  ])('error %i is retried, first after about %i ms', (number, initialDelayMs) => {
    expect(classifySqlError(sqlError(number))?.initialDelayMs).toBe(initialDelayMs);
  });

  it('knows exactly the documented error numbers', () => {
    expect([...transientSqlErrors.keys()].sort((a, b) => a - b)).toEqual([
      233, 615, 926, 1205, 4060, 4221, 10928, 10929, 10936, 40143, 40197, 40501, 40540, 40613, 42108, 42109, 49918, 49919, 49920,
    ]);
  });

  it.each(['ESOCKET', 'ECONNRESET', 'ETIMEOUT', 'ECONNCLOSED', 'ETIMEDOUT', 'ECONNREFUSED'])(
    'a lost connection (%s) is retried',
    (code) => {
      expect(classifySqlError(connectionError(code))).toEqual({ initialDelayMs: 5000, maxDelayMs: 60000 });
    },
  );

  it.each([
    ['a unique key violation', sqlError(2627)],
    ['a failed login', connectionError('ELOGIN')],
    ['a syntax error', sqlError(102)],
    ['a plain error', new Error('boom')],
    ['a string', 'boom'],
    ['nothing', undefined],
    ['null', null],
  ])('%s is not retried', (_what, error) => {
    expect(classifySqlError(error)).toBeUndefined();
  });

  it('finds a transient error inside arrays, AggregateErrors and causes', () => {
    expect(classifySqlError([new Error('first'), sqlError(1205)])?.initialDelayMs).toBe(50);
    expect(classifySqlError(new AggregateError([new Error('x'), sqlError(40613)]))?.initialDelayMs).toBe(5000);
    expect(classifySqlError(new Error('wrapped', { cause: connectionError('ESOCKET') }))).toBeDefined();
  });
});

describe('retryTransient', () => {
  it.each([...transientSqlErrors])('retries error %i until it clears, each wait within its class bound and the budget', async (number, retryClass) => {
    const time = fakeTime();
    let calls = 0;
    const result = await retryTransient(
      async () => {
        if (++calls < 10) throw sqlError(number);
        return calls;
      },
      { ...time, random: () => 1, budgetMs: 10 * 60_000 },
    );
    expect(result).toBe(10);
    expect(time.sleeps).toHaveLength(9);
    expect(time.sleeps[0]).toBe(retryClass.initialDelayMs);
    expect(Math.max(...time.sleeps)).toBe(retryClass.maxDelayMs);
    expect(time.sleeps.every((ms, i) => i === 0 || ms >= time.sleeps[i - 1]!)).toBe(true);
  });

  it('gives up on a transient error that does not clear once the default budget of 120 s is spent', async () => {
    const time = fakeTime();
    await expect(
      retryTransient(async () => {
        throw sqlError(10928);
      }, { ...time, random: () => 1 }),
    ).rejects.toMatchObject({ number: 10928 });
    expect(time.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(120_000);
    expect(time.sleeps).toEqual([5000, 10000, 20000, 40000]);
  });

  it('retries with jittered exponential backoff until the work succeeds', async () => {
    const time = fakeTime();
    const retries: [number, number][] = [];
    let calls = 0;
    const result = await retryTransient(
      async () => {
        calls++;
        if (calls < 4) throw sqlError(40613);
        return 'done';
      },
      { ...time, random: () => 0.5, onRetry: (_error, attempt, delayMs) => retries.push([attempt, delayMs]) },
    );
    expect(result).toBe('done');
    // Equal jitter: half the base wait plus up to half again (here a half): 0.75 × 5 s, 10 s, 20 s.
    expect(time.sleeps).toEqual([3750, 7500, 15000]);
    expect(retries).toEqual([
      [1, 3750],
      [2, 7500],
      [3, 15000],
    ]);
  });

  it('spreads the waits between half and all of the base, and caps the base', async () => {
    const low = fakeTime();
    let calls = 0;
    await retryTransient(
      async () => {
        if (++calls < 3) throw sqlError(1205);
      },
      { ...low, random: () => 0 },
    );
    expect(low.sleeps).toEqual([25, 50]);

    const high = fakeTime();
    calls = 0;
    await retryTransient(
      async () => {
        if (++calls < 8) throw sqlError(1205);
      },
      { ...high, random: () => 1, budgetMs: 60_000 },
    );
    expect(high.sleeps).toEqual([50, 100, 200, 400, 800, 1600, 2000]);
  });

  it('gives up with the last error once the next wait would pass the budget', async () => {
    const time = fakeTime();
    let calls = 0;
    const error = sqlError(40613);
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw error;
        },
        { ...time, random: () => 1, budgetMs: 40_000 },
      ),
    ).rejects.toBe(error);
    // 5 s + 10 s + 20 s = 35 s spent; the next wait (40 s) would end past the 40 s budget.
    expect(time.sleeps).toEqual([5000, 10000, 20000]);
    expect(calls).toBe(4);
  });

  it('rethrows anything that is not transient at once', async () => {
    const time = fakeTime();
    const error = sqlError(2627);
    let calls = 0;
    await expect(
      retryTransient(async () => {
        calls++;
        throw error;
      }, time),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(time.sleeps).toEqual([]);
  });
});
