// Conversation features between two people in real Chromium: a mention while the mentioned
// person is in another room (badge, divider, highlight, mark as unread), @ completion with the
// keyboard, edits and deletions while the other person is offline, reactions from both, replies
// and permalinks that open at their message, and the typing line.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useConfab } from './harness.mjs';
import {
  openRoom, postMany, say, shownMessages, storedMessages, waitForMessage, waitOnline, waitUntil,
} from './ui.mjs';

const confab = useConfab('conversation');

/** The sidebar's link to a room, by the name it shows. */
const sidebarRoom = (page, name) => page.locator('#sidebar-rooms a.sidebar-room', { has: page.locator('.room-label', { hasText: name }) });

/** The stored message with this text. */
const message = (page, text) => page.locator('#message-list li.msg[data-id]', { has: page.locator('.msg-text', { hasText: text }) });

/** A message's button, shown on hover (and focus) as a person would find it. */
async function messageAction(page, text, label) {
  const li = message(page, text);
  await li.hover();
  return li.getByRole('button', { name: label, exact: true });
}

test('a mention in another room shows a badge; opening the room shows the divider and the highlight; mark as unread brings the count back', async () => {
  const alice = await confab.signedUp('alice');
  const bob = await confab.signedUp('bob');
  await openRoom(alice, 'work');
  await openRoom(bob, 'work');
  await say(alice, 'morning all');
  await waitForMessage(bob, 'morning all');
  await openRoom(alice, 'lounge');

  // Bob calls her with the completion list, from the keyboard alone.
  const input = bob.locator('#message-input');
  await input.pressSequentially('@al');
  const option = bob.getByRole('option', { name: '@alice' });
  await option.waitFor();
  assert.equal(await input.getAttribute('aria-activedescendant'), await option.getAttribute('id'));
  await input.press('ArrowDown');
  await input.press('ArrowUp');
  assert.equal(await option.getAttribute('aria-selected'), 'true');
  await input.press('Tab');
  assert.equal(await input.inputValue(), '@alice ');
  assert.ok(await bob.getByRole('listbox', { name: 'People to mention' }).isHidden());
  await input.pressSequentially('can you review the deploy?');
  await input.press('Enter');
  await say(bob, 'no rush');
  await waitForMessage(bob, 'no rush');

  // Alice, in the lounge, sees the room's badges without having followed it.
  const work = sidebarRoom(alice, 'work');
  await work.locator('.mention-badge', { hasText: '@1' }).waitFor();
  await work.locator('.unread-badge', { hasText: '2' }).waitFor();
  assert.match(await work.textContent(), /1 mentioning you.*2 unread/);

  await work.click();
  await waitUntil(alice, 'the work room is shown', () => document.querySelector('#room-title').textContent === 'work');
  await waitForMessage(alice, '@alice can you review the deploy?');
  const shown = await alice.locator('#message-list > li').evaluateAll((items) => items.map((li) => li.className.split(' ')[0] + ':' + (li.querySelector('.msg-text')?.textContent ?? li.textContent)));
  const divider = shown.indexOf('new-divider:New');
  assert.ok(divider > 0, `a "new" divider is shown: ${shown}`);
  assert.equal(shown[divider + 1], 'msg:@alice can you review the deploy?', `it stands above the first unread: ${shown}`);
  const called = message(alice, 'can you review').locator('.mention.mention-me');
  assert.equal(await called.textContent(), '@alice');

  // Seen on screen: the read position moves and the counts clear, on the server too.
  const counts = async () => {
    const rooms = await (await alice.request.get('/api/v1/rooms')).json();
    const room = (rooms.mine || rooms.rooms).find((r) => r.name === 'work');
    return [room.unread, room.mentions];
  };
  for (let i = 0; i < 100 && (await counts())[0] !== 0; i += 1) await alice.waitForTimeout(50);
  assert.deepEqual(await counts(), [0, 0]);

  // "Mark as unread" on bob's first message: back in the lounge, the badge says so again.
  await (await messageAction(alice, 'can you review', 'Mark as unread')).click();
  for (let i = 0; i < 100 && (await counts())[0] === 0; i += 1) await alice.waitForTimeout(50);
  assert.deepEqual(await counts(), [2, 1]);
  await sidebarRoom(alice, 'lounge').click();
  await sidebarRoom(alice, 'work').locator('.unread-badge', { hasText: '2' }).waitFor();
  // Every page of hers agrees: the rooms page lists the same counts.
  await alice.goto('/rooms');
  const mine = alice.locator('section.card', { has: alice.getByRole('heading', { name: 'Your rooms' }) });
  assert.match(await mine.locator('.room-link', { hasText: 'work' }).textContent(), /1 mentioning you.*2 unread/);
});

