import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEndpoint } from '../../../contracts/client.js';
import { enrollWorker } from '../../../contracts/enrollment.js';
import { listEnrollmentTokens } from '../../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../../contracts/node-https-transport.js';
import { sha256, writeAgentBuild } from '../../support/agent-build.js';
import { browserUnavailable, launchChromium, openPage, screenshot, signIn, type TestPage } from '../../support/browser.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { createWorkerIdentity } from '../../support/test-worker.js';

/**
 * The add-worker page's own path (issue 15): the agent the master hands out, each file with its SHA-256, and
 * "Create a join command", whose command a worker really joins with. Beside it, SSIS's certificate path stays
 * (journey.test.ts). In Debian's Chromium.
 */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard's add-worker page: downloads and the join command${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  let tab: TestPage;
  let page: Page;
  let buildFolder: string;

  beforeAll(async () => {
    buildFolder = join(mkdtempSync(join(tmpdir(), 'scaleout-agent-build-')), 'worker');
    master = await startTestMaster({ timers: false, env: { SCALEOUT_AGENT_DOWNLOADS_FOLDER: buildFolder } });
    browser = await launchChromium();
    tab = await openPage(browser, master.url);
    page = tab.page;
    await signIn(page, master.adminKey);
  });

  afterAll(async () => {
    expect(tab?.errors ?? []).toEqual([]);
    await browser?.close();
    await master?.stop();
    rmSync(dirname(buildFolder), { recursive: true, force: true });
  });

  it('says how to make the agent build while the master has none, and keeps the certificate path', async () => {
    await page.goto('/#/workers/new');
    const downloads = page.getByRole('region', { name: 'Get the agent' });
    await downloads.getByText('this master has no agent build to hand out').waitFor();
    expect(await downloads.textContent()).toContain('npm run build:worker');
    await page.getByRole('heading', { name: 'Or, as in SSIS: by its certificate' }).waitFor();
    expect(await page.getByRole('button', { name: 'Validate' }).count()).toBe(1);
  });

  it('lists the build with each SHA-256, and the link downloads exactly those bytes', async () => {
    const { listing, files } = writeAgentBuild(buildFolder);
    await page.reload();
    const downloads = page.getByRole('region', { name: 'Get the agent' });
    await downloads.getByText('Version 0.9.0').waitFor();
    for (const download of listing.downloads) {
      const row = downloads.getByRole('row', { name: new RegExp(download.fileName.replace(/\./g, '\\.')) });
      expect(await row.getByText(download.sha256).count(), download.fileName).toBe(1);
    }
    expect(await downloads.getByRole('row', { name: /linux-x64/ }).textContent()).toContain('Linux x64, single file3.0\u00a0MiB');
    expect(await downloads.getByRole('row', { name: /win-x64/ }).textContent()).toContain('Windows x64, single file98\u00a0KiB');
    const [downloaded] = await Promise.all([page.waitForEvent('download'), downloads.getByRole('link', { name: 'scaleout-worker-0.9.0-linux-x64' }).click()]);
    expect(downloaded.suggestedFilename()).toBe('scaleout-worker-0.9.0-linux-x64');
    const bytes = readFileSync(await downloaded.path());
    expect(sha256(bytes)).toBe(listing.downloads.find((d) => d.platform === 'linux-x64')!.sha256);
    expect(bytes.equals(files.get('scaleout-worker-0.9.0-linux-x64')!)).toBe(true);
  });

  it('creates a join command with the chosen tags, MaxTaskCount and enabled flag; a worker joins with it and gets them', async () => {
    const join = page.getByRole('region', { name: 'Join with a token' });
    await join.getByLabel('Tags of the joining workers').fill('gpu, linux');
    await join.getByLabel('MaxTaskCount of the joining workers').fill('2');
    await join.getByLabel('Workers that join start enabled').check();
    await join.getByRole('button', { name: 'Create a join command' }).click();
    const command = join.getByRole('region', { name: 'Run this on the worker machine' });
    await command.waitFor();
    const text = (await command.locator('code').textContent())!;
    const match = /^scaleout-worker join (\S+) --token (soj_\S+)$/.exec(text);
    expect(match, text).not.toBeNull();
    expect(match![1]).toBe(master.host.services.config.masterAddress);
    await join.getByText('The token is shown only now. It serves 1 join until').waitFor();
    await screenshot(page, 'add-worker-join-command');

    const [token] = (await master.admin(listEnrollmentTokens, {})).tokens;
    expect(token).toMatchObject({ tags: ['gpu', 'linux'], maxTaskCount: 2, enableWorker: true, maxUses: 1, useCount: 0 });
    const identity = await createWorkerIdentity('joined-from-dashboard');
    const transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    const joined = await callEndpoint(
      transport,
      enrollWorker,
      { body: { certificate: identity.certPem, agent: { agentVersion: '0.9.0', os: 'Linux', machineName: 'joined-from-dashboard', userAccount: 'svc' } } },
      { headers: { authorization: `Bearer ${match![2]}` } },
    );
    transport.close();
    expect(joined).toMatchObject({ tags: ['gpu', 'linux'], maxTaskCount: 2, isEnabled: true });
  });

  it('names the field a refused token request got wrong', async () => {
    const join = page.getByRole('region', { name: 'Join with a token' });
    await join.getByLabel('Uses').fill('0');
    await join.getByRole('button', { name: 'Create a join command' }).click();
    const alert = join.getByRole('alert');
    await alert.getByRole('link', { name: 'Uses must be at least 1' }).waitFor();
    expect(await page.locator('[name="maxUses"]').getAttribute('aria-invalid')).toBe('true');
  });
});
