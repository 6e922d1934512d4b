// Formatting without DOM: days and times for the message list, and how a room is named and
// linked for a given person.

/** A key that is equal for two times on the same local day. */
export function dayKey(ts) {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** "Today", "Yesterday" or a date, for a day divider. */
export function dayLabel(ts, now = Date.now()) {
  if (dayKey(ts) === dayKey(now)) return 'Today';
  if (dayKey(ts) === dayKey(now - 86_400_000)) return 'Yesterday';
  return new Date(ts).toLocaleDateString([], {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
  });
}

export function timeLabel(ts) {
  return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Two messages by one author within this long are shown as one group. */
export const GROUP_MS = 5 * 60 * 1000;

export function sameName(a, b) {
  return String(a).toLowerCase() === String(b).toLowerCase();
}

/** A direct room's people as they are shown (P in src/chat/PROTOCOL.md), sorted by username. */
export function roomPeople(room) {
  return room.people || [];
}

/**
 * A direct room's people other than `me` as they are shown (`{ user_id, username,
 * display_name?, avatar_url? }`), sorted by username; everyone, if only `me` is left.
 */
export function otherPeople(room, me) {
  const people = roomPeople(room);
  const others = people.filter((person) => !sameName(person.username, me));
  return others.length ? others : people;
}

/** What a room is called in `me`'s view: its name, or a direct room's other people as shown. */
export function roomTitle(room, me) {
  if (room.kind !== 'direct') return room.name;
  const shown = otherPeople(room, me).map((person) => person.display_name || person.username);
  return shown.length ? shown.join(', ') : me;
}

/** The path of a room's chat page: `/rooms/NAME`, or `/dm/alice,bob` for a direct room. */
export function roomPath(room, me) {
  if (room.kind === 'direct') {
    const others = otherPeople(room, me).map((person) => person.username);
    return `/dm/${(others.length ? others : [me]).map(encodeURIComponent).join(',')}`;
  }
  return `/rooms/${encodeURIComponent(room.name)}`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago": how the pages say when someone was seen. */
export function seenAgo(ts, now = Date.now()) {
  const secs = Math.max(0, Math.floor((now - ts) / 1000));
  if (secs < 60) return 'just now';
  if (secs < 3600) return `${Math.floor(secs / 60)} min ago`;
  if (secs < 86_400) return `${Math.floor(secs / 3600)} h ago`;
  return `${Math.floor(secs / 86_400)} days ago`;
}
