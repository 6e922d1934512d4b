// How rooms are titled and linked for a person, and how days are labelled.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { dayKey, dayLabel, roomPath, roomTitle } from '../../../ui/js/lib/format.js';

/** A direct room's people as the server lists them (P: username, maybe a display name). */
const people = (...names) => names.map((username, i) => ({ user_id: i + 1, username }));

const direct = { kind: 'direct', people: people('alice', 'Bob', 'carol') };

test('a direct room is called by its other people and linked by them', () => {
  assert.equal(roomTitle(direct, 'bob'), 'alice, carol');
  assert.equal(roomPath(direct, 'BOB'), '/dm/alice,carol');
  assert.equal(roomTitle({ kind: 'direct', people: people('me') }, 'me'), 'me', 'alone in it');
  assert.equal(roomPath({ kind: 'direct', people: people('me') }, 'me'), '/dm/me');
  assert.equal(roomTitle({ kind: 'private', name: 'Plans' }, 'bob'), 'Plans');
  assert.equal(roomPath({ kind: 'open', name: 'a b/c' }, 'bob'), '/rooms/a%20b%2Fc');
});

test('a direct room is called by the display names its people chose, and still linked by username', () => {
  const room = {
    kind: 'direct',
    people: [
      { user_id: 1, username: 'alice', display_name: 'Alice Liddell' },
      { user_id: 2, username: 'bob' },
      { user_id: 3, username: 'carol', display_name: 'Карина' },
    ],
  };
  assert.equal(roomTitle(room, 'bob'), 'Alice Liddell, Карина');
  assert.equal(roomTitle(room, 'alice'), 'bob, Карина');
  assert.equal(roomPath(room, 'bob'), '/dm/alice,carol');
});

test('days are today, yesterday, or a date', () => {
  const now = new Date(2026, 11, 1, 12).getTime();
  assert.equal(dayLabel(now - 3600_000, now), 'Today');
  assert.equal(dayLabel(now - 86_400_000, now), 'Yesterday');
  assert.notEqual(dayLabel(now - 3 * 86_400_000, now), 'Yesterday');
  assert.equal(dayKey(now), dayKey(now + 3600_000));
});
