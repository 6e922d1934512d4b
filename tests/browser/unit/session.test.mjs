// The session over one socket: several rooms, each resumed from its own sequence number after
// a reconnect, nothing missed and nothing twice; unsent messages resent under their client id;
// a removal taking the room away at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Connection } from '../../../ui/js/lib/connection.js';
import { ChatSession } from '../../../ui/js/lib/session.js';
import { FakeSockets } from './fake-socket.mjs';

const msg = (roomId, id, extra = {}) => ({ room_id: roomId, room: `r${roomId}`, id, seq: id, user: 'bob', text: `${roomId}/${id}`, ts: id, ...extra });
/** A message as a live `message` frame. */
const live = (message) => ({ type: 'message', ...message });
const joined = (roomId, messages, more = false) => ({
  type: 'joined', room_id: roomId, room: `r${roomId}`, kind: 'open', members: ['me'],
  messages, more, seq: Math.max(0, ...messages.map((m) => m.seq)),
});

function session() {
  const sockets = new FakeSockets();
  const events = [];
  let n = 0;
  const chat = new ChatSession({
    me: 'me',
    connect: (handlers) => new Connection('ws://chat/ws', handlers, {
      WebSocket: sockets.WebSocket, setTimeout: sockets.setTimeout, clearTimeout: sockets.clearTimeout, random: () => 0,
    }),
    outbox: undefined,
    later: (fn) => sockets.setTimeout(fn, 1000),
  });
  chat.outbox.newId = () => `c${++n}`;
  chat.on('room', (room, change) => events.push([room.name, change]));
  chat.start();
  const connect = () => {
    sockets.last.accept();
    sockets.last.deliver({ type: 'hello', user: { id: 9, username: 'me' }, rooms: [] });
  };
  return { chat, sockets, events, connect };
}

const texts = (room) => room.sorted().map((m) => m.text);

test('after a reconnect every followed room resumes from its own last sequence number', () => {
  const { chat, sockets, connect } = session();
  connect();
  const one = chat.follow({ name: 'r1' });
  const two = chat.follow({ id: 2 });
  assert.deepEqual(sockets.last.sent, [{ type: 'join', room: 'r1' }, { type: 'join', room_id: 2 }]);
  sockets.last.deliver(joined(1, [msg(1, 1), msg(1, 2)]));
  sockets.last.deliver(joined(2, [msg(2, 7)]));
  sockets.last.deliver(live(msg(1, 3)));
  sockets.last.deliver(live(msg(2, 8)));

  sockets.last.drop();
  sockets.fire();
  connect();
  assert.deepEqual(sockets.last.sent, [
    { type: 'join', room_id: 1, since: 3 },
    { type: 'join', room_id: 2, since: 8 },
  ], 'each room from where it stopped');
  // The answers: what came meanwhile, and a live message right after.
  sockets.last.deliver(joined(2, [msg(2, 9)]));
  sockets.last.deliver(joined(1, [msg(1, 4), msg(1, 5)]));
  sockets.last.deliver(live(msg(1, 5))); // the same change again (as a duplicate echo would be)
  sockets.last.deliver(live(msg(1, 6)));
  assert.deepEqual(texts(one), ['1/1', '1/2', '1/3', '1/4', '1/5', '1/6']);
  assert.deepEqual(texts(two), ['2/7', '2/8', '2/9']);
});

test('a long resume pages on with since, holding live messages until it is done', () => {
  const { chat, sockets, connect } = session();
  connect();
  const room = chat.follow({ id: 1 });
  sockets.last.deliver(joined(1, [msg(1, 1)]));
  sockets.last.drop();
  sockets.fire();
  connect();
  sockets.last.deliver(joined(1, [msg(1, 2), msg(1, 3)], true));
  assert.deepEqual(sockets.last.sent.at(-1), { type: 'history', room_id: 1, since: 3, limit: 200 });
  sockets.last.deliver(live(msg(1, 6))); // live, ahead of the pages
  sockets.last.deliver({ type: 'history', room_id: 1, messages: [msg(1, 4)], more: true });
  assert.deepEqual(sockets.last.sent.at(-1), { type: 'history', room_id: 1, since: 4, limit: 200 });
  sockets.last.deliver({ type: 'history', room_id: 1, messages: [msg(1, 5), msg(1, 6)], more: false });
  assert.deepEqual(texts(room), ['1/1', '1/2', '1/3', '1/4', '1/5', '1/6'], 'in order, once');
});

