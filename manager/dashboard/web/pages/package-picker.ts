import type { ParameterValue } from '../../../../contracts/common.js';
import { describeFieldErrors } from '../../../../contracts/field-errors.js';
import type { PackageView, ProjectVersionView } from '../../../../contracts/management/views.js';
import type { ErrorDescription } from '../api/describe-error.js';
import { h } from '../ui/dom.js';
import { field } from '../ui/forms.js';
import { parameterInput, type ParameterInput } from './parameter-input.js';

export interface PickedPackage {
  project: ProjectVersionView;
  pkg: PackageView;
}

export interface PackagePicker {
  /** The "Package" fieldset: the choice, what the package runs, and its declared parameters as inputs. */
  element: HTMLFieldSetElement;
  /** Fills the choice with the deployed projects; `wanted` (`folder/project/package`) is preselected. */
  fill(projects: readonly ProjectVersionView[], wanted?: string): void;
  /** The chosen package and its parameter values; each problem is pushed as a field error instead. */
  read(problems: ErrorDescription['fields']): { picked: PickedPackage; parameters: Record<string, ParameterValue> } | undefined;
}

/** Choosing a package of a deployed project and its parameter values: for a new execution and a new schedule. */
export function packagePicker(): PackagePicker {
  const select = h('select', { name: 'packageName', required: true }, h('option', { value: '' }, 'Loading packages…'));
  const info = h('p', { class: 'hint', id: 'package-info' });
  const parameterRegion = h('div', { class: 'stack' });
  let packages: PickedPackage[] = [];
  let inputs: { name: string; input: ParameterInput }[] = [];

  const selected = (): PickedPackage | undefined => packages.find(({ project, pkg }) => keyOf(project, pkg) === select.value);

  function showPackage(): void {
    const chosen = selected();
    inputs = [];
    if (!chosen) {
      info.textContent = '';
      parameterRegion.replaceChildren();
      return;
    }
    const { pkg } = chosen;
    info.textContent = [pkg.description, `Runs ${pkg.entry} with the ${pkg.runner} runner.`].filter((s) => s !== '').join(' ');
    inputs = pkg.parameters.map((parameter) => ({ name: parameter.name, input: parameterInput(parameter) }));
    parameterRegion.replaceChildren(
      inputs.length === 0
        ? h('p', { class: 'muted' }, 'This package declares no parameter.')
        : h('fieldset', { class: 'parameters' }, h('legend', {}, 'Parameters'), inputs.map(({ input }) => input.element)),
    );
  }

  select.addEventListener('change', () => showPackage());
  return {
    element: h('fieldset', { class: 'card' }, h('legend', {}, 'Package'), field('Package', select), info, parameterRegion),
    fill(projects, wanted = '') {
      packages = projects.flatMap((project) => project.packages.map((pkg) => ({ project, pkg })));
      select.replaceChildren(
        h('option', { value: '' }, projects.length === 0 ? 'No project is deployed yet' : 'Choose a package'),
        ...projects.map((project) =>
          h(
            'optgroup',
            { label: `${project.folderName} / ${project.projectName} (version ${project.versionNumber})` },
            project.packages.map((pkg) => {
              const value = keyOf(project, pkg);
              return h('option', { value, selected: value === wanted }, pkg.name);
            }),
          ),
        ),
      );
      showPackage();
    },
    read(problems) {
      const picked = selected();
      if (!picked) problems.push({ field: 'packageName', reason: 'choose a package' });
      const parameters: Record<string, ParameterValue> = {};
      for (const { name, input } of inputs) {
        try {
          const value = input.read();
          if (value !== undefined) parameters[name] = value;
        } catch (error) {
          problems.push({ field: `parameters.${name}`, reason: error instanceof Error ? error.message : String(error) });
        }
      }
      return picked && { picked, parameters };
    },
  };
}

const keyOf = (project: ProjectVersionView, pkg: PackageView): string => `${project.folderName}/${project.projectName}/${pkg.name}`;

/** Field errors found before sending, shown as the master's would be. */
export class FormErrors extends Error {
  constructor(readonly fields: ErrorDescription['fields']) {
    super(describeFieldErrors(fields));
  }
}
