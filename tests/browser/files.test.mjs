// Files as two people use them: one attaches a picture through the file chooser (its upload
// shown as it goes, Send held until it is done) and drops a text file on the chat; the other
// sees the picture inline, its box kept before it loads, opens it large and closes it with
// Escape, and gets the text file as a download. A private room's files are for its members:
// an outsider is answered as for no file at all, and nobody signed out gets them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';

import { useConfab } from './harness.mjs';
import {
  attachFiles, dropFiles, openRoom, say, sendOverSocket, storedMessages, waitForMessage, waitUntil,
} from './ui.mjs';

const confab = useConfab('files');

/** Uploads to a named room, as the composer posts them. */
const ROOM_UPLOADS = /\/api\/v1\/rooms\/[^/?]+\/files\?/;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid `width`×`height` PNG (8-bit RGB, a gradient), made here rather than kept as a file. */
function png(width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, no filter, no interlace
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y += 1) {
    const row = y * (1 + width * 3); // each row starts with its filter type, 0 (none)
    for (let x = 0; x < width; x += 1) {
      rows.set([Math.floor((255 * x) / width), Math.floor((255 * y) / height), 160], row + 1 + x * 3);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Holds the page's picture requests (not its own assets) until `release()` is called. */
async function holdPictures(page) {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route((url) => !url.pathname.startsWith('/assets/'), async (route) => {
    if (route.request().resourceType() === 'image') await held;
    // A picture the page let go of meanwhile (the list redrawn) has no request to continue.
    await route.continue().catch(() => {});
  });
  return release;
}

test('a picture and a file sent in a room: the picture inline with its box kept, opened large; the file a download', async () => {
  const alice = await confab.signedUp('alice');
  const bob = await confab.signedUp('bob');
  await openRoom(alice, 'Photos');
  await openRoom(bob, 'Photos');

  // alice's upload is held at the door until its progress has been seen on the chip.
  let letUploadThrough;
  const uploadHeld = new Promise((resolve) => { letUploadThrough = resolve; });
  await alice.route(ROOM_UPLOADS, async (route) => {
    await uploadHeld;
    await route.continue();
  });
  const picture = png(300, 200);
  await attachFiles(alice, [{ name: 'sunset.png', mimeType: 'image/png', buffer: picture }]);
  const progress = alice.getByRole('progressbar', { name: 'Uploading sunset.png' });
  await progress.waitFor();
  const chip = alice.locator('.upload-list li').filter({ hasText: 'sunset.png' });
  assert.match(await chip.textContent(), /sunset\.png\s*\d+(\.\d)? KiB/, 'the chip names the file and its size');
  assert.equal(await alice.locator('#send-button').isDisabled(), true, 'Send waits for the upload');
  await alice.getByRole('button', { name: 'Cancel upload of sunset.png' }).waitFor();
  letUploadThrough();
  await alice.getByRole('button', { name: 'Remove sunset.png' }).waitFor();
  assert.equal(await progress.count(), 0, 'uploaded: no more progress');
  assert.equal(await alice.locator('#send-button').isDisabled(), false);

  // bob's pictures are held too, so what his page shows before one loads can be seen.
  const showPictures = await holdPictures(bob);
  await say(alice, 'The view from the hill');
  await waitForMessage(alice, 'The view from the hill');
  assert.equal(await alice.locator('.upload-list li').count(), 0, 'the chips go with the message');
  await waitForMessage(bob, 'The view from the hill');

  const [stored] = (await storedMessages(bob, 'Photos')).filter((m) => m.text === 'The view from the hill');
  assert.equal(stored.files.length, 1);
  const [sunset] = stored.files;
  assert.deepEqual(
    { name: sunset.name, size: sunset.size, type: sunset.type, width: sunset.width, height: sunset.height },
    { name: 'sunset.png', size: picture.length, type: 'image/png', width: 300, height: 200 },
  );
  assert.ok(sunset.preview_url, 'the server made a preview');

  const message = bob.locator('li.msg[data-id]').filter({ hasText: 'The view from the hill' });
  const img = message.locator('img[alt="sunset.png"]');
  await img.waitFor();
  assert.deepEqual(
    await img.evaluate((node) => ({
      width: node.getAttribute('width'), height: node.getAttribute('height'), loaded: node.naturalWidth,
    })),
    { width: '300', height: '200', loaded: 0 },
    'its size is set before it loads',
  );
  const before = await img.boundingBox();
  assert.deepEqual([Math.round(before.width), Math.round(before.height)], [300, 200], 'its box is kept before it loads');
  assert.equal(await img.getAttribute('src'), sunset.preview_url);
  showPictures();
  await waitUntil(bob, 'the picture has loaded', (alt) => {
    const node = document.querySelector(`.msg-image img[alt="${alt}"]`);
    return Boolean(node && node.complete && node.naturalWidth > 0);
  }, 'sunset.png');
  const after = await img.boundingBox();
  assert.deepEqual([after.width, after.height], [before.width, before.height], 'no jump when it loads');

  // Opened large, and closed with Escape; the focus comes back to the picture.
  await message.getByRole('button', { name: 'sunset.png' }).click();
  const lightbox = bob.getByRole('dialog', { name: 'sunset.png' });
  await lightbox.waitFor();
  assert.equal(await lightbox.getByRole('link', { name: 'Download sunset.png' }).getAttribute('href'), sunset.url);
  await lightbox.getByRole('button', { name: 'Close' }).waitFor();
  await waitUntil(bob, 'the large picture has loaded', () => {
    const node = document.querySelector('dialog[open] img');
    return Boolean(node && node.complete && node.naturalWidth > 0);
  });
  await bob.keyboard.press('Escape');
  await lightbox.waitFor({ state: 'detached' });
  assert.equal(await bob.evaluate(() => document.activeElement?.classList.contains('msg-image')), true);

  // A text file dropped on the chat goes alone, without words.
  const notes = 'Bring water and a hat.\n';
  await dropFiles(alice, '#messages', [{ name: 'notes.txt', type: 'text/plain', text: notes }]);
  await alice.getByRole('button', { name: 'Remove notes.txt' }).waitFor();
  await alice.locator('#message-input').press('Enter');
  const download = bob.getByRole('link', { name: /notes\.txt/ });
  await download.waitFor();
  assert.match(await download.textContent(), /notes\.txt\s*23 bytes · TXT/);
  const row = bob.locator('li.msg[data-id]').filter({ has: download });
  assert.equal(await row.locator('.msg-text').textContent(), '', 'no text, and none made up');
  const fetched = await bob.request.get(await download.getAttribute('href'));
  assert.equal(fetched.status(), 200);
  assert.equal(await fetched.text(), notes);
  assert.match(fetched.headers()['content-disposition'] || '', /^attachment/);
});

test('a private room\'s files are its members\': an outsider gets 404, and nobody signed out gets them', async () => {
  const dana = await confab.signedUp('dana');
  const carol = await confab.signedUp('carol');
  const made = await dana.request.post('/api/v1/rooms', { data: { name: 'Vault', kind: 'private' } });
  assert.equal(made.status(), 201, await made.text());

  const secret = Buffer.from('The combination is 12-34-56.\n');
  const uploaded = await dana.request.post('/api/v1/rooms/Vault/files?name=combination.txt', {
    headers: { 'content-type': 'text/plain' },
    data: secret,
  });
  assert.equal(uploaded.status(), 201, await uploaded.text());
  const { file } = await uploaded.json();
  assert.match(file.id, /^[0-9a-f]{16}$/);
  assert.deepEqual(
    { url: file.url, name: file.name, size: file.size },
    { url: `/files/${file.id}/combination.txt`, name: 'combination.txt', size: secret.length },
  );

  await openRoom(dana, 'Vault');
  const sent = await sendOverSocket(dana, 'Vault', { text: 'For the vault', files: [file.id] });
  assert.ok(sent.message, JSON.stringify(sent));
  assert.deepEqual(sent.message.files.map((f) => f.id), [file.id]);
  await waitForMessage(dana, 'For the vault');
  await dana.getByRole('link', { name: /combination\.txt/ }).waitFor();

  const own = await dana.request.get(file.url);
  assert.equal(own.status(), 200);
  assert.deepEqual(await own.body(), secret);

  const outsider = await carol.request.get(file.url);
  assert.equal(outsider.status(), 404);
  assert.ok(!(await outsider.text()).includes('combination is'), 'nothing of it');

  // Signed out: a request without any cookie.
  const nobody = await fetch(new URL(file.url, confab.server.url), { redirect: 'manual' });
  assert.equal(nobody.status, 401);
  assert.ok(!(await nobody.text()).includes('combination is'));

  // Nor can the outsider put a file in the room, or send dana's upload anywhere.
  const intruding = await carol.request.post('/api/v1/rooms/Vault/files?name=x.txt', {
    headers: { 'content-type': 'text/plain' },
    data: Buffer.from('hello'),
  });
  assert.equal(intruding.status(), 404);
  assert.equal((await intruding.json()).error, 'room_not_found');
  await openRoom(carol, 'Carol\'s corner');
  const stolen = await sendOverSocket(carol, 'Carol\'s corner', { text: 'look', files: [file.id] });
  assert.equal(stolen.error?.code, 'file_not_found', JSON.stringify(stolen));
});
