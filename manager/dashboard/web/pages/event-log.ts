import { listExecutionEvents } from '../../../../contracts/management/endpoints.js';
import { compareEventMessages, type EventMessageView } from '../../../../contracts/management/views.js';
import type { PageContext } from '../page.js';
import { h } from '../ui/dom.js';
import { clockTime, dateTime, plural } from '../ui/format.js';
import { poll } from '../ui/poller.js';

const batch = 1000;
/** Lines kept on the page; a package that floods its log must not freeze the browser. */
const maxLines = 5000;

/**
 * The live tail of an execution's event messages: follows the events endpoint's cursor, every second while the
 * execution runs (lines arrive through the master's queue, so some may land just after it ends) and every few
 * seconds after. Stays scrolled to the newest line unless the reader scrolled up. The lines of the executions it
 * started (its children, and theirs) are in the same tail, each marked with the child it comes from.
 */
export function eventLog(context: PageContext, executionId: number, isActive: () => boolean, childLabel: (executionId: number) => string): HTMLElement {
  let cursor = 0;
  let total = 0;
  /** The events the lines show, in the same (log) order. */
  const shown: EventMessageView[] = [];
  const lines = h('ol', { class: 'log', role: 'log', 'aria-label': `Event messages of execution ${executionId}`, tabindex: '0' });
  const empty = h('p', { class: 'muted' }, 'No message yet.');
  const count = h('span', { class: 'muted' });

  poll(context.signal, () => (isActive() ? 1_000 : 5_000), async () => {
    try {
      for (;;) {
        const page = await context.call(listExecutionEvents, { params: { executionId }, query: { after: cursor, limit: batch, tree: 'true' } });
        cursor = page.nextCursor;
        append(page.events);
        if (page.events.length < batch) break;
      }
    } catch {
      // The execution's own refresh reports an unreachable master; the tail resumes from its cursor.
    }
  });

  function append(events: readonly EventMessageView[]): void {
    if (events.length === 0) return;
    const atBottom = lines.scrollHeight - lines.scrollTop - lines.clientHeight < 40;
    for (const event of [...events].sort(compareEventMessages)) {
      // Nearly always at the end; a line that reached the catalog late goes back to its place in time.
      let at = shown.length;
      while (at > 0 && compareEventMessages(event, shown[at - 1]!) < 0) at -= 1;
      const element = line(event, event.executionId === executionId ? undefined : childLabel(event.executionId));
      lines.insertBefore(element, lines.children[at] ?? null);
      shown.splice(at, 0, event);
    }
    total += events.length;
    while (shown.length > maxLines) {
      lines.firstElementChild?.remove();
      shown.shift();
    }
    empty.hidden = true;
    count.textContent = total > maxLines ? `${plural(total, 'message')}, the last ${maxLines} shown` : plural(total, 'message');
    if (atBottom) lines.scrollTop = lines.scrollHeight;
  }

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'log-heading' },
    h('div', { class: 'card-header' }, h('h2', { id: 'log-heading' }, 'Log'), count),
    empty,
    lines,
  );
}

function line(event: EventMessageView, child: string | undefined): HTMLLIElement {
  return h(
    'li',
    { class: `log-line log-${event.messageTypeName}` },
    h('time', { datetime: event.messageTime, title: dateTime(event.messageTime) }, clockTime(event.messageTime)),
    h('span', { class: 'log-type' }, event.messageTypeName),
    h('span', { class: 'log-source' }, child === undefined ? null : h('span', { class: 'log-child' }, `[${child}] `), event.messageSourceName),
    h('span', { class: 'log-message' }, event.message),
  );
}
