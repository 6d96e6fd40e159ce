import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployProject, listExecutions } from '../../../contracts/management/endpoints.js';
import { browserUnavailable, launchChromium, openPage, signIn, type TestPage } from '../../support/browser.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';

/**
 * One Idempotency-Key per user action in the dashboard, in Debian's Chromium: answers lost on the way back (the
 * master did the work; the browser saw the connection reset) are sent again with the same key, by the dashboard
 * itself and by the user pressing the button again, and the master creates the execution once.
 */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard's retries of a lost answer${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  let tab: TestPage;
  let page: Page;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) });
    browser = await launchChromium();
    tab = await openPage(browser, master.url);
    page = tab.page;
    await signIn(page, master.adminKey);
  });

  afterAll(async () => {
    await browser?.close();
    await master?.stop();
  });

  it('a start whose answers were lost, pressed again, shows the one execution the master made', async () => {
    const before = (await master.admin(listExecutions, { query: {} })).executions.length;
    // The first press: the master answers every try, the browser loses each answer (1 + the dashboard's 4 retries).
    const creates: Request[] = [];
    let lost = 0;
    await page.route(/\/v1\/executions$/, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      creates.push(route.request());
      if (lost === 5) return route.continue();
      await route.fetch();
      lost++;
      return route.abort('connectionreset');
    });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
    await page.getByRole('link', { name: 'New execution' }).click();
    await page.getByLabel('Package').selectOption({ label: 'extract' });
    await page.getByLabel(/^SourcePath/).fill('/data/in.csv');
    await page.getByRole('button', { name: 'Start execution' }).click();
    // The form says so once the dashboard's own retries (about 7 s) are spent.
    await page.getByRole('alert').getByText(/^Cannot reach the master at .* Is it running\?/).waitFor({ timeout: 20_000 });
    expect(creates).toHaveLength(5);

    // The user presses again with the same form: the same action, the same key; the master answers what it made.
    await page.getByRole('button', { name: 'Start execution' }).click();
    await page.getByRole('heading', { name: /^Execution \d+$/, level: 1 }).waitFor();
    const shownId = Number(/#\/executions\/(\d+)/.exec(page.url())![1]);

    const keys = await Promise.all(creates.map((request) => request.headerValue('idempotency-key')));
    expect(keys).toHaveLength(6);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    const after = (await master.admin(listExecutions, { query: {} })).executions;
    expect(after).toHaveLength(before + 1);
    expect(after[0]!.executionId).toBe(shownId);
    await page.unroute(/\/v1\/executions$/);
  });

  it('a changed form is a new action with a new key', async () => {
    const keys: (string | null)[] = [];
    await page.route(/\/v1\/executions$/, async (route) => {
      if (route.request().method() === 'POST') keys.push(await route.request().headerValue('idempotency-key'));
      return route.continue();
    });
    for (const path of ['/data/a.csv', '/data/b.csv']) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
      await page.getByRole('link', { name: 'New execution' }).click();
      await page.getByLabel('Package').selectOption({ label: 'extract' });
      await page.getByLabel(/^SourcePath/).fill(path);
      await page.getByRole('button', { name: 'Start execution' }).click();
      await page.getByRole('heading', { name: /^Execution \d+$/, level: 1 }).waitFor();
    }
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
    await page.unroute(/\/v1\/executions$/);
  });

  afterAll(() => {
    expect(tab.errors).toEqual([]);
  });
});
