// How the pages fit the screen: a phone shows everything without sideways scrolling and keeps
// the message box in view; screenshots of a conversation on desktop and phone, light and dark,
// are saved for people to look at.
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import { DESKTOP, PHONE, useConfab } from './harness.mjs';
import { ARTIFACTS } from './server.mjs';
import { openRoom, postMany, say, waitForMessage } from './ui.mjs';

const confab = useConfab('layout');

const ON_A_PHONE = { viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

async function assertFitsWidth(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `${page.url()} is ${width}px wide on a ${PHONE.width}px screen`);
}

async function assertInView(locator) {
  const box = await locator.boundingBox();
  assert.ok(box, 'it is shown');
  assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= PHONE.width && box.y + box.height <= PHONE.height,
    `it lies within the ${PHONE.width}×${PHONE.height} screen: ${JSON.stringify(box)}`);
}

test('on a 390×844 phone nothing overflows sideways and the message box stays in view', async () => {
  const page = await confab.signedUp('pocket', ON_A_PHONE);
  await openRoom(page, 'phones');
  await postMany(page, 'phones', Array.from({ length: 40 }, (_, i) => `message ${i + 1} from a phone`));
  const longWord = `https://example.com/${'a-very-long-path-'.repeat(20)}`;
  await say(page, longWord);
  await waitForMessage(page, longWord);

  await assertFitsWidth(page);
  await assertInView(page.locator('#message-input'));
  await assertInView(page.locator('#send-button'));

  await page.locator('#message-input').fill('still here after scrolling up');
  await page.locator('#messages').evaluate((scroller) => { scroller.scrollTop = 0; });
  await assertInView(page.locator('#message-input'));

  for (const path of ['/', '/rooms', '/login', '/signup']) {
    await page.goto(path);
    await assertFitsWidth(page);
  }
});

test('screenshots of a conversation are saved for desktop and phone, light and dark', async () => {
  const alice = await confab.signedUp('alice');
  const bob = await confab.signedUp('bob');
  await openRoom(alice, 'Design review');
  await openRoom(bob, 'Design review');
  const conversation = [
    [alice, 'Morning! Did the new build go out?'],
    [bob, 'Yes, deployed at 9:40. No errors so far.'],
    [bob, 'The reconnect fix is in it too.'],
    [alice, 'Great. I tried it on my phone on the train and it picked up right where it left off, even after a tunnel.'],
    [alice, 'I\'ll tell the team.'],
    [bob, 'Thanks!'],
  ];
  for (const [page, text] of conversation) {
    await say(page, text);
    await waitForMessage(alice, text);
  }

  const signedInAsAlice = await alice.context().storageState();
  for (const [device, options] of [['desktop', { viewport: DESKTOP }], ['phone', ON_A_PHONE]]) {
    for (const colorScheme of ['light', 'dark']) {
      const page = await confab.visitor({ ...options, colorScheme, storageState: signedInAsAlice }, 'alice');
      await openRoom(page, 'Design review');
      await waitForMessage(page, 'Thanks!');
      const path = join(ARTIFACTS, `chat-${device}-${colorScheme}.png`);
      await page.screenshot({ path, animations: 'disabled' });
      assert.ok((await stat(path)).size > 0, `${path} is written`);
      if (device === 'phone') {
        // The phone's room menu and drawer, open.
        await page.getByRole('button', { name: 'Room menu' }).click();
        await page.screenshot({ path: join(ARTIFACTS, `chat-phone-menu-${colorScheme}.png`), animations: 'disabled' });
        await page.keyboard.press('Escape');
        await page.getByRole('button', { name: 'Rooms and account' }).click();
        await page.screenshot({ path: join(ARTIFACTS, `chat-phone-drawer-${colorScheme}.png`), animations: 'disabled' });
      }
    }
  }
});
