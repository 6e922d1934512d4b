// Files chosen for a message: each waits for its turn (three at once per page), uploads with
// its progress, is tried again when the server says another tab has its turns, ends done (with
// the server's id) or failed (with the server's sentence), can be cancelled, and the message
// waits while any is still waiting or uploading.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BUSY_RETRIES, UPLOADS_AT_ONCE, UploadQueue } from '../../../ui/js/lib/upload-queue.js';
import {
  MAX_FILES, UploadList, retryAfter, upload, uploadError,
} from '../../../ui/js/lib/uploads.js';

/** A stand-in for XMLHttpRequest: records what is sent; the test answers for the server. */
function fakeXhr() {
  const made = [];
  class FakeXHR {
    constructor() {
      this.headers = {};
      this.upload = {};
      this.aborted = false;
      made.push(this);
    }
    open(method, path) { Object.assign(this, { method, path }); }
    setRequestHeader(name, value) { this.headers[name] = value; }
    send(body) { this.body = body; }
    abort() { this.aborted = true; this.onabort?.(); }
    getResponseHeader(name) { return this.responseHeaders?.[name.toLowerCase()] ?? null; }
    // What the server does:
    progress(loaded, total) { this.upload.onprogress({ loaded, total, lengthComputable: total != null }); }
    answer(status, body, headers = {}) {
      this.status = status;
      this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
      this.responseHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      this.onload();
    }
  }
  return { FakeXHR, made };
}

const picture = { name: 'cat.png', size: 2000, type: 'image/png' };
const served = { id: '0123456789abcdef', url: '/files/0123456789abcdef/cat.png', name: 'cat.png', size: 2000, type: 'image/png' };

function start(file = picture, path = '/api/v1/rooms/r/files?name=cat.png') {
  const { FakeXHR, made } = fakeXhr();
  const seen = [];
  const abort = upload({
    path,
    file,
    XHR: FakeXHR,
    onProgress: (loaded, total) => seen.push(['progress', loaded, total]),
    onDone: (answer) => seen.push(['done', answer]),
    onFail: (sentence) => seen.push(['fail', sentence]),
  });
  return { xhr: made[0], seen, abort };
}

test('a file is posted as its bytes with its type, reports its progress and ends with the server\'s file', () => {
  const { xhr, seen } = start();
  assert.equal(xhr.method, 'POST');
  assert.equal(xhr.path, '/api/v1/rooms/r/files?name=cat.png');
  assert.deepEqual(xhr.headers, { 'Content-Type': 'image/png' });
  assert.equal(xhr.body, picture, 'the file itself: no form, no encoding');
  xhr.progress(500, 2000);
  xhr.progress(700, null); // a length the browser could not compute: the file's own size
  xhr.answer(201, { file: served });
  assert.deepEqual(seen, [['progress', 500, 2000], ['progress', 700, 2000], ['done', served]]);
});

test('a file of no known type goes as octet-stream', () => {
  const { xhr } = start({ name: 'data', size: 3, type: '' });
  assert.equal(xhr.headers['Content-Type'], 'application/octet-stream');
});

test('a refusal shows the server\'s sentence; without one, a sentence made from the status', () => {
  const tooLarge = start();
  tooLarge.xhr.answer(413, { error: 'file_too_large', message: 'Files can be at most 25 MiB.' });
  assert.deepEqual(tooLarge.seen, [['fail', 'Files can be at most 25 MiB.']]);

  const proxy = start();
  proxy.xhr.answer(413, '<html>Request Entity Too Large</html>');
  assert.deepEqual(proxy.seen, [['fail', 'The file is too large to send.']]);

  const lost = start();
  lost.xhr.onerror();
  assert.match(lost.seen[0][1], /check the connection/);

  const strange = start();
  strange.xhr.answer(201, { nothing: true });
  assert.equal(strange.seen[0][0], 'fail', 'a success without a file is no success');

  assert.equal(uploadError(500, ''), 'The file was not uploaded (error 500).');
  assert.equal(uploadError(429, '{"error":"rate_limited","message":"Slow down."}'), 'Slow down.');
  assert.equal(uploadError(400, '{"error":"empty_file","message":""}'), 'The file was not uploaded (error 400).');
});

