import { describe, expect, it } from 'vitest';
import { parseMssqlConnectionString } from '../../../functions/catalog/mssql/connection.js';
import { MssqlEngine } from '../../../functions/catalog/mssql/engine.js';
import { freePort } from '../../support/free-port.js';

describe('MSSQL engine connections', () => {
  it('hands a failed connect to the transient-error retry, with tedious error code', async () => {
    const port = await freePort();
    let now = 0;
    const retried: unknown[] = [];
    const engine = MssqlEngine.fromConnection({
      connection: parseMssqlConnectionString(`Server=127.0.0.1,${port};Database=d;User Id=sa;Password=pw;Connect Timeout=2`),
      retry: {
        budgetMs: 20_000,
        random: () => 1,
        now: () => now,
        sleep: async (ms) => {
          now += ms;
        },
        onRetry: (error) => retried.push(error),
      },
    });
    try {
      // Refused at once; retried after 5 s and 10 s of the budget; the next wait (20 s) would pass it.
      await expect(engine.read((db) => db.selectFrom('tasks').select('task_id').execute())).rejects.toMatchObject({
        code: 'ESOCKET',
      });
      expect(retried).toHaveLength(2);
      expect(retried[0]).toMatchObject({ code: 'ESOCKET' });
    } finally {
      await engine.destroy();
    }
  });
});
