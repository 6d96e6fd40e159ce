import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readWarehouse, warehouseFile, writeWarehouse } from './warehouse.mjs';

// Extract → transform → load, as an SSIS data flow would: a CSV source, a conditional split that rejects bad
// rows, a lookup of exchange rates, an aggregate by day and region, and an upsert into the destination.
export default async function loadSales(parameters, context) {
  if (parameters.FailFirstAttempt && context.attemptNumber === 1) {
    throw new Error(`cannot read ${parameters.SourceFile}: the source share is unreachable (simulated; attempt ${context.attemptNumber})`);
  }

  // Extract
  const source = basename(parameters.SourceFile);
  const rows = parseCsv(await readFile(join(context.projectDir, parameters.SourceFile), 'utf8'));
  const rates = new Map(
    parseCsv(await readFile(join(context.projectDir, 'data', 'exchange-rates.csv'), 'utf8')).map((rate) => [rate.currency, Number(rate.eur_per_unit)]),
  );
  context.log(`extracted ${rows.length} orders from ${source}`);
  context.progress(10, 'extracted');

  // Transform
  const daily = new Map();
  const rejected = { quantity: 0, currency: 0 };
  for (const [index, row] of rows.entries()) {
    const quantity = Number(row.quantity);
    const rate = rates.get(row.currency);
    if (row.quantity === '' || !Number.isInteger(quantity) || quantity <= 0) {
      rejected.quantity += 1;
    } else if (rate === undefined) {
      rejected.currency += 1;
    } else {
      const key = `${row.order_date}|${row.region}`;
      const total = daily.get(key) ?? { day: row.order_date, region: row.region, orders: 0, amountEur: 0 };
      total.orders += 1;
      total.amountEur += quantity * Number(row.unit_price) * rate;
      daily.set(key, total);
    }
    if ((index + 1) % 400 === 0) {
      context.progress(10 + (80 * (index + 1)) / rows.length, `transformed ${index + 1} of ${rows.length} rows`);
      if (parameters.RowDelayMs > 0) await sleep(parameters.RowDelayMs, undefined, { signal: context.signal });
    }
  }
  if (rejected.quantity + rejected.currency > 0) {
    context.warn(`rejected ${rejected.quantity} rows with a missing or non-positive quantity and ${rejected.currency} with an unknown currency`);
  }

  // Load: this source's rows replace the ones an earlier load of it wrote, so a rerun (or a retry) never doubles them.
  const file = warehouseFile(parameters.WarehouseFolder, context);
  const warehouse = await readWarehouse(file);
  const loaded = [...daily.values()].map((total) => ({ ...total, amountEur: Number(total.amountEur.toFixed(2)), source }));
  const load = { source, executionId: context.executionId, loadedAt: new Date().toISOString(), rows: loaded.length };
  if (parameters.SigningKey) {
    load.signature = createHmac('sha256', parameters.SigningKey).update(JSON.stringify(loaded)).digest('hex');
  }
  await writeWarehouse(file, {
    loads: [...warehouse.loads.filter((earlier) => earlier.source !== source), load],
    rows: [...warehouse.rows.filter((row) => row.source !== source), ...loaded],
  });
  context.progress(100, 'loaded');
  context.log(`loaded ${loaded.length} daily totals into ${file}${load.signature ? ' (signed)' : ''}`);
  const totalEur = loaded.reduce((sum, row) => sum + row.amountEur, 0);
  return { source, orders: rows.length - rejected.quantity - rejected.currency, rejected: rejected.quantity + rejected.currency, dailyTotals: loaded.length, totalEur: Number(totalEur.toFixed(2)) };
}

/** A plain CSV (no quoted commas: the export never has them), first line the header. */
function parseCsv(text) {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, index) => [names[index], value.trim()])));
}
