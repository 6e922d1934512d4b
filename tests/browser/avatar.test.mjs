// Pictures as people meet them: without one, initials on a colour; a picture chosen in the
// settings shows on the person's messages in the other person's view of the room; a file that
// will not do says why, in the form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';

import { useConfab } from './harness.mjs';
import { openRoom, say } from './ui.mjs';

const confab = useConfab('avatar');

/** A real PNG of one colour, `width`×`height` pixels. */
function png(width, height, [r, g, b]) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(width).fill([r, g, b]).flat())]);
  const pixels = deflateSync(Buffer.concat(Array(height).fill(row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function messageBy(page, text) {
  return page.locator('#message-list li.msg', { hasText: text });
}

test('a new picture shows on the person’s messages in the other person’s view', async () => {
  const ana = await confab.signedUp('ana');
  const ben = await confab.signedUp('ben');
  await openRoom(ana, 'orchard');
  await openRoom(ben, 'orchard');
  await say(ana, 'apples are ripe');
  const before = messageBy(ben, 'apples are ripe');
  await before.waitFor();
  assert.equal(await before.locator('.avatar.initials').getAttribute('data-initials'), 'A', 'initials before');

  await ana.goto('/settings');
  const picture = ana.getByRole('region', { name: 'Picture' });
  const file = picture.getByLabel('New picture');
  const upload = picture.getByRole('button', { name: 'Upload picture' });
  await file.setInputFiles({
    name: 'drawing.svg',
    mimeType: 'image/svg+xml',
    buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
  });
  await upload.click();
  const refusal = picture.getByRole('alert').filter({ hasText: 'SVG' });
  await refusal.waitFor();

  await file.setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(300, 200, [200, 40, 90]) });
  await upload.click();
  await ana.getByRole('status').filter({ hasText: 'Picture saved.' }).waitFor();
  const mine = ana.getByRole('region', { name: 'Picture' }).locator('img.avatar');
  await mine.waitFor();
  assert.match(await mine.getAttribute('src'), /^\/avatars\/256\/[0-9a-f]{32}\.jpg$/);

  await ben.reload();
  const shown = messageBy(ben, 'apples are ripe').locator('img.avatar');
  await shown.waitFor();
  assert.match(await shown.getAttribute('src'), /^\/avatars\/64\/[0-9a-f]{32}\.jpg$/);
  const loaded = await shown.evaluate(async (img) => {
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  });
  assert.deepEqual(loaded, [64, 64], 'the picture loads, cropped square');

  // Back to initials.
  await ana.goto('/settings');
  await ana.getByRole('button', { name: 'Remove picture' }).click();
  await ana.getByRole('status').filter({ hasText: 'Picture removed' }).waitFor();
  await ben.reload();
  await messageBy(ben, 'apples are ripe').locator('.avatar.initials').waitFor();
});
