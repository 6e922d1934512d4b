// One WebSocket to the server, kept open: it reconnects by itself with backoff, and tells its
// owner when it is up, what arrives, and when it is down. Which rooms to join again, and from
// where, is the owner's business (see session.js). No DOM here: the WebSocket constructor and
// the timers are passed in, so tests can drive it.

import * as backoff from './backoff.js';
import { CLOSE_CODES, parse } from './protocol.js';

export class Connection {
  /**
   * `url`: the socket's address. `handlers`: `frame(frame)`, `state(state, detail)` with
   * state `connecting`, `open`, `reconnecting` (detail: ms until the next try) or
   * `signed-out`. `checkSignedIn()` resolves to false when the session is gone (asked when an
   * upgrade is refused, which a browser does not explain).
   */
  constructor(url, handlers, {
    WebSocket = globalThis.WebSocket,
    setTimeout = globalThis.setTimeout.bind(globalThis),
    clearTimeout = globalThis.clearTimeout.bind(globalThis),
    random = Math.random,
    checkSignedIn = async () => true,
  } = {}) {
    Object.assign(this, { url, handlers, WebSocket, setTimeout, clearTimeout, random, checkSignedIn });
    this.socket = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  /** Stops for good (the page is leaving, or the person was signed out). */
  stop() {
    this.stopped = true;
    this.clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
  }

  get isOpen() {
    return Boolean(this.socket && this.socket.readyState === 1);
  }

  /** Sends a frame if the socket is open; false if it is not (the caller keeps it). */
  send(frame) {
    if (!this.isOpen) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** The network came back: try now rather than at the scheduled time. */
  retryNow() {
    if (this.socket || this.stopped) return;
    this.attempt = 0;
    this.open();
  }

  /**
   * The device lost its network: the socket can carry nothing more, though the browser may
   * not notice for a long while. It is closed now, and tries resume as for any other loss.
   */
  networkLost() {
    const socket = this.socket;
    if (!socket || this.stopped) return;
    this.socket = null;
    socket.onclose = null;
    socket.close();
    this.attempt = Math.max(this.attempt, 1);
    this.schedule();
  }

  open() {
    this.clearTimeout(this.timer);
    this.handlers.state(this.attempt ? 'reconnecting' : 'connecting', 0);
    let socket;
    try {
      socket = new this.WebSocket(this.url);
    } catch {
      this.schedule();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      const frame = parse(event.data);
      if (!frame) return;
      if (frame.type === 'hello') {
        this.attempt = 0;
        this.handlers.state('open', 0);
      }
      this.handlers.frame(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (event.code === CLOSE_CODES.signedOut) {
        this.signedOut();
        return;
      }
      if (!opened) {
        // The upgrade was refused or the server is down: still signed in?
        this.checkSignedIn().then(
          (signedIn) => (signedIn ? this.schedule() : this.signedOut()),
          () => this.schedule(),
        );
        return;
      }
      this.schedule();
    };
  }

  signedOut() {
    this.stop();
    this.handlers.state('signed-out', 0);
  }

  schedule() {
    if (this.stopped) return;
    const wait = backoff.delay(this.attempt, this.random);
    this.attempt += 1;
    this.handlers.state('reconnecting', wait);
    this.timer = this.setTimeout(() => this.open(), wait);
  }
}
