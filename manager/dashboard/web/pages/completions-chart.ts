import { h, svg } from '../ui/dom.js';
import { clockMinute, plural } from '../ui/format.js';

export interface MinuteBucket {
  minute: string;
  succeeded: number;
  failed: number;
}

/** About the card's width on a laptop, so the SVG is drawn near 1:1 and its text keeps its size. */
const width = 1040;
const height = 200;
const margin = { top: 10, right: 4, bottom: 26, left: 30 };

/**
 * Completed executions per minute over the last hour, as stacked bars (succeeded below, failed above), drawn as
 * inline SVG. A screen reader gets the totals and the busiest minute; a mouse gets each minute on hover.
 */
export function completionsChart(buckets: readonly MinuteBucket[]): HTMLElement {
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const highest = Math.max(0, ...buckets.map((b) => b.succeeded + b.failed));
  const top = niceCeiling(highest);
  const y = (value: number): number => margin.top + plotHeight - (value / top) * plotHeight;
  const slot = plotWidth / Math.max(1, buckets.length);
  const barWidth = Math.max(1, slot - 2);

  const ticks = [0, top / 2, top].filter((tick, i, all) => Number.isInteger(tick) && all.indexOf(tick) === i);
  const grid = ticks.map((tick) =>
    svg(
      'g',
      { class: 'chart-grid' },
      svg('line', { x1: margin.left, x2: width - margin.right, y1: y(tick), y2: y(tick) }),
      svg('text', { x: margin.left - 6, y: y(tick) + 4, 'text-anchor': 'end' }, String(tick)),
    ),
  );
  const bars = buckets.map((bucket, i) => {
    const x = margin.left + i * slot + 1;
    const total = bucket.succeeded + bucket.failed;
    return svg(
      'g',
      {},
      svg('title', {}, `${clockMinute(bucket.minute)}: ${bucket.succeeded} succeeded, ${bucket.failed} failed`),
      // An invisible full-height target, so a minute can be hovered even when nothing ended in it.
      svg('rect', { class: 'chart-hover', x, y: margin.top, width: barWidth, height: plotHeight }),
      bucket.succeeded > 0
        ? svg('rect', { class: 'chart-succeeded', x, y: y(bucket.succeeded), width: barWidth, height: y(0) - y(bucket.succeeded) })
        : null,
      bucket.failed > 0 ? svg('rect', { class: 'chart-failed', x, y: y(total), width: barWidth, height: y(bucket.succeeded) - y(total) }) : null,
    );
  });
  // Every ten minutes, and the current minute at the right edge (anchored there so it is not cut off).
  const labels = buckets.flatMap((bucket, i) => {
    const last = i === buckets.length - 1;
    if (i % 10 !== 0 && !last) return [];
    const x = last ? width - margin.right : margin.left + i * slot + slot / 2;
    return [svg('text', { class: 'chart-label', x, y: height - 6, 'text-anchor': last ? 'end' : 'middle' }, clockMinute(bucket.minute))];
  });
  const empty =
    highest === 0
      ? svg('text', { class: 'chart-empty', x: margin.left + plotWidth / 2, y: margin.top + plotHeight / 2, 'text-anchor': 'middle' }, 'No execution ended in the last hour')
      : null;

  const chart = svg(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary(buckets) },
    grid,
    svg('line', { class: 'chart-axis', x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0) }),
    bars,
    labels,
    empty,
  );
  const legend = h(
    'ul',
    { class: 'legend', 'aria-hidden': 'true' },
    h('li', {}, h('span', { class: 'swatch swatch-succeeded' }), 'Succeeded'),
    h('li', {}, h('span', { class: 'swatch swatch-failed' }), 'Failed or ended unexpectedly'),
  );
  return h('figure', { class: 'chart-figure' }, chart, legend);
}

function summary(buckets: readonly MinuteBucket[]): string {
  const succeeded = buckets.reduce((sum, b) => sum + b.succeeded, 0);
  const failed = buckets.reduce((sum, b) => sum + b.failed, 0);
  if (succeeded + failed === 0) return 'Completed executions per minute, last hour: none.';
  const busiest = buckets.reduce((best, b) => (b.succeeded + b.failed > best.succeeded + best.failed ? b : best));
  return (
    `Completed executions per minute, last hour: ${succeeded} succeeded, ${failed} failed. ` +
    `Busiest minute ${clockMinute(busiest.minute)} with ${plural(busiest.succeeded + busiest.failed, 'execution')}.`
  );
}

/** 1, 2, 5, 10, 20, 50…: an axis top that is a round number at or above the highest bar. */
function niceCeiling(value: number): number {
  if (value <= 2) return 2;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * magnitude >= value) ?? 10;
  return step * magnitude;
}
