// Accessibility: every page, signed out and signed in, light and dark, desktop and phone, has
// no serious or critical WCAG 2.1 A/AA violation that axe-core can find. Each page is its own
// test, so one failing page does not hide what is wrong with the others.
import { test } from 'node:test';

import { assertAccessible } from './axe.mjs';
import { DESKTOP, PHONE, useConfab } from './harness.mjs';
import { openRoom, roomPath, say, waitForMessage, waitUntil } from './ui.mjs';

const confab = useConfab('accessibility');

const ON_A_DESKTOP = { viewport: DESKTOP };
const ON_A_PHONE = { viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const DESKTOP_NAME = `desktop ${DESKTOP.width}×${DESKTOP.height}`;
const PHONE_NAME = `phone ${PHONE.width}×${PHONE.height}`;

const ROOM = 'Release planning';
const CONVERSATION = [
  ['alice', 'Morning! Is the release still on for Thursday?'],
  ['bob', 'Yes, the last fix went in last night.'],
  ['bob', 'I will write the notes this afternoon.'],
  ['alice', 'Great, thanks. I will tell the team.'],
];
const LAST = CONVERSATION.at(-1)[1];

// Alice and Bob's conversation is made once, by the first test that needs it; the others open
// it again in new contexts signed in with their saved cookies (closing a context does not sign
// anyone out), so any one test can still run alone.
let signedIn = null;
function conversation() {
  signedIn ??= (async () => {
    const people = { alice: await confab.signedUp('alice'), bob: await confab.signedUp('bob') };
    await openRoom(people.alice, ROOM);
    await openRoom(people.bob, ROOM);
    for (const [who, text] of CONVERSATION) {
      await say(people[who], text);
      await waitForMessage(people.alice, text);
      await waitForMessage(people.bob, text);
    }
    return {
      alice: await people.alice.context().storageState(),
      bob: await people.bob.context().storageState(),
    };
  })();
  return signedIn;
}

async function asAlice(colorScheme, device) {
  return confab.visitor({ ...device, colorScheme, storageState: (await conversation()).alice }, 'alice');
}

/** Alice on the chat page, with the whole conversation shown and Bob online beside her. */
async function inTheRoom(colorScheme, device) {
  const bob = await confab.visitor({ colorScheme, storageState: (await conversation()).bob }, 'bob');
  await openRoom(bob, ROOM);
  const alice = await asAlice(colorScheme, device);
  await openRoom(alice, ROOM);
  await waitForMessage(alice, LAST);
  await waitUntil(alice, 'alice and bob are listed online', () =>
    document.querySelectorAll('#member-list li').length === 2);
  return alice;
}

// The pages around rooms and people: a private room of alice's with an invite link, and carol,
// with whom alice has no conversation yet. Made once, through the API.
let around = null;
function roomsAndPeople() {
  around ??= (async () => {
    const { alice } = await conversation();
    const page = await confab.visitor({ storageState: alice }, 'alice');
    const made = await page.request.post('/api/v1/rooms', { data: { name: 'Planning', kind: 'private', topic: 'Next quarter' } });
    if (made.status() !== 201) throw new Error(`making Planning: ${await made.text()}`);
    const invite = await page.request.post('/api/v1/rooms/Planning/invites', { data: { max_uses: 5 } });
    const { url } = (await invite.json()).invite;
    const carol = await confab.signedUp('carol');
    await carol.close();
    return { invite: new URL(url).pathname };
  })();
  return around;
}

const SIGNED_IN_PAGES = [
  ['/people', 'the people page', 'People'],
  ['/u/bob', 'a profile page', 'bob'],
  ['/settings', 'the settings page', 'Settings'],
  ['/rooms/Planning/settings', 'a room\'s settings page, as its owner', 'Settings of Planning'],
  ['/dm/carol', 'the page that starts a direct conversation', 'carol'],
  ['/search?q=release%20th', 'the search page with results', 'Search'],
  ['/admin', 'the admin page, as the first account (an admin)', 'Administration'],
];

for (const colorScheme of ['light', 'dark']) {
  for (const [path, name, heading] of SIGNED_IN_PAGES) {
    test(`${name}, signed in, has no serious or critical WCAG 2.1 AA violations in the ${colorScheme} scheme`, async () => {
      await roomsAndPeople();
      const page = await asAlice(colorScheme, ON_A_DESKTOP);
      await page.goto(path);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await assertAccessible(page, `${name} ${path}, signed in, ${colorScheme}, ${DESKTOP_NAME}`);
    });
  }

  test(`an invite link, signed out and signed in, has no serious or critical WCAG 2.1 AA violations in the ${colorScheme} scheme`, async () => {
    const { invite } = await roomsAndPeople();
    const stranger = await confab.visitor({ ...ON_A_DESKTOP, colorScheme });
    await stranger.goto(invite);
    await stranger.getByRole('heading', { name: 'You are invited' }).waitFor();
    await assertAccessible(stranger, `the invite page, signed out, ${colorScheme}, ${DESKTOP_NAME}`);
    const bob = await confab.visitor({ ...ON_A_DESKTOP, colorScheme, storageState: (await conversation()).bob }, 'bob');
    await bob.goto(invite);
    await bob.getByRole('heading', { name: 'Join Planning?' }).waitFor();
    await assertAccessible(bob, `the invite page, signed in, ${colorScheme}, ${DESKTOP_NAME}`);
    await bob.goto('/invite/not-a-real-code');
    await bob.getByRole('heading', { name: 'Invite link not valid' }).waitFor();
    await assertAccessible(bob, `a bad invite link, ${colorScheme}, ${DESKTOP_NAME}`);
  });

  for (const [path, name] of [['/', 'the home page'], ['/login', 'the sign-in page'], ['/signup', 'the sign-up page'], ['/recover', 'the recovery page'], ['/reset/not-a-real-link', 'a bad sign-in link']]) {
    test(`${name}, signed out, has no serious or critical WCAG 2.1 AA violations in the ${colorScheme} scheme`, async () => {
      const page = await confab.visitor({ ...ON_A_DESKTOP, colorScheme });
      await page.goto(path);
      await assertAccessible(page, `${name} ${path}, signed out, ${colorScheme}, ${DESKTOP_NAME}`);
    });
  }

  // The API's reference is a page people work from: read, open an operation, try it out.
  test(`the API docs, read and with an operation tried out, have no serious or critical WCAG 2.1 AA violations in the ${colorScheme} scheme`, async () => {
    const page = await asAlice(colorScheme, ON_A_DESKTOP);
    await page.goto('/api/docs');
    const listRooms = page.locator('.opblock-get').filter({ has: page.locator('[data-path="/rooms"]') });
    await listRooms.waitFor();
    await assertAccessible(page, `the API docs /api/docs, ${colorScheme}, ${DESKTOP_NAME}`);
    await listRooms.getByRole('button', { name: /^GET \/rooms/ }).click();
    await listRooms.getByRole('button', { name: 'Try it out' }).click();
    await listRooms.getByRole('button', { name: 'Execute' }).click();
    await listRooms.getByText('Server response').waitFor();
    await listRooms.locator('.live-responses-table .response-col_status', { hasText: '200' }).waitFor();
    await assertAccessible(page, `the API docs /api/docs with GET /rooms tried out, ${colorScheme}, ${DESKTOP_NAME}`);
    const post = page.locator('.opblock-post').filter({ has: page.locator('[data-path="/rooms/{name}/messages"]') });
    await post.getByRole('button', { name: /^POST \/rooms\/\{name\}\/messages/ }).click();
    await post.getByRole('button', { name: 'Try it out' }).click();
    await post.getByRole('textbox', { name: 'Request body' }).waitFor();
    await assertAccessible(page, `the API docs /api/docs with a request body to fill in, ${colorScheme}, ${DESKTOP_NAME}`);
    const upload = page.locator('.opblock-post').filter({ has: page.locator('[data-path="/rooms/{name}/files"]') });
    await upload.getByRole('button', { name: /^POST \/rooms\/\{name\}\/files/ }).click();
    await upload.getByRole('button', { name: 'Try it out' }).click();
    await upload.getByLabel('Request body').waitFor();
    await assertAccessible(page, `the API docs /api/docs with a file to upload, ${colorScheme}, ${DESKTOP_NAME}`);
  });

  test(`the rooms page, signed in with a room of one's own, has no serious or critical WCAG 2.1 AA violations in the ${colorScheme} scheme`, async () => {
    const page = await asAlice(colorScheme, ON_A_DESKTOP);
    await page.goto('/rooms');
    const yours = page.locator('section', { has: page.getByRole('heading', { name: 'Your rooms' }) });
    await yours.getByRole('link', { name: ROOM }).waitFor();
    await assertAccessible(page, `the rooms page /rooms, signed in, ${colorScheme}, ${DESKTOP_NAME}`);
  });

  test(`the chat page with a conversation and its members panel listing two people has no serious or critical WCAG 2.1 AA violations in the ${colorScheme} scheme`, async () => {
    const page = await inTheRoom(colorScheme, ON_A_DESKTOP);
    await assertAccessible(page, `the chat page ${roomPath(ROOM)} with its members panel, ${colorScheme}, ${DESKTOP_NAME}`);
  });

  test(`on a phone the chat page with a conversation has no serious or critical WCAG 2.1 AA violations in the ${colorScheme} scheme`, async () => {
    const page = await inTheRoom(colorScheme, ON_A_PHONE);
    await assertAccessible(page, `the chat page ${roomPath(ROOM)}, ${colorScheme}, ${PHONE_NAME}`);
  });

  // On a phone the room's controls are in one menu, the members panel opens from it over the
  // chat, and the account links are in the drawer.
  test(`on a phone the room menu, the opened members panel and the drawer have no serious or critical WCAG 2.1 AA violations in the ${colorScheme} scheme`, async () => {
    const page = await inTheRoom(colorScheme, ON_A_PHONE);
    await page.getByRole('button', { name: 'Room menu' }).click();
    await page.getByLabel('Notify me of').waitFor();
    await assertAccessible(page, `the chat page ${roomPath(ROOM)} with the room menu open, ${colorScheme}, ${PHONE_NAME}`);
    await page.getByRole('button', { name: /^Online/ }).click();
    await page.locator('#members.open').waitFor();
    await assertAccessible(page, `the chat page ${roomPath(ROOM)} with the members panel open, ${colorScheme}, ${PHONE_NAME}`);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Rooms and account' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await assertAccessible(page, `the chat page ${roomPath(ROOM)} with the drawer open, ${colorScheme}, ${PHONE_NAME}`);
  });
}
