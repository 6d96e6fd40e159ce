import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// A child: totals the orders of its partition (every Partitions-th line) and returns the totals, which become
// this execution's message, read by the parent.
export default async function sumPartition(parameters, context) {
  const { Partition: partition, Partitions: partitions } = parameters;
  if (parameters.Fail) throw new Error(`partition ${partition}: the source rows are locked by another load`);
  const lines = (await readFile(join(context.projectDir, 'data', 'orders.csv'), 'utf8')).trim().split('\n').slice(1);
  const byRegion = {};
  let orders = 0;
  for (const [index, line] of lines.entries()) {
    if (index % partitions !== partition) continue;
    const [, region, amount] = line.split(',');
    byRegion[region] = (byRegion[region] ?? 0) + Number(amount);
    orders += 1;
  }
  context.log(`partition ${partition}/${partitions}: ${orders} orders`);
  return { partition, orders, byRegion };
}
