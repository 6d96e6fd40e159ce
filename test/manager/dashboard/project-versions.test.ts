import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, deployProject, getProject, listAuditTrail } from '../../../contracts/management/endpoints.js';
import { browserUnavailable, launchChromium, openPage, signIn, type TestPage } from '../../support/browser.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { grantFolders } from '../../support/folder-permissions.js';

/** The Projects pages and a project's versions with Restore, as an executor and as a reader, in Debian's Chromium. */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard: projects and their versions${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  const tabs: TestPage[] = [];
  const project = { folderName: 'Finance', projectName: 'ETL' };

  async function signedIn(apiKey: string): Promise<Page> {
    const tab = await openPage(browser, master.url);
    tabs.push(tab);
    await signIn(tab.page, apiKey);
    return tab.page;
  }

  async function versionRows(page: Page): Promise<string[][]> {
    return page
      .getByRole('table', { name: 'Versions of Finance / ETL, newest first' })
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => [...row.children].slice(0, 1).concat([...row.children].slice(3, 4)).map((cell) => (cell.textContent ?? '').trim())));
  }

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    const files = sampleProjectFiles();
    await master.admin(deployProject, { params: project, body: await zipFiles(files) });
    await master.admin(deployProject, { params: project, body: await zipFiles({ ...files, 'extract.mjs': files['extract.mjs']!.replace('extracting', 'reading') }) });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await master?.stop();
  });

  afterAll(() => {
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  });

  it('an executor finds the project, sees its versions and restores version 1', async () => {
    const executor = await master.admin(createApiKey, { body: { name: 'release manager', role: 'executor' } });
    await grantFolders(master, executor.apiKey.apiKeyId, 'executor', ['Finance']);
    const page = await signedIn(executor.secret);
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    const row = page.locator('tr[data-project="Finance/ETL"]');
    await row.getByText('Version 2').waitFor();
    await row.getByRole('link', { name: 'ETL' }).click();
    await page.getByRole('heading', { name: 'Finance / ETL', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Restore version 1' }).waitFor();
    expect(await versionRows(page)).toEqual([
      ['Version 2 Current', 'extract, load'],
      ['Version 1', 'extract, load'],
    ]);
    expect(await page.locator('tr[data-version="2"]').getByText('by test admin').count()).toBe(1);
    // The current version has nothing to restore.
    expect(await page.getByRole('button', { name: 'Restore version 2' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Restore version 1' }).click();
    await page.locator('tr[data-version="1"]').getByText('Current').waitFor();
    expect(await versionRows(page)).toEqual([
      ['Version 2', 'extract, load'],
      ['Version 1 Current', 'extract, load'],
    ]);
    await page.locator('tr[data-version="1"]').getByText('by apikey:').waitFor();
    await page.getByRole('button', { name: 'Restore version 2' }).waitFor();
    expect((await master.admin(getProject, { params: project, query: {} })).versionNumber).toBe(1);
    const [entry] = (await master.admin(listAuditTrail, { query: { limit: 1, offset: 0 } })).entries;
    expect(entry).toMatchObject({ action: 'restore-project', actor: `apikey:${executor.apiKey.apiKeyId}`, targetId: 'Finance/ETL' });
  });

  it('a reader sees the versions and no Restore button', async () => {
    const reader = await master.admin(createApiKey, { body: { name: 'auditor', role: 'reader' } });
    await grantFolders(master, reader.apiKey.apiKeyId, 'reader', ['Finance']);
    const page = await signedIn(reader.secret);
    await page.goto('/#/projects/Finance/ETL');
    await page.getByRole('heading', { name: 'Finance / ETL', level: 1 }).waitFor();
    await page.locator('tr[data-version="2"]').waitFor();
    expect((await versionRows(page)).map(([version]) => version)).toEqual(['Version 2', 'Version 1 Current']);
    expect(await page.getByRole('button', { name: /Restore/ }).count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
  });
});
