// What a person does on confab's pages, and what they see there, for the browser tests.
// Every wait is on a condition in the page, never on a fixed delay.
import assert from 'node:assert/strict';

import { PASSWORD } from './harness.mjs';

const SHOWN = '#message-list li.msg[data-id]';

export function roomPath(name) {
  return `/rooms/${encodeURIComponent(name)}`;
}

/** Fills in the sign-in form and submits it (where it leads is up to the test). */
export async function signIn(page, username, password = PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Types a room name into the box on /rooms and waits until the chat is live. */
export async function joinRoom(page, name) {
  await page.goto('/rooms');
  await page.getByLabel('Room name').fill(name);
  await page.getByLabel('Room name').press('Enter');
  await page.waitForURL(roomPath(name));
  await waitOnline(page);
}

export async function openRoom(page, name) {
  await page.goto(roomPath(name));
  await waitOnline(page);
}

export async function waitOnline(page) {
  await page.locator('#conn-state[data-state="online"]').waitFor();
}

/** Types a message and presses Enter. */
export async function say(page, text) {
  await page.locator('#message-input').fill(text);
  await page.locator('#message-input').press('Enter');
}

/** The stored messages the page shows, top to bottom. */
export async function shownMessages(page) {
  return page.locator(SHOWN).evaluateAll((items) =>
    items.map((li) => ({
      id: Number(li.dataset.id),
      user: li.dataset.user,
      text: li.querySelector('.msg-text').textContent,
      own: li.classList.contains('own'),
    })),
  );
}

export async function shownTexts(page) {
  return (await shownMessages(page)).map((message) => message.text);
}

/** Waits until the page shows a stored (not pending) message with exactly this text. */
export async function waitForMessage(page, text) {
  await waitUntil(page, `the message ${JSON.stringify(text)} is shown`, (wanted) =>
    Array.from(document.querySelectorAll('#message-list li.msg[data-id] .msg-text'))
      .some((node) => node.textContent === wanted), text);
}

/** Waits until `predicate(arg)`, evaluated in the page, is true; says what was awaited if not. */
export async function waitUntil(page, what, predicate, arg) {
  try {
    await page.waitForFunction(predicate, arg, { polling: 50 });
  } catch (error) {
    throw new Error(`waiting until ${what} on ${page.url()}: ${error.message}`);
  }
}

/** Asserts that messages are in the order they were stored and none is shown twice. */
export function assertInOrderOnce(messages) {
  const ids = messages.map((message) => message.id);
  ids.slice(1).forEach((id, i) => assert.ok(id > ids[i], `message ${id} follows ${ids[i]}: ${ids.join(',')}`));
}

/** Every message of a room as stored on the server (oldest first), read through the API. */
export async function storedMessages(page, room) {
  const messages = [];
  let before = '';
  for (;;) {
    const response = await page.request.get(`/api/v1${roomPath(room)}/messages?limit=200${before}`);
    assert.equal(response.status(), 200, await response.text());
    const body = await response.json();
    messages.unshift(...body.messages);
    if (!body.more || !body.messages.length) return messages;
    before = `&before=${body.messages[0].id}`;
  }
}

/**
 * Posts many messages quickly through a second WebSocket of the page, as a busy room would,
 * and resolves once the server has stored them all.
 */
export async function postMany(page, room, texts) {
  await page.evaluate(([room, texts]) => new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://${location.host}/ws`);
    let stored = 0;
    socket.onopen = () => socket.send(JSON.stringify({ type: 'join', room }));
    let roomId = null;
    socket.onclose = () => reject(new Error(`socket closed after ${stored} of ${texts.length}`));
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === 'joined') {
        roomId = frame.room_id;
        texts.forEach((text, i) => socket.send(JSON.stringify({ type: 'send', room_id: roomId, text, client_id: `many-${i}` })));
      } else if (frame.type === 'message' && frame.client_id?.startsWith('many-')) {
        stored += 1;
        if (stored === texts.length) {
          socket.onclose = null;
          socket.close();
          resolve();
        }
      } else if (frame.type === 'error') {
        reject(new Error(JSON.stringify(frame)));
      }
    };
  }), [room, texts]);
}

/**
 * Attaches files through the composer's "Attach files" button and the file chooser it opens,
 * as a person picks them. `files`: `{ name, mimeType, buffer }` each.
 */
export async function attachFiles(page, files) {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Attach files' }).click(),
  ]);
  assert.ok(chooser.isMultiple(), 'several files can be chosen at once');
  await chooser.setFiles(files);
}

/**
 * Drops files on an element of the page, as dragging them from the desktop does. `files`:
 * `{ name, type, text }` each.
 */
export async function dropFiles(page, selector, files) {
  const transfer = await page.evaluateHandle((files) => {
    const data = new DataTransfer();
    for (const { name, type, text } of files) data.items.add(new File([text], name, { type }));
    return data;
  }, files);
  await page.dispatchEvent(selector, 'dragenter', { dataTransfer: transfer });
  await page.dispatchEvent(selector, 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: transfer });
}

/**
 * Sends one `send` frame (its other fields, such as `text` and `files`, from `fields`) to a
 * room through a second WebSocket of the page, and resolves to `{ message }` once it is
 * stored or `{ error }` with the error frame that refused it.
 */
export async function sendOverSocket(page, room, fields) {
  return page.evaluate(([room, fields]) => new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://${location.host}/ws`);
    const clientId = `socket-${Math.random().toString(16).slice(2)}`;
    const done = (answer) => {
      socket.onclose = null;
      socket.close();
      resolve(answer);
    };
    socket.onopen = () => socket.send(JSON.stringify({ type: 'join', room }));
    socket.onclose = () => reject(new Error('the socket closed before an answer'));
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === 'joined') {
        socket.send(JSON.stringify({ type: 'send', room_id: frame.room_id, client_id: clientId, ...fields }));
      } else if (frame.type === 'message' && frame.client_id === clientId) {
        done({ message: frame });
      } else if (frame.type === 'error') {
        done({ error: frame });
      }
    };
  }), [room, fields]);
}
