// A picture of a message, large, in a modal <dialog>: the server's preview (at most 1200×800)
// with its name, its size, a download link and Close. Escape, Close or a click beside the
// picture close it; the focus goes back to the picture in the message, which the list may have
// redrawn meanwhile (a new message redraws it), so it is looked up again then.

import { LIGHTBOX_BOX, fitWithin, humanSize } from '../lib/files.js';

/**
 * Opens the lightbox for `file` (an entry of a message's `files`). `opener()` finds the element
 * to give the focus back to when it closes (null: none).
 */
export function openLightbox(file, opener = () => null) {
  const dialog = document.createElement('dialog');
  dialog.className = 'lightbox';
  dialog.setAttribute('aria-labelledby', 'lightbox-title');

  const title = document.createElement('h2');
  title.id = 'lightbox-title';
  title.className = 'lightbox-title';
  title.textContent = file.name;
  const size = document.createElement('span');
  size.className = 'lightbox-size';
  size.textContent = humanSize(file.size);
  const download = document.createElement('a');
  download.className = 'button secondary small';
  download.href = file.url;
  download.download = file.name;
  download.textContent = 'Download';
  download.setAttribute('aria-label', `Download ${file.name}`);
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'button secondary small';
  close.textContent = 'Close';
  const bar = document.createElement('div');
  bar.className = 'lightbox-bar';
  bar.append(title, size, download, close);

  const img = document.createElement('img');
  img.className = 'lightbox-image';
  img.alt = file.name;
  const box = fitWithin(file.width, file.height, LIGHTBOX_BOX);
  if (box) {
    img.width = box.width;
    img.height = box.height;
    img.style.aspectRatio = `${file.width} / ${file.height}`;
  }
  // A GIF's preview is a still picture; the original moves (and is served inline).
  img.src = file.type === 'image/gif' ? file.url : file.preview_url || file.url;

  dialog.append(bar, img);
  document.body.append(dialog);
  close.addEventListener('click', () => dialog.close());
  // The dialog has no padding: a click on the dialog itself is a click on the backdrop.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    const back = opener();
    if (back && back.isConnected) back.focus();
  });
  dialog.showModal();
  close.focus();
  return dialog;
}
