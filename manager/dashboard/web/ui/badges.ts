import type { WorkerStatus } from '../../../../contracts/management/views.js';
import { h } from './dom.js';
import { ago, dateTime, shortDateTime, statusName } from './format.js';

/**
 * States shown by word and shape, never by colour alone: the glyph and the tone repeat what the text says, so a
 * screen reader or a colour-blind administrator misses nothing.
 */
type Tone = 'success' | 'danger' | 'warning' | 'info' | 'neutral';

const badge = (tone: Tone, glyph: string, text: string): HTMLSpanElement =>
  h('span', { class: `badge badge-${tone}` }, h('span', { class: 'badge-glyph', 'aria-hidden': 'true' }, glyph), text);

const workerLook: Record<WorkerStatus, [Tone, string]> = {
  online: ['success', '●'],
  offline: ['warning', '○'],
  disabled: ['neutral', '⊘'],
};

/** A worker's agent version, with an "outdated" badge when the master's is newer (`scaleout-worker update`). */
export function agentVersionText(worker: { agentVersion: string | null; agentOutdated: boolean }): HTMLElement {
  if (worker.agentVersion === null) return h('span', { class: 'muted' }, '—');
  return h('span', {}, worker.agentVersion, worker.agentOutdated ? [' ', badge('warning', '↑', 'outdated')] : null);
}

export function workerStatusBadge(status: WorkerStatus): HTMLSpanElement {
  const [tone, glyph] = workerLook[status];
  return badge(tone, glyph, status);
}

const executionLook: Record<number, [Tone, string]> = {
  1: ['neutral', '◌'],
  2: ['info', '▶'],
  3: ['neutral', '■'],
  4: ['danger', '✕'],
  5: ['warning', '◷'],
  6: ['danger', '!'],
  7: ['success', '✓'],
  8: ['warning', '◼'],
  9: ['success', '✓'],
};

export function executionStatusBadge(status: number): HTMLSpanElement {
  const [tone, glyph] = executionLook[status] ?? ['neutral', '?'];
  return badge(tone, glyph, statusName(status));
}

const attemptLook: Record<string, [Tone, string]> = {
  pending: ['warning', '◷'],
  running: ['info', '▶'],
  succeeded: ['success', '✓'],
  failed: ['danger', '✕'],
  canceled: ['neutral', '■'],
  lost: ['danger', '!'],
};

export function attemptStateBadge(state: string): HTMLSpanElement {
  const [tone, glyph] = attemptLook[state] ?? ['neutral', '?'];
  return badge(tone, glyph, state);
}

/** A relative time ("3 min ago") that shows the exact local time on hover and carries it for machines. */
export function timeAgo(iso: string | null): HTMLElement {
  if (iso === null) return h('span', { class: 'muted' }, 'never');
  return h('time', { datetime: iso, title: dateTime(iso) }, ago(iso));
}

export function timeAt(iso: string | null, empty = '—'): HTMLElement {
  if (iso === null) return h('span', { class: 'muted' }, empty);
  return h('time', { datetime: iso }, dateTime(iso));
}

/** A time in a table cell: short, exact on hover. */
export function timeShort(iso: string | null, empty = '—'): HTMLElement {
  if (iso === null) return h('span', { class: 'muted' }, empty);
  return h('time', { datetime: iso, title: dateTime(iso) }, shortDateTime(iso));
}
