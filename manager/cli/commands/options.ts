import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../output/format.js';

/** For repeatable options: `--tag a --tag b` → ['a', 'b']. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number.');
  return Number(value);
}

export function positiveWholeNumber(value: string): number {
  const n = wholeNumber(value);
  if (n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more.');
  return n;
}

/** `30s`, `5m`, `1h30m` → milliseconds. */
export function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration such as 90s, 5m or 1h30m.');
  return ms;
}

/** An execution ID: a positive whole number. */
export function executionId(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('an execution ID is a positive whole number.');
  return Number(value);
}
