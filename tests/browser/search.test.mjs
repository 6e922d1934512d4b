// Search as two people use it: what one says in a room, the other finds from the search box
// in the header, the words marked, and a result opens the message where it was said. A
// private room's words are found by its members only.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useConfab } from './harness.mjs';
import { openRoom, say, waitForMessage } from './ui.mjs';

const confab = useConfab('search');

test('a message said in a room is found from the header and opens where it was said', async () => {
  const alice = await confab.signedUp('alice');
  const bob = await confab.signedUp('bob');
  await openRoom(alice, 'Release planning');
  await say(alice, 'The **Quarterly** budget is due on Friday');
  await waitForMessage(alice, 'The Quarterly budget is due on Friday');
  await say(alice, 'Lunch at noon?');
  await waitForMessage(alice, 'Lunch at noon?');

  // bob, on another page, types the start of the words into the header's box.
  await bob.goto('/people');
  const box = bob.getByRole('search').first().getByLabel('Search messages');
  await box.fill('quarterly budg');
  await box.press('Enter');
  await bob.waitForURL(/\/search\?q=quarterly\+budg/);
  await bob.getByRole('heading', { name: '1 result' }).waitFor();
  const result = bob.locator('.search-result');
  assert.equal(await result.count(), 1);
  assert.deepEqual(await result.locator('mark').allTextContents(), ['Quarterly', 'budget']);
  assert.equal(await result.locator('strong mark').textContent(), 'Quarterly', 'formatting is kept');

  await result.getByRole('link', { name: 'Release planning' }).click();
  await bob.waitForURL(/\/rooms\/Release%20planning\/m\/\d+$/);
  const linked = bob.locator('li.msg[aria-current="true"]');
  assert.equal(await linked.locator('.msg-text').textContent(), 'The Quarterly budget is due on Friday');
});

test('the words of a private room are found by its members and by nobody else', async () => {
  const carol = await confab.signedUp('carol');
  const dave = await confab.signedUp('dave');
  const made = await carol.request.post('/api/v1/rooms', { data: { name: 'Hush', kind: 'private' } });
  assert.equal(made.status(), 201);
  await openRoom(carol, 'Hush');
  await say(carol, 'The zeppelin arrives at dawn');
  await waitForMessage(carol, 'The zeppelin arrives at dawn');

  await carol.goto('/search?q=zeppelin');
  await carol.getByRole('heading', { name: '1 result' }).waitFor();
  await dave.goto('/search?q=zeppelin');
  await dave.getByRole('heading', { name: 'No messages found' }).waitFor();
  assert.ok(!(await dave.content()).includes('dawn'));

  // A search that cannot be read says why, on the page.
  await dave.goto('/search?q=from%3A');
  await dave.getByRole('alert').filter({ hasText: 'needs a name after it' }).waitFor();
});
