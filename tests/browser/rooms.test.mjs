// Rooms with access, as two people use them: a private room made on /rooms and shared by an
// invite link that a signed-out person follows through sign-up; a direct conversation opened
// from the people page; switching rooms from the sidebar without a reload; what a member who
// is removed sees; and a room's owner downloading it from its settings.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { PASSWORD, useConfab } from './harness.mjs';
import { roomPath, say, shownTexts, waitForMessage, waitOnline, waitUntil } from './ui.mjs';

const confab = useConfab('rooms');

/** Makes a room with the "New room" form on /rooms and waits until its chat is live. */
async function createRoom(page, name, kind = 'Private') {
  await page.goto('/rooms');
  const form = page.locator('form.new-room');
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel(kind).check();
  await form.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(roomPath(name));
  await waitOnline(page);
}

const sidebarLink = (page, title) =>
  page.getByRole('navigation', { name: 'Your rooms' }).getByRole('link', { name: title });

test('a private room is shared by an invite link that a signed-out person follows through sign-up into the room', async () => {
  const alice = await confab.signedUp('alice');
  await createRoom(alice, 'Book club');
  assert.equal(await alice.locator('h1.room-title').textContent(), 'Book club');
  await sidebarLink(alice, 'Book club private').waitFor();

  await alice.getByRole('link', { name: 'Room settings' }).click();
  await alice.getByRole('heading', { name: 'Settings of Book club' }).waitFor();
  await alice.getByRole('button', { name: 'Make an invite link' }).click();
  const link = await alice.getByRole('textbox', { name: 'Invite link' }).inputValue();
  assert.match(link, /\/invite\/[A-Za-z0-9_-]{16,}$/);

  // Someone without an account opens the link, creates one, and is in the room.
  const newcomer = await confab.visitor({}, 'newcomer');
  await newcomer.goto(link);
  await newcomer.getByRole('heading', { name: 'You are invited' }).waitFor();
  assert.ok(!(await newcomer.content()).includes('Book club'), 'the link tells a stranger nothing about the room');
  await newcomer.getByRole('link', { name: 'Create an account' }).click();
  await newcomer.getByLabel('Username').fill('newcomer');
  await newcomer.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await newcomer.getByLabel('Repeat password').fill(PASSWORD);
  await newcomer.getByRole('button', { name: 'Create account' }).click();
  await newcomer.getByRole('link', { name: 'I have saved them — continue' }).click();
  await newcomer.waitForURL(roomPath('Book club'));
  await waitOnline(newcomer);

  await alice.goto(roomPath('Book club'));
  await waitOnline(alice);
  await say(newcomer, 'Thanks for the invite!');
  await waitForMessage(alice, 'Thanks for the invite!');
  await say(alice, 'Welcome. Chapter three for Friday.');
  await waitForMessage(newcomer, 'Welcome. Chapter three for Friday.');

  // Someone else, signed in but not invited, finds no such room.
  const outsider = await confab.signedUp('outsider');
  const response = await outsider.goto(roomPath('Book club'));
  assert.equal(response.status(), 404);
  await outsider.getByRole('heading', { name: 'No such room' }).waitFor();
});

test('a direct conversation opened from the people page reaches the other person live', async () => {
  const carol = await confab.signedUp('carol');
  const dave = await confab.signedUp('dave');
  await dave.goto(roomPath('dave-waits'));
  await waitOnline(dave);

  await carol.goto('/people');
  await carol.getByLabel('Find someone by username').fill('da');
  await carol.getByLabel('Find someone by username').press('Enter');
  await carol.getByRole('link', { name: 'dave', exact: true }).waitFor();
  await carol.getByRole('link', { name: 'Message dave' }).click();
  await carol.waitForURL('/dm/dave');
  await waitOnline(carol);
  assert.equal(await carol.locator('h1.room-title').textContent(), 'dave');
  // The box is there at once: the conversation is made with its first message.
  await carol.getByText('Your first message starts the conversation.').waitFor();
  const before = await carol.request.get('/api/v1/rooms');
  assert.deepEqual((await before.json()).rooms.filter((room) => room.kind === 'direct'), []);
  await say(carol, 'Have you got a minute?');
  await waitForMessage(carol, 'Have you got a minute?');

  // The conversation appears in dave's sidebar while he is in another room; opening it shows
  // the message, without a reload.
  const fromCarol = dave.getByRole('navigation', { name: 'Your rooms' })
    .locator('#sidebar-dms').getByRole('link', { name: 'carol' });
  await fromCarol.waitFor();
  await dave.evaluate(() => { window.notReloaded = true; });
  await fromCarol.click();
  await waitForMessage(dave, 'Have you got a minute?');
  assert.equal(await dave.evaluate(() => window.notReloaded), true);
  assert.equal(new URL(dave.url()).pathname, '/dm/carol');
  await say(dave, 'Sure, go ahead.');
  await waitForMessage(carol, 'Sure, go ahead.');
});