test('an aborted upload calls nothing back, and aborting twice or after the end does nothing', () => {
  const going = start();
  going.xhr.progress(10, 2000);
  going.abort();
  assert.equal(going.xhr.aborted, true);
  going.xhr.progress(20, 2000);
  going.xhr.onerror();
  going.abort();
  assert.deepEqual(going.seen, [['progress', 10, 2000]]);

  const finished = start();
  finished.xhr.answer(201, { file: served });
  finished.abort();
  assert.equal(finished.xhr.aborted, false, 'nothing to abort once answered');
});

test('the list: uploading, done and failed entries; the message waits while one uploads and carries the done ones', () => {
  const list = new UploadList();
  const aborted = [];
  const a = list.add(picture);
  a.abort = () => aborted.push('a');
  const b = list.add({ name: 'notes.txt', size: 12, type: 'text/plain' });
  b.abort = () => aborted.push('b');
  assert.equal(a.status, 'waiting', 'chosen, not yet sent');
  assert.notEqual(a.key, b.key);
  assert.equal(list.busy(), true);
  assert.equal(list.progress(a.key, 10, 2000), null, 'no progress before it is sent');
  assert.equal(list.start(a.key).status, 'uploading');
  list.start(b.key);
  assert.deepEqual(list.ready(), []);

  assert.equal(list.progress(a.key, 1000, 2000).loaded, 1000);
  list.done(a.key, served);
  assert.equal(list.get(a.key).status, 'done');
  assert.equal(list.get(a.key).abort, null);
  assert.equal(list.busy(), true, 'b still uploads');
  list.fail(b.key, 'Files can be at most 25 MiB.');
  assert.equal(list.busy(), false);
  assert.equal(list.get(b.key).error, 'Files can be at most 25 MiB.');
  assert.deepEqual(list.ready(), [served], 'only what was uploaded goes with the message');
  assert.equal(list.progress(a.key, 5, 10), null, 'no progress after the end');

  assert.equal(list.remove(b.key), b);
  assert.deepEqual(aborted, [], 'a finished upload has nothing to abort');
  assert.equal(list.remove(b.key), null);
  assert.equal(list.done(b.key, served), null, 'an answer for a removed entry is dropped');
  list.clear();
  assert.deepEqual(list.items, []);
});

test('removing or clearing an upload that is still going aborts it', () => {
  const list = new UploadList();
  const aborted = [];
  const a = list.add(picture);
  a.abort = () => aborted.push('a');
  const b = list.add(picture);
  b.abort = () => aborted.push('b');
  list.remove(a.key);
  assert.deepEqual(aborted, ['a']);
  assert.equal(list.busy(), true);
  list.clear();
  assert.deepEqual(aborted, ['a', 'b']);
  assert.equal(list.busy(), false);
});

test(`a message takes at most ${MAX_FILES} files; failed ones do not count`, () => {
  const list = new UploadList();
  const first = list.add(picture);
  for (let i = 1; i < MAX_FILES; i += 1) assert.ok(list.add(picture));
  assert.equal(list.add(picture), null, 'one too many');
  list.fail(first.key, 'no');
  assert.ok(list.add(picture), 'the failed one makes room');
  assert.equal(list.add(picture), null);
});

