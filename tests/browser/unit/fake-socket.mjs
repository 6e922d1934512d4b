// A stand-in for the browser's WebSocket and timers, for driving the connection and session
// modules without a network.

export class FakeSockets {
  constructor() {
    this.opened = [];
    this.timers = [];
    const sockets = this;
    this.WebSocket = class {
      constructor(url) {
        this.url = url;
        this.readyState = 0;
        this.sent = [];
        sockets.opened.push(this);
      }
      send(text) { this.sent.push(JSON.parse(text)); }
      close() { this.readyState = 3; }
      // What the server side does:
      accept() { this.readyState = 1; this.onopen?.(); }
      deliver(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
      drop(code = 1006) { this.readyState = 3; this.onclose?.({ code }); }
    };
    this.setTimeout = (fn, ms) => { this.timers.push({ fn, ms }); return this.timers.length; };
    this.clearTimeout = () => {};
  }

  get last() {
    return this.opened.at(-1);
  }

  /** Runs the timers scheduled so far (a reconnect, say). */
  fire() {
    const due = this.timers;
    this.timers = [];
    for (const timer of due) timer.fn();
    return due;
  }
}
