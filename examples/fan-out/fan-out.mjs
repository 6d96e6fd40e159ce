// The parent: one child execution per partition, placed by the master on any eligible worker (or on workers with
// a tag), then one total. A child that fails makes this package fail with the child's message, unless
// TolerateFailures is set.
export default async function fanOut(parameters, context) {
  const partitions = parameters.Partitions;
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
