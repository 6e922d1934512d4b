// Files chosen for a message: each uploads at once with its progress, ends done (with the
// server's id) or failed (with the server's sentence), can be cancelled, and the message waits
// while any is still uploading.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MAX_FILES, UploadList, upload, uploadError } from '../../../ui/js/lib/uploads.js';

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
    // What the server does:
    progress(loaded, total) { this.upload.onprogress({ loaded, total, lengthComputable: total != null }); }
    answer(status, body) {
      this.status = status;
      this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
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
  assert.equal(a.status, 'uploading');
  assert.notEqual(a.key, b.key);
  assert.equal(list.busy(), true);
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
