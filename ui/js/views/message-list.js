// The message list of the room on screen, rendered from its RoomState and its unsent messages.
// Each message is a clone of the server-rendered <template id="message-template">, its text
// formatted by the shared rules (lib/markup.js) into elements made here and text nodes: no
// user text is ever parsed as HTML.

import { GROUP_MS, dayKey, dayLabel, sameName, timeLabel } from '../lib/format.js';
import { parse } from '../lib/markup.js';
import { renderText } from './rich-text.js';

export class MessageList {
  /** `root` holds the scroller, the <ol>, the template and the status lines (see chat.rs). */
  constructor(root, { me, onRetry, onDismiss, onNearTop }) {
    this.me = me;
    this.list = root.querySelector('#message-list');
    this.scroller = root.querySelector('#messages');
    this.template = root.querySelector('#message-template');
    this.pill = root.querySelector('#new-messages');
    this.status = root.querySelector('#history-status');
    this.empty = root.querySelector('#empty-state');
    this.onRetry = onRetry;
    this.onDismiss = onDismiss;
    this.room = null;
    this.blocked = null; // usernames whose messages are collapsed (set by the chat view)
    this.scroller.addEventListener('scroll', () => {
      if (this.scroller.scrollTop < 200) onNearTop();
      if (this.atBottom()) this.pill.hidden = true;
    });
    this.pill.addEventListener('click', () => this.scrollToBottom());
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 48;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pill.hidden = true;
  }

  /** True when the messages do not fill the scroller yet (more should be loaded). */
  underfilled() {
    return this.scroller.scrollHeight <= this.scroller.clientHeight + 8;
  }

  /** Shows a room from scratch, at its newest message. */
  show(room, pending) {
    this.room = room;
    this.render(pending);
    this.scrollToBottom();
  }

  /** Messages were added (new ones, or a resume's): follow them if the reader was at the end. */
  added(room, pending, fromMe) {
    if (room !== this.room) return;
    const follow = this.atBottom() || fromMe;
    this.render(pending);
    if (follow) this.scrollToBottom();
    else this.pill.hidden = false;
  }

  /** A message shown changed (an edit, a deletion, a reaction): redrawn where it is. */
  changed(room, pending) {
    if (room !== this.room) return;
    const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
    const follow = this.atBottom();
    this.render(pending);
    if (follow) this.scrollToBottom();
    else this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
  }

  /** Older messages arrived above: keep what the reader looks at where it is. */
  older(room, pending) {
    if (room !== this.room) return;
    const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
    this.render(pending);
    this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
  }

  /** A line such as "bob joined", after everything stored and before unsent messages. */
  event(text) {
    const follow = this.atBottom();
    const li = document.createElement('li');
    li.className = 'event';
    li.textContent = text;
    this.list.insertBefore(li, this.list.querySelector('li.msg.pending, li.msg.failed'));
    if (follow) this.scrollToBottom();
  }

  historyStatus(loading) {
    const room = this.room;
    if (loading) this.status.textContent = 'Loading older messages…';
    else if (room && !room.moreOlder && room.messages.size) this.status.textContent = `This is the beginning of ${this.title}.`;
    else this.status.textContent = '';
  }

  render(pending) {
    const room = this.room;
    const fragment = document.createDocumentFragment();
    let previous = null;
    let day = null;
    // Event lines are kept; they are not part of the room's state.
    const events = [...this.list.querySelectorAll('li.event')];
    for (const message of room.sorted()) {
      if (dayKey(message.ts) !== day) {
        day = dayKey(message.ts);
        const divider = document.createElement('li');
        divider.className = 'day';
        divider.textContent = dayLabel(message.ts);
        fragment.append(divider);
        previous = null;
      }
      const grouped = previous && sameName(previous.user, message.user) && message.ts - previous.ts < GROUP_MS;
      fragment.append(this.messageElement(message, grouped));
      previous = message;
    }
    for (const line of events) fragment.append(line);
    for (const entry of pending) fragment.append(this.pendingElement(entry));
    this.list.replaceChildren(fragment);
    this.empty.hidden = room.messages.size > 0 || pending.length > 0 || !room.joined;
    this.historyStatus(Boolean(room.historyRequest === 'older'));
  }

  clone() {
    return this.template.content.firstElementChild.cloneNode(true);
  }

  messageElement(message, grouped) {
    const li = this.clone();
    li.dataset.id = message.id;
    li.dataset.user = message.user;
    li.dataset.ts = message.ts;
    if (sameName(message.user, this.me)) li.classList.add('own');
    if (grouped) {
      li.classList.add('continued');
      li.querySelector('.msg-head').remove();
    } else {
      li.querySelector('.msg-author').textContent = message.user;
      const time = li.querySelector('.msg-time');
      time.textContent = timeLabel(message.ts);
      time.dateTime = new Date(message.ts).toISOString();
      time.title = new Date(message.ts).toLocaleString();
      li.querySelector('.msg-status').remove();
    }
    const text = li.querySelector('.msg-text');
    if (this.blocked && this.blocked.has(message.user)) {
      // Collapsed for the person who blocked its author; shown on request.
      li.classList.add('blocked');
      text.textContent = 'A message from someone you blocked.';
      const show = document.createElement('button');
      show.type = 'button';
      show.className = 'msg-retry';
      show.textContent = 'Show';
      show.addEventListener('click', () => {
        li.classList.remove('blocked');
        this.fillText(text, message);
        show.remove();
      });
      text.after(show);
    } else {
      this.fillText(text, message);
    }
    return li;
  }

  /** A message's text as shown: formatted, "(edited)", or the tombstone of a deleted one. */
  fillText(element, message) {
    if (message.deleted) {
      element.classList.add('deleted');
      element.textContent = 'message deleted';
      return;
    }
    element.replaceChildren(renderText(parse(message.text), {
      mentions: (message.mentions || []).map((name) => name.toLowerCase()),
      everyone: message.everyone,
      me: this.me,
    }));
    if (message.edited) {
      const edited = document.createElement('span');
      edited.className = 'msg-edited';
      edited.textContent = ' (edited)';
      edited.title = `Edited ${new Date(message.edited).toLocaleString()}`;
      element.append(edited);
    }
  }

  pendingElement(entry) {
    const li = this.clone();
    li.classList.add('own', entry.status === 'failed' ? 'failed' : 'pending');
    li.querySelector('.msg-author').textContent = this.me;
    li.querySelector('.msg-time').remove();
    const status = li.querySelector('.msg-status');
    status.textContent = entry.status === 'failed' ? entry.reason : 'sending…';
    li.querySelector('.msg-text').textContent = entry.text;
    if (entry.status === 'failed') {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'msg-retry';
      button.textContent = entry.retryable ? 'Retry' : 'Dismiss';
      button.addEventListener('click', () => (entry.retryable ? this.onRetry : this.onDismiss)(entry.clientId));
      status.after(button);
    }
    return li;
  }
}