test('edits and deletions made while the other person is offline show in their current state when they reconnect', async () => {
  const alice = await confab.signedUp('alice2');
  const bob = await confab.signedUp('bob2');
  await openRoom(alice, 'notes');
  await openRoom(bob, 'notes');
  await say(alice, 'frist post');
  await say(alice, 'the wifi password is hunter2');
  await say(alice, 'lunch at noon');
  await waitForMessage(bob, 'lunch at noon');

  await bob.context().setOffline(true);
  await bob.locator('#conn-state[data-state="reconnecting"]').waitFor();

  // Up in the empty box edits her last message; its Edit button any other.
  await alice.locator('#message-input').press('ArrowUp');
  const editor = alice.getByRole('textbox', { name: 'Edit message' });
  assert.equal(await editor.inputValue(), 'lunch at noon');
  await editor.press('Escape');
  await (await messageAction(alice, 'frist post', 'Edit')).click();
  await editor.fill('first post');
  await editor.press('Enter');
  await waitForMessage(alice, 'first post (edited)');
  await (await messageAction(alice, 'hunter2', 'Delete')).click();
  const dialog = alice.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await waitForMessage(alice, 'message deleted');

  await bob.context().setOffline(false);
  await waitOnline(bob);
  await waitForMessage(bob, 'first post (edited)');
  await waitForMessage(bob, 'message deleted');
  const texts = (await shownMessages(bob)).map((m) => m.text);
  assert.deepEqual(texts, ['first post (edited)', 'message deleted', 'lunch at noon']);
  const stored = await storedMessages(bob, 'notes');
  assert.equal(stored[1].text, '', 'the deleted text is gone from the server');
  assert.ok(!(await bob.content()).includes('hunter2'), 'and from the page');
  // Bob may not edit or delete alice's messages: the buttons are not offered.
  const li = message(bob, 'lunch at noon');
  await li.hover();
  assert.equal(await li.getByRole('button', { name: 'Edit', exact: true }).count(), 0);
  assert.equal(await li.getByRole('button', { name: 'Delete', exact: true }).count(), 0);
});

