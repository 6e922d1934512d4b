// The files of a message, after its text: a picture the server made a preview of is shown
// inline, its box reserved by width and height before it loads (no jump in the list), and
// opens large in the lightbox; any other file is a download link with its name, size and
// type. Names are text only, never HTML.

import { PREVIEW_BOX, fitWithin, humanSize, isPreviewed, typeLabel } from '../lib/files.js';
import { icon } from './icons.js';
import { openLightbox } from './lightbox.js';

function span(className, text) {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  return element;
}

function picture(file, messageId) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'msg-image';
  button.dataset.file = file.id;
  button.setAttribute('aria-haspopup', 'dialog');
  button.title = `${file.name} (${humanSize(file.size)})`;
  const img = document.createElement('img');
  img.alt = file.name; // the button's name: what a person hears for the picture
  const box = fitWithin(file.width, file.height, PREVIEW_BOX);
  if (box) {
    img.width = box.width;
    img.height = box.height;
    // The attributes' ratio is rounded, and once loaded the picture's own would take over:
    // the original's exact ratio keeps the box the same before and after.
    img.style.aspectRatio = `${file.width} / ${file.height}`;
  }
  img.decoding = 'async';
  img.src = file.preview_url;
  button.append(img);
  // The list is redrawn often: the focus goes back to this picture's successor, if any.
  const find = () => document.querySelector(`#m${messageId} .msg-image[data-file="${CSS.escape(String(file.id))}"]`);
  button.addEventListener('click', () => openLightbox(file, find));
  return button;
}

function download(file) {
  const link = document.createElement('a');
  link.className = 'msg-file';
  link.href = file.url;
  link.download = file.name;
  link.title = `Download ${file.name}`;
  const meta = span('msg-file-meta', `${humanSize(file.size)} · ${typeLabel(file.name, file.type)}`);
  if (file.type) meta.title = file.type;
  link.append(icon('file', 18), span('msg-file-name', file.name), ' ', meta);
  return link;
}

/** The element of a message's files (`message.files`, not empty). */
export function filesElement(files, messageId) {
  const box = document.createElement('div');
  box.className = 'msg-files';
  for (const file of files) box.append(isPreviewed(file) ? picture(file, messageId) : download(file));
  return box;
}

/** An unsent message's files, named under its text while it is sending. */
export function pendingFilesElement(files) {
  const line = document.createElement('p');
  line.className = 'msg-files-pending';
  line.textContent = `Attached: ${files.map((file) => file.name).join(', ')}`;
  return line;
}
