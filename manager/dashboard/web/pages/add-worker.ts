import type { EndpointInput, EndpointOutput } from '../../../../contracts/endpoint.js';
import { addWorker } from '../../../../contracts/management/endpoints.js';
import type { CertificateSummary } from '../../../../contracts/management/views.js';
import { parseWorkerSettingsFile, WorkerSettingsFileError, type WorkerSettingsFile } from '../../../../contracts/worker-settings-file.js';
import { describeError, isAbort, type ErrorDescription } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { timeAt } from '../ui/badges.js';
import { h } from '../ui/dom.js';
import { facts, mono, parseTags } from '../ui/facts.js';
import { clearFormErrors, errorSummary, field, showFormErrors } from '../ui/forms.js';
import { agentDownloadsCard } from './agent-downloads.js';
import { readCertificateFile } from './certificate-file.js';
import { joinCommandCard } from './join-command.js';

type AddWorkerBody = EndpointInput<typeof addWorker>['body'];
type Validated = EndpointOutput<typeof addWorker>;

/**
 * Scale Out Manager's "add worker", step by step: the worker's certificate (file or thumbprint) → Validate (the
 * master checks it and stores nothing) → the certificate and the actions to take → a confirm checkbox → Add.
 * Changing anything after validating asks for a new validation, so what is added is what was shown.
 */
