import type { WorkerAgentView } from '../../../../contracts/management/views.js';
import { agentVersionText, workerStatusBadge, timeAgo, timeAt } from '../ui/badges.js';
import { h, type Child } from '../ui/dom.js';
import { facts, mono, tagList } from '../ui/facts.js';
import { ago, plural } from '../ui/format.js';

const certificateWarningDays = 30;

/** The actions the signed-in role may take on a worker; a missing one shows no button. */
export interface WorkerActions {
  toggle?(button: HTMLButtonElement): void;
  edit?(): void;
  remove?(): void;
}

/** One worker, as Worker Manager shows it when selected: its state, what to do about it, and every property. */
export function workerDetails(worker: WorkerAgentView, actions: WorkerActions, error: string | undefined): Child[] {
  const buttons: HTMLButtonElement[] = [];
  if (actions.toggle) {
    const toggle = h(
      'button',
      { type: 'button', class: worker.isEnabled ? 'button' : 'button button-primary', 'data-focus-key': 'worker-toggle' },
      worker.isEnabled ? 'Disable worker' : 'Enable worker',
    );
    const onToggle = actions.toggle;
    toggle.addEventListener('click', () => onToggle(toggle));
    buttons.push(toggle);
  }
  if (actions.edit) {
    const edit = h('button', { type: 'button', class: 'button', 'data-focus-key': 'worker-edit' }, 'Edit');
    edit.addEventListener('click', actions.edit);
    buttons.push(edit);
  }
  if (actions.remove) {
    const remove = h('button', { type: 'button', class: 'button button-danger-quiet', 'data-focus-key': 'worker-delete' }, 'Delete…');
    remove.addEventListener('click', actions.remove);
    buttons.push(remove);
  }

  return [
    h(
      'div',
      { class: 'card-header' },
      h('h2', { id: 'details-heading', tabindex: '-1' }, worker.displayName),
      workerStatusBadge(worker.status),
    ),
    buttons.length > 0 ? h('div', { class: 'actions actions-start', role: 'group', 'aria-label': 'Worker actions' }, buttons) : null,
    error ? h('div', { class: 'callout callout-danger', role: 'alert' }, error) : null,
    stateAdvice(worker),
    facts([
      ['Description', worker.description === '' ? h('span', { class: 'muted' }, 'none') : worker.description],
      ['Tags', tagList(worker.tags)],
      ['Capacity', `${worker.runningTaskCount} running of MaxTaskCount ${worker.maxTaskCount}`],
      ['Last seen', timeAgo(worker.lastOnlineTime)],
      ['Machine', worker.machineName],
      ['Worker ID', mono(worker.workerAgentId)],
      ['Agent', worker.agentVersion === null ? h('span', { class: 'muted' }, 'not connected yet') : [agentVersionText(worker), ` on ${worker.os ?? 'unknown OS'}`]],
      worker.userAccount === null ? null : ['Runs as', worker.userAccount],
      ['Certificate SHA-1', worker.certificate.thumbprintSha1 === null ? h('span', { class: 'muted' }, 'learnt on first contact') : mono(worker.certificate.thumbprintSha1)],
      ['Certificate SHA-256', worker.certificate.thumbprintSha256 === null ? h('span', { class: 'muted' }, 'learnt on first contact') : mono(worker.certificate.thumbprintSha256)],
      ['Certificate expires', certificateExpiry(worker.certificate.notAfter)],
      ['Added', timeAt(worker.createdTime)],
    ]),
  ];
}

/** What the state means and what to do, in one sentence, when there is something to do. */
function stateAdvice(worker: WorkerAgentView): HTMLElement | null {
  const say = (tone: string, text: string): HTMLElement => h('p', { class: `callout callout-${tone}` }, text);
  switch (worker.status) {
    case 'disabled':
      return worker.runningTaskCount > 0
        ? say('warning', `Disabled: finishing ${plural(worker.runningTaskCount, 'running task')}, taking no new one.`)
        : say('neutral', 'Disabled: this worker takes no task until it is enabled.');
    case 'offline':
      return worker.lastOnlineTime === null
        ? say('warning', `Never connected: install and start the worker agent on ${worker.machineName} (scaleout-worker start).`)
        : say('warning', `Not heard from since ${ago(worker.lastOnlineTime)}: is scaleout-worker running on ${worker.machineName}?`);
    case 'online':
      return null;
  }
}

function certificateExpiry(notAfter: string | null): Node {
  if (notAfter === null) return h('span', { class: 'muted' }, 'learnt on first contact');
  const daysLeft = Math.floor((Date.parse(notAfter) - Date.now()) / 86_400_000);
  const when = timeAt(notAfter);
  if (daysLeft < 0) return h('span', { class: 'text-danger' }, when, ' — expired: the worker cannot sign in');
  if (daysLeft < certificateWarningDays) return h('span', { class: 'text-warning' }, when, ` — in ${plural(daysLeft, 'day')}: renew it`);
  return when;
}
