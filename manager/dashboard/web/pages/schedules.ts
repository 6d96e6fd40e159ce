import { createSchedule, disableSchedule, enableSchedule, listSchedules } from '../../../../contracts/management/endpoints.js';
import type { ScheduleView } from '../../../../contracts/management/views.js';
import { describeError, isAbort } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { timeAgo, timeAt } from '../ui/badges.js';
import { h, replaceContent } from '../ui/dom.js';
import { mono } from '../ui/facts.js';
import { poll } from '../ui/poller.js';
import { refreshNote } from '../ui/refresh-note.js';

const refreshMs = 10_000;

/**
 * Schedules, what SQL Server Agent jobs did for SSIS packages: each with its package, cron expression and time
 * zone, next and last run. An executor or admin also sees New schedule and Enable/Disable; a reader only reads.
 */
export const schedulesPage: PageFactory = (context) => {
  context.setTitle('Schedules');
  const note = refreshNote('10 s');
  const listRegion = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, 'Loading…'));
  const actionError = h('div', { class: 'callout callout-danger', role: 'alert', hidden: true });
  const mayCreate = context.may(createSchedule);
  const mayToggle = context.may(enableSchedule) && context.may(disableSchedule);
  const newLink = h('a', { class: 'button button-primary', href: '#/schedules/new', hidden: !mayCreate }, h('span', { 'aria-hidden': 'true' }, '+ '), 'New schedule');
  let schedules: ScheduleView[] | undefined;

  poll(context.signal, () => refreshMs, async () => {
    try {
      schedules = (await context.call(listSchedules, {})).schedules;
      note.succeeded();
      render();
    } catch (error) {
      note.failed(error);
    }
  });

  function render(): void {
    if (!schedules) return;
    if (schedules.length === 0) {
      replaceContent(listRegion, h('p', { class: 'empty' }, 'No schedule yet.', mayCreate ? [' ', h('a', { href: '#/schedules/new' }, 'Create one'), '.'] : null));
      return;
    }
    const headers = ['Name', 'Package', 'When', 'State', 'Next run', 'Last run', ...(mayToggle ? ['Actions'] : [])];
    replaceContent(
      listRegion,
      h(
        'table',
        { class: 'table' },
        h('caption', { class: 'visually-hidden' }, 'Schedules, with when they run and how their last run went'),
        h('thead', {}, h('tr', {}, headers.map((title) => h('th', { scope: 'col' }, title)))),
        h('tbody', {}, schedules.map(row)),
      ),
    );
  }

  function row(schedule: ScheduleView): HTMLTableRowElement {
    return h(
      'tr',
      { 'data-schedule': schedule.name },
      h('th', { scope: 'row' }, schedule.name),
      h('td', {}, `${schedule.folderName} / ${schedule.projectName} / ${schedule.packageName}`),
      h('td', {}, mono(schedule.cron), h('div', { class: 'small muted' }, schedule.timeZone, ', missed runs: ', schedule.misfirePolicy)),
      h('td', {}, h('span', { class: `badge ${schedule.isEnabled ? 'badge-success' : 'badge-neutral'}` }, schedule.isEnabled ? 'Enabled' : 'Disabled')),
      h('td', {}, schedule.isEnabled ? timeAt(schedule.nextRunTime, 'never') : h('span', { class: 'muted' }, '—')),
      h(
        'td',
        {},
        schedule.lastExecutionId === null
          ? timeAgo(schedule.lastRunTime)
          : h('a', { href: href(['executions', schedule.lastExecutionId]) }, `Execution ${schedule.lastExecutionId}`),
        schedule.lastError ? h('div', { class: 'small muted' }, 'Could not start: ', schedule.lastError) : null,
      ),
      mayToggle
        ? h(
            'td',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'button button-quiet',
                'data-focus-key': `toggle-${schedule.scheduleId}`,
                'aria-label': `${schedule.isEnabled ? 'Disable' : 'Enable'} ${schedule.name}`,
                onclick: (event: Event) => void toggle(schedule, event.currentTarget as HTMLButtonElement),
              },
              schedule.isEnabled ? 'Disable' : 'Enable',
            ),
          )
        : null,
    );
  }

  async function toggle(schedule: ScheduleView, button: HTMLButtonElement): Promise<void> {
    if (button.getAttribute('aria-disabled') === 'true') return;
    // Busy, not disabled: a disabled button drops the keyboard focus.
    button.setAttribute('aria-disabled', 'true');
    try {
      const updated = await context.call(schedule.isEnabled ? disableSchedule : enableSchedule, { params: { scheduleId: schedule.scheduleId } });
      schedules = schedules?.map((s) => (s.scheduleId === updated.scheduleId ? updated : s));
      actionError.hidden = true;
      context.announce(`${updated.name} is ${updated.isEnabled ? 'enabled' : 'disabled'}.`);
    } catch (error) {
      if (isAbort(error)) return;
      actionError.textContent = describeError(error).message;
      actionError.hidden = false;
    }
    render();
  }

  return {
    element: h(
      'div',
      {},
      h('div', { class: 'page-header' }, h('h1', {}, 'Schedules'), note.element, newLink),
      actionError,
      h('section', { class: 'card', 'aria-label': 'Schedules' }, listRegion),
    ),
  };
};
