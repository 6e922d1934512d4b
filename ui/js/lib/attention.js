// What calls the person back, without DOM: each room's notification level, whether a new
// message should raise a system notification, and what the tab's title and icon show.

import { callsMe, UNREAD_CAP } from './sidebar-state.js';
import { sameName } from './format.js';

/** The most characters of a message a notification shows (as the server's `excerpt`). */
export const EXCERPT_MAX = 140;

/** The levels a member chooses from (R's `notifications` in src/chat/PROTOCOL.md). */
export const LEVELS = ['all', 'mentions', 'none'];

/** A room's level: the member's choice, else every message of a direct room, else mentions. */
export function levelOf(room) {
  if (room && LEVELS.includes(room.notifications)) return room.notifications;
  return room && room.kind === 'direct' ? 'all' : 'mentions';
}

/**
 * Whether a new message (M, or an `activity` frame) in `room` (R) calls `me` back at its
 * level: never one's own or a blocked person's message, nor one already read.
 */
export function wantsAlert(room, message, me, blocked = new Set()) {
  if (!room || sameName(message.user, me) || blocked.has(message.user)) return false;
  if (message.id <= (room.read || 0)) return false;
  switch (levelOf(room)) {
    case 'all': return true;
    case 'mentions': return callsMe(message, me);
    default: return false;
  }
}

/**
 * What the tab shows for `rooms` (R…): `count`, the messages that call the person (every
 * unread one in an `all` room, mentions in a `mentions` room, nothing from a `none` room), and
 * `dot`, whether anything not muted is unread. The room on screen counts whole while the tab
 * is hidden and not at all while it is seen: what is in front of the person needs no badge.
 */
export function attention(rooms, { currentId = null, hidden = false } = {}) {
  let count = 0;
  let dot = false;
  for (const room of rooms) {
    const level = levelOf(room);
    if (level === 'none') continue;
    if (room.id === currentId) {
      if (!hidden) continue;
      count += room.unread || 0;
    } else {
      count += level === 'all' ? (room.unread || 0) : (room.mentions || 0);
    }
    dot = dot || (room.unread || 0) > 0;
  }
  return { count, dot: dot || count > 0 };
}

/** The tab's title: `(3) lobby · confab`, or `(100+) …` once a count stopped at its cap. */
export function tabTitle(base, count) {
  if (!count) return `${base} · confab`;
  const shown = count >= UNREAD_CAP ? `${UNREAD_CAP}+` : String(count);
  return `(${shown}) ${base} · confab`;
}

/**
 * The words of a system notification for `message` in `room`, titled `roomTitleText` for `me`.
 * `private`: the person chose notifications that say only "New message" (as their pushes do).
 */
export function alertText(roomTitleText, room, message, me, { private: secret = false } = {}) {
  if (secret) return { title: 'confab', body: 'New message' };
  const person = (room.people || []).find((p) => sameName(p.username, message.user));
  const author = (person && person.display_name) || message.user;
  const title = room.kind === 'direct' ? author : `${author} in ${roomTitleText}`;
  // M has its text, an `activity` frame the start of it.
  const text = String(message.text ?? message.excerpt ?? '').split(/\s+/).filter(Boolean).join(' ');
  let body;
  if (text) body = text.length > EXCERPT_MAX ? `${text.slice(0, EXCERPT_MAX - 1)}…` : text;
  else if (callsMe(message, me)) body = 'Mentioned you';
  else if (message.files && message.files.length) body = 'Sent a file';
  else body = 'New message';
  return { title, body };
}
