// The frames the page sends and how it reads the server's, as src/chat/PROTOCOL.md has them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ERROR_CODES, history, join, leave, parse, send, sendReply,
} from '../../../ui/js/lib/protocol.js';

test('frames name rooms by id, and join also by name, with since to resume', () => {
  assert.deepEqual(join(7), { type: 'join', room_id: 7 });
  assert.deepEqual(join('Lobby', 12), { type: 'join', room: 'Lobby', since: 12 });
  assert.deepEqual(join('42'), { type: 'join', room: '42' }, 'a name made of digits stays a name');
  assert.deepEqual(leave(7), { type: 'leave', room_id: 7 });
  assert.deepEqual(send(7, 'hi', 'c1'), { type: 'send', room_id: 7, text: 'hi', client_id: 'c1' });
  assert.deepEqual(history(7, { before: 40, limit: 50 }), { type: 'history', room_id: 7, before: 40, limit: 50 });
  assert.deepEqual(history(7, { since: 9 }), { type: 'history', room_id: 7, since: 9 });
});

test('a send carries its reply and its files only when it has them', () => {
  assert.deepEqual(sendReply(7, 'hi', 'c1'), { type: 'send', room_id: 7, text: 'hi', client_id: 'c1' });
  assert.deepEqual(sendReply(7, 'hi', 'c1', null, []), { type: 'send', room_id: 7, text: 'hi', client_id: 'c1' });
  assert.deepEqual(sendReply(7, '', 'c1', 3, ['aa', 'bb']),
    { type: 'send', room_id: 7, text: '', client_id: 'c1', reply_to: 3, files: ['aa', 'bb'] });
});

test('only JSON objects with a type are frames', () => {
  assert.deepEqual(parse('{"type":"hello","rooms":[]}'), { type: 'hello', rooms: [] });
  for (const text of ['', 'not json', '[]', '"x"', 'null', '{"no":"type"}', '{"type":5}']) {
    assert.equal(parse(text), null, text);
  }
});

test('the error codes are the stable wire names', () => {
  assert.equal(ERROR_CODES.roomNotFound, 'room_not_found');
  assert.equal(ERROR_CODES.notJoined, 'not_joined');
  assert.equal(ERROR_CODES.fileNotFound, 'file_not_found');
  assert.ok(Object.isFrozen(ERROR_CODES));
});
