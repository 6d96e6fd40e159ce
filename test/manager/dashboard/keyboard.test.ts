import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorker, deployProject } from '../../../contracts/management/endpoints.js';
import { browserUnavailable, focused, launchChromium, openPage, screenshot, tabTo, type TestPage } from '../../support/browser.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { createWorkerIdentity } from '../../support/test-worker.js';

/**
 * The dashboard with the keyboard alone: every main action is reached with Tab and done with Enter, Space,
 * arrows or Escape, and focus lands where a keyboard user expects after each step (the new page's heading, the
 * button just used, the opener of a closed dialog).
 */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard by keyboard${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  let tab: TestPage;
  let page: Page;

  const expectFocus = async (name: string | RegExp, tag?: string): Promise<void> => {
    const now = await focused(page);
    if (typeof name === 'string') expect(now.name).toBe(name);
    else expect(now.name).toMatch(name);
    if (tag) expect(now.tag).toBe(tag);
  };

  /** After a navigation (hash changes land asynchronously): the new page is shown and its heading has focus. */
  const landsOn = async (heading: string | RegExp): Promise<void> => {
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    await expectFocus(heading, 'h1');
  };

  beforeAll(async () => {
    master = await startTestMaster();
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) });
    const identity = await createWorkerIdentity('node-k');
    await master.admin(addWorker, { body: { certificate: identity.certPem } });
    browser = await launchChromium();
    tab = await openPage(browser, master.url);
    page = tab.page;
  });

  afterAll(async () => {
    await browser?.close();
    await master?.stop();
  });

  it('signs in and moves through the dashboard and Worker Manager by keyboard', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectFocus('API key', 'input');
    await page.keyboard.type(master.adminKey);
    await page.keyboard.press('Enter');
    await landsOn('Dashboard');

    await tabTo(page, 'Skip to main content');
    await page.keyboard.press('Enter');
    await expectFocus(/^Dashboard/, 'main');

    await tabTo(page, 'Enable Scale Out');
    await page.keyboard.press('Enter');
    await page.getByText('Scale Out enabled').waitFor();
    await expectFocus('Scale Out Master', 'h2');

    await tabTo(page, 'Worker Manager');
    await page.keyboard.press('Enter');
    await landsOn('Worker Manager');

    await tabTo(page, 'node-k');
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: 'node-k' }).waitFor();
    await expectFocus('node-k', 'h2');

    await tabTo(page, 'Enable worker');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Disable worker' }).waitFor();
    // The button changed its words in place; the keyboard user is still on it.
    await expectFocus('Disable worker', 'button');
    await screenshot(page, 'keyboard-focus');

    await tabTo(page, 'Edit');
    await page.keyboard.press('Enter');
    await expectFocus('Display name', 'input');
    await page.keyboard.press('Tab');
    await expectFocus('Description', 'textarea');
    await page.keyboard.type('Edited with the keyboard');
    await tabTo(page, 'Save');
    await page.keyboard.press('Enter');
    await page.getByText('Edited with the keyboard').waitFor();
    await expectFocus('Edit', 'button');

    await tabTo(page, 'Delete…');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Delete node-k?' }).waitFor();
    await expectFocus('Cancel', 'button');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expectFocus('Delete…', 'button');

    await tabTo(page, /Add worker$/);
    await page.keyboard.press('Enter');
    await landsOn('Add a worker');
    await tabTo(page, 'Certificate file');
    await tabTo(page, 'Validate');
  });

  it('starts an execution and stops it by keyboard, then signs out', async () => {
    await tabTo(page, 'Executions');
    await page.keyboard.press('Enter');
    await landsOn('Executions');
    await tabTo(page, 'New execution');
    await page.keyboard.press('Enter');
    await landsOn('New execution');

    await page.getByRole('option', { name: 'extract' }).waitFor({ state: 'attached' });
    await tabTo(page, 'Package');
    // Arrow keys pick an option of a closed select: the first package of the first project.
    await page.keyboard.press('ArrowDown');
    await page.getByRole('group', { name: 'Parameters' }).waitFor();
    await tabTo(page, /^SourcePath/);
    await page.keyboard.type('/data/keyboard.csv');
    // Tab enters a radio group once; the arrow keys choose within it.
    await tabTo(page, 'Any worker');
    await page.keyboard.press('ArrowRight');
    await expectFocus('Only the workers I choose', 'input');
    await tabTo(page, /^node-k/);
    await page.keyboard.press('Space');
    await tabTo(page, 'Start execution');
    await page.keyboard.press('Enter');
    await landsOn(/^Execution \d+$/);
    await page.getByText('Waiting:').waitFor();

    await tabTo(page, 'Stop…');
    await page.keyboard.press('Enter');
    await expectFocus('Cancel', 'button');
    await page.keyboard.press('Tab');
    await expectFocus('Stop execution', 'button');
    await page.keyboard.press('Enter');
    await page.getByRole('main').getByText('canceled').first().waitFor();

    await tabTo(page, 'Sign out');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(tab.errors).toEqual([]);
  });
});
