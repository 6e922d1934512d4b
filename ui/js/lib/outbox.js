// Messages typed but not yet stored. Each gets a client id when it is typed; it is sent (and,
// after a reconnect, sent again) with that id, and the server stores it once whatever happens.
// An entry leaves the outbox when the server's copy of it arrives. The files uploaded for it
// stay with it, so a message sent again after a reconnect carries them again. No DOM here.

/** A random client id: 128 bits as hex. `fill` fills a byte array with random values. */
export function newClientId(fill = (bytes) => crypto.getRandomValues(bytes)) {
  const bytes = new Uint8Array(16);
  fill(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Outbox {
  constructor(newId = () => newClientId()) {
    this.newId = newId;
    this.entries = new Map(); // client id -> entry, in the order typed
  }

  /**
   * Adds a message for a room; it is `sending` until stored or refused. `files`: the uploads
   * it carries, as the server described them (`{ id, name, size, type, url }`).
   */
  add(roomKey, text, replyTo = null, files = []) {
    const entry = {
      clientId: this.newId(), roomKey, text, replyTo, files: [...files], status: 'sending', reason: '', retryable: false,
    };
    this.entries.set(entry.clientId, entry);
    return entry;
  }

  /** The server stored it: removes and returns the entry (null if it was not ours). */
  acknowledge(clientId) {
    const entry = clientId ? this.entries.get(clientId) : undefined;
    if (!entry) return null;
    this.entries.delete(clientId);
    return entry;
  }

  /** The server refused it. A retryable failure (the server had a problem) can be sent again. */
  fail(clientId, reason, retryable) {
    const entry = this.entries.get(clientId);
    if (!entry) return null;
    Object.assign(entry, { status: 'failed', reason, retryable });
    return entry;
  }

  /** Back to `sending`, to be sent again with the same client id. */
  retry(clientId) {
    const entry = this.entries.get(clientId);
    if (!entry) return null;
    Object.assign(entry, { status: 'sending', reason: '', retryable: false });
    return entry;
  }

  remove(clientId) {
    this.entries.delete(clientId);
  }

  get(clientId) {
    return this.entries.get(clientId) || null;
  }

  /** A room's unsent messages, in the order they were typed. */
  forRoom(roomKey) {
    return [...this.entries.values()].filter((entry) => entry.roomKey === roomKey);
  }

  /** The messages of a room to (re)send now. */
  toSend(roomKey) {
    return this.forRoom(roomKey).filter((entry) => entry.status === 'sending');
  }
}
