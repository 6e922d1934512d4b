// What calls the person back: levels, which messages notify, and the tab's count and dot.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  EXCERPT_MAX, alertText, attention, levelOf, tabTitle, wantsAlert,
} from '../../../ui/js/lib/attention.js';

const room = (id, kind, extra = {}) => ({ id, kind, name: kind === 'direct' ? null : `r${id}`, read: 0, unread: 0, mentions: 0, ...extra });
const said = (id, user, extra = {}) => ({ id, user, text: 'hello', mentions: [], ...extra });

test('a room notifies of what its member chose, else all of a conversation and mentions elsewhere', () => {
  assert.equal(levelOf(room(1, 'direct')), 'all');
  assert.equal(levelOf(room(1, 'open')), 'mentions');
  assert.equal(levelOf(room(1, 'private', { notifications: 'none' })), 'none');
  assert.equal(levelOf(room(1, 'direct', { notifications: 'mentions' })), 'mentions');
  assert.equal(levelOf(room(1, 'open', { notifications: 'bogus' })), 'mentions', 'an unknown level is the default');
});

test('a message notifies by the room\'s level, never one\'s own, a blocked person\'s or one already read', () => {
  const open = room(1, 'open');
  assert.ok(!wantsAlert(open, said(5, 'bob'), 'me'), 'a plain message in a mentions room');
  assert.ok(wantsAlert(open, said(5, 'bob', { mentions: ['ME'] }), 'me'), 'a mention, in any case');
  assert.ok(wantsAlert(open, said(5, 'bob', { everyone: 'room' }), 'me'), '@room');
  assert.ok(wantsAlert(room(2, 'direct'), said(5, 'bob'), 'me'));
  assert.ok(!wantsAlert(room(2, 'direct'), said(5, 'Me'), 'me'), 'one\'s own');
  assert.ok(!wantsAlert(room(2, 'direct'), said(5, 'bob'), 'me', new Set(['bob'])), 'a blocked person');
  assert.ok(!wantsAlert(room(2, 'direct', { read: 5 }), said(5, 'bob'), 'me'), 'already read elsewhere');
  assert.ok(!wantsAlert(room(3, 'open', { notifications: 'none' }), said(5, 'bob', { mentions: ['me'] }), 'me'));
  assert.ok(!wantsAlert(undefined, said(5, 'bob'), 'me'), 'a room not in the list');
});

test('the tab counts what calls the person, and the room on screen only while hidden', () => {
  const rooms = [
    room(1, 'open', { unread: 7, mentions: 2 }),
    room(2, 'direct', { unread: 3 }),
    room(3, 'open', { unread: 4, notifications: 'none' }),
    room(4, 'open', { unread: 5, notifications: 'all' }),
  ];
  assert.deepEqual(attention(rooms), { count: 2 + 3 + 5, dot: true });
  assert.deepEqual(attention(rooms, { currentId: 1 }), { count: 8, dot: true }, 'the room in front is seen');
  assert.deepEqual(attention(rooms, { currentId: 1, hidden: true }), { count: 7 + 8, dot: true }, 'hidden, all of it counts');
  assert.deepEqual(attention([room(1, 'open', { unread: 7 })]), { count: 0, dot: true }, 'unread, nothing calling');
  assert.deepEqual(attention([room(3, 'open', { unread: 4, notifications: 'none' })]), { count: 0, dot: false }, 'muted');
  assert.deepEqual(attention([]), { count: 0, dot: false });
});

test('the title leads with the count, capped as the server caps it', () => {
  assert.equal(tabTitle('lobby', 0), 'lobby · confab');
  assert.equal(tabTitle('lobby', 3), '(3) lobby · confab');
  assert.equal(tabTitle('lobby', 250), '(100+) lobby · confab');
});

test('a notification names who wrote and where, with the start of the text', () => {
  const direct = room(2, 'direct', { people: [{ username: 'bob', display_name: 'Bob B.' }, { username: 'me' }] });
  assert.deepEqual(alertText('Bob B.', direct, said(5, 'bob', { text: '  see\nyou  ' }), 'me'), { title: 'Bob B.', body: 'see you' });
  const open = room(1, 'open');
  const long = 'x'.repeat(EXCERPT_MAX + 10);
  const { title, body } = alertText('lobby', open, said(5, 'bob', { text: long }), 'me');
  assert.equal(title, 'bob in lobby');
  assert.equal(body.length, EXCERPT_MAX);
  assert.ok(body.endsWith('…'));
  const activity = { id: 6, user: 'bob', mentions: ['me'], excerpt: 'from the activity frame' };
  assert.equal(alertText('lobby', open, activity, 'me').body, 'from the activity frame');
  assert.equal(alertText('lobby', open, { ...activity, excerpt: undefined }, 'me').body, 'Mentioned you');
  assert.equal(alertText('lobby', open, said(7, 'bob', { text: '', files: [{}] }), 'me').body, 'Sent a file');
  // Private notifications name neither the author nor the room, and say nothing of the text.
  assert.deepEqual(alertText('lobby', open, said(7, 'bob', { text: 'secret' }), 'me', { private: true }),
    { title: 'confab', body: 'New message' });
  assert.deepEqual(alertText('Bob B.', direct, said(8, 'bob', { text: '@me secret' }), 'me', { private: true }),
    { title: 'confab', body: 'New message' });
});
