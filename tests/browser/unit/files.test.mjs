// How an attached file is described: its size for people, the box its preview keeps before it
// loads, a word for its type, and where an upload for a room goes.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  LIGHTBOX_BOX, PREVIEW_BOX, fileIds, fitWithin, humanSize, isPreviewed, typeLabel, uploadPath,
} from '../../../ui/js/lib/files.js';

test('sizes are short and in binary units, as the server writes them', () => {
  assert.equal(humanSize(0), '0 bytes');
  assert.equal(humanSize(1), '1 byte');
  assert.equal(humanSize(1023), '1023 bytes');
  assert.equal(humanSize(1024), '1 KiB');
  assert.equal(humanSize(12_700), '12.4 KiB');
  assert.equal(humanSize(102_297), '99.9 KiB');
  assert.equal(humanSize(102_350), '100 KiB', 'one decimal below 100 only');
  assert.equal(humanSize(524_288), '512 KiB');
  assert.equal(humanSize(1_048_500), '1 MiB', 'never "1024 KiB"');
  assert.equal(humanSize(1_572_864), '1.5 MiB');
  assert.equal(humanSize(25 * 1024 * 1024), '25 MiB');
  assert.equal(humanSize(3 * 1024 ** 3), '3 GiB');
  assert.equal(humanSize(5 * 1024 ** 5), '5120 TiB', 'the largest unit takes anything');
  assert.equal(humanSize(undefined), '0 bytes');
});

test('a preview keeps its shape within its box, never enlarged', () => {
  assert.deepEqual(fitWithin(300, 200), { width: 300, height: 200 }, 'small enough already');
  assert.deepEqual(fitWithin(1200, 800), { width: 360, height: 240 });
  assert.deepEqual(fitWithin(4000, 1000), { width: 360, height: 90 }, 'wide: the width limits');
  assert.deepEqual(fitWithin(1000, 4000), { width: 60, height: 240 }, 'tall: the height limits');
  assert.deepEqual(fitWithin(10_000, 1), { width: 360, height: 1 }, 'at least a pixel');
  assert.deepEqual(fitWithin(4000, 3000, LIGHTBOX_BOX), { width: 1067, height: 800 });
  assert.equal(PREVIEW_BOX.width, 360);
  for (const [w, h] of [[0, 10], [10, 0], [undefined, 10], [null, null], [-1, 5], [NaN, 3]]) {
    assert.equal(fitWithin(w, h), null, `${w}×${h}`);
  }
});

test('a file row names the type by its extension when it has one', () => {
  assert.equal(typeLabel('notes.txt', 'text/plain'), 'TXT');
  assert.equal(typeLabel('Report.final.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'), 'DOCX');
  assert.equal(typeLabel('Makefile', 'text/x-makefile'), 'text/x-makefile');
  assert.equal(typeLabel('blob', 'application/octet-stream'), 'File');
  assert.equal(typeLabel('', ''), 'File');
  assert.equal(typeLabel('odd.name with space', 'text/plain'), 'text/plain');
});

test('pictures are those the server made a preview of', () => {
  assert.equal(isPreviewed({ id: 'a', preview_url: '/files/a/p.webp' }), true);
  assert.equal(isPreviewed({ id: 'a', type: 'image/png' }), false, 'an image it could not read is a file row');
  assert.equal(isPreviewed(null), false);
});

test('an upload goes to the room by name, or to a direct room by id, and nowhere before either is known', () => {
  assert.equal(uploadPath({ kind: 'open', name: 'Design review', id: 3 }, 'a b.png'),
    '/api/v1/rooms/Design%20review/files?name=a%20b.png');
  assert.equal(uploadPath({ kind: 'private', name: 'a/b?c', id: 3 }, 'x&y=z.txt'),
    '/api/v1/rooms/a%2Fb%3Fc/files?name=x%26y%3Dz.txt');
  assert.equal(uploadPath({ kind: null, name: 'new-room', id: null }, 'x'), '/api/v1/rooms/new-room/files?name=x',
    'a room named on the page, before its join answers');
  assert.equal(uploadPath({ kind: 'direct', name: null, id: 12 }, 'é.txt'), '/api/v1/dm/12/files?name=%C3%A9.txt');
  assert.equal(uploadPath({ kind: null, name: null, id: 12 }, 'x'), null, 'by id, before its join answers');
  assert.equal(uploadPath({ kind: null, name: null, id: null, startsWith: ['bob'] }, 'x'), null,
    'a conversation its first message has still to make');
  assert.equal(uploadPath(null, 'x'), null);
});

test('a message carries the ids of its files', () => {
  assert.deepEqual(fileIds([{ id: 'aa', name: 'a' }, { id: 'bb', name: 'b' }]), ['aa', 'bb']);
  assert.deepEqual(fileIds(['cc']), ['cc']);
  assert.deepEqual(fileIds(undefined), []);
});
