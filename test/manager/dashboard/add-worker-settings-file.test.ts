import { hostname } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWorkers } from '../../../contracts/management/endpoints.js';
import { browserUnavailable, launchChromium, openPage, screenshot, signIn, type TestPage } from '../../support/browser.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { createWorkerIdentity } from '../../support/test-worker.js';

/** A file chosen in the page's file input, from memory. */
const jsonFile = (value: unknown, name = 'WorkerSettings.json') => ({ name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(value, null, 2)) });

/**
 * The add-worker form reads a worker's WorkerSettings.json as SSIS Scale Out Manager reads the worker's
 * configuration: the thumbprint to add it by, and what the form leaves empty. In Debian's Chromium.
 */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard's add-worker form from a WorkerSettings.json${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  let tab: TestPage;
  let page: Page;

  beforeAll(async () => {
    // Listening beyond loopback, as a master that workers on other machines reach (traffic stays on this machine).
    master = await startTestMaster({ timers: false, env: { SCALEOUT_HOST: '0.0.0.0' } });
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

  it('adds the worker by the thumbprint the file holds, with its DisplayName, Tags and MaxTaskCount; the plan names an address a remote worker reaches', async () => {
    const identity = await createWorkerIdentity('finance-7');
    const thumbprint = identity.thumbprintSha1.toUpperCase().match(/../g)!.join(':');
    await page.goto('/#/workers/new');
    await page.getByLabel("Read the worker's WorkerSettings.json").check();
    await page.getByLabel('WorkerSettings.json', { exact: true }).setInputFiles(
      jsonFile({
        WorkerSettings: {
          MasterEndpoint: master.url,
          WorkerHttpsCertThumbprint: thumbprint,
          WorkerCertificateFile: 'worker.crt',
          DisplayName: 'Finance node 7',
          Tags: ['sql', 'linux'],
          MaxTaskCount: 4,
        },
      }),
    );
    await page.getByText(`Read WorkerSettings.json: WorkerHttpsCertThumbprint ${identity.thumbprintSha1}.`).waitFor();
    expect(await page.getByLabel('Display name', { exact: true }).inputValue()).toBe('Finance node 7');
    expect(await page.getByLabel('Tags', { exact: true }).inputValue()).toBe('sql, linux');
    expect(await page.getByLabel('MaxTaskCount', { exact: true }).inputValue()).toBe('4');
    await screenshot(page, 'add-worker-settings-file');

    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByText(/Added by thumbprint/).waitFor();
    // The plan names this machine, which a worker elsewhere reaches, not localhost.
    const port = new URL(master.url).port;
    await page.getByText(`MasterEndpoint = https://${hostname().toLowerCase()}:${port} (scaleout-worker init --master does that).`).waitFor();
    expect(await page.getByText('MasterEndpoint = https://localhost').count()).toBe(0);
    await page.getByLabel(/I have read these actions/).check();
    await page.getByRole('button', { name: 'Add worker' }).click();
    await page.getByRole('region', { name: 'Finance node 7' }).waitFor();
    const added = (await master.admin(listWorkers, {})).workers.find((w) => w.displayName === 'Finance node 7');
    expect(added).toMatchObject({ tags: ['linux', 'sql'], maxTaskCount: 4, isEnabled: false, certificate: { thumbprintSha1: identity.thumbprintSha1 } });
  });

  it('names what is wrong with the file and adds nothing', async () => {
    const before = (await master.admin(listWorkers, {})).workers.length;
    await page.goto('/#/workers/new');
    await page.getByLabel("Read the worker's WorkerSettings.json").check();
    const alert = page.getByRole('alert');
    const input = page.getByLabel('WorkerSettings.json', { exact: true });

    await input.setInputFiles({ name: 'WorkerSettings.json', mimeType: 'application/json', buffer: Buffer.from('{ "WorkerSettings": ') });
    await alert.getByText(/^WorkerSettings\.json: not valid JSON \(/).waitFor();

    await input.setInputFiles(jsonFile({ WorkerSettings: { WorkerHttpsCertThumbprint: 'not-a-thumbprint' } }));
    await alert.getByText("WorkerSettings.json: WorkerHttpsCertThumbprint: 'not-a-thumbprint' is not a SHA-1 or SHA-256 thumbprint").waitFor();

    await input.setInputFiles(jsonFile({ WorkerSettings: { WorkerCertificateFile: 'certs/worker.crt', DisplayName: 'no thumbprint' } }));
    await page.getByRole('button', { name: 'Validate' }).click();
    await alert.getByText('WorkerSettings.json has no WorkerHttpsCertThumbprint; upload the certificate file it names (certs/worker.crt) instead').waitFor();
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect((await master.admin(listWorkers, {})).workers).toHaveLength(before);
  });
});
