import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEndpoint } from '../../../contracts/client.js';
import {
  addWorker,
  createApiKey,
  createExecution,
  createSchedule,
  deployProject,
  enableScaleOut,
  enableWorker,
  getCaller,
} from '../../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../../contracts/node-https-transport.js';
import { startChildExecution } from '../../../contracts/task-api.js';
import { claimTasks, completeTask, type ClaimedTask } from '../../../contracts/worker-protocol.js';
import { browserUnavailable, launchChromium, openPage, screenshot, signIn, type TestPage } from '../../support/browser.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller } from '../../support/test-worker.js';
import { until } from '../../support/until.js';
import { grantFolders } from '../../support/folder-permissions.js';

/** Controls that only read or navigate: every other button, and every link to a form, changes something. */
const readOnlyButtons = new Set(['Sign out', 'Apply', 'Clear filters', 'Show more']);

/** Runs in the page (a string: the tests are type-checked without the DOM's types). */
const visibleControls = `(() => {
  const visible = (element) => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
  const text = (element) => (element.getAttribute('aria-label') ?? element.textContent ?? '').replace(/\\s+/g, ' ').trim();
  return {
    buttons: [...document.querySelectorAll('button, input[type="submit"], input[type="button"]')].filter(visible).map(text),
    formLinks: [...document.querySelectorAll('a[href$="/new"]')].filter(visible).map(text),
    fields: [...document.querySelectorAll('#main input, #main select, #main textarea')].filter(visible).length,
  };
})()`;

/** Runs in the page: how much wider than the window the page is, and the elements that stick out of it. */
const overflow = `(() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('#main *')]
    .filter((element) => element.getBoundingClientRect().right > width + 1)
    .map((element) => element.tagName.toLowerCase() + (element.className ? '.' + String(element.className).split(' ').join('.') : '') + ': ' + (element.textContent ?? '').slice(0, 40));
  return { scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5) };
})()`;

interface Controls {
  buttons: string[];
  formLinks: string[];
  fields: number;
}

