// What every browser test file shares: one confab server and one headless Chromium (Debian's
// package) per file, a browser context per person, and a watch on every page for uncaught
// script errors, Content-Security-Policy violations and dialogs, which fail the test they
// happen in.
import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { chromium } from 'playwright-core';

import { Confab } from './server.mjs';

// Playwright's own browser download cannot work on these machines; Debian's Chromium does,
// with these flags (no sandbox as root, no GPU, no connections to Google's services).
// `launch` gives the browser a fresh temporary profile (user data dir) and removes it on close.
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const PASSWORD = 'correct horse battery staple';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * Registers the file's hooks and returns its fixture: `server` (a Confab), `visitor(options)`
 * (a page in a new, signed-out browser context) and `signedUp(name, options)` (the same,
 * with a new account signed in). Contexts opened by a test are closed after it.
 */
export function useConfab(name) {
  const fixture = { server: null, browser: null, visitor, signedUp };
  let contexts = [];
  let problems = [];

  before(async () => {
    fixture.server = await Confab.start(name);
    fixture.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  });

  afterEach(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    const seen = problems;
    contexts = [];
    problems = [];
    assert.deepEqual(seen, [], 'pages had script errors, CSP violations or dialogs');
  });

  after(async () => {
    await fixture.browser?.close();
    await fixture.server?.dispose();
  });

  function watch(page, who) {
    page.on('pageerror', (error) => problems.push(`${who}: uncaught ${error.message}`));
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) problems.push(`${who}: ${message.text()}`);
    });
    page.on('dialog', (dialog) => {
      problems.push(`${who}: ${dialog.type()} dialog opened: ${dialog.message()}`);
      dialog.dismiss().catch(() => {});
    });
  }

  async function visitor(options = {}, who = 'visitor') {
    const context = await fixture.browser.newContext({
      baseURL: fixture.server.url,
      viewport: DESKTOP,
      ...options,
    });
    contexts.push(context);
    context.setDefaultTimeout(15_000);
    context.on('page', (page) => watch(page, who));
    return context.newPage();
  }

  // Accounts for scenarios that are not about signing up are made through the API: quicker,
  // and a failure then points at the scenario, not at the sign-up form.
  async function signedUp(username, options = {}) {
    const page = await visitor(options, username);
    const response = await page.request.post('/api/v1/auth/signup', {
      data: { username, password: PASSWORD },
    });
    assert.equal(response.status(), 201, `signing up ${username}: ${await response.text()}`);
    return page;
  }

  return fixture;
}