test('only the server\'s "uploads enough under way" is worth trying again, after its Retry-After', () => {
  const busy = '{"error":"rate_limited","message":"You have 4 uploads under way already; wait for one to finish."}';
  assert.equal(retryAfter(429, busy, '1'), 1);
  assert.equal(retryAfter(429, busy, '3'), 3);
  assert.equal(retryAfter(429, busy, null), 1, 'no header: a second');
  assert.equal(retryAfter(429, busy, 'Wed, 21 Oct 2015 07:28:00 GMT'), 1, 'a date: a second');
  assert.equal(retryAfter(429, busy, '86400'), 60, 'never so long that the chip seems stuck');
  assert.equal(retryAfter(429, '<html>Too Many Requests</html>', '1'), null, 'a proxy\'s limit');
  assert.equal(retryAfter(429, '{"error":"over_quota","message":"Full."}', '1'), null);
  assert.equal(retryAfter(413, busy, '1'), null);
  assert.equal(retryAfter(0, '', null), null);

  const refused = start();
  refused.xhr.answer(429, busy, { 'Retry-After': '2' });
  assert.deepEqual(refused.seen, [['fail', 'You have 4 uploads under way already; wait for one to finish.']]);
  const seen = [];
  const { FakeXHR, made } = fakeXhr();
  upload({
    path: '/p', file: picture, XHR: FakeXHR, onProgress() {}, onDone() {}, onFail: (...args) => seen.push(args),
  });
  made[0].answer(429, busy, { 'Retry-After': '2' });
  assert.deepEqual(seen, [['You have 4 uploads under way already; wait for one to finish.', 2]]);
  made.length = 0;
  upload({
    path: '/p', file: picture, XHR: FakeXHR, onProgress() {}, onDone() {}, onFail: (...args) => seen.push(args),
  });
  made[0].answer(413, { error: 'file_too_large', message: 'Too large.' });
  assert.deepEqual(seen[1], ['Too large.', null]);
});

/** A clock the test turns: timers are kept until `fire()` runs them. */
function fakeClock() {
  const timers = new Map();
  let last = 0;
  return {
    timers,
    setTimeout: (fn, ms) => {
      last += 1;
      timers.set(last, { fn, ms });
      return last;
    },
    clearTimeout: (id) => timers.delete(id),
    /** Runs every timer set so far; returns their delays. */
    fire() {
      const due = [...timers.entries()];
      timers.clear();
      for (const [, timer] of due) timer.fn();
      return due.map(([, timer]) => timer.ms);
    },
  };
}

/** A queue over a fake XMLHttpRequest and clock; `events` records every callback, by file. */
function queue(options = {}) {
  const { FakeXHR, made } = fakeXhr();
  const clock = fakeClock();
  const uploads = new UploadQueue({
    XHR: FakeXHR, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, ...options,
  });
  const events = [];
  const add = (name) => uploads.add({
    path: `/api/v1/rooms/r/files?name=${name}`,
    file: { name, size: 10, type: 'text/plain' },
    onStart: () => events.push([name, 'start']),
    onWait: () => events.push([name, 'wait']),
    onProgress: (loaded) => events.push([name, 'progress', loaded]),
    onDone: (file) => events.push([name, 'done', file.id]),
    onFail: (sentence) => events.push([name, 'fail', sentence]),
  });
  const sent = () => made.map((xhr) => xhr.path.split('=')[1]);
  return { uploads, made, clock, events, add, sent };
}

const uploaded = (id) => ({ file: { id, name: id, size: 10 } });
const BUSY = { error: 'rate_limited', message: 'You have 4 uploads under way already; wait for one to finish.' };

test(`at most ${UPLOADS_AT_ONCE} upload at once; the others wait, in the order chosen`, () => {
  assert.equal(UPLOADS_AT_ONCE, 3, 'one under the server\'s four, for another tab');
  const q = queue();
  for (const name of ['a', 'b', 'c', 'd', 'e']) q.add(name);
  assert.deepEqual(q.sent(), ['a', 'b', 'c']);
  assert.deepEqual([q.uploads.active, q.uploads.queued], [3, 2]);
  assert.deepEqual(q.events, [['a', 'start'], ['b', 'start'], ['c', 'start']]);
  q.made[1].progress(5, 10);
  assert.deepEqual(q.events.at(-1), ['b', 'progress', 5]);
});

