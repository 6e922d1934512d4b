// The chat as the page lives it, without DOM: one connection carrying several rooms, each
// room's state, the outbox of unsent messages, and the sidebar. It answers every server frame
// and tells the views what changed through `on(event, listener)`:
//
//   state (state, detail)        the connection: connecting, open, reconnecting, signed-out
//   sidebar ()                   the list of rooms changed
//   room (room, change)          a room changed: 'reset', 'added' (messages), 'changed'
//                                (messages edited, deleted, reacted to), 'older',
//                                'presence', 'info', 'gone', 'read' (its read position),
//                                'typing' (who is typing)
//   outbox (room)                a room's unsent messages changed
//   notice (text)                something to tell the person that belongs to no message
//   arrived (roomId, message)    a new message in a room of the list (M, or an `activity`
//                                frame when this tab does not follow the room)
//
// Resume: every (re)connect joins each followed room again with `since` = the highest
// sequence number it has seen, so nothing is missed and nothing shown twice.

import { fileIds } from './files.js';
import { Outbox } from './outbox.js';
import {
  ERROR_CODES, edit, history, join, leave, react, read, remove, sendReply, sendTo, typing,
} from './protocol.js';
import { RoomState } from './room-state.js';
import { SidebarState } from './sidebar-state.js';

/** Rooms one tab follows at once; the least recently shown is left beyond this. */
export const MAX_FOLLOWED = 8;
/** Messages per page of older history. */
export const PAGE = 50;
/** After `rate_limited` or `unavailable`, a message is sent again after this long. */
export const RETRY_MS = 1000;
/** While someone types, a `typing` frame goes at most this often. */
export const TYPING_EVERY_MS = 3000;

function nameKey(name) {
  return `name:${String(name).trim().toLowerCase()}`;
}

/** A direct room's key by its people (usernames, the reader's among them), whatever order. */
function peopleKey(usernames) {
  const names = [...new Set(usernames.map((name) => String(name).toLowerCase()))].sort();
  return `people:${names.join(',')}`;
}

export class ChatSession {
  /**
   * `me`: the signed-in username. `connection`: made by `connect(handlers)`, with `send`,
   * `start`, `retryNow` (see connection.js). `later(fn, ms)` schedules a retry.
   */
  constructor({
    me, connect, outbox = new Outbox(), later = (fn, ms) => setTimeout(fn, ms), now = () => Date.now(),
  }) {
    this.me = me;
    this.now = now;
    this.outbox = outbox;
    this.later = later;
    this.sidebar = new SidebarState(me);
    this.rooms = new Map(); // key -> RoomState
    this.byId = new Map(); // room id -> RoomState
    this.recent = []; // keys, most recently shown last
    this.listeners = new Map();
    this.open = false;
    this.privateNotifications = false; // from `hello`: notifications say only "New message"
    this.blocked = new Set(); // usernames whose messages are collapsed
    this.connection = connect({
      frame: (frame) => this.handle(frame),
      state: (state, detail) => this.connectionState(state, detail),
    });
  }

  on(event, listener) {
    if (!this.listeners.has(event)) this.listeners.set(event, []);
    this.listeners.get(event).push(listener);
  }

  emit(event, ...args) {
    for (const listener of this.listeners.get(event) || []) listener(...args);
  }

  start() {
    this.connection.start();
  }

  /**
   * The room `ref` names (`{ id }`, `{ name }`, or `{ people }`: the conversation with these
   * people, which the first message makes), followed from now on.
   */
  follow(ref) {
    const byRef = () => {
      if (ref.id) return [this.byId.get(ref.id), `id:${ref.id}`];
      if (ref.people) {
        const key = peopleKey([this.me, ...ref.people]);
        return [this.rooms.get(key), key];
      }
      return [this.rooms.get(nameKey(ref.name)), nameKey(ref.name)];
    };
    let [room, key] = byRef();
    if (!room) {
      room = new RoomState(key, ref);
      this.rooms.set(key, room);
      if (ref.id) this.byId.set(ref.id, room);
      this.joinRoom(room);
    } else if (room.gone === 'missing') {
      this.joinRoom(room);
    }
    this.recent = this.recent.filter((key) => key !== room.key).concat(room.key);
    this.forgetBeyondLimit();
    return room;
  }

  forgetBeyondLimit() {
    while (this.recent.length > MAX_FOLLOWED) {
      const key = this.recent.shift();
      const room = this.rooms.get(key);
      if (!room || this.outbox.forRoom(key).length) continue;
      if (room.joined) this.connection.send(leave(room.id));
      this.rooms.delete(key);
      if (room.id) this.byId.delete(room.id);
    }
  }

  joinRoom(room) {
    // A conversation not made yet has nothing to join: its first message makes it.
    if (!this.open || (room.id == null && room.name == null)) return;
    room.historyRequest = null;
    this.connection.send(join(room.id ?? room.name, room.lastSeq || undefined));
  }

