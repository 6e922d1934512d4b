// The person's rooms as the sidebar lists them: set whole from `hello`, then kept current by
// `room` events. No DOM here.

import { roomTitle } from './format.js';

export class SidebarState {
  constructor(me) {
    this.me = me;
    this.rooms = new Map(); // id -> R
  }

  /** All rooms at once (the `hello` of a new socket). */
  reset(rooms) {
    this.rooms = new Map(rooms.map((room) => [room.id, room]));
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
