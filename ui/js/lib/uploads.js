// Files chosen for the next message, without DOM: each is uploaded at once (XMLHttpRequest,
// for its upload progress, which fetch does not report), and is uploading, done (the
// server's `file`, whose id goes with the message) or failed (with the server's sentence).
// The message waits for none of them: the composer holds Send while any is uploading.

/** A message carries at most this many files (the server's limit on a `send`). */
export const MAX_FILES = 10;

const CONNECTION_LOST = 'The file could not be sent; check the connection and try again.';

/** The sentence to show for a refused upload: the server's own, or one made from the status. */
export function uploadError(status, responseText) {
  let body = null;
  try {
    body = JSON.parse(responseText);
  } catch {
    // Not JSON (a proxy's page, say): fall back on the status below.
  }
  if (body && typeof body.message === 'string' && body.message) return body.message;
  if (!status) return CONNECTION_LOST;
  if (status === 413) return 'The file is too large to send.';
  return `The file was not uploaded (error ${status}).`;
}

/**
 * Posts `file` (a Blob with `name`, `size` and `type`) to `path` as its raw bytes, and calls
 * `onProgress(loaded, total)` as it goes, then `onDone(file)` with the server's description
 * or `onFail(sentence)`, once. Returns a function that aborts it (no callback follows).
 * `XHR` is XMLHttpRequest, or a stand-in for tests.
 */
export function upload({ path, file, XHR = globalThis.XMLHttpRequest, onProgress, onDone, onFail }) {
  const xhr = new XHR();
  let settled = false;
  const settle = (fn, value) => {
    if (settled) return;
    settled = true;
    fn(value);
  };
  xhr.open('POST', path);
  xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
  xhr.upload.onprogress = (event) => {
    if (!settled) onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
  };
  xhr.onload = () => {
    if (xhr.status >= 200 && xhr.status < 300) {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (body && body.file && body.file.id) settle(onDone, body.file);
      else settle(onFail, 'The server did not say where the file went; try again.');
    } else {
      settle(onFail, uploadError(xhr.status, xhr.responseText));
    }
  };
  xhr.onerror = () => settle(onFail, CONNECTION_LOST);
  xhr.ontimeout = xhr.onerror;
  xhr.send(file);
  return () => {
    if (settled) return;
    settled = true;
    xhr.abort();
  };
}

/** The files chosen for one room's next message, in the order chosen. */
export class UploadList {
  constructor() {
    this.items = [];
    this.lastKey = 0;
  }

  /**
   * A file starts uploading: its entry (`status` 'uploading'), or null when the message has
   * its `MAX_FILES` already (failed ones do not count: they will not go).
   */
  add({ name, size, type }) {
    if (this.items.filter((item) => item.status !== 'failed').length >= MAX_FILES) return null;
    this.lastKey += 1;
    const item = {
      key: this.lastKey, name, size, type, status: 'uploading', loaded: 0, total: size, file: null, error: '', abort: null,
    };
    this.items.push(item);
    return item;
  }

  get(key) {
    return this.items.find((item) => item.key === key) || null;
  }

  /** Bytes sent so far; null if the entry was removed meanwhile. */
  progress(key, loaded, total) {
    const item = this.get(key);
    if (!item || item.status !== 'uploading') return null;
    item.loaded = loaded;
    if (total > 0) item.total = total;
    return item;
  }

  /** Uploaded: `file` is the server's description (its `id` goes with the message). */
  done(key, file) {
    const item = this.get(key);
    if (!item) return null;
    Object.assign(item, { status: 'done', file, name: file.name || item.name, loaded: item.total, abort: null });
    return item;
  }

  fail(key, error) {
    const item = this.get(key);
    if (!item) return null;
    Object.assign(item, { status: 'failed', error, abort: null });
    return item;
  }

  /** Takes an entry away, aborting its upload if it is still going; returns it. */
  remove(key) {
    const item = this.get(key);
    if (!item) return null;
    this.items = this.items.filter((other) => other !== item);
    if (item.status === 'uploading' && item.abort) item.abort();
    return item;
  }

  /** True while a file is still uploading: the message must wait for it. */
  busy() {
    return this.items.some((item) => item.status === 'uploading');
  }

  /** The uploaded files, as the server described them, for the message. */
  ready() {
    return this.items.filter((item) => item.status === 'done').map((item) => item.file);
  }

  /** The message went (or the person gave up): every entry goes, uploads still going aborted. */
  clear() {
    for (const item of this.items) if (item.status === 'uploading' && item.abort) item.abort();
    this.items = [];
  }
}