  connectionState(state, detail) {
    if (state !== 'open') {
      this.open = false;
    this.privateNotifications = false; // from `hello`: notifications say only "New message"
      for (const room of this.rooms.values()) room.disconnected();
    }
    this.emit('state', state, detail);
  }

  handle(frame) {
    switch (frame.type) {
      case 'hello': return this.onHello(frame);
      case 'joined': return this.onJoined(frame);
      case 'message': return this.onMessage(frame);
      case 'update': return this.onUpdate(frame);
      case 'activity': return this.onActivity(frame);
      case 'read': return this.onRead(frame);
      case 'typing': return this.onTyping(frame);
      case 'history': return this.onHistory(frame);
      case 'presence': return this.onPresence(frame);
      case 'room': return this.onRoom(frame);
      case 'friend': return this.sidebar.applyFriend(frame) && this.emit('sidebar');
      case 'error': return this.onError(frame);
      default: return undefined;
    }
  }

  onHello(frame) {
    this.open = true;
    this.blocked = new Set(frame.blocked || []);
    this.privateNotifications = frame.private_notifications === true;
    this.sidebar.reset(frame.rooms, frame.friends || []);
    this.emit('sidebar');
    for (const room of this.rooms.values()) {
      if (room.startsWith) this.transmit(room);
      else if (!['removed', 'left', 'deleted'].includes(room.gone)) this.joinRoom(room);
    }
  }

  roomOf(frame) {
    return this.byId.get(frame.room_id)
      || (frame.room && this.rooms.get(nameKey(frame.room)))
      || (frame.kind === 'direct' && frame.people
        && this.rooms.get(peopleKey(frame.people.map((person) => person.username))))
      || null;
  }

  onJoined(frame) {
    const room = this.roomOf(frame);
    if (!room) return;
    this.byId.set(frame.room_id, room);
    room.startsWith = null;
    for (const message of frame.messages) this.outbox.acknowledge(message.client_id);
    const { resumed, added } = room.applyJoined(frame);
    this.emit('room', room, resumed ? 'added' : 'reset', added);
    this.emit('room', room, 'info');
    this.emit('outbox', room);
    if (room.catchingUp) {
      room.historyRequest = 'catch-up';
      this.connection.send(history(room.id, { since: room.lastSeq, limit: 200 }));
    } else {
      this.transmit(room);
    }
  }

  onMessage(message) {
    this.counted(message.room_id, message);
    const room = this.byId.get(message.room_id);
    if (!room || !room.joined) return;
    if (this.outbox.acknowledge(message.client_id)) this.emit('outbox', room);
    if (room.typists.delete(message.user)) this.emit('room', room, 'typing');
    if (room.applyMessage(message)) this.emit('room', room, 'added', [message]);
  }

  /** A new message in a room of the list that this tab does not follow. */
  onActivity(frame) {
    this.counted(frame.room_id, frame);
  }

  /** A new message moves its room up and counts as unread (a mention if it calls me). */
  counted(roomId, message) {
    this.sidebar.touch(roomId, message.ts, message.id);
    this.sidebar.count(roomId, message);
    this.emit('sidebar');
    this.emit('arrived', roomId, message);
  }

  /** My read position moved, here or on another device: the server's counts are the truth. */
  onRead(frame) {
    if (this.sidebar.applyRead(frame)) this.emit('sidebar');
    const room = this.byId.get(frame.room_id);
    if (!room) return;
    room.applyRead(frame.id);
    this.emit('room', room, 'read');
  }

  onTyping(frame) {
    const room = this.byId.get(frame.room_id);
    if (!room || !room.joined) return;
    room.typing(frame.users || [frame.user], this.me, this.now());
    this.emit('room', room, 'typing');
  }

  /** A message edited, deleted or reacted to: shown in its new state where it is. */
  onUpdate(message) {
    const room = this.byId.get(message.room_id);
    if (!room || !room.joined) return;
    if (room.applyMessage(message)) this.emit('room', room, 'changed', [message]);
  }

  onHistory(frame) {
    const room = this.byId.get(frame.room_id);
    if (!room) return;
    const kind = room.historyRequest;
    room.historyRequest = null;
    if (kind === 'older') {
      this.emit('room', room, 'older', room.applyOlder(frame));
      return;
    }
    for (const message of frame.messages) this.outbox.acknowledge(message.client_id);
    const added = room.applyCatchUp(frame);
    this.emit('room', room, 'added', added);
    this.emit('outbox', room);
    if (frame.more) {
      room.historyRequest = 'catch-up';
      this.connection.send(history(room.id, { since: room.lastSeq, limit: 200 }));
    } else {
      this.transmit(room);
    }
  }

  onPresence(frame) {
    const room = this.byId.get(frame.room_id);
    if (!room) return;
    room.presence(frame.user, frame.event);
    this.emit('room', room, 'presence', frame);
  }

