import type { WorkerAgentView } from '../../../../contracts/management/views.js';
import { h } from '../ui/dom.js';
import { parseTags } from '../ui/facts.js';
import { errorSummary, field } from '../ui/forms.js';

export interface WorkerChanges {
  displayName?: string;
  description?: string;
  tags?: string[];
  maxTaskCount?: number;
}

/**
 * Worker Manager's "Edit": display name, description, tags and MaxTaskCount (SSISDB set_worker_agent_property).
 * Saves only what changed. `save` rejects to keep the form open; the caller shows why in `summary`.
 */
export function workerEditForm(
  worker: WorkerAgentView,
  handlers: { save(changes: WorkerChanges, form: HTMLFormElement, summary: HTMLElement): Promise<void>; cancel(): void },
): HTMLFormElement {
  const displayName = h('input', { type: 'text', name: 'displayName', value: worker.displayName, required: true, maxlength: 256 });
  const description = h('textarea', { name: 'description', rows: 3, maxlength: 1024 }, worker.description);
  const tags = h('input', { type: 'text', name: 'tags', value: worker.tags.join(', ') });
  const maxTaskCount = h('input', { type: 'number', name: 'maxTaskCount', value: worker.maxTaskCount, min: 1, max: 1000, step: 1, required: true, class: 'input-short' });
  const summary = errorSummary();
  const save = h('button', { type: 'submit', class: 'button button-primary' }, 'Save');
  const cancel = h('button', { type: 'button', class: 'button' }, 'Cancel');
  cancel.addEventListener('click', () => handlers.cancel());

  const form = h(
    'form',
    { class: 'stack', 'aria-labelledby': 'edit-heading', novalidate: true },
    h('h2', { id: 'edit-heading', tabindex: '-1' }, `Edit ${worker.displayName}`),
    summary,
    field('Display name', displayName),
    field('Description', description),
    field('Tags', tags, 'Separated by commas. Executions can require tags to pick their workers.'),
    field('MaxTaskCount', maxTaskCount, 'How many tasks this worker runs at once (1–1000).'),
    h('div', { class: 'actions actions-start' }, save, cancel),
  );
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') handlers.cancel();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const changes: WorkerChanges = {};
    if (displayName.value.trim() !== worker.displayName) changes.displayName = displayName.value.trim();
    if (description.value !== worker.description) changes.description = description.value;
    const newTags = parseTags(tags.value);
    if (newTags.join(',') !== worker.tags.join(',')) changes.tags = newTags;
    if (maxTaskCount.valueAsNumber !== worker.maxTaskCount) changes.maxTaskCount = maxTaskCount.valueAsNumber;
    save.disabled = true;
    void handlers.save(changes, form, summary).finally(() => {
      save.disabled = false;
    });
  });
  return form;
}
