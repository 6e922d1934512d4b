// Getting back into an account, as a person does it: saving the recovery codes at sign-up,
// forgetting the password, recovering with one code (which then stops working), and, in the
// settings, changing the password and signing other devices out while they are chatting.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { PASSWORD, PHONE, useConfab } from './harness.mjs';
import { openRoom, signIn } from './ui.mjs';

const confab = useConfab('recovery');
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).first().click();
  await page.waitForURL('/');
}

async function recover(page, username, code, password) {
  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL('/recover');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Recovery code').fill(code);
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('Repeat new password').fill(password);
  await page.getByRole('button', { name: 'Set new password' }).click();
}

test('the codes saved at sign-up let a person who forgot the password back in, each code once', async () => {
  const page = await confab.visitor({ permissions: ['clipboard-read', 'clipboard-write'] }, 'ida');
  await page.goto('/signup');
  await page.getByLabel('Username').fill('ida');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();

  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  await page.getByText('This is the only time they are shown.').waitFor();
  const codes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  assert.equal(codes.length, 10);
  assert.ok(codes.every((code) => /^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/.test(code)), codes.join(' '));

  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), codes.join('\n'));

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'confab-recovery-codes.txt');
  const saved = await readFile(await download.path(), 'utf8');
  assert.ok(codes.every((code) => saved.includes(code)), saved);

  await page.getByRole('link', { name: 'I have saved them — continue' }).click();
  await page.waitForURL('/rooms');
  await signOut(page);

  // The password is forgotten. A wrong code first, then a saved one.
  await recover(page, 'ida', 'abcd-efgh-jkmn-pqrs', 'a new password for ida');
  assert.equal(await page.getByRole('alert').textContent(), 'Username or recovery code is incorrect.');
  await recover(page, 'ida', codes[2].toUpperCase(), 'a new password for ida');
  await page.waitForURL('/settings?done=recovered');
  await page.getByRole('status').filter({ hasText: 'You are back in' }).waitFor();
  const recovery = page.getByRole('region', { name: 'Recovery codes' });
  assert.match(await recovery.textContent(), /9 of 10/);
  await signOut(page);

  // The code is used up; the new password works, the old one does not.
  await recover(page, 'ida', codes[2], 'yet another password');
  assert.equal(await page.getByRole('alert').textContent(), 'Username or recovery code is incorrect.');
  await signIn(page, 'ida', PASSWORD);
  await page.getByRole('alert').waitFor();
  await signIn(page, 'ida', 'a new password for ida');
  await page.waitForURL('/rooms');
});

test('a phone signed out from the settings, and again by a password change, leaves its chat for the sign-in page', async () => {
  const laptop = await confab.signedUp('jon');
  const phone = await confab.visitor({ viewport: PHONE, userAgent: ANDROID }, 'jon on the phone');
  await signIn(phone, 'jon');
  await phone.waitForURL('/rooms');
  await openRoom(phone, 'lobby');

  await laptop.goto('/settings');
  const devices = laptop.getByRole('region', { name: 'Signed-in devices' });
  await devices.getByText('This device').waitFor();
  await devices.getByRole('listitem', { name: 'Chrome on Android' }).waitFor();
  await devices.getByRole('button', { name: 'Sign out Chrome on Android' }).click();
  await laptop.getByRole('status').filter({ hasText: 'That device was signed out.' }).waitFor();
  await phone.waitForURL('/login?next=%2Frooms%2Flobby');
  assert.equal(await devices.getByRole('listitem').count(), 1);

  // Back on the phone; then the password changes on the laptop.
  await signIn(phone, 'jon');
  await openRoom(phone, 'lobby');
  await laptop.goto('/settings');
  const password = laptop.getByRole('region', { name: 'Password' });
  await password.getByLabel('Current password').fill('not my password');
  await password.getByLabel('New password', { exact: true }).fill('jon has a new password');
  await password.getByLabel('Repeat new password').fill('jon has a new password');
  await password.getByRole('button', { name: 'Change password' }).click();
  await laptop.getByRole('alert').filter({ hasText: 'Current password is incorrect.' }).waitFor();
  await password.getByLabel('Current password').fill(PASSWORD);
  await password.getByLabel('New password', { exact: true }).fill('jon has a new password');
  await password.getByLabel('Repeat new password').fill('jon has a new password');
  await password.getByRole('button', { name: 'Change password' }).click();
  await laptop.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();
  await phone.waitForURL('/login?next=%2Frooms%2Flobby');
  await openRoom(laptop, 'lobby');
});
