// Files chosen for the next message, without DOM: each is uploaded (XMLHttpRequest, for its
// upload progress, which fetch does not report) when the page has a turn for it (see
// upload-queue.js), and is waiting, uploading, done (the server's `file`, whose id goes with
// the message) or failed (with the server's sentence). The composer holds Send while any is
// waiting or uploading.

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

/** The longest wait a Retry-After may ask for: past it, a chip would seem stuck. */
const MAX_RETRY_AFTER = 60;

/**
 * Seconds to wait before trying a refused upload again, when the refusal was the server's
 * "you have uploads enough under way" (429 `rate_limited`): its Retry-After (seconds), else
 * 1. Null for any other refusal, which trying again would not mend.
 */
export function retryAfter(status, responseText, header) {
  if (status !== 429) return null;
  let body = null;
  try {
    body = JSON.parse(responseText);
  } catch {
    return null; // a proxy's own limit, not the server's count of uploads
  }
  if (!body || body.error !== 'rate_limited') return null;
  const seconds = /^\s*\d+\s*$/.test(header || '') ? Number(header) : 1;
  return Math.min(seconds, MAX_RETRY_AFTER);
}

/**
 * Posts `file` (a Blob with `name`, `size` and `type`) to `path` as its raw bytes, and calls
 * `onProgress(loaded, total)` as it goes, then `onDone(file)` with the server's description
 * or `onFail(sentence, retryAfter)`, once; `retryAfter` is the seconds to wait before trying
 * again when the server refused it as one upload too many (see `retryAfter`), else null.
 * Returns a function that aborts it (no callback follows). `XHR` is XMLHttpRequest, or a
 * stand-in for tests.
 */
export function upload({ path, file, XHR = globalThis.XMLHttpRequest, onProgress, onDone, onFail }) {
  const xhr = new XHR();
  let settled = false;
  const settle = (fn, ...values) => {
    if (settled) return;
    settled = true;
    fn(...values);
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
      const wait = retryAfter(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After'));
      settle(onFail, uploadError(xhr.status, xhr.responseText), wait);
    }
  };
  xhr.onerror = () => settle(onFail, CONNECTION_LOST, null);
  xhr.ontimeout = xhr.onerror;
  xhr.send(file);
  return () => {
    if (settled) return;
    settled = true;
    xhr.abort();
  };
}

/** Whether an entry is still to be uploaded (waiting for its turn, or being sent). */
function pending(item) {
  return item.status === 'waiting' || item.status === 'uploading';
}

/** The files chosen for one room's next message, in the order chosen. */
export class UploadList {
  constructor() {
    this.items = [];
    this.lastKey = 0;
  }

  /**
   * A file is chosen: its entry (`status` 'waiting', for its turn to upload), or null when the
   * message has its `MAX_FILES` already (failed ones do not count: they will not go). Its
   * `abort` is set by whoever uploads it, and cancels it waiting or uploading.
   */
  add({ name, size, type }) {
    if (this.items.filter((item) => item.status !== 'failed').length >= MAX_FILES) return null;
    this.lastKey += 1;
    const item = {
      key: this.lastKey, name, size, type, status: 'waiting', loaded: 0, total: size, file: null, error: '', abort: null,
    };
    this.items.push(item);
    return item;
  }

  get(key) {
    return this.items.find((item) => item.key === key) || null;
  }

  /** Its turn came: it is being sent (again, after a wait the server asked for). */
  start(key) {
    return this.set(key, 'uploading');
  }

  /** Refused as one upload too many: it waits to be tried again, from its first byte. */
  wait(key) {
    return this.set(key, 'waiting');
  }

  /** Only an entry still to be uploaded changes so; null if it was removed or has ended. */
  set(key, status) {
    const item = this.get(key);
    if (!item || !pending(item)) return null;
    Object.assign(item, { status, loaded: 0 });
    return item;
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
    if (pending(item) && item.abort) item.abort();
    return item;
  }

  /** True while a file is still waiting or uploading: the message must wait for it. */
  busy() {
    return this.items.some(pending);
  }

  /** The uploaded files, as the server described them, for the message. */
  ready() {
    return this.items.filter((item) => item.status === 'done').map((item) => item.file);
  }

  /** The message went (or the person gave up): every entry goes, uploads still to go cancelled. */
  clear() {
    for (const item of this.items) if (pending(item) && item.abort) item.abort();
    this.items = [];
  }
}