test('the sidebar switches rooms on one page and one socket, and back, keeping each room\'s messages', async () => {
  const erin = await confab.signedUp('erin');
  // Counts the WebSockets each page load opens.
  await erin.addInitScript(() => {
    const Native = window.WebSocket;
    window.socketsOpened = 0;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        window.socketsOpened += 1;
      }
    };
  });
  await createRoom(erin, 'Garden', 'Open');
  await say(erin, 'Tomatoes are in.');
  await waitForMessage(erin, 'Tomatoes are in.');
  await createRoom(erin, 'Kitchen');
  await say(erin, 'Soup tonight.');
  await waitForMessage(erin, 'Soup tonight.');

  await erin.evaluate(() => { window.notReloaded = true; });
  assert.equal(await erin.evaluate(() => window.socketsOpened), 1);
  await sidebarLink(erin, 'Garden').click();
  await waitUntil(erin, 'Garden is shown', () => document.querySelector('h1.room-title').textContent === 'Garden');
  await waitForMessage(erin, 'Tomatoes are in.');
  assert.deepEqual(await shownTexts(erin), ['Tomatoes are in.']);
  assert.equal(new URL(erin.url()).pathname, roomPath('Garden'));
  assert.equal(await sidebarLink(erin, 'Garden').getAttribute('aria-current'), 'page');
  await say(erin, 'And beans.');
  await waitForMessage(erin, 'And beans.');

  await sidebarLink(erin, 'Kitchen private').click();
  await waitUntil(erin, 'Kitchen is shown', () => document.querySelector('h1.room-title').textContent === 'Kitchen');
  assert.deepEqual(await shownTexts(erin), ['Soup tonight.']);
  // Back and forward in the browser follow the switches.
  await erin.goBack();
  await waitUntil(erin, 'Garden is shown again', () => document.querySelector('h1.room-title').textContent === 'Garden');
  assert.deepEqual(await shownTexts(erin), ['Tomatoes are in.', 'And beans.']);

  assert.equal(await erin.evaluate(() => window.notReloaded), true, 'no page load');
  assert.equal(await erin.evaluate(() => window.socketsOpened), 1, 'no new socket');
});

test('a member who is removed sees it at once and can no longer post', async () => {
  const frank = await confab.signedUp('frank');
  const grace = await confab.signedUp('grace');
  await createRoom(frank, 'Board');
  await frank.goto(`${roomPath('Board')}/settings`);
  await frank.getByLabel('Add someone by username').fill('grace');
  await frank.getByRole('button', { name: 'Add', exact: true }).click();
  await frank.getByRole('button', { name: 'Remove grace' }).waitFor();

  await grace.goto(roomPath('Board'));
  await waitOnline(grace);
  await sidebarLink(grace, 'Board private').waitFor();
  await say(grace, 'Hello board.');
  await waitForMessage(grace, 'Hello board.');

  await frank.getByRole('button', { name: 'Remove grace' }).click();
  await frank.getByRole('button', { name: 'Remove grace' }).waitFor({ state: 'detached' });

  const notice = grace.getByRole('alert').filter({ hasText: 'You were removed from this room' });
  await notice.waitFor();
  assert.equal(await grace.locator('#message-input').isDisabled(), true, 'the composer is closed');
  await sidebarLink(grace, 'Board private').waitFor({ state: 'detached' });

  // A reload shows the room as one that does not exist.
  const response = await grace.reload();
  assert.equal(response.status(), 404);
  await grace.getByRole('heading', { name: 'No such room' }).waitFor();
});

test("a room's owner downloads it from its settings, and a member finds no such control", async () => {
  const hana = await confab.signedUp('hana');
  const ivan = await confab.signedUp('ivan');
  await createRoom(hana, 'Minutes');
  await say(hana, 'Decided: we meet on Thursdays.');
  await waitForMessage(hana, 'Decided: we meet on Thursdays.');
  await hana.goto(`${roomPath('Minutes')}/settings`);
  await hana.getByLabel('Add someone by username').fill('ivan');
  await hana.getByRole('button', { name: 'Add', exact: true }).click();
  await hana.getByRole('button', { name: 'Remove ivan' }).waitFor();

  await hana.getByRole('heading', { name: 'Download the room' }).waitFor();
  const [download] = await Promise.all([
    hana.waitForEvent('download'),
    hana.getByRole('link', { name: 'Download Minutes (zip)' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^Minutes-\d{4}-\d{2}-\d{2}\.zip$/);
  const zip = await readFile(await download.path());
  assert.equal(zip.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'a zip');
  assert.ok(zip.includes('messages.jsonl') && zip.includes('export.json'));

  await ivan.goto(`${roomPath('Minutes')}/settings`);
  await ivan.getByRole('heading', { name: 'Settings of Minutes' }).waitFor();
  assert.equal(await ivan.getByRole('link', { name: /^Download/ }).count(), 0);
});