test('messages typed while offline are sent on reconnect with their client ids and kept until stored', () => {
  const { chat, sockets, connect } = session();
  connect();
  const room = chat.follow({ id: 1 });
  sockets.last.deliver(joined(1, []));
  sockets.last.drop();
  chat.say(room, 'typed offline');
  assert.equal(chat.outbox.forRoom(room.key).length, 1);
  sockets.fire();
  connect();
  sockets.last.deliver(joined(1, []));
  assert.deepEqual(sockets.last.sent.at(-1), { type: 'send', room_id: 1, text: 'typed offline', client_id: 'c1' });
  sockets.last.deliver(live(msg(1, 1, { user: 'me', text: 'typed offline', client_id: 'c1' })));
  assert.deepEqual(chat.outbox.forRoom(room.key), [], 'stored: no longer pending');
  assert.deepEqual(texts(room), ['typed offline']);
});

test('a message with files sends their ids, and sends them again after a reconnect until stored', () => {
  const { chat, sockets, connect } = session();
  connect();
  const room = chat.follow({ id: 1 });
  sockets.last.deliver(joined(1, []));
  const files = [
    { id: 'aa', name: 'cat.png', size: 10, type: 'image/png', url: '/files/aa/cat.png' },
    { id: 'bb', name: 'notes.txt', size: 3, type: 'text/plain', url: '/files/bb/notes.txt' },
  ];
  chat.say(room, '', null, files);
  const sent = { type: 'send', room_id: 1, text: '', client_id: 'c1', files: ['aa', 'bb'] };
  assert.deepEqual(sockets.last.sent.at(-1), sent);

  // The socket drops before the server's copy arrives: the same message goes again, files and all.
  sockets.last.drop();
  sockets.fire();
  connect();
  sockets.last.deliver(joined(1, []));
  assert.deepEqual(sockets.last.sent.at(-1), sent);
  assert.deepEqual(chat.outbox.forRoom(room.key)[0].files.map((file) => file.id), ['aa', 'bb'], 'shown as sending with them');
  sockets.last.deliver(live(msg(1, 1, { user: 'me', text: '', client_id: 'c1', files })));
  assert.deepEqual(chat.outbox.forRoom(room.key), []);
  assert.deepEqual(room.sorted()[0].files, files);

  chat.say(room, 'a reply with none', 1);
  assert.deepEqual(sockets.last.sent.at(-1), { type: 'send', room_id: 1, text: 'a reply with none', client_id: 'c2', reply_to: 1 },
    'no files: no files field');
});

test('a message whose files the server does not know fails with its reason and is not sent again', () => {
  const { chat, sockets, connect } = session();
  connect();
  const room = chat.follow({ id: 1 });
  sockets.last.deliver(joined(1, []));
  const entry = chat.say(room, 'look', null, [{ id: 'aa', name: 'cat.png' }]);
  const reason = 'That file is not yours to attach here, or it is gone.';
  sockets.last.deliver({ type: 'error', code: 'file_not_found', message: reason, room_id: 1, client_id: entry.clientId });
  assert.equal(chat.outbox.get(entry.clientId).status, 'failed');
  assert.equal(chat.outbox.get(entry.clientId).reason, reason);
  assert.equal(chat.outbox.get(entry.clientId).retryable, false);
  sockets.fire(); // no retry is due
  assert.equal(sockets.last.sent.at(-1).client_id, entry.clientId, 'nothing sent after the refusal');
  sockets.last.drop();
  sockets.fire();
  connect();
  sockets.last.deliver(joined(1, []));
  assert.ok(!sockets.last.sent.some((frame) => frame.type === 'send'), 'a failed message waits for the person');
});

