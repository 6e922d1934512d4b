// The outbox keeps what was typed until the server has stored it, under one client id.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Outbox, newClientId } from '../../../ui/js/lib/outbox.js';

test('client ids are 128 random bits in hex', () => {
  const id = newClientId((bytes) => bytes.fill(0xab));
  assert.equal(id, 'ab'.repeat(16));
  assert.match(newClientId(), /^[0-9a-f]{32}$/);
  assert.notEqual(newClientId(), newClientId());
});

test('a message waits until stored, can fail, be retried under the same id, or be dismissed', () => {
  let n = 0;
  const outbox = new Outbox(() => `c${++n}`);
  const first = outbox.add('id:1', 'one');
  const second = outbox.add('id:1', 'two');
  outbox.add('id:2', 'elsewhere');
  assert.deepEqual(outbox.toSend('id:1').map((e) => e.text), ['one', 'two']);

  assert.equal(outbox.fail(second.clientId, 'Not saved', true).status, 'failed');
  assert.deepEqual(outbox.toSend('id:1').map((e) => e.clientId), ['c1'], 'a failed one is not resent by itself');
  assert.equal(outbox.retry(second.clientId).clientId, 'c2', 'a retry keeps its client id');
  assert.deepEqual(outbox.toSend('id:1').map((e) => e.clientId), ['c1', 'c2']);

  assert.equal(outbox.acknowledge(first.clientId), first);
  assert.equal(outbox.acknowledge(first.clientId), null, 'acknowledged once');
  assert.equal(outbox.acknowledge('someone else'), null);
  outbox.remove(second.clientId);
  assert.deepEqual(outbox.forRoom('id:1'), []);
  assert.equal(outbox.forRoom('id:2').length, 1);
});

test('the files of a message stay with it until it is stored, through a failure and a retry', () => {
  const outbox = new Outbox(() => 'c1');
  const files = [{ id: 'aa', name: 'cat.png', size: 10, type: 'image/png', url: '/files/aa/cat.png' }];
  const entry = outbox.add('id:1', '', null, files);
  files.push({ id: 'bb' }); // the composer's list, cleared or changed after sending
  assert.deepEqual(entry.files.map((file) => file.id), ['aa'], 'a copy: later changes are not sent');
  assert.equal(entry.text, '', 'with files, a message may have no text');
  outbox.fail('c1', 'Not saved', true);
  outbox.retry('c1');
  assert.deepEqual(outbox.toSend('id:1')[0].files.map((file) => file.id), ['aa']);
  assert.deepEqual(new Outbox(() => 'c2').add('id:1', 'text only').files, [], 'none by default');
});
