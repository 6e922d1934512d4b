// The chat protocol's frames, as src/chat/PROTOCOL.md describes them: builders for the frames
// the page sends, and the stable error codes the server answers with. No DOM here.

/** The codes of `error` frames (a server test keeps this table and the server's in step). */
export const ERROR_CODES = Object.freeze({
  badRequest: 'bad_request',
  invalidRoom: 'invalid_room',
  roomNotFound: 'room_not_found',
  notJoined: 'not_joined',
  tooManyRooms: 'too_many_rooms',
  emptyMessage: 'empty_message',
  tooLong: 'too_long',
  rateLimited: 'rate_limited',
  storageError: 'storage_error',
  unavailable: 'unavailable',
  forbidden: 'forbidden',
  roomArchived: 'room_archived',
  notAMember: 'not_a_member',
  dmRefused: 'dm_refused',
  messageNotFound: 'message_not_found',
  messageDeleted: 'message_deleted',
  tooManyReactions: 'too_many_reactions',
  badEmoji: 'bad_emoji',
  invalidDm: 'invalid_dm',
  userNotFound: 'user_not_found',
  fileNotFound: 'file_not_found',
});

/** Close codes the page acts on. */
export const CLOSE_CODES = Object.freeze({
  signedOut: 4001,
  goingAway: 1001,
  tooFarBehind: 1013,
});

/** `join` by id or by name; with `since` (a sequence number) to resume. */
export function join(room, since) {
  const frame = { type: 'join' };
  if (typeof room === 'number') frame.room_id = room;
  else frame.room = room;
  if (since) frame.since = since;
  return frame;
}

export function leave(roomId) {
  return { type: 'leave', room_id: roomId };
}

export function send(roomId, text, clientId) {
  return { type: 'send', room_id: roomId, text, client_id: clientId };
}

/** The first message of a conversation with these people (usernames): the server makes their
 * direct room with it, and answers with the room's `joined`. */
export function sendTo(people, text, clientId) {
  return { type: 'send', people, text, client_id: clientId };
}

/**
 * A reply to message `replyTo` when it is given, carrying the uploads `files` (their ids, at
 * most 10, uploaded to this room by the sender) when there are any; with files, `text` may be
 * empty.
 */
export function sendReply(roomId, text, clientId, replyTo, files) {
  const frame = send(roomId, text, clientId);
  if (replyTo) frame.reply_to = replyTo;
  if (files && files.length) frame.files = [...files];
  return frame;
}

export function edit(roomId, id, text) {
  return { type: 'edit', room_id: roomId, id, text };
}

export function remove(roomId, id) {
  return { type: 'delete', room_id: roomId, id };
}

/** Toggles the person's reaction `emoji` on a message. */
export function react(roomId, id, emoji) {
  return { type: 'react', room_id: roomId, id, emoji };
}

/** Seen up to message `id`; with `unread`, message `id` and those after it are unread again. */
export function read(roomId, id, unread = false) {
  const frame = { type: 'read', room_id: roomId, id };
  if (unread) frame.unread = true;
  return frame;
}

export function typing(roomId) {
  return { type: 'typing', room_id: roomId };
}

/** Older messages than `before`, newer than `after`, or every change after `since`. */
export function history(roomId, { before, after, since, limit } = {}) {
  const frame = { type: 'history', room_id: roomId };
  if (before !== undefined) frame.before = before;
  if (after !== undefined) frame.after = after;
  if (since !== undefined) frame.since = since;
  if (limit !== undefined) frame.limit = limit;
  return frame;
}

/** Parses a frame from the server; null for anything that is not a JSON object with a type. */
export function parse(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return null;
  }
  return frame && typeof frame === 'object' && typeof frame.type === 'string' ? frame : null;
}
