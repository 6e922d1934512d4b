// Files for the next message, in the composer: the "Attach files" button (a file picker), files
// dropped on the chat or pasted into the message box. Each shows as a chip above the box with
// its name, size and progress, and Cancel (while it waits or uploads) or Remove; a refused one
// says why. The page uploads a few at once (lib/upload-queue.js): the others say they wait.
// The chips belong to their room (an upload can only go with a message of the room it was
// uploaded to), so switching rooms shows that room's and keeps the others'.
// The elements are made here, so the page's markup needs none of them.

import { humanSize, uploadPath } from '../lib/files.js';
import { UploadQueue } from '../lib/upload-queue.js';
import { MAX_FILES, UploadList } from '../lib/uploads.js';
import { icon } from './icons.js';

/** Whether a drag carries files (not text or a link dragged within the page). */
function carriesFiles(event) {
  return Boolean(event.dataTransfer) && Array.from(event.dataTransfer.types || []).includes('Files');
}

export class Attachments {
  /**
   * `form`: the composer; `dropZone`: where files may be dropped (the chat). `onChange()`: an
   * upload started, ended or was removed (the composer holds Send while one is going);
   * `onNotice(text)`: something to tell the person. `XHR`: XMLHttpRequest, or a stand-in.
   * One queue for every room's files: the server counts a person's uploads, not a room's.
   */
  constructor(form, dropZone, { onChange = () => {}, onNotice = () => {}, XHR = globalThis.XMLHttpRequest } = {}) {
    this.form = form;
    this.input = form.querySelector('#message-input');
    this.zone = dropZone;
    this.onChange = onChange;
    this.onNotice = onNotice;
    this.queue = new UploadQueue({ XHR });
    this.room = null;
    this.enabled = false;
    this.lists = new Map(); // room key -> UploadList
    this.chips = new Map(); // upload key -> its <li>, for the room shown

    this.picker = document.createElement('input');
    this.picker.type = 'file';
    this.picker.multiple = true;
    this.picker.hidden = true;
    this.picker.tabIndex = -1;
    this.picker.className = 'attach-input';
    this.picker.setAttribute('aria-label', 'Files to attach');

    this.button = document.createElement('button');
    this.button.type = 'button';
    this.button.className = 'button secondary attach-button';
    this.button.title = 'Attach files';
    this.button.setAttribute('aria-label', 'Attach files');
    this.button.append(icon('clip'));

    this.tray = document.createElement('ul');
    this.tray.className = 'upload-list';
    this.tray.setAttribute('aria-label', 'Files to send');
    this.tray.hidden = true;

    // Says "cat.png uploaded" to a screen reader; a refusal is an alert of its own chip.
    this.status = document.createElement('p');
    this.status.className = 'visually-hidden';
    this.status.setAttribute('role', 'status');

    form.prepend(this.tray);
    this.input.before(this.button);
    form.append(this.picker, this.status);

    this.button.addEventListener('click', () => this.picker.click());
    this.picker.addEventListener('change', () => {
      this.addAll(this.picker.files);
      this.picker.value = ''; // the same file can be chosen again
      this.input.focus();
    });
    this.input.addEventListener('paste', (event) => this.paste(event));
    this.listenForDrops();
  }

