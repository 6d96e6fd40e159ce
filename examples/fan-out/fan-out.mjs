// The parent: one child execution per partition, placed by the master on any eligible worker (or on workers with
// a tag), then one total. A child that fails makes this package fail with the child's message, unless
// TolerateFailures is set.
/** Each partition is a child execution: more than this is a typo, not a plan. */
const maxPartitions = 1000;

export default async function fanOut(parameters, context) {
  const partitions = parameters.Partitions;
  // A run with nothing to split, or a partition to fail that does not exist, is a mistake: say so instead of succeeding.
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > maxPartitions) {
    throw new Error(`Partitions must be a whole number from 1 to ${maxPartitions}; got ${partitions}`);
  }
  if (parameters.FailPartition !== -1 && !(Number.isInteger(parameters.FailPartition) && parameters.FailPartition >= 0 && parameters.FailPartition < partitions)) {
    throw new Error(`FailPartition must be -1 (none) or a partition from 0 to ${partitions - 1}; got ${parameters.FailPartition}`);
  }
  context.log(`starting ${partitions} partitions as child executions`);
  const specs = Array.from({ length: partitions }, (_, partition) => ({
    package: 'Examples/FanOut/sum-partition',
    parameters: { Partition: partition, Partitions: partitions, Fail: partition === parameters.FailPartition },
    ...(parameters.RequiredTag ? { requiredTags: [parameters.RequiredTag] } : {}),
    key: `partition-${partition}`,
  }));
  const results = await context.children.runAll(specs, { tolerateFailures: parameters.TolerateFailures });

  const totals = {};
  let orders = 0;
  let succeeded = 0;
  for (const result of results) {
    if (!result.succeeded) {
      context.warn(`partition execution ${result.executionId} ${result.statusName}: ${result.message}`);
      continue;
    }
    succeeded += 1;
    const partial = JSON.parse(result.message);
    orders += partial.orders;
    for (const [region, amount] of Object.entries(partial.byRegion)) totals[region] = (totals[region] ?? 0) + amount;
    context.progress((100 * succeeded) / partitions, `partition ${partial.partition} done`);
  }
  for (const region of Object.keys(totals).sort()) context.log(`${region}: ${totals[region].toFixed(2)}`);
  const grandTotal = Object.values(totals).reduce((sum, amount) => sum + amount, 0);
  return { partitions: succeeded, orders, total: Number(grandTotal.toFixed(2)) };
}
