// What calls a person back, in real Chromium: a room's notification level chosen from the room
// menu and from the room's settings, the tab's title count and icon dot, system notifications
// (the permission asked from a button, granted by the test) while the tab is hidden and a click
// on one opening its room, the web app manifest, and the phone's one compact bar.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_FLAGS, PHONE, useConfab } from './harness.mjs';
import { openRoom, postMany, roomPath, say, waitForMessage, waitOnline, waitUntil } from './ui.mjs';

const confab = useConfab('notifications');

const ON_A_PHONE = { viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** The level the room menu shows. */
async function shownLevel(page) {
  return page.getByLabel('Notify me of').inputValue();
}

/**
 * Makes the page believe it is hidden (as when another tab is in front), and records each
 * system notification it shows. The Notification API itself is Chromium's own.
 */
async function hideAndWatchNotifications(page) {
  await page.evaluate(() => {
    window.shownNotifications = [];
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title, options) {
        super(title, options);
        window.shownNotifications.push({ title, body: options.body, tag: options.tag, notification: this });
      }
    };
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

async function show(page) {
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

async function shownNotifications(page) {
  return page.evaluate(() => window.shownNotifications.map(({ title, body, tag }) => ({ title, body, tag })));
}

test('the level is chosen from the room menu and from the room settings, and every tab follows it', async () => {
  const page = await confab.signedUp('lena');
  await openRoom(page, 'standup');
  await waitUntil(page, 'the level is shown', () => !document.getElementById('notify-choice').hidden);
  assert.equal(await shownLevel(page), 'mentions', 'a room notifies of mentions unless chosen otherwise');

  const otherTab = await page.context().newPage();
  await openRoom(otherTab, 'standup');
  await page.getByLabel('Notify me of').selectOption('all');
  await waitUntil(otherTab, 'the other tab shows the new level', () =>
    document.getElementById('notify-level').value === 'all');

  await page.goto(`${roomPath('standup')}/settings`);
  const section = page.locator('section', { has: page.getByRole('heading', { name: 'Notifications' }) });
  assert.ok(await section.getByLabel('Every message').isChecked(), 'the settings show the level chosen in the chat');
  await section.getByLabel('Nothing').check();
  await section.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await waitUntil(otherTab, 'the chat shows the level chosen in the settings', () =>
    document.getElementById('notify-level').value === 'none');
});

test('the tab counts what calls the person and dots its icon, and a hidden tab shows notifications that open their room', async () => {
  const mia = await confab.signedUp('mia');
  const noah = await confab.signedUp('noah');
  await openRoom(noah, 'kitchen');
  await openRoom(mia, 'kitchen');
  assert.equal(await mia.title(), 'kitchen · confab');

  // The permission is asked from a button, never on load; the test grants it.
  const allow = mia.getByRole('button', { name: 'Allow notifications' });
  await allow.waitFor();
  assert.equal(await mia.evaluate(() => Notification.permission), 'default', 'nothing asked on load');
  await mia.context().grantPermissions(['notifications']);
  await allow.click();
  await allow.waitFor({ state: 'hidden' });

  await hideAndWatchNotifications(mia);
  // A room at `mentions`: a plain message counts for the room on screen only while hidden,
  // but notifies nothing; a mention notifies.
  await say(noah, 'the kettle is on');
  await waitUntil(mia, 'the title counts the message in the hidden room', () => document.title === '(1) kitchen · confab');
  assert.equal(await mia.locator('link[rel="icon"]').getAttribute('data-unread'), 'true');
  await say(noah, '@mia tea?');
  await waitUntil(mia, 'a notification is shown', () => window.shownNotifications.length === 1);
  const kitchen = (await (await mia.request.get('/api/v1/rooms/kitchen')).json()).room;
  assert.deepEqual(await shownNotifications(mia), [{ title: 'noah in kitchen', body: '@mia tea?', tag: `confab-room-${kitchen.id}` }]);

  // A direct room notifies of every message: its text, titled by who wrote it.
  const dm = await noah.request.post('/api/v1/dm', { data: { usernames: ['mia'] } });
  assert.equal(dm.status(), 200);
  const direct = (await dm.json()).room;
  const noahWrites = await noah.context().newPage();
  await noahWrites.goto('/dm/mia');
  await waitOnline(noahWrites);
  await say(noahWrites, 'are you coming?');
  await waitUntil(mia, 'the direct message notifies', () => window.shownNotifications.length === 2);
  assert.deepEqual((await shownNotifications(mia))[1], { title: 'noah', body: 'are you coming?', tag: `confab-room-${direct.id}` });
  await waitUntil(mia, 'the title counts both rooms', () => document.title === '(3) kitchen · confab');

  // A room set to nothing neither notifies nor counts.
  const muted = await mia.request.put('/api/v1/rooms/kitchen/notifications', { data: { level: 'none' } });
  assert.equal(muted.status(), 200);
  await waitUntil(mia, 'the muted room no longer counts', () => document.title === '(1) kitchen · confab');
  await say(noah, '@mia last call');
  await waitForMessage(noah, '@mia last call');
  await say(noahWrites, 'one more in the conversation');
  await waitUntil(mia, 'the conversation notifies again', () => window.shownNotifications.length === 3);
  assert.equal((await shownNotifications(mia))[2].body, 'one more in the conversation', 'the muted room showed nothing');

  // A click on the notification brings the conversation forward.
  await show(mia);
  await mia.evaluate(() => window.shownNotifications[2].notification.dispatchEvent(new Event('click')));
  await mia.waitForURL('/dm/noah');
  await waitForMessage(mia, 'one more in the conversation');
  await waitUntil(mia, 'what is read leaves the title', () => document.title === 'noah · confab');
  assert.equal(await mia.locator('link[rel="icon"]').getAttribute('data-unread'), 'false');
});

test('private notifications, chosen in the settings, say only "New message", and an open chat follows at once', async () => {
  const olga = await confab.signedUp('olga');
  const piet = await confab.signedUp('piet');
  await openRoom(piet, 'pantry');
  await openRoom(olga, 'pantry');
  await olga.context().grantPermissions(['notifications']);
  await olga.getByRole('button', { name: 'Allow notifications' }).click();
  await hideAndWatchNotifications(olga);
  // Every state the connection badge takes from now on.
  await olga.evaluate(() => {
    window.connectionStates = [];
    const badge = document.getElementById('conn-state');
    new MutationObserver(() => window.connectionStates.push(badge.dataset.state))
      .observe(badge, { attributes: true, attributeFilter: ['data-state'] });
  });

  const settings = await olga.context().newPage();
  await settings.goto('/settings');
  const section = settings.locator('section', { has: settings.getByRole('heading', { name: 'Notifications', exact: true }) });
  assert.ok(await section.getByLabel('Who wrote, where, and the start of the message').isChecked(), 'not private unless chosen');
  await section.getByLabel('Only “New message” (private)').check();
  await section.getByRole('button', { name: 'Save' }).click();
  await settings.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  assert.ok(await section.getByLabel('Only “New message” (private)').isChecked());

  await waitUntil(olga, 'the open chat reconnects to learn the choice', () =>
    window.connectionStates.includes('reconnecting') && document.getElementById('conn-state').dataset.state === 'online');
  await say(piet, '@olga the safe code is 4711');
  await waitUntil(olga, 'a notification is shown', () => window.shownNotifications.length === 1);
  const [shown] = await shownNotifications(olga);
  assert.deepEqual({ title: shown.title, body: shown.body }, { title: 'confab', body: 'New message' });
});

test('the web app manifest is valid, its icons load, and Chromium finds the app installable', async () => {
  // Chromium installs nothing from a private window, which every other test's context is.
  const profile = await mkdtemp(join(tmpdir(), 'confab-install-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, args: CHROMIUM_FLAGS, baseURL: confab.server.url,
  });
  after(() => context.close().then(() => rm(profile, { recursive: true, force: true })));
  const page = await context.newPage();
  await page.goto('/');
  const cdp = await context.newCDPSession(page);
  const { url, errors, data } = await cdp.send('Page.getAppManifest');
  assert.ok(url.endsWith('/manifest.webmanifest'), url);
  assert.deepEqual(errors, [], 'the manifest parses without errors');
  const manifest = JSON.parse(data);
  assert.equal(manifest.display, 'standalone');
  for (const icon of manifest.icons) {
    const answer = await page.request.get(icon.src);
    assert.equal(answer.status(), 200, icon.src);
    assert.equal(answer.headers()['content-type'], icon.type, icon.src);
    if (icon.type === 'image/png') {
      const bytes = await answer.body();
      const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
      assert.equal(`${width}x${height}`, icon.sizes, `${icon.src} is as large as it says`);
    }
  }
  assert.ok(manifest.icons.some((icon) => icon.purpose === 'maskable' && icon.sizes === '512x512'));
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, [], 'Chromium finds nothing in the way of installing');
});

test('the service worker registers and keeps the shell: a chat page opens offline, reconnecting, and recovers', async () => {
  const page = await confab.signedUp('quinn');
  await openRoom(page, 'offline');
  await say(page, 'said while online');
  await waitForMessage(page, 'said while online');
  await waitUntil(page, 'the service worker is active', () =>
    navigator.serviceWorker.ready.then((registration) => Boolean(registration.active)));
  // Opened again, the page is the worker's to serve.
  await page.reload();
  await waitOnline(page);
  await waitUntil(page, 'the page is controlled by the worker', () => Boolean(navigator.serviceWorker.controller));

  await page.context().setOffline(true);
  await page.reload();
  await page.getByRole('heading', { name: 'offline', level: 1 }).waitFor();
  await waitUntil(page, 'the page says it is not connected', () =>
    ['connecting', 'reconnecting'].includes(document.getElementById('conn-state').dataset.state));
  await page.getByLabel('Message', { exact: true }).fill('typed without a network');

  await page.context().setOffline(false);
  await waitOnline(page);
  await waitForMessage(page, 'said while online');
});

test('on a phone one compact bar leads the chat: the first message starts in the top fifth of the screen', async () => {
  const page = await confab.signedUp('pia', ON_A_PHONE);
  await openRoom(page, 'pocket bar');
  await postMany(page, 'pocket bar', Array.from({ length: 30 }, (_, i) => `line ${i + 1} of the morning`));
  await waitForMessage(page, 'line 30 of the morning');

  // A full room: messages fill the pane from just under the bar.
  const top = await page.evaluate(() => {
    const pane = document.getElementById('messages').getBoundingClientRect();
    const atTop = document.elementFromPoint(pane.left + pane.width / 2, pane.top + 4);
    return { pane: pane.top, message: Boolean(atTop && atTop.closest('li.msg')) };
  });
  assert.ok(top.pane < PHONE.height * 0.2, `the first message starts ${top.pane}px down a ${PHONE.height}px screen`);
  assert.ok(top.message, 'a message is at the top of the pane');
  assert.ok(!(await page.locator('.site-header').isVisible()), 'the site header gives way to the chat bar');

  // The room menu holds the level, the room's settings and who is online.
  await page.getByRole('button', { name: 'Room menu' }).click();
  assert.equal(await shownLevel(page), 'mentions');
  await page.getByRole('link', { name: 'Room settings' }).waitFor();
  await page.getByRole('button', { name: /^Online/ }).click();
  await page.locator('#members.open').waitFor();
  await page.keyboard.press('Escape');

  // The drawer holds the rooms and the account.
  await page.getByRole('button', { name: 'Rooms and account' }).click();
  const drawer = page.getByRole('navigation', { name: 'Your rooms' });
  await drawer.getByRole('link', { name: 'Settings' }).waitFor();
  await drawer.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('/');
});
