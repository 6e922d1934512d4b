// Accounts as a person meets them: signing up through the form, joining rooms by name,
// a wrong password, and signing out.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PASSWORD, useConfab } from './harness.mjs';
import { joinRoom, openRoom, signIn } from './ui.mjs';

const confab = useConfab('accounts');

test('signing up through the form lands on the rooms page, and rooms are joined by typing a number or a word', async () => {
  const page = await confab.visitor();
  await page.goto('/');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Username', { exact: true }).fill('ada');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  await page.getByRole('link', { name: 'I have saved them — continue' }).click();
  await page.waitForURL('/rooms');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Join a room');

  for (const room of ['42', 'lobby']) {
    await joinRoom(page, room);
    assert.equal(await page.locator('.room-title').textContent(), room);
    assert.equal(await page.title(), `${room} · confab`);
    assert.equal(await page.locator('#member-list').textContent(), 'ada (you)');
    await page.getByText('No messages here yet.').waitFor();
  }

  await page.getByRole('navigation', { name: 'Your rooms' }).getByRole('link', { name: 'All rooms' }).click();
  await page.waitForURL('/rooms');
  const recent = page.locator('section', { has: page.getByRole('heading', { name: 'Your rooms' }) });
  assert.deepEqual((await recent.locator('.room-name').allTextContents()).sort(), ['42', 'lobby']);
});

test('a wrong password or an unknown username shows the same generic error', async () => {
  await confab.signedUp('grace');
  const page = await confab.visitor();
  for (const [username, password] of [['grace', 'not her password'], ['nobody-here', PASSWORD]]) {
    await signIn(page, username, password);
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('alert').textContent(), 'Username or password is incorrect.');
    assert.equal(new URL(page.url()).pathname, '/login');
  }
});

test('signing out returns to the home page, and the chat page then asks to sign in', async () => {
  const page = await confab.signedUp('linus');
  const otherTab = await page.context().newPage();
  await openRoom(page, 'lobby');
  await openRoom(otherTab, 'lobby');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('/');
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sign in' }).waitFor();
  await page.getByRole('link', { name: 'Create an account' }).waitFor();

  // The tab still open on the chat learns it was signed out and goes to sign-in by itself.
  await otherTab.waitForURL('/login?next=%2Frooms%2Flobby');

  await page.goto('/rooms/lobby');
  await page.waitForURL('/login?next=%2Frooms%2Flobby');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
});
