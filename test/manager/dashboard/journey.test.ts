import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createExecution, deployProject, enableWorker, getWorker } from '../../../contracts/management/endpoints.js';
import { claimTasks, completeTask, heartbeat, postEvents } from '../../../contracts/worker-protocol.js';
import { browserUnavailable, launchChromium, openPage, screenshot, type TestPage } from '../../support/browser.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller, type WorkerIdentity } from '../../support/test-worker.js';
import { grantFolders } from '../../support/folder-permissions.js';

const agent = { agentVersion: '0.1.0', os: 'linux x64', machineName: 'node-a', userAccount: 'svc-scaleout' };
/** Long enough for a page's auto-refresh (every 5 s) to show a change made elsewhere. */
const refreshWait = { timeout: 15_000 };

/** A status badge saying exactly this word, whatever glyph goes before it. */
const badge = (scope: Locator, word: string): Locator => scope.locator('.badge').filter({ hasText: new RegExp(`^\\W*${word}$`) });

if (browserUnavailable) console.warn(`Dashboard browser tests skipped: ${browserUnavailable}`);

/**
 * The dashboard as a new administrator uses it, in a real Chromium against a real master: sign in, enable
 * Scale Out, add a worker by its certificate file, enable it, edit it, start an execution that a worker really
 * runs, follow it to success and read its log, disable the worker, delete another. Each page is saved as a
 * screenshot under test-results/screenshots/.
 */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard in Chromium${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  let tab: TestPage;
  let page: Page;
  let identity: WorkerIdentity;
  let worker: WorkerCaller & { close(): void };
  let ranOnDeletedWorker: number;

  beforeAll(async () => {
    master = await startTestMaster();
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) });
    identity = await createWorkerIdentity('node-a');
    worker = workerCaller(identity, master.url, master.host.certificateThumbprint);
    browser = await launchChromium();
    tab = await openPage(browser, master.url);
    page = tab.page;
  });

  afterAll(async () => {
    worker?.close();
    await browser?.close();
    await master?.stop();
  });

  it('refuses a wrong key and an unreachable master, saying which', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const wrongKey = master.adminKey.slice(0, -4) + (master.adminKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await page.getByLabel('API key').fill(wrongKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'The master refused the API key: wrong API key.' }).waitFor();
    await screenshot(page, 'sign-in-wrong-key');

    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await alert.filter({ hasText: `Cannot reach the master at ${master.url}` }).waitFor();
    await page.unroute('**/api/**');
  });

  it('signs in, keeps the session across a reload, and enables Scale Out from the dashboard', async () => {
    await page.getByLabel('API key').fill(master.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.getByText('Scale Out not enabled').waitFor();
    expect(await page.getByText(master.host.certificateThumbprint).count()).toBe(1);

    await page.reload();
    await page.getByRole('button', { name: 'Enable Scale Out' }).click();
    await page.getByText('Scale Out enabled').waitFor();
    expect(await page.getByRole('button', { name: 'Enable Scale Out' }).count()).toBe(0);
  });

  it('adds a worker by uploading its certificate: validate, review the actions, confirm, add', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Worker Manager' }).click();
    await page.getByText('No worker yet.').waitFor();
    await page.getByRole('link', { name: 'Add worker' }).first().click();
    await page.getByRole('heading', { name: 'Add a worker', level: 1 }).waitFor();
    await page.getByLabel('Certificate file', { exact: true }).setInputFiles({ name: 'node-a.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(identity.certPem) });
    await page.getByLabel('Tags', { exact: true }).fill('etl, linux');
    await page.getByRole('button', { name: 'Validate' }).click();

    const review = page.getByRole('region', { name: 'Validated: review and confirm' });
    await review.waitFor();
    await review.getByText('CN=node-a').first().waitFor();
    await review.getByText(identity.thumbprintSha1).waitFor();
    await review.getByText(`MasterEndpoint = ${master.url}`, { exact: false }).waitFor();
    const add = review.getByRole('button', { name: 'Add worker' });
    expect(await add.isDisabled()).toBe(true);
    await screenshot(page, 'add-worker');
    await review.getByLabel(/I have read these actions/).check();
    await add.click();

    await page.getByRole('main').getByText('node-a was added. It is disabled until you enable it').waitFor();
    const workerAgentId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    expect((await master.admin(getWorker, { params: { workerAgentId } })).certificate.thumbprintSha1).toBe(identity.thumbprintSha1);
    const details = page.getByRole('region', { name: 'node-a' });
    await badge(details, 'disabled').waitFor();
    await details.getByText(identity.thumbprintSha256).waitFor();
  });

  it('enables the worker, sees it come online, and edits its description', async () => {
    const details = page.getByRole('region', { name: 'node-a' });
    await details.getByRole('button', { name: 'Enable worker' }).click();
    await details.getByText(/Never connected/).waitFor();
    await details.getByRole('button', { name: 'Disable worker' }).waitFor();

    // The worker agent starts on its machine and says hello.
    await worker(heartbeat, { body: { tasks: [], agent } });
    await badge(details, 'online').waitFor(refreshWait);
    await details.getByText('0.1.0 on linux x64').waitFor();

    await details.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit node-a' });
    await form.getByLabel('Description').fill('Nightly ETL on the Linux box');
    await form.getByLabel('MaxTaskCount').fill('4');
    await form.getByRole('button', { name: 'Save' }).click();
    await details.getByText('Saved.').waitFor();
    await details.getByText('Nightly ETL on the Linux box').waitFor();
    await details.getByText('0 running of MaxTaskCount 4').waitFor();
    await page.getByRole('table').getByText('0 / 4').waitFor();
    await screenshot(page, 'worker-manager');
  });

  it('starts an execution with typed parameters, then follows it to success with its log', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
    await page.getByText('No execution yet.').waitFor();
    await page.getByRole('link', { name: 'New execution' }).click();
    await page.getByLabel('Package').selectOption({ label: 'extract' });

    const sourcePath = page.getByLabel(/^SourcePath/);
    const batchSize = page.getByLabel(/^BatchSize/);
    const apiToken = page.getByLabel(/^ApiToken/);
    expect(await sourcePath.getAttribute('type')).toBe('text');
    expect(await sourcePath.getAttribute('required')).not.toBeNull();
    expect(await batchSize.getAttribute('type')).toBe('number');
    expect(await batchSize.getAttribute('placeholder')).toBe('100');
    expect(await apiToken.getAttribute('type')).toBe('password');

    // Submitting without the required parameter says which one, at the field.
    await page.getByRole('button', { name: 'Start execution' }).click();
    await page.getByRole('alert').getByText(/SourcePath.*required/).waitFor();
    expect(await sourcePath.getAttribute('aria-invalid')).toBe('true');

    await sourcePath.fill('/data/in.csv');
    await batchSize.fill('250');
    await apiToken.fill('tok-secret-123');
    await page.getByLabel('Retry count').fill('1');
    await screenshot(page, 'new-execution');
    await page.getByRole('button', { name: 'Start execution' }).click();

    await page.getByRole('heading', { name: /^Execution \d+$/, level: 1 }).waitFor();
    const executionId = Number(/#\/executions\/(\d+)/.exec(page.url())![1]);
    await page.getByText('Waiting:').waitFor();
    await page.getByText('waiting for node-a to claim it').waitFor();

    // The worker claims it, logs a few lines and finishes.
    const { tasks } = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 1000 } });
    expect(tasks.map((t) => t.executionId)).toEqual([executionId]);
    const task = tasks[0]!;
    const lines = [
      ['information', 'extracting /data/in.csv'],
      ['progress', 'batch 1 of 2 (250 rows)'],
      ['warning', '3 rows skipped: empty customer id'],
      ['progress', 'batch 2 of 2 (250 rows)'],
      ['information', 'extracted 497 rows'],
    ] as const;
    await worker(postEvents, {
      params: { taskId: task.taskId },
      body: {
        attemptNumber: task.attemptNumber,
        events: lines.map(([type, message], i) => ({ sequenceNumber: i + 1, time: new Date().toISOString(), type, source: 'extract', message })),
      },
    });
    await worker(completeTask, {
      params: { taskId: task.taskId },
      body: { attemptNumber: task.attemptNumber, outcome: 'succeeded', exitCode: 0, message: 'extracted 497 rows' },
    });

    await badge(page.getByRole('main'), 'succeeded').first().waitFor(refreshWait);
    const log = page.getByRole('log');
    for (const [, message] of lines) await log.getByText(message).waitFor(refreshWait);
    const attempts = page.getByRole('region', { name: 'Attempts' });
    await attempts.getByRole('link', { name: 'node-a' }).waitFor();
    await attempts.getByText('succeeded').waitFor();
    const parameters = page.getByRole('region', { name: 'Parameters' });
    await parameters.getByText('/data/in.csv').waitFor();
    await parameters.getByText('sensitive, hidden').waitFor();
    expect(await page.content()).not.toContain('tok-secret-123');
    await screenshot(page, 'execution');

    await page.getByRole('link', { name: 'Executions', exact: true }).first().click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: String(executionId), exact: true }) });
    await row.getByText('succeeded').waitFor();
    await row.getByRole('link', { name: 'node-a' }).waitFor();
    await screenshot(page, 'executions');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No execution matches these filters.').waitFor();
    expect(page.url()).toContain('status=failed');

    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('img', { name: /1 succeeded, 0 failed/ }).waitFor();
  });

  it('shows a failed execution in red, with its error lines and exit code, on its page and on the dashboard', async () => {
    const created = await master.admin(createExecution, {
      body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true },
    });
    const { tasks } = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 1000 } });
    const task = tasks[0]!;
    await worker(postEvents, {
      params: { taskId: task.taskId },
      body: {
        attemptNumber: task.attemptNumber,
        events: [
          { sequenceNumber: 1, time: new Date().toISOString(), type: 'information', source: 'stdout', message: 'loading' },
          { sequenceNumber: 2, time: new Date().toISOString(), type: 'error', source: 'stderr', message: 'warehouse refused the connection' },
        ],
      },
    });
    await worker(completeTask, {
      params: { taskId: task.taskId },
      body: { attemptNumber: task.attemptNumber, outcome: 'failed', exitCode: 3, message: 'load.sh exited with code 3' },
    });

    await page.getByRole('img', { name: /1 succeeded, 1 failed/ }).waitFor(refreshWait);
    await page.getByRole('link', { name: /^1\s*Failed/ }).waitFor();
    await screenshot(page, 'dashboard');

    await page.goto(`/#/executions/${created.executionId}`);
    await badge(page.getByRole('main'), 'failed').first().waitFor();
    await page.getByText('load.sh exited with code 3').first().waitFor();
    await page.getByRole('log').getByText('warehouse refused the connection').waitFor(refreshWait);
    await page.getByRole('region', { name: 'Attempts' }).getByRole('cell', { name: '3', exact: true }).waitFor();
    await screenshot(page, 'execution-failed');
  });

  it('disables the worker; adds another by thumbprint and deletes it after confirming', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Worker Manager' }).click();
    await page.getByRole('table').getByRole('link', { name: 'node-a' }).click();
    const details = page.getByRole('region', { name: 'node-a' });
    await details.getByRole('button', { name: 'Disable worker' }).click();
    await badge(details, 'disabled').waitFor();
    await details.getByText('Disabled: this worker takes no task until it is enabled.').waitFor();

    const other = await createWorkerIdentity('node-b');
    await page.getByRole('link', { name: 'Add worker' }).click();
    await page.getByLabel('Enter its thumbprint').check();
    await page.getByLabel('Certificate thumbprint').fill(other.thumbprintSha256);
    await page.getByLabel('Machine name').fill('node-b');
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByText(/Added by thumbprint/).waitFor();
    await page.getByLabel(/I have read these actions/).check();
    await page.getByRole('button', { name: 'Add worker' }).click();

    const nodeB = page.getByRole('region', { name: 'node-b' });
    await nodeB.getByRole('button', { name: 'Delete…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete node-b?' });
    await dialog.waitFor();
    await screenshot(page, 'delete-worker-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await nodeB.waitFor();

    // node-b runs an execution before it goes: its history keeps its name.
    const nodeBId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    await master.admin(enableWorker, { params: { workerAgentId: nodeBId } });
    const ranOnB = await master.admin(createExecution, {
      body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', workerAgentIds: [nodeBId], start: true },
    });
    const workerB = workerCaller(other, master.url, master.host.certificateThumbprint);
    try {
      const [task] = (await workerB(claimTasks, { body: { freeSlots: 1, waitMs: 1000 } })).tasks;
      await workerB(completeTask, { params: { taskId: task!.taskId }, body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0 } });
    } finally {
      workerB.close();
    }

    await nodeB.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete worker' }).click();
    await page.getByRole('main').getByText('node-b was deleted.').waitFor();
    expect(await page.getByRole('table').getByRole('link', { name: 'node-b' }).count()).toBe(0);
    expect(await page.getByRole('table').getByRole('link', { name: 'node-a' }).count()).toBe(1);
    expect(tab.errors).toEqual([]);
    ranOnDeletedWorker = ranOnB.executionId;
  });

  it("names a deleted worker by the name its attempts kept, on the execution's page and in Executions", async () => {
    await page.goto(`/#/executions/${ranOnDeletedWorker}`);
    const attempts = page.getByRole('region', { name: 'Attempts' });
    await attempts.getByRole('cell', { name: 'node-b (removed)' }).waitFor();
    expect(await attempts.getByRole('link', { name: /node-b/ }).count()).toBe(0);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
    await page.getByRole('row', { name: new RegExp(`^${ranOnDeletedWorker} `) }).getByText('node-b (removed)').waitFor();
    expect(tab.errors).toEqual([]);
  });

  it('signs out, and the key is gone from the session', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });

  it('lets a reader see everything, and offers a reader no action that changes the topology', async () => {
    const reader = await master.admin(createApiKey, { body: { name: 'operations desk', role: 'reader' } });
    await grantFolders(master, reader.apiKey.apiKeyId, 'reader', ['Finance']);
    const { secret } = reader;
    await page.getByLabel('API key').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Signing in again opens the page the address names: Executions, where the last session ended.
    await page.getByRole('heading', { name: 'Executions', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Worker Manager' }).click();
    await page.getByRole('table').getByRole('link', { name: 'node-a' }).click();
    const details = page.getByRole('region', { name: 'node-a' });
    await badge(details, 'disabled').waitFor();
    await details.getByText('Certificate SHA-256').waitFor();
    expect(await details.getByRole('button').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Add worker' }).count()).toBe(0);
  });
});
