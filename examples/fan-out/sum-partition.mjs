import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// A child: totals the orders of its partition (every Partitions-th line) and returns the totals, which become
// this execution's message, read by the parent.
export default async function sumPartition(parameters, context) {
  const { Partition: partition, Partitions: partitions } = parameters;
  if (parameters.Fail) throw new Error(`partition ${partition}: the source rows are locked by another load`);
  const lines = (await readFile(join(context.projectDir, 'data', 'orders.csv'), 'utf8')).trim().split('\n').slice(1);
  // Summed in cents, so the totals a user reads carry no floating-point noise (64124.75, not 64124.74999999996).
  const centsByRegion = {};
  let orders = 0;
  for (const [index, line] of lines.entries()) {
    if (index % partitions !== partition) continue;
    const [, region, amount] = line.split(',');
    centsByRegion[region] = (centsByRegion[region] ?? 0) + Math.round(Number(amount) * 100);
    orders += 1;
  }
  context.log(`partition ${partition}/${partitions}: ${orders} orders`);
  const byRegion = Object.fromEntries(Object.entries(centsByRegion).map(([region, cents]) => [region, cents / 100]));
  return { partition, orders, byRegion };
}
