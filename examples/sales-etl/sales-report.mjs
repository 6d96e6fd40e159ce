import { readWarehouse, warehouseFile } from './warehouse.mjs';

// A report on what load-sales put in the warehouse: the month's totals by region and the best day.
export default async function salesReport(parameters, context) {
  const file = warehouseFile(parameters.WarehouseFolder, context);
  const { rows } = await readWarehouse(file);
  if (rows.length === 0) throw new Error(`the warehouse ${file} is empty: run Examples/SalesEtl/load-sales on this worker first`);
  const byRegion = {};
  const byDay = {};
  for (const row of rows) {
    byRegion[row.region] = (byRegion[row.region] ?? 0) + row.amountEur;
    byDay[row.day] = (byDay[row.day] ?? 0) + row.amountEur;
  }
  for (const region of Object.keys(byRegion).sort()) context.log(`${region}: EUR ${byRegion[region].toFixed(2)}`);
  const [bestDay, bestAmount] = Object.entries(byDay).sort((a, b) => b[1] - a[1])[0];
  context.log(`best day: ${bestDay} (EUR ${bestAmount.toFixed(2)})`);
  return { regions: Object.keys(byRegion).length, bestDay, bestDayEur: Number(bestAmount.toFixed(2)) };
}
