/** A benchmark's whole-number setting (an argument or an environment variable): `fallback` when unset. */
export function positiveSetting(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, not '${text}'`);
  return value;
}

/** Two decimals, as the benchmarks print their figures. */
export function round(value: number): number {
  return Math.round(value * 100) / 100;
}
