// API tokens as a person and their bot use them: the token is made on /settings and shown
// once; a script posting with it reaches someone chatting, live; the list says it was used.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useConfab } from './harness.mjs';
import { openRoom, waitForMessage } from './ui.mjs';

const confab = useConfab('tokens');

test('a token made on /settings lets a bot post, and someone chatting sees the message live', async () => {
  const owner = await confab.signedUp('cibot');
  const dana = await confab.signedUp('dana');
  await openRoom(dana, 'deploys');

  await owner.goto('/settings#tokens');
  await owner.getByLabel('Name', { exact: true }).fill('deploy bot');
  await owner.getByLabel('post: send messages, react and upload files').check();
  await owner.getByRole('button', { name: 'Make a token' }).click();
  await owner.getByRole('heading', { name: 'Your new API token', level: 1 }).waitFor();
  const token = (await owner.getByLabel('Token', { exact: true }).textContent()).trim();
  assert.match(token, /^cft_[A-Za-z0-9_-]{43}$/);

  const response = await fetch(new URL('/api/v1/rooms/deploys/messages', confab.server.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'v2.1 is live', client_id: 'deploy-2.1' }),
  });
  assert.equal(response.status, 201, await response.text());
  await waitForMessage(dana, 'v2.1 is live');

  await owner.getByRole('link', { name: 'I have copied it — continue' }).click();
  const listed = owner.locator('#token-list').getByRole('listitem', { name: 'deploy bot' });
  assert.match(await listed.textContent(), /read, post.*last used just now/s);
  assert.doesNotMatch(await owner.content(), new RegExp(token.slice(4)));
  await listed.getByRole('button', { name: 'Revoke deploy bot' }).click();
  await owner.getByRole('status').filter({ hasText: 'That token is revoked' }).waitFor();
  const refused = await fetch(new URL('/api/v1/rooms', confab.server.url), {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(refused.status, 401);
});
