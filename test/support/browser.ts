import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; playwright-core never downloads a browser. */
export const chromiumPath = '/usr/bin/chromium';

/** Why the browser tests cannot run on this machine, or undefined when they can. */
export const browserUnavailable = existsSync(chromiumPath)
  ? undefined
  : `Chromium is not installed at ${chromiumPath} (apt-get install chromium)`;

export const screenshotFolder = join('test-results', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--no-first-run'],
  });
}

export interface TestPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions, CSP violations included; failed HTTP statuses are expected and left out. */
  errors: string[];
}

/** A fresh browser profile (no session) on a laptop-sized screen, trusting the master's self-signed certificate. */
export async function openPage(browser: Browser, baseURL: string, viewport = { width: 1366, height: 800 }): Promise<TestPage> {
  const context = await browser.newContext({
    baseURL,
    ignoreHTTPSErrors: true,
    viewport,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, context, errors };
}

/** Signs in with an API key as a user does, and waits for the dashboard. */
export async function signIn(page: Page, apiKey: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotFolder, { recursive: true });
  await page.screenshot({ path: join(screenshotFolder, `${name}.png`), fullPage: true });
}

/** Runs in the page; a string because the tests are type-checked without the DOM's types. */
const describeFocus = `(() => {
  const element = document.activeElement;
  if (!element) return { tag: '', name: '' };
  const label = element.labels ? element.labels[0]?.textContent : undefined;
  const name = element.getAttribute('aria-label') ?? label ?? element.textContent ?? '';
  return { tag: element.tagName.toLowerCase(), name: name.replace(/\\s+/g, ' ').trim() };
})()`;

/** What has keyboard focus: its tag and its name as a user would read it (label, aria-label or text). */
export function focused(page: Page): Promise<{ tag: string; name: string }> {
  return page.evaluate(describeFocus) as Promise<{ tag: string; name: string }>;
}

/**
 * Presses Tab, as a keyboard-only user would, until the focused element's name matches; fails when it never
 * does (the action cannot be reached by keyboard).
 */
export async function tabTo(page: Page, name: string | RegExp, maxPresses = 80): Promise<void> {
  const matches = (text: string): boolean => (typeof name === 'string' ? text === name : name.test(text));
  const seen: string[] = [];
  for (let press = 0; press < maxPresses; press++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (matches(now.name)) return;
    seen.push(`${now.tag}:${now.name.slice(0, 30)}`);
  }
  throw new Error(`Tab never reached '${String(name)}'; focus went through: ${seen.join(' | ')}`);
}
