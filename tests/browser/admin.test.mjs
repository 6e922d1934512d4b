// Running the server from /admin, as its first account (an admin) does it: finding a person and
// disabling them while they chat, which sends their open page to sign-in at once; archiving and
// deleting a room someone has open, which their page shows at once; and a member, who finds no
// admin area at all.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useConfab } from './harness.mjs';
import { openRoom, say, signIn, waitForMessage } from './ui.mjs';

const confab = useConfab('admin');

// The first account of the server is its admin; made by the first test that needs it.
let root = null;
async function admin() {
  root ??= (async () => {
    const page = await confab.signedUp('root');
    const state = await page.context().storageState();
    await page.close();
    return state;
  })();
  return confab.visitor({ storageState: await root }, 'root');
}

test('an admin disables a person from /admin while they chat, and their page goes to sign-in', async () => {
  const rootPage = await admin();
  const pat = await confab.signedUp('pat');
  await openRoom(pat, 'lobby');
  await say(pat, 'hello from pat');
  await waitForMessage(pat, 'hello from pat');

  await rootPage.goto('/rooms');
  await rootPage.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Admin' }).click();
  await rootPage.getByRole('heading', { name: 'Administration', level: 1 }).waitFor();
  await rootPage.getByLabel('Find people').fill('pa');
  await rootPage.getByRole('search', { name: 'People search' }).getByRole('button', { name: 'Find' }).click();
  const people = rootPage.getByRole('table').first();
  const patRow = people.getByRole('row', { name: /^pat\b/ });
  assert.equal(await patRow.getByRole('cell').nth(1).textContent(), 'Active');
  await patRow.getByRole('button', { name: 'Disable pat' }).click();

  await rootPage.getByRole('status').filter({ hasText: 'pat is disabled and signed out everywhere.' }).waitFor();
  assert.equal(await people.getByRole('row', { name: /^pat\b/ }).getByRole('cell').nth(1).textContent(), 'Disabled');
  // Pat's open chat learns at once that the session is over.
  await pat.waitForURL('/login?next=%2Frooms%2Flobby');
  await signIn(pat, 'pat');
  assert.equal(await pat.getByRole('alert').textContent(), 'This account is disabled.');

  // The log says who did it, to whom.
  const log = rootPage.locator('#audit-log');
  const newest = log.getByRole('row').nth(1);
  assert.match(await newest.textContent(), /root.*127\.0\.0\.1.*user\.disable.*pat/);

  await rootPage.getByRole('row', { name: /^pat\b/ }).getByRole('button', { name: 'Enable pat' }).click();
  await rootPage.getByRole('status').filter({ hasText: 'pat may sign in again.' }).waitFor();
  await signIn(pat, 'pat');
  await pat.waitForURL('/rooms');
});

test('an admin archives a room someone has open, then deletes it, and their page follows each', async () => {
  const rootPage = await admin();
  const quinn = await confab.signedUp('quinn');
  await openRoom(quinn, 'porch');
  await say(quinn, 'before the archive');
  await waitForMessage(quinn, 'before the archive');
  const box = quinn.getByRole('textbox', { name: 'Message' });
  assert.equal(await box.isEnabled(), true);

  await rootPage.goto('/admin?rq=porch#rooms');
  const row = rootPage.locator('#room-list').getByRole('row', { name: /^porch\b/ });
  await row.getByRole('button', { name: 'Archive porch' }).click();
  await rootPage.getByRole('status').filter({ hasText: 'porch is archived' }).waitFor();

  // Quinn's open page closes its message box and says why, and still shows what was said.
  await quinn.getByText('This room is archived: you can read it, and nothing in it can change.').waitFor();
  assert.equal(await box.isDisabled(), true);
  await waitForMessage(quinn, 'before the archive');

  const archived = rootPage.locator('#room-list').getByRole('row', { name: /^porch\b/ });
  await archived.getByLabel('Delete porch and everything said in it, for good').check();
  await archived.getByRole('button', { name: 'Delete porch' }).click();
  await rootPage.getByRole('status').filter({ hasText: 'porch is deleted' }).waitFor();
  await quinn.getByText('An admin deleted this room, with everything said in it.').waitFor();
  assert.equal(await quinn.getByRole('navigation', { name: 'Your rooms' }).getByText('porch').count(), 0);
});

test('a member finds no admin link and no admin page', async () => {
  await admin();
  const member = await confab.signedUp('morgan');
  await member.goto('/rooms');
  assert.equal(await member.getByRole('link', { name: 'Admin' }).count(), 0);
  const answer = await member.goto('/admin');
  assert.equal(answer.status(), 404);
  assert.doesNotMatch(await member.content(), /root|Administration/);
});
