// The server restarts under open chat pages: they say they are reconnecting, keep what is
// typed meanwhile, and resume exactly where they stopped, nothing lost and nothing twice.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useConfab } from './harness.mjs';
import {
  assertInOrderOnce, openRoom, say, shownMessages, shownTexts, storedMessages, waitForMessage,
  waitOnline,
} from './ui.mjs';

const confab = useConfab('reconnect');

test('when the server restarts, pages show they are reconnecting, then resume, and every message appears exactly once', async () => {
  const alice = await confab.signedUp('alice');
  const bob = await confab.signedUp('bob');
  await openRoom(alice, 'ops');
  await openRoom(bob, 'ops');
  await say(alice, 'deploying now');
  await waitForMessage(bob, 'deploying now');

  assert.equal(await confab.server.stop(), 0, 'confab exits 0 on SIGTERM');
  for (const page of [alice, bob]) {
    await page.locator('#conn-state[data-state="reconnecting"]').waitFor();
    assert.match(await page.locator('#conn-state').textContent(), /^Reconnecting/);
  }

  // Typed during the outage: shown as "sending…" until the server has stored it.
  await say(alice, 'typed while offline');
  await say(bob, 'bob, during the outage');
  for (const [page, text] of [[alice, 'typed while offline'], [bob, 'bob, during the outage']]) {
    const pending = page.locator('li.msg.pending');
    await pending.waitFor();
    assert.equal(await pending.locator('.msg-text').textContent(), text);
    assert.equal(await pending.locator('.msg-status').textContent(), 'sending…');
  }

  await confab.server.start();
  await waitOnline(bob);
  await say(bob, 'bob, right after the restart');
  await waitOnline(alice);

  const texts = ['deploying now', 'typed while offline', 'bob, during the outage', 'bob, right after the restart'];
  for (const page of [alice, bob]) {
    for (const text of texts) await waitForMessage(page, text);
    await page.locator('li.msg.pending').waitFor({ state: 'detached' });
  }
  // A last word from each page: any copy still on its way would arrive before these.
  await say(alice, 'alice, all done');
  await say(bob, 'bob, all done');
  for (const page of [alice, bob]) {
    await waitForMessage(page, 'alice, all done');
    await waitForMessage(page, 'bob, all done');
  }

  const stored = await storedMessages(alice, 'ops');
  const everything = [...texts, 'alice, all done', 'bob, all done'];
  assert.deepEqual(stored.map((m) => m.text).sort(), [...everything].sort(), 'each message is stored once');
  for (const page of [alice, bob]) {
    const shown = await shownMessages(page);
    assertInOrderOnce(shown);
    assert.deepEqual(await shownTexts(page), stored.map((m) => m.text), 'each message is shown once, in order');
  }
});
