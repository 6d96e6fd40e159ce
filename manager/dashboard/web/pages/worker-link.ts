import { href } from '../router.js';
import { h } from '../ui/dom.js';

/**
 * The worker an attempt ran on, linked to its page. `workers` is the worker list once read: a worker it lacks was
 * removed, so it has no page and shows the display name its attempts kept.
 */
export function workerLink(
  run: { workerAgentId: string | null; workerDisplayName?: string | null },
  workers: ReadonlyMap<string, string> | undefined,
): Node {
  const { workerAgentId } = run;
  if (workerAgentId === null) return h('span', { class: 'muted' }, '—');
  const name = workers?.get(workerAgentId) ?? run.workerDisplayName ?? workerAgentId;
  if (workers && !workers.has(workerAgentId)) {
    return h('span', { title: workerAgentId }, name, h('span', { class: 'muted' }, ' (removed)'));
  }
  return h('a', { href: href(['workers', workerAgentId]) }, name);
}