test('the next waiting upload starts when one finishes, fails or is cancelled', () => {
  const q = queue();
  const cancel = {};
  for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) cancel[name] = q.add(name);

  q.made[0].answer(201, uploaded('a'));
  assert.deepEqual(q.sent(), ['a', 'b', 'c', 'd'], 'a finished: d goes');
  assert.deepEqual(q.events.slice(-2), [['a', 'done', 'a'], ['d', 'start']], 'the end is told before the next starts');

  q.made[1].answer(413, { error: 'file_too_large', message: 'Files can be at most 25 MiB.' });
  assert.deepEqual(q.sent(), ['a', 'b', 'c', 'd', 'e'], 'b refused: e goes');
  assert.deepEqual(q.events.slice(-2), [['b', 'fail', 'Files can be at most 25 MiB.'], ['e', 'start']]);

  q.made[2].onerror();
  assert.deepEqual(q.sent(), ['a', 'b', 'c', 'd', 'e', 'f'], 'c lost: f goes');

  const g = q.add('g');
  assert.equal(q.uploads.queued, 1);
  cancel.d();
  assert.equal(q.made[3].aborted, true, 'd aborted');
  assert.deepEqual(q.sent(), ['a', 'b', 'c', 'd', 'e', 'f', 'g'], 'd cancelled: g goes');
  assert.equal(q.events.filter(([name]) => name === 'd').length, 1, 'nothing more of d but its start');
  cancel.d();
  g();
  assert.deepEqual([q.uploads.active, q.uploads.queued], [2, 0]);
});

test('cancelling a waiting upload sends nothing, ever', () => {
  const q = queue();
  for (const name of ['a', 'b', 'c']) q.add(name);
  const cancelD = q.add('d');
  const cancelE = q.add('e');
  cancelD();
  assert.deepEqual([q.uploads.active, q.uploads.queued], [3, 1]);
  for (const xhr of [...q.made]) xhr.answer(201, uploaded(xhr.path));
  assert.deepEqual(q.sent(), ['a', 'b', 'c', 'e'], 'e went; d never did');
  q.made[3].answer(201, uploaded('e'));
  assert.deepEqual([q.uploads.active, q.uploads.queued], [0, 0]);
  assert.equal(q.events.some(([name]) => name === 'd'), false, 'and d was told nothing');
  cancelE(); // once answered, cancelling does nothing
  assert.equal(q.made[3].aborted, false);
});

test('a file refused as one upload too many is tried again after Retry-After, keeping its turn', () => {
  const q = queue();
  for (const name of ['a', 'b', 'c', 'd']) q.add(name);
  q.made[0].progress(4, 10);
  q.made[0].answer(429, BUSY, { 'Retry-After': '2' });
  assert.deepEqual(q.events.at(-1), ['a', 'wait']);
  assert.deepEqual(q.sent(), ['a', 'b', 'c'], 'd does not take a\'s turn: the server is full');
  assert.deepEqual(q.clock.fire(), [2000], 'after the server\'s two seconds');
  assert.deepEqual(q.sent(), ['a', 'b', 'c', 'a'], 'a again, from its start');
  assert.equal(q.made[3].body, q.made[0].body);
  assert.deepEqual(q.events.at(-1), ['a', 'start']);

  q.made[3].answer(429, BUSY); // no Retry-After: a second
  assert.deepEqual(q.clock.fire(), [1000]);
  q.made[4].answer(201, uploaded('a'));
  assert.deepEqual(q.events.filter(([name]) => name === 'a').map(([, what]) => what),
    ['start', 'progress', 'wait', 'start', 'wait', 'start', 'done']);
  assert.deepEqual(q.sent().at(-1), 'd', 'a done: d goes');
});

