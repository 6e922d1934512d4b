// One stored message as the list shows it: a clone of the server-rendered
// <template id="message-template">, its text formatted by the shared rules (lib/markup.js),
// the quote of the message it answers, its files, its reaction chips and its actions. Buttons
// carry `data-action`; the list handles their clicks. No user text is ever parsed as HTML.

import { sameName, timeLabel } from '../lib/format.js';
import { parse } from '../lib/markup.js';
import { avatarElement } from './avatar.js';
import { filesElement } from './message-files.js';
import { renderText } from './rich-text.js';

function button(action, label, text, extra = {}) {
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.action = action;
  b.setAttribute('aria-label', label);
  b.textContent = text;
  Object.assign(b.dataset, extra);
  return b;
}

/**
 * Focuses `element` inside the message `li`. A message's buttons show only while it holds the
 * focus (or the pointer), so they are shown for the focus to land, which then keeps them.
 */
export function focusWithin(li, element, options) {
  li.classList.add('selected');
  element.focus(options);
  li.classList.remove('selected');
}

/** Whether a message has files to show (a deleted one has none). */
export function hasFiles(message) {
  return !message.deleted && Array.isArray(message.files) && message.files.length > 0;
}

/** A message's text as shown: formatted, "(edited)", or the tombstone of a deleted one. */
export function fillText(element, message, me) {
  if (message.deleted) {
    element.classList.add('deleted');
    element.textContent = 'message deleted';
    return;
  }
  element.replaceChildren(renderText(parse(message.text), {
    mentions: (message.mentions || []).map((name) => name.toLowerCase()),
    everyone: message.everyone,
    me,
  }));
  if (message.edited) {
    const edited = document.createElement('span');
    edited.className = 'msg-edited';
    edited.textContent = ' (edited)';
    edited.title = `Edited ${new Date(message.edited).toLocaleString()}`;
    element.append(edited);
  }
}

/** "alice, bob and 3 others": who reacted, for the chip's label. */
export function whoReacted(users, me) {
  const names = users.map((name) => (sameName(name, me) ? 'you' : name));
  if (names.length <= 6) return names.join(', ');
  return `${names.slice(0, 5).join(', ')} and ${names.length - 5} others`;
}

function reactions(message, me) {
  const row = document.createElement('div');
  row.className = 'reactions';
  for (const { emoji, users } of message.reactions) {
    const who = whoReacted(users, me);
    const mine = users.some((name) => sameName(name, me));
    const chip = button('toggle-reaction', `${emoji} ${users.length}: ${who}`, '', { emoji });
    chip.className = 'reaction';
    chip.setAttribute('aria-pressed', mine ? 'true' : 'false');
    chip.title = who;
    chip.dataset.who = who;
    const glyph = document.createElement('span');
    glyph.className = 'reaction-emoji';
    glyph.textContent = emoji;
    const count = document.createElement('span');
    count.className = 'reaction-count';
    count.textContent = String(users.length);
    chip.append(glyph, count);
    row.append(chip);
  }
  return row;
}

function replyQuote(message) {
  const quote = button('jump', `Reply to ${message.reply.user}: go to the message`, '', { target: message.reply.id });
  quote.className = 'msg-reply';
  const who = document.createElement('span');
  who.className = 'msg-reply-user';
  who.textContent = message.reply.display_name || message.reply.user;
  const text = document.createElement('span');
  text.className = 'msg-reply-text';
  // A message of files alone has no text to quote.
  text.textContent = message.reply.deleted ? 'message deleted' : message.reply.text || 'Attachment';
  quote.append(who, text);
  return quote;
}

function actions(message, { me, mayModerate }) {
  const bar = document.createElement('div');
  bar.className = 'msg-actions';
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', `Actions for the message by ${message.user}`);
  const mine = sameName(message.user, me);
  bar.append(
    button('react', 'Add a reaction', '☺+'),
    button('reply', 'Reply', 'Reply'),
  );
  if (mine) bar.append(button('edit', 'Edit', 'Edit'));
  if (mine || mayModerate) bar.append(button('delete', 'Delete', 'Delete'));
  bar.append(
    button('unread', 'Mark as unread', 'Unread'),
    button('link', 'Copy link', 'Link'),
  );
  return bar;
}

/**
 * Who wrote a message: their display name with the username beside it, or the username alone.
 */
export function showAuthor(element, username, displayName) {
  if (!displayName) {
    element.textContent = username;
    return;
  }
  const handle = document.createElement('span');
  handle.className = 'handle';
  handle.textContent = username;
  element.replaceChildren(document.createTextNode(displayName), ' ', handle);
}

/**
 * The element of one message. `grouped`: it follows one by the same author closely (no
 * head); `blocked`: its author is blocked (collapsed, shown on request); `mayModerate`: the
 * reader may delete others' messages here.
 */
export function messageElement(template, message, { me, grouped, blocked, mayModerate }) {
  const li = template.content.firstElementChild.cloneNode(true);
  li.dataset.id = message.id;
  li.dataset.user = message.user;
  li.dataset.ts = message.ts;
  li.id = `m${message.id}`;
  li.tabIndex = -1; // reached with the arrow keys (see message-list.js), then Tab to its buttons
  if (sameName(message.user, me)) li.classList.add('own');
  if (grouped) {
    li.classList.add('continued');
    li.querySelector('.msg-head').remove();
  } else {
    const author = li.querySelector('.msg-author');
    showAuthor(author, message.user, message.display_name);
    author.before(avatarElement({
      userId: message.user_id,
      username: message.user,
      displayName: message.display_name,
      avatarUrl: message.avatar_url,
    }));
    const time = li.querySelector('.msg-time');
    time.textContent = timeLabel(message.ts);
    time.dateTime = new Date(message.ts).toISOString();
    time.title = new Date(message.ts).toLocaleString();
    li.querySelector('.msg-status').remove();
  }
  const text = li.querySelector('.msg-text');
  if (message.reply && !message.deleted) text.before(replyQuote(message));
  if (blocked) {
    li.classList.add('blocked');
    text.textContent = 'A message from someone you blocked.';
    const show = document.createElement('button');
    show.type = 'button';
    show.className = 'msg-retry';
    show.textContent = 'Show';
    show.addEventListener('click', () => {
      li.classList.remove('blocked');
      fillText(text, message, me);
      if (hasFiles(message)) text.after(filesElement(message.files, message.id));
      show.remove();
    });
    text.after(show);
    return li;
  }
  fillText(text, message, me);
  if (message.deleted) return li;
  let last = text;
  if (hasFiles(message)) {
    last = filesElement(message.files, message.id);
    text.after(last);
  }
  if (message.reactions && message.reactions.length) last.after(reactions(message, me));
  li.append(actions(message, { me, mayModerate }));
  return li;
}
