// What the page knows of one room, without DOM: its messages by id, the highest sequence
// number seen (where a reconnect resumes), whether older history exists, who is online, and
// whether it is still ours. Views render from this; frames from the server change it.

export class RoomState {
  /**
   * `ref` is how the page first named the room: `{ id }`, `{ name }`, or `{ people }` for a
   * conversation the first message makes (usernames of the others).
   */
  constructor(key, ref) {
    this.key = key;
    this.id = ref.id ?? null;
    this.name = ref.name ?? null;
    this.startsWith = ref.people ?? null; // the people a first message goes to, until joined
    this.kind = null;
    this.topic = null;
    this.may = {}; // what the person may do here, as the server says (src/chat/PROTOCOL.md)
    this.people = [];
    this.messages = new Map(); // id -> M
    this.lastSeq = 0;
    this.moreOlder = false;
    this.online = new Set();
    this.joined = false; // followed on the current socket
    this.catchingUp = false; // paging a resume forward; live messages wait in `held`
    this.held = [];
    this.gone = null; // why it is no longer ours: 'removed', 'left', 'deleted', 'missing'
    this.read = 0; // the id of the last message read, as the server last said
    this.reported = 0; // the highest id this page reported read (the server may not have it yet)
    this.typingSentAt = 0; // when this page last said the person is typing
    this.divider = null; // the "new" divider goes after this id (set when the room is shown)
    this.typists = new Map(); // username -> when their typing indicator drops (ms)
  }

  /** Where the "new" divider stands from now on: after the last message read. */
  markDivider() {
    this.divider = this.read;
  }

  /** Whether the messages held reach back to the divider (or to the room's beginning). */
  loadedToDivider() {
    return this.divider != null && (!this.moreOlder || this.oldestId() <= this.divider);
  }

  /** The first message after the divider that someone else wrote, or null (also while the
   * messages held do not reach back to the divider: the first one held is not the first). */
  firstUnread(me) {
    if (!this.loadedToDivider()) return null;
    return this.sorted().find((m) => m.id > this.divider && m.user.toLowerCase() !== me.toLowerCase()) || null;
  }

  /** A `read` frame. Moving back (marked unread) moves the divider with it. */
  applyRead(id) {
    if (id < this.read) this.divider = id;
    this.read = id;
  }

  /** People typing: each indicator drops `ttl` ms after its last report. */
  typing(users, me, now, ttl = 5000) {
    for (const user of users) if (user.toLowerCase() !== me.toLowerCase()) this.typists.set(user, now + ttl);
  }

  /** Who is typing now, in the order they started; expired ones are dropped. */
  typingNow(now) {
    for (const [user, until] of this.typists) if (until <= now) this.typists.delete(user);
    return [...this.typists.keys()];
  }

  /** The last message of `me` that can still be edited. */
  lastOwn(me) {
    const own = this.sorted().filter((m) => !m.deleted && m.user.toLowerCase() === me.toLowerCase());
    return own.length ? own[own.length - 1] : null;
  }

  /** Messages oldest first. */
  sorted() {
    return [...this.messages.values()].sort((a, b) => a.id - b.id);
  }

  oldestId() {
    let oldest = 0;
    for (const id of this.messages.keys()) if (!oldest || id < oldest) oldest = id;
    return oldest;
  }

  newestId() {
    let newest = 0;
    for (const id of this.messages.keys()) if (id > newest) newest = id;
    return newest;
  }

  /**
   * Takes a message: a new one, or the current state of one already held. A change to a
   * message older than everything shown is not shown (it would appear out of context); its
   * sequence number still counts (`older` takes it anyway: a page of older history). True if
   * the page must show something new.
   */
  put(message, older = false) {
    if (message.seq > this.lastSeq) this.lastSeq = message.seq;
    const known = this.messages.get(message.id);
    if (known) {
      if (known.seq >= message.seq) return false;
    } else if (!older && this.messages.size && message.id < this.oldestId()) {
      return false;
    }
    this.messages.set(message.id, message);
    return true;
  }

  /**
   * The answer to a join. A first join shows the latest messages; a resume (the room had
   * messages already) adds what changed since, and pages on while `more` says so.
   * Returns `{ resumed, added }`: `added` lists the messages that are new to the page.
   */
  applyJoined(frame) {
    const resumed = this.messages.size > 0 || this.lastSeq > 0;
    Object.assign(this, {
      id: frame.room_id,
      name: frame.room,
      kind: frame.kind,
      topic: frame.topic ?? null,
      may: frame.may ?? {},
      archived: frame.archived === true,
      people: frame.people ?? [],
      joined: true,
      gone: null,
    });
    this.online = new Set(frame.members);
    if (frame.read !== undefined && frame.read > this.read) this.read = frame.read;
    if (!resumed) this.markDivider();
    const added = frame.messages.filter((m) => this.put(m));
    if (!resumed) this.moreOlder = frame.more;
    this.catchingUp = resumed && frame.more;
    // Up to date as of the answer, unless a resume must page on from its last message.
    if (!this.catchingUp && frame.seq > this.lastSeq) this.lastSeq = frame.seq;
    return { resumed, added };
  }

  /** A live message. Held back while a resume pages forward, so none is shown out of turn. */
  applyMessage(message) {
    if (this.catchingUp) {
      this.held.push(message);
      return false;
    }
    return this.put(message);
  }

  /** A page read forward while catching up; when it is the last, the held messages follow. */
  applyCatchUp(frame) {
    const added = frame.messages.filter((m) => this.put(m));
    if (!frame.more) {
      this.catchingUp = false;
      const held = this.held;
      this.held = [];
      for (const message of held) if (this.put(message)) added.push(message);
    }
    return added;
  }

  /** A page of older messages. */
  applyOlder(frame) {
    this.moreOlder = frame.more;
    return frame.messages.filter((m) => this.put(m, true));
  }

  /** The socket closed: the room must be joined again, from `lastSeq`. */
  disconnected() {
    this.joined = false;
    this.catchingUp = false;
    this.held = [];
    this.reported = 0;
    this.typists.clear();
  }

  /** Someone came or went. */
  presence(user, event) {
    if (event === 'join') this.online.add(user);
    else this.online.delete(user);
  }
}