/**
 * What a signed-in role is offered, page by page: a reader finds nothing that changes anything, and no page is
 * wider than a 1280 × 800 window, the execution page with a long result, a long exit code and long child keys
 * included. In Debian's Chromium.
 */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard: what each role sees, and pages that fit the window${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  let worker: WorkerCaller & { close(): void };
  let workerAgentId: string;
  let running: number;
  let parent: number;
  const tabs: TestPage[] = [];

  async function signedIn(apiKey: string, viewport?: { width: number; height: number }): Promise<Page> {
    const tab = await openPage(browser, master.url, viewport);
    tabs.push(tab);
    await signIn(tab.page, apiKey);
    return tab.page;
  }

  /** Every page, each once its data has loaded. */
  function pages(): { hash: string; loaded: (page: Page) => Promise<void> }[] {
    const text = (value: string | RegExp) => (page: Page) => page.locator('#main').getByText(value).first().waitFor();
    return [
      { hash: '#/', loaded: text('Scale Out enabled') },
      { hash: '#/workers', loaded: text('node-r') },
      { hash: `#/workers/${workerAgentId}`, loaded: text('Certificate SHA-256') },
      { hash: '#/executions', loaded: (page) => page.locator('#main tbody tr').first().waitFor() },
      { hash: `#/executions/${running}`, loaded: text('Attempts') },
      { hash: `#/executions/${parent}`, loaded: text(/Children \(2\)/) },
      { hash: '#/schedules', loaded: text('nightly') },
      { hash: '#/workers/new', loaded: (page) => page.locator('h1').first().waitFor() },
      { hash: '#/executions/new', loaded: (page) => page.locator('h1').first().waitFor() },
      { hash: '#/schedules/new', loaded: (page) => page.locator('h1').first().waitFor() },
    ];
  }

  async function controlsOn(page: Page): Promise<Record<string, Controls>> {
    const found: Record<string, Controls> = {};
    for (const { hash, loaded } of pages()) {
      await page.goto(`/${hash}`);
      await loaded(page);
      found[hash] = (await page.evaluate(visibleControls)) as Controls;
    }
    return found;
  }

  const claim = (): Promise<ClaimedTask> =>
    until('a task offered', async () => (await worker(claimTasks, { body: { freeSlots: 1, waitMs: 1000 } })).tasks[0] ?? false);

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    await master.admin(enableScaleOut, {});
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) });
    const identity = await createWorkerIdentity('node-r');
    workerAgentId = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId } });
    worker = workerCaller(identity, master.url, master.host.certificateThumbprint);
    await master.admin(createSchedule, { body: { name: 'nightly', folderName: 'Finance', projectName: 'ETL', packageName: 'load', cron: '0 2 * * *' } });

    // A parent that started two children with long keys, all ended with long results and a long exit code.
    const load = { folderName: 'Finance', projectName: 'ETL', packageName: 'load' };
    parent = (await master.admin(createExecution, { body: { ...load, start: true } })).executionId;
    const parentTask = await claim();
    const transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    for (const key of ['partition-0-of-the-eastern-region-orders', 'partition-1-of-the-western-region-orders']) {
      await callEndpoint(transport, startChildExecution, { body: { ...load, key } }, { headers: { authorization: `Bearer ${parentTask.taskCredential}` } });
    }
    transport.close();
    const longResult = `{"source":"orders-2026-10.csv","checksum":"${'9f86d081884c7d659a2feaa0c55ad015'.repeat(6)}","rows":${'[1,2,3,4,5,6,7,8,9,10],'.repeat(30)}"end":true}`;
    for (let child = 0; child < 2; child++) {
      const task = await claim();
      await worker(completeTask, { params: { taskId: task.taskId }, body: { attemptNumber: task.attemptNumber, outcome: 'failed', exitCode: -1073741819, message: longResult } });
    }
    await worker(completeTask, { params: { taskId: parentTask.taskId }, body: { attemptNumber: parentTask.attemptNumber, outcome: 'succeeded', exitCode: 0, message: longResult } });
    // One still running, which an admin may stop.
    running = (await master.admin(createExecution, { body: { ...load, start: true } })).executionId;
    await claim();
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

  it('an admin is offered every action, page by page', async () => {
    const found = await controlsOn(await signedIn(master.adminKey));
    const changing = (controls: Controls) => [...controls.buttons.filter((name) => !readOnlyButtons.has(name)), ...controls.formLinks];
    expect(changing(found['#/workers']!)).toEqual(['+ Add worker']);
    expect(changing(found[`#/workers/${workerAgentId}`]!)).toEqual(['Disable worker', 'Edit', 'Delete…', '+ Add worker']);
    expect(changing(found['#/executions']!)).toEqual(['New execution']);
    expect(changing(found[`#/executions/${running}`]!)).toEqual(['Stop…']);
    expect(changing(found['#/schedules']!)).toEqual(['Disable nightly', '+ New schedule']);
    expect(changing(found['#/workers/new']!)).toEqual(['Create a join command', 'Validate']);
    expect(changing(found['#/executions/new']!)).toEqual(['Start execution']);
    expect(changing(found['#/schedules/new']!)).toEqual(['Create schedule']);
  });

  it('a reader (GET /me says so) finds no control that changes anything on any page', async () => {
    const reader = await master.admin(createApiKey, { body: { name: 'wallboard', role: 'reader' } });
    await grantFolders(master, reader.apiKey.apiKeyId, 'reader', ['Finance']);
    const transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    expect((await callEndpoint(transport, getCaller, {}, { headers: { authorization: `Bearer ${reader.secret}` } })).role).toBe('reader');
    transport.close();

    const page = await signedIn(reader.secret);
    const found = await controlsOn(page);
    for (const [hash, controls] of Object.entries(found)) {
      expect({ hash, buttons: controls.buttons.filter((name) => !readOnlyButtons.has(name)), formLinks: controls.formLinks }).toEqual({ hash, buttons: [], formLinks: [] });
    }
    // A form typed into the address bar says which role it takes, and offers no field to fill.
    for (const hash of ['#/workers/new', '#/executions/new', '#/schedules/new']) expect(found[hash]!.fields).toBe(0);
    await page.goto('/#/workers/new');
    await page.getByText('To add a worker, sign in with an API key that has the admin role; this key may not.').waitFor();
    await screenshot(page, 'reader-add-worker');
  });

  it('no page is wider than a 1280 × 800 window, long results, exit codes and child keys included', async () => {
    const page = await signedIn(master.adminKey, { width: 1280, height: 800 });
    for (const { hash, loaded } of pages()) {
      await page.goto(`/${hash}`);
      await loaded(page);
      const measured = (await page.evaluate(overflow)) as { scrollWidth: number; width: number; wide: string[] };
      expect({ hash, ...measured }).toEqual({ hash, scrollWidth: measured.width, width: measured.width, wide: [] });
    }
    await page.goto(`/#/executions/${parent}`);
    await page.getByRole('heading', { name: 'Children (2)' }).waitFor();
    // A key is never broken inside a word: on one line, cut if it must be, its full text in the tooltip.
    const key = page.getByRole('row', { name: /partition-0-of-the-eastern-region-orders/ }).locator('td').nth(1).locator('span');
    expect(await key.textContent()).toBe('partition-0-of-the-eastern-region-orders');
    expect(await key.getAttribute('title')).toBe('partition-0-of-the-eastern-region-orders');
    const lines = await key.evaluate((text) => (text as unknown as { getClientRects(): unknown[] }).getClientRects().length);
    expect(lines).toBe(1);
    // A run of a second or so reads as such, as the CLI writes it, not as "0 s".
    expect(await page.locator('dt', { hasText: 'Duration' }).locator('xpath=following-sibling::dd').textContent()).toMatch(/^(\d+ ms|\d\.\d s)$/);
    await screenshot(page, 'execution-1280');
  });
});