  onRoom(frame) {
    if (this.sidebar.apply(frame)) this.emit('sidebar');
    const room = this.byId.get(frame.room_id);
    if (!room) return;
    if (frame.event === 'removed' && frame.reason !== 'hidden') {
      room.gone = frame.reason;
      room.joined = false;
      this.emit('room', room, 'gone');
    } else if (frame.room) {
      Object.assign(room, {
        name: frame.room.name,
        topic: frame.room.topic ?? null,
        may: frame.room.may ?? {},
        archived: frame.room.archived === true,
      });
      this.emit('room', room, 'info');
    }
  }

  onError(frame) {
    const entry = frame.client_id && this.outbox.get(frame.client_id);
    if (entry) {
      const room = this.rooms.get(entry.roomKey);
      if (frame.code === ERROR_CODES.rateLimited || frame.code === ERROR_CODES.unavailable) {
        this.later(() => room && this.transmit(room), RETRY_MS);
      } else {
        this.outbox.fail(entry.clientId, frame.code === ERROR_CODES.storageError
          ? 'Not saved: the server had a problem.' : frame.message, frame.code === ERROR_CODES.storageError);
        if (room) this.emit('outbox', room);
      }
      return;
    }
    const room = this.roomOf(frame);
    if (room && frame.code === ERROR_CODES.notJoined) {
      room.joined = false;
      this.joinRoom(room);
      return;
    }
    if (room && frame.code === ERROR_CODES.roomNotFound) {
      room.gone = 'missing';
      room.joined = false;
      this.emit('room', room, 'gone');
      return;
    }
    if (room) room.historyRequest = null;
    this.emit('notice', frame.message);
  }

  /**
   * Sends a room's unsent messages when it is joined (otherwise they wait), or, for a
   * conversation not made yet, to its people: the first of them makes it.
   */
  transmit(room) {
    if (room.startsWith && this.open) {
      for (const entry of this.outbox.toSend(room.key)) {
        this.connection.send(sendTo(room.startsWith, entry.text, entry.clientId));
      }
      return;
    }
    if (!room.joined) return;
    for (const entry of this.outbox.toSend(room.key)) this.connection.send(this.sendFrame(room, entry));
  }

  /** The `send` frame of an unsent message of a joined room, its files' ids included. */
  sendFrame(room, entry) {
    return sendReply(room.id, entry.text, entry.clientId, entry.replyTo, fileIds(entry.files));
  }

  /**
   * Queues a message (a reply to message `replyTo`, if given, carrying the uploaded `files`);
   * it is shown as sending until the server's copy arrives. A conversation not made yet has
   * no uploads: they need its room (see lib/files.js).
   */
  say(room, text, replyTo = null, files = []) {
    const entry = this.outbox.add(room.key, text, replyTo, files);
    this.emit('outbox', room);
    room.typingSentAt = 0;
    if (room.joined) {
      this.connection.send(this.sendFrame(room, entry));
    } else if (room.startsWith && this.open) {
      this.connection.send(sendTo(room.startsWith, entry.text, entry.clientId));
    }
    return entry;
  }

  /** New text for a message; the server answers with an `update` (or an error notice). */
  edit(room, id, text) {
    return room.joined && this.connection.send(edit(room.id, id, text));
  }

  remove(room, id) {
    return room.joined && this.connection.send(remove(room.id, id));
  }

  react(room, id, emoji) {
    return room.joined && this.connection.send(react(room.id, id, emoji));
  }

  /** The person has seen the room up to message `id` (only ever forward). */
  markRead(room, id) {
    if (!room.joined || id <= Math.max(room.read, room.reported || 0)) return false;
    room.reported = id;
    return this.connection.send(read(room.id, id));
  }

  /** Message `id` and those after it are unread again. */
  markUnread(room, id) {
    return room.joined && this.connection.send(read(room.id, id, true));
  }

  /** The person is typing in the room: at most one frame per `TYPING_EVERY_MS`. */
  typing(room) {
    const now = this.now();
    if (!room.joined || now - (room.typingSentAt || 0) < TYPING_EVERY_MS) return false;
    room.typingSentAt = now;
    return this.connection.send(typing(room.id));
  }

  retry(room, clientId) {
    if (this.outbox.retry(clientId)) {
      this.emit('outbox', room);
      this.transmit(room);
    }
  }

  dismiss(room, clientId) {
    this.outbox.remove(clientId);
    this.emit('outbox', room);
  }

  /** Asks for the page of messages before the oldest shown; false if there is none to ask. */
  loadOlder(room) {
    if (!room.joined || room.historyRequest || !room.moreOlder) return false;
    room.historyRequest = 'older';
    return this.connection.send(history(room.id, { before: room.oldestId(), limit: PAGE }));
  }
}
