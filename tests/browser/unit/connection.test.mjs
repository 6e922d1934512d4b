// The connection reconnects by itself with backoff and knows when the person is signed out.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Connection } from '../../../ui/js/lib/connection.js';
import { FakeSockets } from './fake-socket.mjs';

function connection(sockets, signedIn = true) {
  const states = [];
  const frames = [];
  const conn = new Connection('ws://chat/ws', {
    frame: (frame) => frames.push(frame),
    state: (state, detail) => states.push([state, detail]),
  }, {
    WebSocket: sockets.WebSocket,
    setTimeout: sockets.setTimeout,
    clearTimeout: sockets.clearTimeout,
    random: () => 1,
    checkSignedIn: async () => signedIn,
  });
  return { conn, states, frames };
}

test('it is open once the server says hello, and reconnects with growing delays when dropped', () => {
  const sockets = new FakeSockets();
  const { conn, states, frames } = connection(sockets);
  conn.start();
  sockets.last.accept();
  assert.equal(conn.send({ type: 'join', room: 'x' }), true);
  sockets.last.deliver({ type: 'hello', rooms: [] });
  assert.deepEqual(states.map(([s]) => s), ['connecting', 'open']);
  assert.equal(frames[0].type, 'hello');

  sockets.last.drop();
  assert.equal(conn.send({ type: 'join', room: 'x' }), false, 'nothing is sent on a closed socket');
  assert.deepEqual(sockets.timers.map((t) => t.ms), [500]);
  sockets.fire();
  sockets.last.accept();
  sockets.last.drop();
  assert.deepEqual(sockets.timers.map((t) => t.ms), [1000], 'no hello yet: the delay grows');
  sockets.fire();
  sockets.last.accept();
  sockets.last.deliver({ type: 'hello', rooms: [] });
  sockets.last.drop();
  assert.deepEqual(sockets.timers.map((t) => t.ms), [500], 'a hello starts the backoff over');
  assert.equal(sockets.opened.length, 3);
});

test('closed with 4001 it stops and says signed out', () => {
  const sockets = new FakeSockets();
  const { conn, states } = connection(sockets);
  conn.start();
  sockets.last.accept();
  sockets.last.drop(4001);
  assert.deepEqual(states.at(-1), ['signed-out', 0]);
  assert.equal(sockets.timers.length, 0, 'no reconnect');
});

test('an upgrade refused asks whether the session is gone before trying again', async () => {
  const gone = new FakeSockets();
  const refused = connection(gone, false);
  refused.conn.start();
  gone.last.drop(1006);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(refused.states.at(-1), ['signed-out', 0]);

  const down = new FakeSockets();
  const retried = connection(down, true);
  retried.conn.start();
  down.last.drop(1006);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(retried.states.at(-1)[0], 'reconnecting');
  assert.equal(down.timers.length, 1);
});

test('when the device goes offline the socket is given up at once, and the network coming back retries now', () => {
  const sockets = new FakeSockets();
  const { conn, states } = connection(sockets);
  conn.start();
  sockets.last.accept();
  sockets.last.deliver({ type: 'hello', rooms: [] });
  const first = sockets.last;
  conn.networkLost();
  assert.equal(first.readyState, 3, 'closed without waiting for the browser to notice');
  assert.equal(states.at(-1)[0], 'reconnecting');
  assert.equal(conn.send({ type: 'join', room: 'x' }), false);
  assert.equal(sockets.timers.length, 1, 'one try is scheduled');
  conn.retryNow();
  assert.equal(sockets.opened.length, 2, 'back online: tried at once');
  conn.networkLost();
  conn.networkLost();
  assert.equal(sockets.opened.length, 2, 'a socket still connecting is given up too, once');
});
