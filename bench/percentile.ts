/** The p-th percentile (nearest rank) of `sorted`, which must be sorted ascending and not empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