test('a refused message says why; one the server failed to save can be retried', () => {
  const { chat, sockets, connect } = session();
  connect();
  const room = chat.follow({ id: 1 });
  sockets.last.deliver(joined(1, []));
  const entry = chat.say(room, 'x');
  sockets.last.deliver({ type: 'error', code: 'storage_error', message: 'oops', room_id: 1, client_id: entry.clientId });
  assert.equal(chat.outbox.get(entry.clientId).status, 'failed');
  assert.equal(chat.outbox.get(entry.clientId).retryable, true);
  chat.retry(room, entry.clientId);
  assert.deepEqual(sockets.last.sent.at(-1), { type: 'send', room_id: 1, text: 'x', client_id: entry.clientId });
  sockets.last.deliver({ type: 'error', code: 'rate_limited', message: 'slow', room_id: 1, client_id: entry.clientId });
  assert.equal(chat.outbox.get(entry.clientId).status, 'sending', 'rate limited: sent again later');
  sockets.fire();
  assert.deepEqual(sockets.last.sent.at(-1), { type: 'send', room_id: 1, text: 'x', client_id: entry.clientId });
});

test('a removal takes the room away at once, and it is not joined again on reconnect', () => {
  const { chat, sockets, events, connect } = session();
  connect();
  const room = chat.follow({ id: 4 });
  sockets.last.deliver(joined(4, [msg(4, 1)]));
  sockets.last.deliver({ type: 'room', event: 'removed', room_id: 4, reason: 'removed' });
  assert.equal(room.gone, 'removed');
  assert.deepEqual(events.at(-1), ['r4', 'gone']);
  sockets.last.deliver(live(msg(4, 2)));
  assert.deepEqual(texts(room), ['4/1'], 'nothing more of it');
  sockets.last.drop();
  sockets.fire();
  connect();
  assert.deepEqual(sockets.last.sent, [], 'not joined again');
});

test('a room that does not exist, or is not ours, is marked missing', () => {
  const { chat, sockets, events, connect } = session();
  connect();
  const room = chat.follow({ name: 'secret' });
  sockets.last.deliver({ type: 'error', code: 'room_not_found', message: 'There is no such room.', room: 'secret' });
  assert.equal(room.gone, 'missing');
  assert.deepEqual(events.at(-1), ['secret', 'gone']);
});

test('a conversation not made yet joins nothing; its first message makes it, and its joined answer acknowledges it', () => {
  const { chat, sockets, connect } = session();
  connect();
  const dm = chat.follow({ people: ['Bob'] });
  assert.deepEqual(sockets.last.sent, [], 'nothing to join, nothing made');
  chat.say(dm, 'hi bob');
  assert.deepEqual(sockets.last.sent, [{ type: 'send', people: ['Bob'], text: 'hi bob', client_id: 'c1' }]);
  assert.equal(chat.outbox.forRoom(dm.key).length, 1, 'sending…');

  // Offline, it waits, and goes again under the same client id (stored at most once).
  sockets.last.drop();
  sockets.fire();
  connect();
  assert.deepEqual(sockets.last.sent, [{ type: 'send', people: ['Bob'], text: 'hi bob', client_id: 'c1' }]);

  const people = [{ user_id: 2, username: 'bob' }, { user_id: 9, username: 'me' }];
  sockets.last.deliver({
    type: 'joined', room_id: 7, room: null, kind: 'direct', people, members: ['me'], seq: 1,
    messages: [{ room_id: 7, room: null, id: 1, seq: 1, user: 'me', text: 'hi bob', ts: 1, client_id: 'c1' }],
    more: false,
  });
  assert.equal(dm.id, 7);
  assert.equal(dm.startsWith, null);
  assert.deepEqual(dm.sorted().map((m) => m.text), ['hi bob']);
  assert.equal(chat.outbox.forRoom(dm.key).length, 0, 'acknowledged');
  assert.equal(chat.follow({ people: ['bob'] }), dm, 'the same conversation, however its people are written');
  chat.say(dm, 'and again');
  assert.deepEqual(sockets.last.sent.at(-1), { type: 'send', room_id: 7, text: 'and again', client_id: 'c2' });
});
