import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../functions/project.js';

type FanOut = (parameters: Record<string, unknown>, context: unknown) => Promise<unknown>;

const { default: fanOut } = (await import(pathToFileURL(join(projectRoot(), 'examples', 'fan-out', 'fan-out.mjs')).href)) as { default: FanOut };

describe('the fan-out example checks its inputs', () => {
  // No context: a bad value is refused before any child execution could start.
  it.each([
    [{ Partitions: -3, FailPartition: -1 }, 'Partitions must be a whole number from 1 to 1000; got -3'],
    [{ Partitions: 0, FailPartition: -1 }, 'Partitions must be a whole number from 1 to 1000; got 0'],
    [{ Partitions: 4, FailPartition: 4 }, 'FailPartition must be -1 (none) or a partition from 0 to 3; got 4'],
  ])('refuses %o', async (parameters, message) => {
    await expect(fanOut({ RequiredTag: '', TolerateFailures: false, ...parameters }, undefined)).rejects.toThrow(message);
  });
});
