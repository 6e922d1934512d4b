// The page's uploads take turns: at most `UPLOADS_AT_ONCE` go at once, the rest wait in the
// order chosen and start as a turn frees (an upload done, refused or cancelled). The server
// refuses a person's fifth upload under way (429 `rate_limited`); three per page leaves a turn
// for another tab, and when another tab has taken it anyway, the refused file is tried again
// after the server's Retry-After instead of failing. Without DOM: the composer's chips follow
// each upload through the callbacks.

import { upload } from './uploads.js';

/** Uploads one page sends at once: under the server's four per person, so a second tab gets one. */
export const UPLOADS_AT_ONCE = 3;

/** Times a file refused as one upload too many is tried again before its refusal is shown. */
export const BUSY_RETRIES = 5;

export class UploadQueue {
  /**
   * `XHR`: XMLHttpRequest, or a stand-in; `setTimeout`/`clearTimeout` time the retries (a
   * test's own clock in tests).
   */
  constructor({
    limit = UPLOADS_AT_ONCE,
    retries = BUSY_RETRIES,
    XHR = globalThis.XMLHttpRequest,
    setTimeout = globalThis.setTimeout.bind(globalThis),
    clearTimeout = globalThis.clearTimeout.bind(globalThis),
  } = {}) {
    Object.assign(this, { limit, retries, XHR, setTimeout, clearTimeout });
    this.waiting = []; // jobs not yet started, first chosen first
    this.going = new Set(); // jobs holding a turn: sending, or waiting to be tried again
  }

  /**
   * Queues `file` for `path`. `onStart()` comes as it is sent (again after each `onWait()`,
   * when it was refused as one too many and waits to be tried again), `onProgress(loaded,
   * total)` as it goes, then `onDone(file)` or `onFail(sentence)`, once. Returns a function
   * that cancels it: a waiting one is dropped without a request, one going is aborted; no
   * callback follows either way.
   */
  add({ path, file, onStart = () => {}, onWait = () => {}, onProgress = () => {}, onDone, onFail }) {
    const job = {
      path, file, onStart, onWait, onProgress, onDone, onFail, tries: 0, stop: null, ended: false,
    };
    this.waiting.push(job);
    this.next();
    return () => this.cancel(job);
  }

  /** Uploads holding a turn (sending, or about to be tried again). */
  get active() {
    return this.going.size;
  }

  /** Uploads waiting for a turn. */
  get queued() {
    return this.waiting.length;
  }

  /** Starts waiting uploads while there are turns free. */
  next() {
    while (this.going.size < this.limit && this.waiting.length) {
      const job = this.waiting.shift();
      this.going.add(job);
      this.send(job);
    }
  }

  send(job) {
    job.stop = null;
    job.onStart();
    if (job.ended) return; // cancelled by its own onStart
    job.stop = upload({
      path: job.path,
      file: job.file,
      XHR: this.XHR,
      onProgress: job.onProgress,
      onDone: (answer) => this.end(job, job.onDone, answer),
      onFail: (sentence, retryAfter) => {
        // Another tab has the server's turns: this one keeps its own and tries again later,
        // so the page does not knock again with every file it has waiting.
        if (retryAfter != null && job.tries < this.retries) {
          job.tries += 1;
          const timer = this.setTimeout(() => this.send(job), retryAfter * 1000);
          job.stop = () => this.clearTimeout(timer);
          job.onWait();
          return;
        }
        this.end(job, job.onFail, sentence);
      },
    });
  }

  /** An upload is over: its callback, then its turn to the next one. */
  end(job, callback, value) {
    if (job.ended) return;
    job.ended = true;
    job.stop = null;
    this.going.delete(job);
    try {
      callback(value);
    } finally {
      this.next();
    }
  }

  cancel(job) {
    if (job.ended) return;
    job.ended = true;
    const at = this.waiting.indexOf(job);
    if (at >= 0) {
      this.waiting.splice(at, 1);
      return;
    }
    if (job.stop) job.stop();
    job.stop = null;
    this.going.delete(job);
    this.next();
  }
}
