import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEnvironment,
  createEnvironmentVariable,
  getEnvironment,
  listEnvironmentReferences,
  listEnvironments,
  listObjectParameters,
} from '../../../contracts/management/environment-endpoints.js';
import { createApiKey, deployProject } from '../../../contracts/management/endpoints.js';
import { browserUnavailable, launchChromium, openPage, signIn, type TestPage } from '../../support/browser.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { grantFolders } from '../../support/folder-permissions.js';

const secret = 'tok-7f3a9c1e-dashboard-secret';

/**
 * The Environments page and a project's configuration and references, as an executor and as a reader, in Debian's
 * Chromium: a sensitive value typed into the form reaches the master and comes back in no page text or answer.
 */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard: environments and project configuration${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  const tabs: TestPage[] = [];
  const project = { folderName: 'Finance', projectName: 'ETL' };
  /** Every answer the master gave the browser, and every request body the browser sent. */
  const answers: string[] = [];
  const sent: string[] = [];

  async function signedIn(apiKey: string): Promise<Page> {
    const tab = await openPage(browser, master.url);
    tabs.push(tab);
    tab.page.on('request', (request) => sent.push(request.postData() ?? ''));
    tab.page.on('response', (response) => void response.text().then((text) => answers.push(text), () => undefined));
    await signIn(tab.page, apiKey);
    return tab.page;
  }

  const variableRows = (page: Page, environment: string): Promise<string[][]> =>
    page
      .getByRole('table', { name: `Variables of ${environment}` })
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => [...row.children].slice(0, 3).map((cell) => (cell.textContent ?? '').trim())));

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    await master.admin(deployProject, { params: project, body: await zipFiles(sampleProjectFiles()) });
    await master.admin(createEnvironment, { params: { folderName: 'Shared' }, body: { name: 'Common' } });
    await master.admin(createEnvironmentVariable, { params: { folderName: 'Shared', environmentName: 'Common' }, body: { name: 'SourcePath', dataType: 'String', value: '/shared/in.csv' } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await master?.stop();
  });

  afterAll(() => {
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  });

  it('an executor creates an environment with a sensitive variable that no page or answer shows afterwards', async () => {
    const executor = await master.admin(createApiKey, { body: { name: 'release manager', role: 'executor' } });
    await grantFolders(master, executor.apiKey.apiKeyId, 'executor', ['Finance', 'Shared']);
    const page = await signedIn(executor.secret);
    await page.getByRole('link', { name: 'Environments' }).click();
    await page.getByRole('heading', { name: 'Environments', level: 1 }).waitFor();
    await page.locator('[data-environment="Shared/Common"]').waitFor();

    const newForm = page.getByRole('form', { name: 'New environment' });
    await newForm.getByLabel('Folder').fill('Finance');
    await newForm.getByLabel('Environment name').fill('Prod');
    await newForm.getByLabel('Environment description').fill('production sources');
    await newForm.getByRole('button', { name: 'Create environment' }).click();
    const prod = page.getByRole('region', { name: 'Finance / Prod' });
    await prod.getByText('No variables yet.').waitFor();
    await prod.getByText('production sources').waitFor();

    const add = async (name: string, dataType: string, value: string, sensitive = false): Promise<void> => {
      const form = prod.getByRole('form', { name: 'Add a variable to Finance / Prod' });
      await form.getByLabel('Variable name').fill(name);
      await form.getByLabel('Type').selectOption(dataType);
      if (sensitive) await form.getByLabel('Sensitive').check();
      await form.getByLabel('Value', { exact: true }).fill(value);
      await form.getByRole('button', { name: 'Add variable' }).click();
      await prod.locator(`tr[data-variable="${name}"]`).waitFor();
    };
    await add('SourcePath', 'String', '/prod/in.csv');
    await add('ApiToken', 'String', secret, true);
    await add('BatchSize', 'Int32', '500');
    await add('Obsolete', 'Boolean', 'true');
    expect(await prod.getByLabel('Value', { exact: true }).getAttribute('type')).toBe('text');

    // A value that does not fit the type is refused naming it, and nothing changes.
    const batch = prod.getByRole('form', { name: 'Set BatchSize' });
    await batch.getByLabel('New value of BatchSize').fill('lots');
    await batch.getByRole('button', { name: 'Set BatchSize' }).click();
    await page.getByRole('alert').getByText(/value.*expected an Int32, got 'lots'/i).waitFor();
    await batch.getByLabel('New value of BatchSize').fill('750');
    await batch.getByRole('button', { name: 'Set BatchSize' }).click();
    await prod.locator('tr[data-variable="BatchSize"]').getByText('750').waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'lots' }).isVisible()).toBe(false);

    expect(await prod.getByRole('form', { name: 'Set ApiToken' }).getByLabel('New value of ApiToken').getAttribute('type')).toBe('password');
    await prod.getByRole('button', { name: 'Delete Obsolete' }).click();
    await prod.locator('tr[data-variable="Obsolete"]').waitFor({ state: 'detached' });
    expect(await variableRows(page, 'Finance / Prod')).toEqual([
      ['ApiToken', 'String Sensitive', '********'],
      ['BatchSize', 'Int32', '750'],
      ['SourcePath', 'String', '/prod/in.csv'],
    ]);

    // Rename, then delete after the dialog, an environment of its own.
    await newForm.getByLabel('Folder').fill('Finance');
    await newForm.getByLabel('Environment name').fill('Test');
    await newForm.getByRole('button', { name: 'Create environment' }).click();
    const test = page.getByRole('region', { name: 'Finance / Test' });
    await test.getByLabel('New name of Finance / Test').fill('Staging');
    await test.getByRole('button', { name: 'Rename' }).click();
    const staging = page.getByRole('region', { name: 'Finance / Staging' });
    await staging.waitFor();
    await staging.getByRole('button', { name: 'Delete Finance / Staging' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete environment' }).click();
    await staging.waitFor({ state: 'detached' });
    const stored = (await master.admin(listEnvironments, { query: {} })).environments.map((e) => `${e.folderName}/${e.name}`);
    expect(stored).toEqual(['Finance/Prod', 'Shared/Common']);

    // The master got the secret once, from the form, and it shows nowhere.
    expect(sent.filter((body) => body.includes(secret))).toHaveLength(1);
    const apiToken = (await master.admin(getEnvironment, { params: { folderName: 'Finance', environmentName: 'Prod' } })).variables.find((v) => v.name === 'ApiToken');
    expect(apiToken).toMatchObject({ sensitive: true, value: null });
    expect(await page.locator('body').innerText()).not.toContain(secret);
    expect(await page.content()).not.toContain(secret);
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((text) => text.includes(secret))).toEqual([]);
  });

  it("an executor configures the project's parameters from a referenced environment", async () => {
    const executor = await master.admin(createApiKey, { body: { name: 'configurer', role: 'executor' } });
    await grantFolders(master, executor.apiKey.apiKeyId, 'executor', ['Finance', 'Shared']);
    const page = await signedIn(executor.secret);
    await page.goto('/#/projects/Finance/ETL');
    const references = page.getByRole('region', { name: 'Environment references' });
    await references.getByText('No environment referenced').waitFor();

    const addReference = references.getByRole('form', { name: 'Reference an environment from Finance / ETL' });
    await addReference.getByLabel('Environment to reference').selectOption('Finance/Prod');
    await addReference.getByRole('button', { name: 'Add reference' }).click();
    await references.getByRole('button', { name: 'Remove reference to Finance / Prod' }).waitFor();
    await addReference.getByLabel('Environment to reference').selectOption('Shared/Common');
    await addReference.getByRole('button', { name: 'Add reference' }).click();
    await references.getByRole('button', { name: 'Remove reference to Shared / Common' }).waitFor();
    expect((await master.admin(listEnvironmentReferences, { params: project })).references.map((r) => [r.referenceType, r.environmentFolderName, r.environmentName])).toEqual([
      ['R', null, 'Prod'],
      ['A', 'Shared', 'Common'],
    ]);
    await references.getByRole('button', { name: 'Remove reference to Shared / Common' }).click();
    await references.getByRole('button', { name: 'Remove reference to Shared / Common' }).waitFor({ state: 'detached' });
    expect((await master.admin(listEnvironmentReferences, { params: project })).references.map((r) => r.environmentName)).toEqual(['Prod']);

    const configuration = page.getByRole('region', { name: 'Configuration' });
    const configure = async (parameter: string, how: 'Value' | 'Environment variable', value: string, shown: string): Promise<void> => {
      const form = configuration.getByRole('form', { name: `Configure extract.${parameter}` });
      await form.getByLabel(`How extract.${parameter} is set`).selectOption({ label: how });
      await form.getByLabel(`New setting of extract.${parameter}`).fill(value);
      await form.getByRole('button', { name: `Set extract.${parameter}` }).click();
      await configuration.locator(`tr[data-parameter="extract.${parameter}"] td:nth-child(4)`).getByText(shown, { exact: true }).waitFor();
    };
    await configuration.locator('tr[data-parameter="extract.BatchSize"]').getByText('Default: 100').waitFor();
    await configure('SourcePath', 'Environment variable', 'SourcePath', 'Variable SourcePath');
    await configure('ApiToken', 'Environment variable', 'ApiToken', 'Variable ApiToken');
    await configure('BatchSize', 'Value', '250', '250');
    expect((await master.admin(listObjectParameters, { params: project })).parameters.map((p) => [p.parameterName, p.valueType, p.value, p.referencedVariableName])).toEqual([
      ['SourcePath', 'R', null, 'SourcePath'],
      ['BatchSize', 'V', 250, null],
      ['ApiToken', 'R', null, 'ApiToken'],
    ]);
  });

  it('a reader sees environments, masked values and the configuration, and no control to change them', async () => {
    const reader = await master.admin(createApiKey, { body: { name: 'auditor', role: 'reader' } });
    await grantFolders(master, reader.apiKey.apiKeyId, 'reader', ['Finance', 'Shared']);
    const page = await signedIn(reader.secret);
    await page.goto('/#/environments?folder=Finance');
    await page.getByRole('heading', { name: 'Environments in Finance', level: 1 }).waitFor();
    await page.locator('tr[data-variable="ApiToken"]').waitFor();
    expect(await variableRows(page, 'Finance / Prod')).toEqual([
      ['ApiToken', 'String Sensitive', '********'],
      ['BatchSize', 'Int32', '750'],
      ['SourcePath', 'String', '/prod/in.csv'],
    ]);
    expect(await page.locator('[data-environment="Shared/Common"]').count()).toBe(0);
    const main = page.getByRole('main');
    expect(await main.getByRole('button').count()).toBe(0);
    expect(await main.getByRole('form').count()).toBe(0);
    expect(await main.getByRole('columnheader', { name: 'Change' }).count()).toBe(0);

    await page.goto('/#/projects/Finance/ETL');
    const configuration = page.getByRole('region', { name: 'Configuration' });
    await configuration.locator('tr[data-parameter="extract.SourcePath"]').getByText('Variable SourcePath').waitFor();
    await page.getByRole('region', { name: 'Environment references' }).getByText('Finance / Prod').waitFor();
    expect(await main.getByRole('button').count()).toBe(0);
    expect(await main.getByRole('form').count()).toBe(0);
    expect(await main.getByRole('columnheader', { name: 'Change' }).count()).toBe(0);
    expect(answers.filter((text) => text.includes(secret))).toEqual([]);
  });
});
