import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorker, listWorkers } from '../../../contracts/management/endpoints.js';
import { heartbeat } from '../../../contracts/worker-protocol.js';
import { browserUnavailable, launchChromium, openPage, screenshot, signIn, type TestPage } from '../../support/browser.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { createWorkerIdentity, workerCaller } from '../../support/test-worker.js';

/** Worker Manager shows each worker's agent version and flags the ones older than the master, in Debian's Chromium. */
describe.skipIf(browserUnavailable !== undefined)(`the dashboard: outdated agents${browserUnavailable ? ` (skipped: ${browserUnavailable})` : ''}`, () => {
  let master: TestMaster;
  let browser: Browser;
  let tab: TestPage;
  let masterVersion: string;
  let older: string;

  /** A worker, added and heard from once with this agent version. */
  async function workerWithAgent(name: string, agentVersion: string): Promise<void> {
    const identity = await createWorkerIdentity(name);
    await master.admin(addWorker, { body: { certificate: identity.certPem } });
    const caller = workerCaller(identity, master.url, master.host.certificateThumbprint);
    await caller(heartbeat, { body: { tasks: [], agent: { agentVersion, os: 'Windows_NT 10.0.20348 x64', machineName: name, userAccount: 'svc' } } });
    caller.close();
  }

  const row = (page: Page, name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    ({ masterVersion } = await master.admin(listWorkers, {}));
    const [major, minor, patch] = masterVersion.split('.').map(Number) as [number, number, number];
    older = minor > 0 ? `${major}.${minor - 1}.${patch}` : `${major - 1}.9.9`;
    await workerWithAgent('etl-old', older);
    await workerWithAgent('etl-current', masterVersion);
    browser = await launchChromium();
    tab = await openPage(browser, master.url);
  });

  afterAll(async () => {
    expect(tab?.errors ?? []).toEqual([]);
    await browser?.close();
    await master?.stop();
  });

  it("lists each worker's agent version, flags the older one, says what to do, and flags it in its details", async () => {
    const { page } = tab;
    await signIn(page, master.adminKey);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Worker Manager' }).click();

    const table = page.getByRole('table', { name: "Workers, with their status, capacity in use, last contact and agent's version" });
    await table.waitFor();
    const headers = await table.locator('thead th').allTextContents();
    const agentColumn = headers.indexOf('Agent');
    expect(agentColumn).toBeGreaterThan(-1);
    const agentCell = async (name: string) => ((await row(page, name).locator('td').nth(agentColumn).textContent()) ?? '').replace(/\s+/g, ' ').trim();
    expect(await agentCell('etl-old')).toBe(`${older} ↑outdated`);
    expect(await agentCell('etl-current')).toBe(masterVersion);
    await page.getByText(`1 of 2 agents are older than the master (${masterVersion}): run scaleout-worker update on those machines.`).waitFor();
    await screenshot(page, 'outdated-agents');

    await row(page, 'etl-old').getByRole('link', { name: 'etl-old' }).click();
    const details = page.locator('section.details');
    await details.getByRole('heading', { name: 'etl-old' }).waitFor();
    const agentFact = details.locator('dl div').filter({ has: page.locator('dt', { hasText: /^Agent$/ }) }).locator('dd');
    expect(((await agentFact.textContent()) ?? '').replace(/\s+/g, ' ').trim()).toBe(`${older} ↑outdated on Windows_NT 10.0.20348 x64`);
  });
});
