import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployProject } from '../../../contracts/management/endpoints.js';
import { browserUnavailable, launchChromium, openPage, signIn, type TestPage } from '../../support/browser.js';
import { zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';

/** The new-execution form says what each parameter's default is, an empty one included (it said "Default: ."). */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard's new-execution form: defaults${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  let tab: TestPage;
  let page: Page;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    const manifest = {
      name: 'Report',
      packages: [
        {
          name: 'report',
          runner: 'node',
          entry: 'report.mjs',
          parameters: [
            { name: 'Suffix', dataType: 'String', defaultValue: '' },
            { name: 'Rows', dataType: 'Int32', defaultValue: 100 },
            { name: 'Region', dataType: 'String' },
          ],
        },
      ],
    };
    const body = await zipFiles({ 'scaleout.json': JSON.stringify(manifest), 'report.mjs': 'export default async function report() {}\n' });
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'Report' }, body });
    browser = await launchChromium();
    tab = await openPage(browser, master.url);
    page = tab.page;
    await signIn(page, master.adminKey);
  });

  afterAll(async () => {
    expect(tab?.errors ?? []).toEqual([]);
    await browser?.close();
    await master?.stop();
  });

  it('says "Default: empty." for an empty default, the value for another, nothing where there is none', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
    await page.getByRole('link', { name: 'New execution' }).click();
    await page.getByLabel('Package').selectOption({ label: 'report' });
    const hintOf = async (parameter: string) => (await page.getByLabel(new RegExp(`^${parameter}`)).evaluate((input) => input.closest('.field')?.textContent ?? ''));
    expect(await hintOf('Suffix')).toContain('Default: empty.');
    expect(await hintOf('Rows')).toContain('Default: 100.');
    expect(await hintOf('Region')).not.toContain('Default');
    expect(await page.getByRole('main').textContent()).not.toContain('Default: .');
  });
});
