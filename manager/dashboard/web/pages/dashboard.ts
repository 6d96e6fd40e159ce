import type { EndpointOutput } from '../../../../contracts/endpoint.js';
import { addWorker, enableScaleOut, getDashboard } from '../../../../contracts/management/endpoints.js';
import type { MasterStatusView } from '../../../../contracts/management/views.js';
import { describeError, isAbort } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { h, replaceContent } from '../ui/dom.js';
import { facts, mono } from '../ui/facts.js';
import { plural, secondsAgo } from '../ui/format.js';
import { poll } from '../ui/poller.js';
import { refreshNote } from '../ui/refresh-note.js';
import { completionsChart } from './completions-chart.js';

type Dashboard = EndpointOutput<typeof getDashboard>;

const refreshMs = 5_000;

/** SSIS Scale Out Manager's Dashboard: the master, the workers and the executions, at a glance. */
export const dashboardPage: PageFactory = (context) => {
  context.setTitle('Dashboard');
  const note = refreshNote('5 s');
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Loading…'));
  let enableError: string | undefined;
  const mayEnable = context.may(enableScaleOut);
  const mayAddWorker = context.may(addWorker);

  const poller = poll(context.signal, () => refreshMs, async () => {
    try {
      render(await context.call(getDashboard, {}));
      note.succeeded();
    } catch (error) {
      note.failed(error);
    }
  });

  async function enable(button: HTMLButtonElement): Promise<void> {
    if (button.getAttribute('aria-disabled') === 'true') return;
    // Busy, not disabled: a disabled button drops the keyboard focus.
    button.setAttribute('aria-disabled', 'true');
    try {
      await context.call(enableScaleOut, {});
      enableError = undefined;
      context.announce('Scale Out is enabled: workers can now get tasks.');
      // The button goes away with the warning; the master's heading is the nearest place to land.
      document.getElementById('master-heading')?.focus();
    } catch (error) {
      if (isAbort(error)) return;
      enableError = describeError(error).message;
    }
    poller.now();
  }

  function render(data: Dashboard): void {
    replaceContent(body, masterCard(data.master), h('div', { class: 'grid-2 stretch' }, workersCard(data.master), executionsCard(data)), chartCard(data));
  }

  function masterCard(master: MasterStatusView): HTMLElement {
    const heartbeat = master.heartbeatAgeSeconds;
    // Two missed rounds of the safety sweep: the master's timers are not running.
    const stale = heartbeat === null || heartbeat > 2 * master.heartbeatIntervalSeconds;
    const enableButton = h('button', { type: 'button', class: 'button button-primary', 'data-focus-key': 'enable-scaleout' }, 'Enable Scale Out');
    enableButton.addEventListener('click', () => void enable(enableButton));
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'master-heading' },
      h(
        'div',
        { class: 'card-header' },
        h('h2', { id: 'master-heading', tabindex: '-1' }, 'Scale Out Master'),
        master.isScaleOutEnabled
          ? h('span', { class: 'badge badge-success' }, h('span', { class: 'badge-glyph', 'aria-hidden': 'true' }, '●'), 'Scale Out enabled')
          : h('span', { class: 'badge badge-warning' }, h('span', { class: 'badge-glyph', 'aria-hidden': 'true' }, '○'), 'Scale Out not enabled'),
      ),
      master.isScaleOutEnabled
        ? null
        : h(
            'div',
            { class: 'callout callout-warning split' },
            h('p', {}, 'Scale Out is not enabled: no worker gets a task until an administrator enables it.'),
            mayEnable ? enableButton : null,
          ),
      enableError ? h('div', { class: 'callout callout-danger', role: 'alert' }, enableError) : null,
      master.poisonMessages !== null && master.poisonMessages > 0
        ? h(
            'div',
            { class: 'callout callout-warning', role: 'status' },
            h(
              'p',
              {},
              `${master.poisonMessages} poison message${master.poisonMessages === 1 ? '' : 's'}: the master gave up on ` +
                'event lines or timers after several tries. Once the cause is fixed, an administrator retries them with ',
              mono('scaleout master redrive --yes'),
              '.',
            ),
          )
        : null,
      facts(
        [
          ['Address', mono(master.masterAddress ?? 'not set')],
          ['Version', master.version],
          ['Catalog', master.catalogEngine === 'sqlite' ? 'SQLite (embedded)' : 'Azure SQL / SQL Server'],
          [
            'Heartbeat',
            h(
              'span',
              { class: stale ? 'text-warning' : '' },
              heartbeat === null ? 'never: the master\'s timers have not run' : secondsAgo(heartbeat),
              stale && heartbeat !== null ? ' — the master\'s timers may not be running' : '',
            ),
          ],
          ['Poison messages', master.poisonMessages === null ? 'unknown: the queues could not be read' : String(master.poisonMessages)],
          ['Certificate thumbprint', master.certificateThumbprint ? mono(master.certificateThumbprint) : 'none: TLS ends in front of the master'],
        ],
        'facts facts-wide',
      ),
    );
  }

  function workersCard(master: MasterStatusView): HTMLElement {
    const { online, offline, disabled, total } = master.workers;
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'workers-heading' },
      h('div', { class: 'card-header' }, h('h2', { id: 'workers-heading' }, 'Workers'), h('a', { href: '#/workers' }, `Worker Manager (${total})`)),
      h(
        'ul',
        { class: 'tiles' },
        tile('Online', online, online > 0 ? 'success' : 'neutral', '#/workers'),
        tile('Offline', offline, offline > 0 ? 'warning' : 'neutral', '#/workers'),
        tile('Disabled', disabled, 'neutral', '#/workers'),
      ),
      total === 0 ? h('p', { class: 'muted' }, 'No worker is registered yet.', mayAddWorker ? [' ', h('a', { href: '#/workers/new' }, 'Add a worker'), '.'] : null) : null,
    );
  }

  function executionsCard(data: Dashboard): HTMLElement {
    const { running, pending, stopping } = data.master.executions;
    const { succeeded, failed } = data.last24Hours;
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'executions-heading' },
      h('div', { class: 'card-header' }, h('h2', { id: 'executions-heading' }, 'Executions'), h('a', { href: '#/executions' }, 'All executions')),
      h(
        'ul',
        { class: 'tiles' },
        tile('Running', running, running > 0 ? 'info' : 'neutral', href(['executions'], { status: 'running' }), stopping > 0 ? `${stopping} stopping` : undefined),
        tile('Pending', pending, pending > 0 ? 'warning' : 'neutral', href(['executions'], { status: 'pending' })),
        tile('Succeeded', succeeded, 'neutral', href(['executions'], { status: 'succeeded', created: '24h' }), 'last 24 h'),
        tile('Failed', failed, failed > 0 ? 'danger' : 'neutral', href(['executions'], { status: 'failed', created: '24h' }), 'last 24 h'),
      ),
    );
  }

  function chartCard(data: Dashboard): HTMLElement {
    const total = data.completionsPerMinute.reduce((sum, b) => sum + b.succeeded + b.failed, 0);
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'chart-heading' },
      h(
        'div',
        { class: 'card-header' },
        h('h2', { id: 'chart-heading' }, 'Completed executions per minute'),
        h('span', { class: 'muted' }, `last hour · ${plural(total, 'execution')}`),
      ),
      completionsChart(data.completionsPerMinute),
    );
  }

  return {
    element: h('div', {}, h('div', { class: 'page-header' }, h('h1', {}, 'Dashboard'), note.element), body),
  };
};

function tile(label: string, count: number, tone: string, link: string, detail?: string): HTMLLIElement {
  return h(
    'li',
    {},
    h(
      'a',
      { class: `tile tile-${tone}`, href: link, 'data-focus-key': `tile-${label}` },
      h('span', { class: 'tile-count' }, String(count)),
      h('span', { class: 'tile-label' }, label),
      detail ? h('span', { class: 'tile-detail' }, detail) : null,
    ),
  );
}