test(`after ${BUSY_RETRIES} tries again the server's sentence is shown; another 429 is a refusal at once`, () => {
  const q = queue();
  q.add('a');
  for (let retry = 0; retry < BUSY_RETRIES; retry += 1) {
    q.made.at(-1).answer(429, BUSY, { 'Retry-After': '1' });
    assert.deepEqual(q.clock.fire(), [1000]);
  }
  assert.equal(q.made.length, BUSY_RETRIES + 1);
  q.made.at(-1).answer(429, BUSY, { 'Retry-After': '1' });
  assert.deepEqual(q.events.at(-1), ['a', 'fail', BUSY.message]);
  assert.equal(q.clock.timers.size, 0);
  assert.equal(q.uploads.active, 0);

  q.add('b');
  q.made.at(-1).answer(429, '<html>Too Many Requests</html>', { 'Retry-After': '1' });
  assert.deepEqual(q.events.at(-1), ['b', 'fail', 'The file was not uploaded (error 429).']);
  assert.equal(q.clock.timers.size, 0, 'not the server\'s count: not tried again');
});

test('cancelling a file waiting to be tried again stops its timer and frees its turn', () => {
  const q = queue({ limit: 1 });
  const cancelA = q.add('a');
  q.add('b');
  q.made[0].answer(429, BUSY, { 'Retry-After': '1' });
  assert.equal(q.clock.timers.size, 1);
  cancelA();
  assert.equal(q.clock.timers.size, 0);
  assert.deepEqual(q.sent(), ['a', 'b']);
  assert.equal(q.events.filter(([name]) => name === 'a').length, 2, 'a: its start and its wait, nothing after');
});

test('Send waits while a file waits for its turn, and a waiting one removed lets it go at once', () => {
  const { FakeXHR, made } = fakeXhr();
  const clock = fakeClock();
  const uploads = new UploadQueue({ XHR: FakeXHR, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout });
  const list = new UploadList();
  // As the composer's chips do it: the list follows each upload of the page's queue.
  const attach = (name) => {
    const item = list.add({ name, size: 10, type: 'text/plain' });
    item.abort = uploads.add({
      path: `/files?name=${name}`,
      file: { name, size: 10, type: 'text/plain' },
      onStart: () => list.start(item.key),
      onWait: () => list.wait(item.key),
      onProgress: (loaded, total) => list.progress(item.key, loaded, total),
      onDone: (file) => list.done(item.key, file),
      onFail: (error) => list.fail(item.key, error),
    });
    return item;
  };
  const items = ['a', 'b', 'c', 'd', 'e'].map(attach);
  assert.deepEqual(items.map((item) => item.status), ['uploading', 'uploading', 'uploading', 'waiting', 'waiting']);

  for (const xhr of made.slice(0, 3)) xhr.answer(201, uploaded(xhr.path.split('=')[1]));
  assert.deepEqual(items.map((item) => item.status), ['done', 'done', 'done', 'uploading', 'uploading']);
  assert.equal(list.busy(), true);
  made[3].answer(429, BUSY, { 'Retry-After': '1' });
  assert.equal(items[3].status, 'waiting', 'tried again later: waiting, not failed');
  assert.equal(items[3].loaded, 0);
  made[4].answer(201, uploaded('e'));
  assert.equal(list.busy(), true, 'd still waits');
  assert.deepEqual(list.ready().map((file) => file.id), ['a', 'b', 'c', 'e']);

  list.remove(items[3].key);
  assert.equal(clock.timers.size, 0, 'd is not tried again');
  assert.equal(list.busy(), false, 'the message can go with the four uploaded');
  assert.equal(made.length, 5);

  // Removing one that never had its turn: no request, and the list is ready.
  const one = new UploadList();
  const full = new UploadQueue({ XHR: FakeXHR, limit: 0 });
  const waiting = one.add(picture);
  waiting.abort = full.add({ path: '/x', file: picture, onStart: () => one.start(waiting.key), onDone() {}, onFail() {} });
  assert.equal(one.busy(), true);
  one.remove(waiting.key);
  assert.equal(one.busy(), false);
  assert.equal(made.length, 5, 'nothing sent');
});
