// The connection's state, shown in the room header: connecting, connected, reconnecting (with
// a countdown), signed out, or a passing notice.

const TEXT = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  'signed-out': 'Signed out',
};

export class ConnectionState {
  constructor(element) {
    this.element = element;
    this.timer = null;
  }

  show(state, waitMs = 0) {
    clearInterval(this.timer);
    // The tests and the style sheet know the connected state as "online".
    this.element.dataset.state = state === 'open' ? 'online' : state;
    if (state === 'reconnecting' && waitMs > 0) {
      const due = Date.now() + waitMs;
      const tick = () => {
        const left = Math.max(0, due - Date.now());
        this.element.textContent = `Reconnecting in ${Math.ceil(left / 1000)} s…`;
        if (!left) clearInterval(this.timer);
      };
      tick();
      this.timer = setInterval(tick, 1000);
      return;
    }
    this.element.textContent = TEXT[state] || state;
  }

  notice(text) {
    this.element.textContent = text;
  }
}
