// The sidebar's rooms: set from hello, kept current by room events.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SidebarState, UNREAD_CAP } from '../../../ui/js/lib/sidebar-state.js';

const room = (id, kind, name, extra = {}) => ({ id, kind, name, last_activity: 0, last_id: 0, ...extra });

test('named rooms are listed by name and direct rooms newest first, each titled for me', () => {
  const sidebar = new SidebarState('me');
  sidebar.reset([
    room(1, 'open', 'zebra'),
    room(2, 'private', 'Apples'),
    room(3, 'direct', null, { people: [{ username: 'me' }, { username: 'old' }], last_activity: 10 }),
    room(4, 'direct', null, { people: [{ username: 'me' }, { username: 'new' }], last_activity: 20 }),
  ]);
  const { named, direct } = sidebar.groups();
  assert.deepEqual(named.map((e) => e.title), ['Apples', 'zebra']);
  assert.deepEqual(direct.map((e) => e.title), ['new', 'old']);

  sidebar.touch(3, 30, 5);
  assert.deepEqual(sidebar.groups().direct.map((e) => e.title), ['old', 'new'], 'a new message moves it up');
});

test('room events add, change and remove rooms', () => {
  const sidebar = new SidebarState('me');
  sidebar.reset([room(1, 'open', 'one')]);
  assert.ok(sidebar.apply({ type: 'room', event: 'added', room_id: 2, room: room(2, 'private', 'two') }));
  assert.ok(sidebar.apply({ type: 'room', event: 'changed', room_id: 1, room: room(1, 'open', 'uno') }));
  assert.deepEqual(sidebar.groups().named.map((e) => e.title), ['two', 'uno']);
  assert.ok(sidebar.apply({ type: 'room', event: 'removed', room_id: 2, reason: 'removed' }));
  assert.ok(!sidebar.apply({ type: 'room', event: 'removed', room_id: 2, reason: 'removed' }), 'gone already');
  assert.deepEqual(sidebar.groups().named.map((e) => e.title), ['uno']);
});

test('friends come from hello and friend events, online ones first; requests are not friends', () => {
  const sidebar = new SidebarState('me');
  sidebar.reset([], [
    { username: 'zoe', state: 'friends', online: false, last_seen: 5 },
    { username: 'Ann', state: 'friends', online: false },
    { username: 'asker', state: 'incoming', online: true },
  ]);
  assert.deepEqual(sidebar.friendList().map((f) => f.username), ['Ann', 'zoe']);

  assert.ok(sidebar.applyFriend({ type: 'friend', event: 'online', user: 'zoe' }));
  assert.deepEqual(sidebar.friendList().map((f) => [f.username, f.online]), [['zoe', true], ['Ann', false]]);
  assert.ok(sidebar.applyFriend({ type: 'friend', event: 'offline', user: 'zoe', last_seen: 9 }));
  assert.equal(sidebar.friends.get('zoe').last_seen, 9);
  assert.equal(sidebar.applyFriend({ type: 'friend', event: 'online', user: 'stranger' }), false, 'not a friend: nothing to show');

  // A request accepted: a friend, listed as online as they are now.
  assert.ok(sidebar.applyFriend({ type: 'friend', event: 'state', user: 'asker', state: 'friends', online: true }));
  assert.deepEqual(sidebar.friendList()[0], { username: 'asker', online: true, last_seen: null });
  // A request sent is not a friendship; an unfriending removes one.
  assert.equal(sidebar.applyFriend({ type: 'friend', event: 'state', user: 'new', state: 'asked', online: true }), false);
  assert.ok(sidebar.applyFriend({ type: 'friend', event: 'state', user: 'Ann', state: 'none', online: false }));
  assert.deepEqual(sidebar.friendList().map((f) => f.username), ['asker', 'zoe']);
});

test('new messages count as unread, mentions of me as mentions, until a read frame says otherwise', () => {
  const sidebar = new SidebarState('me');
  sidebar.reset([room(1, 'open', 'work', { read: 5, unread: 0, mentions: 0 })]);
  const counts = () => {
    const { unread, mentions } = sidebar.rooms.get(1);
    return [unread, mentions];
  };
  assert.equal(sidebar.count(1, { id: 6, user: 'bob', mentions: [] }), true);
  sidebar.count(1, { id: 7, user: 'bob', mentions: ['ME'] });
  sidebar.count(1, { id: 8, user: 'bob', mentions: [], everyone: 'room' });
  assert.deepEqual(counts(), [3, 2]);
  assert.equal(sidebar.count(1, { id: 9, user: 'Me', mentions: [] }), false, 'my own message');
  assert.equal(sidebar.count(1, { id: 4, user: 'bob', mentions: [] }), false, 'already read');
  assert.equal(sidebar.count(2, { id: 9, user: 'bob', mentions: [] }), false, 'not my room');
  assert.equal(sidebar.applyRead({ room_id: 1, id: 8, unread: 0, mentions: 0 }), true);
  assert.deepEqual(counts(), [0, 0]);
  assert.equal(sidebar.rooms.get(1).read, 8);
  for (let id = 10; id < 120; id += 1) sidebar.count(1, { id, user: 'bob', mentions: [] });
  assert.deepEqual(counts(), [UNREAD_CAP, 0], 'the count stops where the server stops counting');
});