export const addWorkerPage: PageFactory = (context) => {
  context.setTitle('Add a worker');
  const byFile = h('input', { type: 'radio', name: 'source', value: 'file', checked: true });
  const byThumbprint = h('input', { type: 'radio', name: 'source', value: 'thumbprint' });
  const bySettings = h('input', { type: 'radio', name: 'source', value: 'settings' });
  const certificateFile = h('input', { type: 'file', name: 'certificate', accept: '.pem,.crt,.cer,.der' });
  const thumbprint = h('input', { type: 'text', name: 'thumbprint', class: 'mono', autocomplete: 'off', spellcheck: 'false' });
  const fileField = field('Certificate file', certificateFile, 'PEM or DER (.pem, .crt, .cer). Only the certificate: its private key stays on the worker.');
  const thumbprintField = field(
    'Certificate thumbprint',
    thumbprint,
    'SHA-1 (40 hex digits) or SHA-256 (64). The worker presents the certificate on first contact; the master checks it against this.',
  );
  thumbprintField.hidden = true;
  const settingsFile = h('input', { type: 'file', name: 'settings', accept: '.json' });
  const settingsRead = h('p', { class: 'small muted', role: 'status' });
  const settingsField = field(
    'WorkerSettings.json',
    settingsFile,
    "The worker's settings file (scaleout-worker init writes it beside the certificate): its WorkerHttpsCertThumbprint, and its DisplayName, Description, Tags and MaxTaskCount for the fields below that are empty.",
  );
  settingsField.append(settingsRead);
  settingsField.hidden = true;
  let settings: WorkerSettingsFile | undefined;
  const displayName = h('input', { type: 'text', name: 'displayName', maxlength: 256 });
  const machineName = h('input', { type: 'text', name: 'machineName', maxlength: 256 });
  const description = h('textarea', { name: 'description', rows: 2, maxlength: 1024 });
  const tags = h('input', { type: 'text', name: 'tags' });
  const maxTaskCount = h('input', { type: 'number', name: 'maxTaskCount', min: 1, max: 1000, step: 1, placeholder: '10', class: 'input-short' });
  const summary = errorSummary();
  const validate = h('button', { type: 'submit', class: 'button button-primary' }, 'Validate');
  const review = h('section', { class: 'card review', 'aria-labelledby': 'review-heading', hidden: true });
  const stale = h('p', { class: 'callout callout-warning', role: 'status', hidden: true }, 'You changed the worker after validating it: validate again before adding it.');

  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'add-heading' },
    summary,
    h(
      'fieldset',
      { class: 'card' },
      h('legend', {}, 'Worker certificate'),
      h(
        'div',
        { class: 'choices' },
        h('label', {}, byFile, ' Upload the certificate file'),
        h('label', {}, byThumbprint, ' Enter its thumbprint'),
        h('label', {}, bySettings, " Read the worker's WorkerSettings.json"),
      ),
      fileField,
      thumbprintField,
      settingsField,
    ),
    h(
      'fieldset',
      { class: 'card' },
      h('legend', {}, 'About the worker (optional)'),
      h(
        'div',
        { class: 'grid-2' },
        field('Display name', displayName, 'Shown in Worker Manager; the machine name when empty.'),
        field('Machine name', machineName, 'Taken from the certificate\'s common name when empty.'),
      ),
      field('Description', description),
      h('div', { class: 'grid-2' }, field('Tags', tags, 'Separated by commas.'), field('MaxTaskCount', maxTaskCount, 'Tasks it runs at once; 10 when empty.')),
    ),
    stale,
    h('div', { class: 'actions actions-start' }, validate, h('a', { class: 'button', href: '#/workers' }, 'Cancel')),
  );

  let validated: { body: AddWorkerBody; answer: Validated } | undefined;

  for (const radio of [byFile, byThumbprint, bySettings]) {
    radio.addEventListener('change', () => {
      fileField.hidden = !byFile.checked;
      thumbprintField.hidden = !byThumbprint.checked;
      settingsField.hidden = !bySettings.checked;
    });
  }
  settingsFile.addEventListener('change', () => void readSettings());

  /** As SSIS Scale Out Manager reads the worker's configuration: what it says fills what the form leaves empty. */
  async function readSettings(): Promise<void> {
    settings = undefined;
    settingsRead.textContent = '';
    const file = settingsFile.files?.[0];
    if (!file) return;
    clearFormErrors(form, summary);
    try {
      settings = parseWorkerSettingsFile(await file.text());
    } catch (error) {
      const reason = error instanceof WorkerSettingsFileError ? error.message : String(error);
      showFormErrors(form, summary, new FormProblem('settings', reason).description);
      return;
    }
    const fill = (input: HTMLInputElement | HTMLTextAreaElement, value: string | undefined): void => {
      if (input.value === '' && value !== undefined) input.value = value;
    };
    fill(displayName, settings.displayName);
    fill(description, settings.description);
    fill(tags, settings.tags?.join(', '));
    fill(maxTaskCount, settings.maxTaskCount?.toString());
    settingsRead.textContent = settings.thumbprint ? `Read ${file.name}: WorkerHttpsCertThumbprint ${settings.thumbprint}.` : '';
  }
  form.addEventListener('input', invalidate);
  form.addEventListener('change', invalidate);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void runValidation();
  });

  function invalidate(): void {
    if (!validated) return;
    validated = undefined;
    review.hidden = true;
    stale.hidden = false;
  }

  async function requestBody(): Promise<AddWorkerBody> {
    const body: AddWorkerBody = { validateOnly: true };
    if (byFile.checked) {
      const file = certificateFile.files?.[0];
      if (!file) throw new FormProblem('certificate', 'choose the worker\'s certificate file');
      try {
        body.certificate = await readCertificateFile(file);
      } catch (error) {
        throw new FormProblem('certificate', error instanceof Error ? error.message : String(error));
      }
    } else if (bySettings.checked) {
      if (!settingsFile.files?.[0] || !settings) throw new FormProblem('settings', "choose the worker's WorkerSettings.json");
      if (!settings.thumbprint) {
        const named = settings.certificateFile ? `; upload the certificate file it names (${settings.certificateFile.path}) instead` : '';
        throw new FormProblem('settings', `has no WorkerHttpsCertThumbprint${named}`);
      }
      body.thumbprint = settings.thumbprint;
    } else {
      if (thumbprint.value.trim() === '') throw new FormProblem('thumbprint', 'enter the certificate\'s thumbprint');
      body.thumbprint = thumbprint.value.trim();
    }
    if (displayName.value.trim() !== '') body.displayName = displayName.value.trim();
    if (machineName.value.trim() !== '') body.machineName = machineName.value.trim();
    if (description.value !== '') body.description = description.value;
    if (tags.value.trim() !== '') body.tags = parseTags(tags.value);
    if (maxTaskCount.value !== '') body.maxTaskCount = maxTaskCount.valueAsNumber;
    return body;
  }

  async function runValidation(): Promise<void> {
    clearFormErrors(form, summary);
    validate.disabled = true;
    try {
      const body = await requestBody();
      const answer = await context.call(addWorker, { body });
      validated = { body, answer };
      stale.hidden = true;
      showReview(answer);
    } catch (error) {
      if (isAbort(error)) return;
      showFormErrors(form, summary, error instanceof FormProblem ? error.description : describeError(error));
    } finally {
      validate.disabled = false;
    }
  }

  function showReview(answer: Validated): void {
    const confirm = h('input', { type: 'checkbox', id: 'confirm-add' });
    const add = h('button', { type: 'button', class: 'button button-primary', disabled: true }, 'Add worker');
    const addError = h('div', { class: 'callout callout-danger', role: 'alert', hidden: true });
    confirm.addEventListener('change', () => {
      add.disabled = !confirm.checked;
    });
    add.addEventListener('click', () => void commit(add, addError));
    review.replaceChildren(
      h('h2', { id: 'review-heading', tabindex: '-1' }, 'Validated: review and confirm'),
      answer.certificate
        ? certificateFacts(answer.certificate)
        : h('p', { class: 'callout callout-info' }, 'Added by thumbprint: the master learns the certificate when the worker first connects, and checks it against the thumbprint.'),
      h('h3', {}, 'Actions to take'),
      h('ol', { class: 'steps' }, answer.nextSteps.map((step) => h('li', {}, step))),
      h('div', { class: 'confirm' }, confirm, h('label', { for: 'confirm-add' }, 'I have read these actions. Add this worker; it starts disabled until it is enabled.')),
      addError,
      h('div', { class: 'actions actions-start' }, add),
    );
    review.hidden = false;
    review.querySelector<HTMLElement>('h2')?.focus();
    context.announce('The certificate is valid. Review the actions, confirm, then add the worker.');
  }

  async function commit(button: HTMLButtonElement, addError: HTMLElement): Promise<void> {
    if (!validated) return;
    button.disabled = true;
    addError.hidden = true;
    try {
      const added = await context.call(addWorker, { body: { ...validated.body, validateOnly: false } });
      const worker = added.worker!;
      context.flash(`${worker.displayName} was added. It is disabled until you enable it, once its agent is installed and started.`);
      context.navigate(href(['workers', worker.workerAgentId]));
    } catch (error) {
      if (isAbort(error)) return;
      addError.textContent = describeError(error).message;
      addError.hidden = false;
      button.disabled = false;
      button.focus();
    }
  }

  return {
    element: h(
      'div',
      { class: 'narrow' },
      h('nav', { 'aria-label': 'Breadcrumb', class: 'breadcrumb' }, h('a', { href: '#/workers' }, 'Worker Manager'), ' / '),
      h('div', { class: 'page-header' }, h('h1', { id: 'add-heading' }, 'Add a worker')),
      h('div', { class: 'add-worker-paths' }, joinCommandCard(context), agentDownloadsCard(context)),
      h('h2', {}, 'Or, as in SSIS: by its certificate'),
      h('p', { class: 'lead' }, 'A worker is known by its certificate, as in SSIS. Give the certificate, validate it, review what to do on the worker machine, then add the worker.'),
      form,
      review,
    ),
  };
};

function certificateFacts(certificate: CertificateSummary): HTMLElement {
  return h(
    'div',
    {},
    certificate.clientAuth ? null : h('p', { class: 'callout callout-warning' }, 'This certificate does not allow client authentication.'),
    facts([
      ['Subject', mono(certificate.subject)],
      ['Issuer', mono(certificate.issuer)],
      ['SHA-1 thumbprint', mono(certificate.thumbprintSha1)],
      ['SHA-256 thumbprint', mono(certificate.thumbprintSha256)],
      ['Valid from', timeAt(certificate.notBefore)],
      ['Valid until', timeAt(certificate.notAfter)],
      ['Key', certificate.keyAlgorithm],
      ['Client authentication', certificate.clientAuth ? 'allowed' : 'not allowed'],
    ]),
  );
}

/** A problem found in the form before asking the master. */
class FormProblem extends Error {
  readonly description: ErrorDescription;
  constructor(field: string, reason: string) {
    super(reason);
    this.description = { message: 'Please correct the form.', fields: [{ field, reason }] };
  }
}
