// Profiles as people meet them: a new display name and username chosen in the settings show
// on everything the person wrote, in the other person's view of the room, live and after a
// reload.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useConfab } from './harness.mjs';
import { openRoom, say } from './ui.mjs';

const confab = useConfab('profile');

async function authorOf(page, text) {
  const message = page.locator('#message-list li.msg', { hasText: text });
  await message.waitFor();
  return message.locator('.msg-author').textContent();
}

test('a display name and a new username show on old and new messages in the other person’s view', async () => {
  const kim = await confab.signedUp('kim');
  const lee = await confab.signedUp('lee');
  await openRoom(kim, 'garden');
  await openRoom(lee, 'garden');
  await say(kim, 'tomatoes are in');
  assert.equal(await authorOf(lee, 'tomatoes are in'), 'kim');

  await kim.goto('/settings');
  const profile = kim.getByRole('region', { name: 'Profile' });
  await profile.getByLabel('Display name').fill('Kim Ørsted');
  await profile.getByLabel('Username').fill('kimo');
  await profile.getByRole('button', { name: 'Save profile' }).click();
  await kim.getByRole('status').filter({ hasText: 'Profile saved.' }).waitFor();

  await openRoom(kim, 'garden');
  await say(kim, 'and the beans');
  assert.equal(await authorOf(lee, 'and the beans'), 'Kim Ørsted kimo', 'live, the new message');
  await lee.reload();
  assert.equal(await authorOf(lee, 'tomatoes are in'), 'Kim Ørsted kimo', 'after a reload, the old one too');
  await lee.locator('#message-list li.msg', { hasText: 'tomatoes are in' }).locator('.handle').waitFor();

  await lee.goto('/people');
  await lee.getByRole('link', { name: 'Kim Ørsted kimo' }).click();
  await lee.getByRole('heading', { name: 'Kim Ørsted', level: 1 }).waitFor();
});
