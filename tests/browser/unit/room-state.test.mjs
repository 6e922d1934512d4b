// One room's state: first join, resume, catching up while live messages wait, older pages.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RoomState } from '../../../ui/js/lib/room-state.js';

const m = (id, seq = id, text = `m${id}`) => ({ room_id: 1, id, seq, user: 'alice', text, ts: id });
const ids = (room) => room.sorted().map((message) => message.id);
const joined = (messages, { more = false, seq } = {}) => ({
  type: 'joined', room_id: 1, room: 'r', kind: 'open', members: ['alice'],
  messages, more, seq: seq ?? Math.max(0, ...messages.map((x) => x.seq)),
});

test('a first join shows the latest messages and remembers the room sequence', () => {
  const room = new RoomState('name:r', { name: 'r' });
  const { resumed, added } = room.applyJoined(joined([m(51), m(52)], { more: true, seq: 60 }));
  assert.equal(resumed, false);
  assert.deepEqual(added.map((x) => x.id), [51, 52]);
  assert.equal(room.id, 1);
  assert.equal(room.moreOlder, true, 'older history exists');
  assert.equal(room.lastSeq, 60, 'up to date as of the answer');
  assert.equal(room.catchingUp, false);
});

test('a resume pages on while the live messages of the meantime wait their turn', () => {
  const room = new RoomState('id:1', { id: 1 });
  room.applyJoined(joined([m(1), m(2)]));
  room.disconnected();
  // Reconnected: the answer holds changes 3..4 and says more; 7 arrives live meanwhile.
  const { resumed } = room.applyJoined(joined([m(3), m(4)], { more: true, seq: 9 }));
  assert.equal(resumed, true);
  assert.equal(room.catchingUp, true);
  assert.equal(room.lastSeq, 4, 'resume from the last change received, not the room sequence');
  assert.equal(room.applyMessage(m(7)), false, 'held back');
  assert.deepEqual(ids(room), [1, 2, 3, 4]);
  const page = room.applyCatchUp({ type: 'history', room_id: 1, messages: [m(5), m(6), m(7)], more: false });
  assert.deepEqual(page.map((x) => x.id), [5, 6, 7]);
  assert.equal(room.catchingUp, false);
  assert.deepEqual(ids(room), [1, 2, 3, 4, 5, 6, 7], 'nothing missed, nothing twice');
  assert.equal(room.lastSeq, 7);
});

test('a message is taken again only in a newer state, and changes to messages older than the page are not shown', () => {
  const room = new RoomState('id:1', { id: 1 });
  room.applyJoined(joined([m(10), m(11)]));
  assert.equal(room.applyMessage(m(11)), false, 'the same message twice');
  assert.equal(room.applyMessage(m(11, 12, 'edited')), true, 'its newer state');
  assert.equal(room.messages.get(11).text, 'edited');
  assert.equal(room.applyMessage(m(3, 13, 'old, changed')), false);
  assert.deepEqual(ids(room), [10, 11]);
  assert.equal(room.lastSeq, 13, 'its sequence number still counts');
});

test('older pages go above what is shown and say whether there is more', () => {
  const room = new RoomState('id:1', { id: 1 });
  room.applyJoined(joined([m(5), m(6)], { more: true }));
  assert.equal(room.oldestId(), 5);
  const added = room.applyOlder({ type: 'history', room_id: 1, messages: [m(3), m(4)], more: false });
  assert.deepEqual(added.map((x) => x.id), [3, 4]);
  assert.equal(room.moreOlder, false);
  assert.deepEqual(ids(room), [3, 4, 5, 6]);
});

test('presence keeps the set of people online', () => {
  const room = new RoomState('id:1', { id: 1 });
  room.applyJoined(joined([]));
  room.presence('bob', 'join');
  room.presence('alice', 'leave');
  assert.deepEqual([...room.online], ['bob']);
});

test('the divider stands after the read position when shown, and moves back only when marked unread', () => {
  const room = new RoomState('id:1', { id: 1 });
  const bob = (id) => ({ ...m(id), user: 'bob' });
  room.applyJoined({ ...joined([m(1), m(2), bob(3), bob(4)]), read: 2 });
  assert.equal(room.divider, 2);
  assert.equal(room.firstUnread('alice').id, 3);
  assert.equal(room.firstUnread('ALICE').id, 3, 'names compare without case');
  room.applyRead(4);
  assert.equal(room.divider, 2, 'reading on does not move the divider');
  room.applyRead(3);
  assert.equal(room.divider, 3, 'marked unread from message 4');
  assert.equal(room.firstUnread('alice').id, 4);
  room.applyRead(4);
  room.markDivider();
  assert.equal(room.firstUnread('alice'), null, 'shown again after reading it all');
  assert.equal(room.lastOwn('alice').id, 2);

  // Older history not held yet back to the divider: the first unread is not known.
  const far = new RoomState('id:2', { id: 2 });
  far.applyJoined({ ...joined([bob(30), bob(31)], { more: true }), read: 10 });
  assert.equal(far.loadedToDivider(), false);
  assert.equal(far.firstUnread('alice'), null);
  far.applyOlder({ messages: [m(10), bob(11)], more: true });
  assert.equal(far.firstUnread('alice').id, 11);
});

test('typing indicators drop after their time, and never name me', () => {
  const room = new RoomState('id:1', { id: 1 });
  room.typing(['bob', 'me', 'carol'], 'Me', 1000);
  assert.deepEqual(room.typingNow(1000), ['bob', 'carol']);
  room.typing(['carol'], 'me', 4000);
  assert.deepEqual(room.typingNow(6000), ['carol']);
  assert.deepEqual(room.typingNow(9000), []);
});
