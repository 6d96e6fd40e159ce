import type { EndpointInput } from '../../../../contracts/endpoint.js';
import { createSchedule, listProjects } from '../../../../contracts/management/endpoints.js';
import { describeError, isAbort, type ErrorDescription } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { h } from '../ui/dom.js';
import { clearFormErrors, errorSummary, field, showFormErrors } from '../ui/forms.js';
import { actionKey } from '../api/action-key.js';
import { FormErrors, packagePicker } from './package-picker.js';

type CreateBody = EndpointInput<typeof createSchedule>['body'];

/**
 * A new schedule (a SQL Server Agent job running a package): the package and its values, a cron expression read
 * in a time zone, what to do with runs missed during downtime, and whether it starts enabled. The form checks
 * what it can before sending; the master checks the rest (the cron fields, the values) and names the field.
 */
export const newSchedulePage: PageFactory = (context) => {
  context.setTitle('New schedule');
  const picker = packagePicker();
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 128, autocomplete: 'off' });
  const cron = h('input', { type: 'text', name: 'cron', required: true, class: 'mono', placeholder: '0 2 * * *', autocomplete: 'off', spellcheck: 'false' });
  const timeZone = h('input', { type: 'text', name: 'timeZone', value: 'UTC', autocomplete: 'off', spellcheck: 'false' });
  const misfire = h(
    'select',
    { name: 'misfirePolicy' },
    h('option', { value: 'run-once' }, 'Run once (the missed runs count as one)'),
    h('option', { value: 'skip' }, 'Skip (the missed runs are dropped)'),
  );
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: true });
  const summary = errorSummary();
  const create = h('button', { type: 'submit', class: 'button button-primary' }, 'Create schedule');

  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'new-heading' },
    summary,
    h('fieldset', { class: 'card' }, h('legend', {}, 'Schedule'), field('Name', name, 'Unique, e.g. nightly extract.')),
    picker.element,
    h(
      'fieldset',
      { class: 'card' },
      h('legend', {}, 'When'),
      field('Cron expression', cron, '5 fields: minute hour day-of-month month day-of-week (or 6, seconds first). 0 2 * * * is 02:00 every day; */15 * * * 1-5 every 15 minutes on weekdays.'),
      field('Time zone', timeZone, 'The IANA zone the expression is read in, e.g. Europe/Paris: 02:00 stays 02:00 across daylight saving time.'),
      field('After downtime', misfire),
      h('label', { class: 'checkbox' }, enabled, ' Enabled: start running on schedule at once'),
    ),
    h('div', { class: 'actions actions-start' }, create, h('a', { class: 'button', href: '#/schedules' }, 'Cancel')),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });

  function requestBody(): CreateBody {
    const problems: ErrorDescription['fields'] = [];
    if (name.value.trim() === '') problems.push({ field: 'name', reason: 'give the schedule a name' });
    const chosen = picker.read(problems);
    const fields = cron.value.trim().split(/\s+/).filter((f) => f !== '').length;
    if (fields !== 5 && fields !== 6) {
      problems.push({ field: 'cron', reason: `expected 5 fields (minute hour day month weekday) or 6 (seconds first), got ${fields}` });
    }
    if (!isTimeZone(timeZone.value.trim())) problems.push({ field: 'timeZone', reason: 'not an IANA time zone (e.g. UTC, Europe/Paris)' });
    if (problems.length > 0 || !chosen) throw new FormErrors(problems);
    const { picked, parameters } = chosen;
    return {
      name: name.value.trim(),
      folderName: picked.project.folderName,
      projectName: picked.project.projectName,
      packageName: picked.pkg.name,
      parameters,
      cron: cron.value.trim(),
      timeZone: timeZone.value.trim(),
      misfirePolicy: misfire.value === 'skip' ? 'skip' : 'run-once',
      enabled: enabled.checked,
    };
  }

  const createKey = actionKey();

  async function submit(): Promise<void> {
    clearFormErrors(form, summary);
    create.disabled = true;
    try {
      const body = requestBody();
      const created = await context.call(createSchedule, { body }, { idempotencyKey: createKey(body) });
      context.flash(`Schedule ${created.name} was created${created.isEnabled ? '' : ' (disabled)'}.`);
      context.navigate('#/schedules');
    } catch (error) {
      if (isAbort(error)) return;
      showFormErrors(form, summary, error instanceof FormErrors ? { message: 'Please correct the form.', fields: error.fields } : describeError(error));
      create.disabled = false;
    }
  }

  void (async () => {
    try {
      picker.fill((await context.call(listProjects, {})).projects);
    } catch (error) {
      if (!isAbort(error)) showFormErrors(form, summary, describeError(error));
    }
  })();
  return {
    element: h(
      'div',
      { class: 'narrow' },
      h('nav', { 'aria-label': 'Breadcrumb', class: 'breadcrumb' }, h('a', { href: '#/schedules' }, 'Schedules'), ' / '),
      h('div', { class: 'page-header' }, h('h1', { id: 'new-heading' }, 'New schedule')),
      form,
    ),
  };
};

/** The browser knows the zone (it uses the same IANA database as the master). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone !== '';
  } catch {
    return false;
  }
}