  /**
   * Drops on the chat attach; a file dropped anywhere else on the page is ignored rather than
   * opened by the browser in place of the chat.
   */
  listenForDrops() {
    let depth = 0; // dragenter and dragleave come for every element crossed inside the zone
    const over = (on) => this.zone.classList.toggle('dropping', on);
    this.zone.addEventListener('dragenter', (event) => {
      if (!carriesFiles(event) || !this.canAttach()) return;
      event.preventDefault();
      depth += 1;
      over(true);
    });
    this.zone.addEventListener('dragover', (event) => {
      if (!carriesFiles(event) || !this.canAttach()) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    });
    this.zone.addEventListener('dragleave', (event) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (!depth) over(false);
    });
    this.zone.addEventListener('drop', (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth = 0;
      over(false);
      if (this.canAttach()) {
        this.addAll(event.dataTransfer.files);
        this.input.focus();
      }
    });
    for (const type of ['dragover', 'drop']) {
      window.addEventListener(type, (event) => {
        if (!carriesFiles(event) || event.defaultPrevented) return;
        event.preventDefault();
        if (type === 'dragover') event.dataTransfer.dropEffect = 'none';
      });
    }
    window.addEventListener('dragend', () => {
      depth = 0;
      over(false);
    });
  }

  /**
   * Files pasted into the message box attach. A paste that carries text as well is text: an
   * office program puts a picture of the copied text beside the text itself.
   */
  paste(event) {
    const data = event.clipboardData;
    if (!data || !data.files || !data.files.length || data.getData('text/plain')) return;
    event.preventDefault();
    if (this.canAttach()) this.addAll(data.files);
    else this.onNotice(this.cannotAttach());
  }

  listFor(room) {
    if (!this.lists.has(room.key)) this.lists.set(room.key, new UploadList());
    return this.lists.get(room.key);
  }

  /** The list of the room shown. */
  get list() {
    return this.room ? this.listFor(this.room) : new UploadList();
  }

  /** A room is shown: its chips, and whether files can go to it (`enabled`: it is still ours). */
  show(room, enabled) {
    this.room = room;
    this.enabled = enabled;
    this.button.disabled = !this.canAttach();
    this.button.title = this.button.disabled ? this.cannotAttach() : 'Attach files';
    this.render();
  }

  canAttach() {
    return Boolean(this.room && this.enabled && uploadPath(this.room, 'file'));
  }

  cannotAttach() {
    if (this.room && this.room.startsWith) return 'Send a first message to start the conversation, then attach files.';
    return 'Files cannot be attached here now.';
  }

  /** True while a file of the room shown is still waiting or uploading. */
  busy() {
    return this.list.busy();
  }

  /** The uploaded files of the room shown, for its next message. */
  ready() {
    return this.list.ready();
  }

  /** The message went: its chips go. */
  clear() {
    this.list.clear();
    this.render();
    this.onChange();
  }

  addAll(files) {
    let refused = 0;
    for (const file of Array.from(files || [])) if (!this.add(file)) refused += 1;
    if (refused) this.onNotice(`A message can carry at most ${MAX_FILES} files.`);
  }

  /** Queues `file` for the room shown; false if the message has files enough. */
  add(file) {
    const room = this.room;
    const name = file.name || 'file';
    const path = uploadPath(room, name);
    if (!path || !this.enabled) {
      this.onNotice(this.cannotAttach()); // the button is disabled then; a drop or paste says why
      return true;
    }
    const list = this.listFor(room);
    const item = list.add({ name, size: file.size, type: file.type });
    if (!item) return false;
    const changed = (entry, ended) => {
      if (entry) this.update(list, entry);
      if (ended) this.onChange();
    };
    item.abort = this.queue.add({
      path,
      file,
      onStart: () => changed(list.start(item.key), false),
      onWait: () => changed(list.wait(item.key), false),
      onProgress: (loaded, total) => changed(list.progress(item.key, loaded, total), false),
      onDone: (answer) => {
        const entry = list.done(item.key, answer);
        if (entry && list === this.list) this.status.textContent = `${entry.name} uploaded.`;
        changed(entry, true);
      },
      onFail: (error) => changed(list.fail(item.key, error), true),
    });
    this.render();
    this.onChange();
    return true;
  }

  /** One entry changed: its chip is updated in place (progress) or made anew, focus kept. */
  update(list, item) {
    if (list !== this.list) return; // another room's: drawn when it is shown
    const chip = this.chips.get(item.key);
    if (!chip) return;
    if (item.status === 'uploading' && chip.dataset.state === 'uploading') {
      const bar = chip.querySelector('progress');
      bar.max = Math.max(1, item.total);
      bar.value = Math.min(item.loaded, bar.max);
      return;
    }
    const focused = chip.contains(document.activeElement);
    const fresh = this.chip(item);
    chip.replaceWith(fresh);
    this.chips.set(item.key, fresh);
    if (focused) fresh.querySelector('button').focus();
  }

  render() {
    const items = this.list.items;
    this.chips = new Map(items.map((item) => [item.key, this.chip(item)]));
    this.tray.replaceChildren(...this.chips.values());
    this.tray.hidden = !items.length;
  }

  chip(item) {
    const li = document.createElement('li');
    li.className = 'upload';
    li.dataset.state = item.status;
    const row = document.createElement('div');
    row.className = 'upload-row';
    const name = document.createElement('span');
    name.className = 'upload-name';
    name.textContent = item.name;
    name.title = item.name;
    const size = document.createElement('span');
    size.className = 'upload-size';
    size.textContent = humanSize(item.size);
    row.append(name, size);
    const waiting = item.status === 'waiting';
    const uploading = item.status === 'uploading';
    if (waiting) {
      const note = document.createElement('span');
      note.className = 'upload-status';
      note.textContent = 'Waiting…';
      row.append(note);
    }
    if (waiting || uploading) {
      // Without a value while it waits: the browser draws it as not yet under way, rather
      // than as a bar stuck at nought.
      const bar = document.createElement('progress');
      bar.className = 'upload-progress';
      if (uploading) {
        bar.max = Math.max(1, item.total);
        bar.value = Math.min(item.loaded, bar.max);
      }
      bar.setAttribute('aria-label', waiting ? `Waiting to upload ${item.name}` : `Uploading ${item.name}`);
      row.append(bar);
    }
    const going = waiting || uploading;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'button secondary small upload-remove';
    remove.textContent = going ? 'Cancel' : 'Remove';
    remove.setAttribute('aria-label', going ? `Cancel upload of ${item.name}` : `Remove ${item.name}`);
    remove.addEventListener('click', () => this.remove(item.key));
    row.append(remove);
    li.append(row);
    if (item.status === 'failed') {
      const error = document.createElement('p');
      error.className = 'upload-error';
      error.setAttribute('role', 'alert');
      error.textContent = item.error;
      li.append(error);
    }
    return li;
  }

  /** Cancel or Remove: the chip goes, and the focus to its neighbour or the message box. */
  remove(key) {
    const list = this.list;
    const at = list.items.findIndex((item) => item.key === key);
    if (at < 0) return;
    list.remove(key);
    this.render();
    const next = list.items[Math.min(at, list.items.length - 1)];
    const chip = next && this.chips.get(next.key);
    if (chip) chip.querySelector('button').focus();
    else this.input.focus();
    this.onChange();
  }
}
