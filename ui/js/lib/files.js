// How an attached file is described and where it goes, without DOM: its size for people, the
// box an image preview takes before it loads, a short word for its type, and the address an
// upload is posted to for a room.

/** An image preview in a message fits within this box (CSS pixels), keeping its shape. */
export const PREVIEW_BOX = Object.freeze({ width: 360, height: 240 });
/** The lightbox shows at most the server's preview size (1200×800). */
export const LIGHTBOX_BOX = Object.freeze({ width: 1200, height: 800 });

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/**
 * "1 byte", "512 bytes", "12.4 KiB", "300 KiB", "1.5 MiB": binary units (1 KiB = 1024 bytes),
 * as the server writes sizes and limits ("25 MiB"), one decimal below 100 and none above, so
 * the figure stays short and says what a person needs.
 */
export function humanSize(bytes) {
  const n = Math.max(0, Math.round(Number(bytes) || 0));
  if (n < 1024) return n === 1 ? '1 byte' : `${n} bytes`;
  let value = n;
  for (const unit of UNITS) {
    value /= 1024;
    const shown = value < 100 ? Math.round(value * 10) / 10 : Math.round(value);
    // 1,048,500 bytes rounds to 1024 KiB: say 1 MiB instead (unless there is no larger unit).
    if (shown < 1024 || unit === UNITS.at(-1)) return `${shown} ${unit}`;
  }
  return `${n} bytes`; // not reached
}

/**
 * The size a `width`×`height` picture is shown at within `box`, keeping its aspect ratio and
 * never enlarged; whole pixels, at least 1. Null when the size is unknown, so the caller
 * leaves the attributes off rather than guessing a shape.
 */
export function fitWithin(width, height, box = PREVIEW_BOX) {
  if (!(width > 0 && height > 0)) return null;
  const scale = Math.min(1, box.width / width, box.height / height);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * A short word for a file's kind, as a file row shows it: its extension in capitals ("PDF",
 * "TXT") when it has a plain one, else its media type, else "File". Media types such as
 * `application/vnd.openxmlformats-officedocument…` say less to a person than "DOCX".
 */
export function typeLabel(name, type) {
  const extension = /\.([A-Za-z0-9]{1,8})$/.exec(String(name || ''));
  if (extension) return extension[1].toUpperCase();
  if (type && type !== 'application/octet-stream') return type;
  return 'File';
}

/** Whether a file is shown as a picture: the server made a preview of it. */
export function isPreviewed(file) {
  return Boolean(file && file.preview_url);
}

/**
 * Where a file named `fileName` is uploaded for `room` (a RoomState): a named room by its
 * name, a direct room by its id. Null while there is nowhere to put it: a room not joined
 * yet whose name or id is unknown, or a conversation its first message has still to make.
 */
export function uploadPath(room, fileName) {
  const query = `?name=${encodeURIComponent(fileName)}`;
  if (!room || room.startsWith) return null;
  if (room.kind === 'direct') return room.id ? `/api/v1/dm/${room.id}/files${query}` : null;
  return room.name ? `/api/v1/rooms/${encodeURIComponent(room.name)}/files${query}` : null;
}

/** The upload ids a `send` frame carries for these uploaded files (the server's `file`s). */
export function fileIds(files) {
  return (files || []).map((file) => (typeof file === 'string' ? file : file.id));
}
