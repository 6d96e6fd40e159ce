import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, deployProject } from '../../../contracts/management/endpoints.js';
import { grantPermission, listPermissions } from '../../../contracts/management/permission-endpoints.js';
import { browserUnavailable, launchChromium, openPage, signIn, type TestPage } from '../../support/browser.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';

/** A folder's permissions page, as a key that manages Finance's permissions and as a reader, in Debian's Chromium. */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard: a folder's permissions${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  const tabs: TestPage[] = [];
  let runner: string;

  async function signedIn(apiKey: string): Promise<Page> {
    const tab = await openPage(browser, master.url);
    tabs.push(tab);
    await signIn(tab.page, apiKey);
    return tab.page;
  }

  const rows = (page: Page): Promise<string[][]> =>
    page
      .getByRole('table', { name: 'Permissions in Finance' })
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].slice(0, 4).map((cell) => (cell.textContent ?? '').trim())));

  /** A key with `permissions` on the folder Finance. */
  async function keyWith(name: string, role: 'executor' | 'reader', permissions: ('READ' | 'READ_OBJECTS' | 'MANAGE_PERMISSIONS' | 'MANAGE_OBJECT_PERMISSIONS')[]) {
    const key = await master.admin(createApiKey, { body: { name, role } });
    for (const permission of permissions) {
      await master.admin(grantPermission, { body: { objectType: 'folder', folderName: 'Finance', principal: `apikey:${key.apiKey.apiKeyId}`, permission } });
    }
    return key;
  }

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    const archive = await zipFiles(sampleProjectFiles());
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: archive });
    await master.admin(deployProject, { params: { folderName: 'HR', projectName: 'Payroll' }, body: archive });
    runner = `apikey:${(await master.admin(createApiKey, { body: { name: 'nightly runs', role: 'executor' } })).apiKey.apiKeyId}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await master?.stop();
  });

  afterAll(() => {
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  });

  it("a key that manages Finance's permissions grants, denies and revokes there, and is refused on HR naming the permission", async () => {
    const manager = await keyWith('permissions desk', 'executor', ['READ', 'READ_OBJECTS', 'MANAGE_PERMISSIONS', 'MANAGE_OBJECT_PERMISSIONS']);
    const page = await signedIn(manager.secret);
    await page.getByRole('link', { name: 'Permissions' }).click();
    await page.getByRole('heading', { name: 'Permissions', level: 1 }).waitFor();
    await page.goto('/#/permissions?folder=Finance');
    await page.getByRole('heading', { name: 'Permissions in Finance', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'Permissions in Finance' }).waitFor();

    const form = page.getByRole('form', { name: 'Grant or deny a permission' });
    await form.getByLabel('Object type').selectOption('project');
    await form.getByLabel('Project or environment').fill('ETL');
    await form.getByLabel('Principal').fill(runner);
    await form.getByLabel('Permission').selectOption('EXECUTE');
    await form.getByRole('button', { name: 'Grant' }).click();
    await page.locator(`tr[data-permission="project:Finance/ETL:${runner}:EXECUTE"]`).waitFor();
    await form.getByLabel('Permission').selectOption('READ');
    await form.getByRole('button', { name: 'Deny' }).click();
    await page.locator(`tr[data-permission="project:Finance/ETL:${runner}:READ"]`).waitFor();
    expect((await rows(page)).filter((row) => row[1] === runner)).toEqual([
      ['project Finance / ETL', runner, 'READ (1)', 'Deny'],
      ['project Finance / ETL', runner, 'EXECUTE (3)', 'Grant'],
    ]);

    await page.getByRole('button', { name: `Revoke READ of ${runner} on project Finance / ETL` }).click();
    await page.locator(`tr[data-permission="project:Finance/ETL:${runner}:READ"]`).waitFor({ state: 'detached' });
    const stored = (await master.admin(listPermissions, { query: { folder: 'Finance' } })).permissions.filter((p) => p.principal === runner);
    expect(stored.map((p) => [p.objectName, p.permission, p.isDeny])).toEqual([['ETL', 'EXECUTE', false]]);

    // On a folder it does not manage, the master's refusal shows and nothing is stored.
    await form.getByLabel('Object type').selectOption('folder');
    await form.getByLabel('Folder').fill('HR');
    await form.getByLabel('Permission').selectOption('READ');
    await form.getByRole('button', { name: 'Grant' }).click();
    await page.getByRole('alert').getByText(/this needs MANAGE_PERMISSIONS on folder 'HR'; apikey:\S+ does not have it/).waitFor();
    expect((await master.admin(listPermissions, { query: { folder: 'HR' } })).permissions).toEqual([]);
  });

  it("a reader sees Finance's permissions and no control to change them, and nothing of HR", async () => {
    await master.admin(grantPermission, { body: { objectType: 'folder', folderName: 'HR', principal: runner, permission: 'READ' } });
    const reader = await keyWith('auditor', 'reader', ['READ', 'READ_OBJECTS']);
    const page = await signedIn(reader.secret);
    await page.goto('/#/permissions?folder=Finance');
    await page.locator(`tr[data-permission="project:Finance/ETL:${runner}:EXECUTE"]`).waitFor();
    expect(await page.getByRole('form', { name: 'Grant or deny a permission' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Revoke|Grant|Deny/ }).count()).toBe(0);
    await page.goto('/#/permissions');
    await page.getByRole('heading', { name: 'Permissions', level: 1 }).waitFor();
    await page.locator(`tr[data-permission="project:Finance/ETL:${runner}:EXECUTE"]`).waitFor();
    expect(await page.locator('tr[data-permission^="folder:HR/"]').count()).toBe(0);
  });
});
