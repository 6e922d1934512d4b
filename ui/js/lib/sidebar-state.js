// The person's rooms and friends as the sidebar lists them: set whole from `hello`, then kept
// current by `room` and `friend` events. No DOM here.

import { roomTitle, sameName } from './format.js';

/** The server counts unread messages up to this many ("100 or more"). */
export const UNREAD_CAP = 100;

/** Whether a message (M, or an `activity` frame) calls `me`: by name, `@room`, or `@here`. */
export function callsMe(message, me) {
  return Boolean(message.everyone) || (message.mentions || []).some((name) => sameName(name, me));
}

export class SidebarState {
  constructor(me) {
    this.me = me;
    this.rooms = new Map(); // id -> R
    this.friends = new Map(); // username -> { username, online, last_seen }
  }

  /** All rooms and friends at once (the `hello` of a new socket). */
  reset(rooms, friends = []) {
    this.rooms = new Map(rooms.map((room) => [room.id, room]));
    this.friends = new Map(friends
      .filter((friend) => friend.state === 'friends')
      .map((friend) => [friend.username, { username: friend.username, online: friend.online, last_seen: friend.last_seen ?? null }]));
  }

  /** A `friend` event: a friendship begun or ended, or a friend come or gone. */
  applyFriend(frame) {
    const known = this.friends.get(frame.user);
    if (frame.event === 'state') {
      if (frame.state === 'friends' && !known) {
        this.friends.set(frame.user, { username: frame.user, online: Boolean(frame.online), last_seen: null });
        return true;
      }
      return frame.state !== 'friends' && this.friends.delete(frame.user);
    }
    if (!known) return false;
    known.online = frame.event === 'online';
    if (frame.last_seen) known.last_seen = frame.last_seen;
    return true;
  }

  /** Friends by username, online ones first. */
  friendList() {
    return [...this.friends.values()].sort((a, b) =>
      (b.online - a.online) || a.username.localeCompare(b.username, undefined, { sensitivity: 'base' }));
  }

  /** A `room` event; returns true if the list changed. */
  apply(frame) {
    if (frame.event === 'removed') return this.rooms.delete(frame.room_id);
    if (!frame.room) return false;
    this.rooms.set(frame.room.id, frame.room);
    return true;
  }

  /** A message arrived: the room moves up among the direct rooms. */
  touch(roomId, ts, id) {
    const room = this.rooms.get(roomId);
    if (!room || ts < room.last_activity) return;
    this.rooms.set(roomId, { ...room, last_activity: ts, last_id: Math.max(room.last_id, id) });
  }

  /**
   * A new message in one of the rooms (followed or watched): unread, and a mention if it calls
   * me, unless it is mine or already read. True if the counts changed.
   */
  count(roomId, message) {
    const room = this.rooms.get(roomId);
    if (!room || message.id <= (room.read || 0) || sameName(message.user, this.me)) return false;
    const mention = callsMe(message, this.me);
    this.rooms.set(roomId, {
      ...room,
      unread: Math.min(UNREAD_CAP, (room.unread || 0) + 1),
      mentions: Math.min(UNREAD_CAP, (room.mentions || 0) + (mention ? 1 : 0)),
    });
    return true;
  }

  /** A `read` frame: the position and what is left unread, as the server counts them. */
  applyRead(frame) {
    const room = this.rooms.get(frame.room_id);
    if (!room) return false;
    this.rooms.set(frame.room_id, { ...room, read: frame.id, unread: frame.unread, mentions: frame.mentions });
    return true;
  }

  /** Named rooms by name, and direct rooms newest first, each with its title for `me`. */
  groups() {
    const titled = [...this.rooms.values()].map((room) => ({ room, title: roomTitle(room, this.me) }));
    const named = titled
      .filter(({ room }) => room.kind !== 'direct')
      .sort((a, b) => a.title.localeCompare(b.title, undefined, { sensitivity: 'base' }));
    const direct = titled
      .filter(({ room }) => room.kind === 'direct')
      .sort((a, b) => b.room.last_activity - a.room.last_activity);
    return { named, direct };
  }
}
