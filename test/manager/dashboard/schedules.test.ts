import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEndpoint } from '../../../contracts/client.js';
import {
  addWorker,
  createApiKey,
  createExecution,
  deployProject,
  enableScaleOut,
  enableWorker,
  listExecutionEvents,
} from '../../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../../contracts/node-https-transport.js';
import { startChildExecution } from '../../../contracts/task-api.js';
import { claimTasks, postEvents, type ClaimedTask } from '../../../contracts/worker-protocol.js';
import { browserUnavailable, launchChromium, openPage, screenshot, signIn, type TestPage } from '../../support/browser.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller } from '../../support/test-worker.js';
import { until } from '../../support/until.js';
import { grantFolders } from '../../support/folder-permissions.js';

/**
 * The Schedules page as an executor and as a reader, and an execution's tree on its page, in Debian's Chromium.
 */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard: schedules and execution trees${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  let worker: WorkerCaller & { close(): void };
  const tabs: TestPage[] = [];

  async function signedIn(apiKey: string): Promise<Page> {
    const tab = await openPage(browser, master.url);
    tabs.push(tab);
    await signIn(tab.page, apiKey);
    return tab.page;
  }

  const claim = () =>
    until('a task offered', async () => (await worker(claimTasks, { body: { freeSlots: 1, waitMs: 1000 } })).tasks[0] ?? false);

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    await master.admin(enableScaleOut, {});
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) });
    const identity = await createWorkerIdentity('node-s');
    const workerAgentId = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId } });
    worker = workerCaller(identity, master.url, master.host.certificateThumbprint);
    browser = await launchChromium();
  });

  afterAll(async () => {
    worker?.close();
    await browser?.close();
    await master?.stop();
  });

  afterAll(() => {
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  });

  it('an executor creates a schedule, with each bad field named, then enables it', async () => {
    const executor = await master.admin(createApiKey, { body: { name: 'scheduler', role: 'executor' } });
    await grantFolders(master, executor.apiKey.apiKeyId, 'executor', ['Finance']);
    const page = await signedIn(executor.secret);
    await page.getByRole('link', { name: 'Schedules' }).click();
    await page.getByRole('heading', { name: 'Schedules', level: 1 }).waitFor();
    await page.getByText('No schedule yet.').waitFor();
    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.getByRole('heading', { name: 'New schedule', level: 1 }).waitFor();
    await page.getByLabel('Package').locator('option', { hasText: 'extract' }).waitFor({ state: 'attached' });

    // Nothing filled in: the form names every field it can check before sending.
    await page.getByRole('button', { name: 'Create schedule' }).click();
    const summary = page.getByRole('alert');
    await summary.getByText('Please correct the form.').waitFor();
    expect(await summary.getByRole('listitem').allTextContents()).toEqual([
      'Name: give the schedule a name',
      'Package: choose a package',
      'Cron expression: expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 0',
    ]);
    expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'schedule-form-errors');

    // The master checks the cron fields themselves and the package's values, and names them too.
    await page.getByLabel('Name').fill('nightly');
    await page.getByLabel('Package').selectOption({ label: 'extract' });
    await page.locator('[name="parameters.SourcePath"]').fill('/data/in.csv');
    await page.getByLabel('Cron expression').fill('61 2 * * *');
    await page.getByLabel('Time zone').fill('Europe/Paris');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await until('the cron field marked', async () => (await page.getByLabel('Cron expression').getAttribute('aria-invalid')) === 'true');
    expect(await summary.getByRole('listitem').first().textContent()).toMatch(/^Cron expression: /);

    await page.getByLabel('Cron expression').fill('0 2 * * *');
    await page.getByLabel('Enabled: start running on schedule at once').uncheck();
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.locator('#main').getByText('Schedule nightly was created (disabled).').waitFor();
    const row = page.locator('tr[data-schedule="nightly"]');
    await row.getByText('Disabled').waitFor();
    expect(await row.textContent()).toContain('Europe/Paris');

    await row.getByRole('button', { name: 'Enable nightly' }).click();
    await row.getByText('Enabled', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Disable nightly' }).waitFor();
    await screenshot(page, 'schedules');
  });

  it('a reader sees the schedules without New schedule, Enable or Disable', async () => {
    const reader = await master.admin(createApiKey, { body: { name: 'wallboard', role: 'reader' } });
    await grantFolders(master, reader.apiKey.apiKeyId, 'reader', ['Finance']);
    const page = await signedIn(reader.secret);
    await page.goto('/#/schedules');
    await page.locator('tr[data-schedule="nightly"]').getByText('Enabled', { exact: true }).waitFor();
    expect(await page.getByRole('columnheader').allTextContents()).toEqual(['Name', 'Package', 'When', 'State', 'Next run', 'Last run']);
    expect(await page.getByRole('link', { name: 'New schedule' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: /^(Enable|Disable) / }).count()).toBe(0);
    await screenshot(page, 'schedules-reader');
  });

  it("an execution's page lists its children, linked, with their keys, and their lines in its log", async () => {
    const parent = await master.admin(createExecution, {
      body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true },
    });
    const parentTask: ClaimedTask = await claim();
    expect(parentTask.executionId).toBe(parent.executionId);
    const transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    const child = await callEndpoint(
      transport,
      startChildExecution,
      { body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', key: 'p1' } },
      { headers: { authorization: `Bearer ${parentTask.taskCredential}` } },
    );
    transport.close();
    const childTask = await claim();
    const line = (sequenceNumber: number, secondsAgo: number, message: string) =>
      ({ sequenceNumber, time: new Date(Date.now() - secondsAgo * 1000).toISOString(), type: 'information' as const, source: 'stdout', message });
    await worker(postEvents, { params: { taskId: childTask.taskId }, body: { attemptNumber: 1, events: [line(1, 2, 'loading partition 1')] } });
    await until('the child line in the catalog', async () =>
      (await master.admin(listExecutionEvents, { params: { executionId: child.executionId } })).events.length > 0,
    );
    // The parent's lines land after its child's, one of them written before: the log still reads in time order.
    await worker(postEvents, { params: { taskId: parentTask.taskId }, body: { attemptNumber: 1, events: [line(1, 5, 'fanning out'), line(2, 1, 'waiting for p1')] } });
    await until('the parent lines in the catalog', async () =>
      (await master.admin(listExecutionEvents, { params: { executionId: parent.executionId } })).events.length === 2,
    );

    const page = await signedIn(master.adminKey);
    await page.goto(`/#/executions/${parent.executionId}`);
    await page.getByRole('heading', { name: 'Children (1)' }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(`Execution ${child.executionId} p1`) });
    await row.waitFor();
    await page.getByRole('log').getByText('[p1]').waitFor();
    await page.getByRole('log').getByText('waiting for p1').waitFor();
    expect(await page.getByRole('log').locator('.log-message').allTextContents()).toEqual(['fanning out', 'loading partition 1', 'waiting for p1']);
    await screenshot(page, 'execution-tree');

    await row.getByRole('link', { name: `Execution ${child.executionId}` }).click();
    await page.getByRole('heading', { name: `Execution ${child.executionId}`, level: 1 }).waitFor();
    await page.getByRole('link', { name: `Execution ${parent.executionId}` }).waitFor();
    expect(await page.getByText(/ as p1$/).count()).toBeGreaterThan(0);
  });
});