test('reactions from both people appear once each, with counts and who reacted', async () => {
  const alice = await confab.signedUp('alice3');
  const bob = await confab.signedUp('bob3');
  await openRoom(alice, 'fun');
  await openRoom(bob, 'fun');
  await say(alice, 'ship it');
  await waitForMessage(bob, 'ship it');

  await (await messageAction(alice, 'ship it', 'Add a reaction')).click();
  await alice.getByRole('dialog', { name: 'Add a reaction' }).getByRole('button', { name: 'React with 👍' }).click();
  const chips = (page) => message(page, 'ship it').locator('.reaction');
  await waitUntil(bob, 'bob sees the 👍', () => document.querySelectorAll('.reaction').length === 1);
  await chips(bob).first().click(); // bob adds his 👍 by its chip
  await (await messageAction(bob, 'ship it', 'Add a reaction')).click();
  const picker = bob.getByRole('dialog', { name: 'Add a reaction' });
  await picker.getByLabel('Any emoji').fill('🦀');
  await picker.getByLabel('Any emoji').press('Enter');

  for (const page of [alice, bob]) {
    await waitUntil(page, 'two chips, 👍 twice', () => {
      const chips = [...document.querySelectorAll('.reaction')].map((c) => c.textContent);
      return chips.join(' ') === '👍2 🦀1';
    });
  }
  const thumbs = chips(alice).first();
  assert.equal(await thumbs.getAttribute('aria-pressed'), 'true');
  assert.equal(await thumbs.getAttribute('title'), 'you, bob3');
  assert.equal(await chips(alice).nth(1).getAttribute('aria-pressed'), 'false');
  assert.equal(await chips(alice).nth(1).getAttribute('aria-label'), '🦀 1: bob3');

  // A second click takes a reaction back; a word is not an emoji and is refused.
  await thumbs.click();
  await waitUntil(bob, 'alice took hers back', () => [...document.querySelectorAll('.reaction')].map((c) => c.textContent).join(' ') === '👍1 🦀1');
  await (await messageAction(alice, 'ship it', 'Add a reaction')).click();
  await alice.getByLabel('Any emoji').fill('lol');
  await alice.getByLabel('Any emoji').press('Enter');
  await waitUntil(alice, 'the refusal is told', () => /emoji/i.test(document.querySelector('#conn-state').textContent));
  assert.equal(await chips(alice).count(), 2);
});

test('a permalink opens at its message, in the page and in the live chat; a reply jumps to what it answers', async () => {
  const alice = await confab.signedUp('alice4');
  const bob = await confab.signedUp('bob4');
  await openRoom(alice, 'archive');
  await postMany(alice, 'archive', Array.from({ length: 90 }, (_, i) => `note ${i + 1}`));
  const stored = await storedMessages(alice, 'archive');
  const old = stored.find((m) => m.text === 'note 7');

  await bob.goto(`/rooms/archive/m/${old.id}`);
  const linked = bob.locator('li.msg.linked');
  assert.match(await linked.textContent(), /note 7/);
  assert.equal(await linked.getAttribute('aria-current'), 'true');
  await bob.getByRole('link', { name: 'Open in chat' }).click();
  await waitOnline(bob);
  const live = bob.locator('#message-list li.msg.linked');
  await live.waitFor();
  assert.match(await live.locator('.msg-text').textContent(), /^note 7$/);
  assert.ok(await live.isVisible());
  await waitUntil(bob, 'the message is scrolled into view', () => {
    const box = document.querySelector('#message-list li.msg.linked').getBoundingClientRect();
    const pane = document.querySelector('#messages').getBoundingClientRect();
    return box.top >= pane.top && box.bottom <= pane.bottom;
  });

  // Bob answers note 7; alice clicks the quote and lands on it.
  await (await messageAction(bob, /^note 7$/, 'Reply')).click();
  assert.match(await bob.locator('#reply-bar').textContent(), /Replying to alice4: note 7/);
  await say(bob, 'this one still matters');
  await waitForMessage(alice, 'this one still matters');
  const quote = message(alice, 'this one still matters').getByRole('button', { name: /Reply to alice4/ });
  assert.match(await quote.textContent(), /alice4note 7/);
  await quote.click();
  await alice.locator('#message-list li.msg.linked', { has: alice.locator('.msg-text', { hasText: /^note 7$/ }) }).waitFor();
});

test('coming back to many unread messages, "Jump to first unread" loads back to the divider', async () => {
  const alice = await confab.signedUp('alice6');
  const bob = await confab.signedUp('bob6');
  await openRoom(alice, 'backlog');
  await say(alice, 'see you tomorrow');
  await waitForMessage(alice, 'see you tomorrow');
  await openRoom(alice, 'elsewhere');
  await openRoom(bob, 'backlog');
  await postMany(bob, 'backlog', Array.from({ length: 70 }, (_, i) => `overnight ${i + 1}`));
  await sidebarRoom(alice, 'backlog').locator('.unread-badge', { hasText: '70' }).waitFor();

  await sidebarRoom(alice, 'backlog').click();
  await waitForMessage(alice, 'overnight 70');
  const jump = alice.getByRole('button', { name: 'Jump to first unread' });
  await jump.waitFor();
  await jump.click();
  const divider = alice.locator('#message-list li.new-divider');
  await divider.waitFor();
  await waitUntil(alice, 'the divider is in view', () => {
    const box = document.querySelector('li.new-divider').getBoundingClientRect();
    const pane = document.querySelector('#messages').getBoundingClientRect();
    return box.bottom > pane.top && box.top < pane.bottom;
  });
  const after = await divider.evaluate((li) => li.nextElementSibling.querySelector('.msg-text').textContent);
  assert.equal(after, 'overnight 1');
  await waitUntil(alice, 'the button has gone', () => document.querySelector('#jump-unread').hidden);
});

test('with the keyboard alone: arrows reach a message, Tab its buttons, a reaction is added and the focus comes back', async () => {
  const alice = await confab.signedUp('alice7');
  const bob = await confab.signedUp('bob7');
  await openRoom(bob, 'keys');
  await openRoom(alice, 'keys');
  await say(bob, 'first');
  await say(bob, 'second');
  await waitForMessage(alice, 'second');

  await alice.locator('#messages').focus();
  await alice.keyboard.press('ArrowUp');
  const focusedText = () => alice.evaluate(() => document.activeElement.closest('li.msg')?.querySelector('.msg-text').textContent);
  assert.equal(await focusedText(), 'second');
  await alice.keyboard.press('ArrowUp');
  assert.equal(await focusedText(), 'first');
  await alice.keyboard.press('Tab');
  assert.equal(await alice.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Add a reaction', await alice.evaluate(() => document.activeElement.outerHTML));
  await alice.keyboard.press('Enter');
  const picker = alice.getByRole('dialog', { name: 'Add a reaction' });
  await picker.waitFor();
  await alice.keyboard.press('Escape');
  assert.ok(await picker.isHidden());
  assert.equal(await alice.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Add a reaction');
  await alice.keyboard.press('Enter');
  await alice.keyboard.press('Enter'); // the picker's first emoji has the focus
  await waitUntil(bob, 'bob sees her reaction', () => document.querySelectorAll('.reaction').length === 1);
  // A new message redraws the list: the focus stays on the message it was on.
  await say(bob, 'third');
  await waitForMessage(alice, 'third');
  assert.equal(await focusedText(), 'first');
  await alice.keyboard.press('Escape');
  assert.equal(await alice.evaluate(() => document.activeElement.id), 'message-input');
});

test('typing shows under the messages and disappears when the message arrives or after a while', async () => {
  const alice = await confab.signedUp('alice5');
  const bob = await confab.signedUp('bob5');
  await openRoom(alice, 'chatter');
  await openRoom(bob, 'chatter');
  const line = alice.locator('#typing-line');

  await bob.locator('#message-input').pressSequentially('hello th');
  await waitUntil(alice, 'bob is typing', () => document.querySelector('#typing-line').textContent === 'bob5 is typing…');
  assert.equal(await bob.locator('#typing-line').textContent(), '', 'not told of oneself');
  await bob.locator('#message-input').pressSequentially('ere');
  await bob.locator('#message-input').press('Enter');
  await waitForMessage(alice, 'hello there');
  assert.equal(await line.textContent(), '');

  await bob.waitForTimeout(3100); // the next report may go 3 s after the last
  await bob.locator('#message-input').pressSequentially('one more');
  await waitUntil(alice, 'bob is typing again', () => document.querySelector('#typing-line').textContent === 'bob5 is typing…');
  const started = Date.now();
  await waitUntil(alice, 'the indicator drops after 5 s without a report', () => document.querySelector('#typing-line').textContent === '');
  assert.ok(Date.now() - started > 3000, 'it stayed while it was fresh');
});
