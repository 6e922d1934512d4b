// The message list of the room on screen, rendered from its RoomState and its unsent messages:
// day dividers, the "new" divider above the first unread message, the message being edited,
// and the buttons of each message (handed to `onAction`). Each message element comes from
// message-element.js; no user text is ever parsed as HTML.

import { GROUP_MS, dayKey, dayLabel, sameName } from '../lib/format.js';
import { MessageEditor } from './message-editor.js';
import { focusWithin, hasFiles, messageElement } from './message-element.js';
import { filesElement, pendingFilesElement } from './message-files.js';

/** How long a message jumped to stays highlighted. */
const HIGHLIGHT_MS = 2500;

export class MessageList {
  /** `root` holds the scroller, the <ol>, the template and the status lines (see chat.rs). */
  constructor(root, { me, onRetry, onDismiss, onNearTop, onAction, onEdit, onEditClosed, onScrolled, onRendered }) {
    this.onRendered = onRendered;
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
    this.mayModerate = false; // the reader may delete others' messages (set by the chat view)
    this.highlighted = null; // { id, until }: a message jumped to
    this.editor = new MessageEditor({
      onSave: (id, text) => onEdit(id, text),
      onClose: () => {
        this.render(this.lastPending);
        onEditClosed();
      },
    });
    this.lastPending = [];
    this.scroller.addEventListener('scroll', () => {
      if (this.scroller.scrollTop < 200) onNearTop();
      if (this.atBottom()) this.pill.hidden = true;
      onScrolled();
    });
    this.pill.addEventListener('click', () => this.scrollToBottom());
    this.scroller.addEventListener('keydown', (event) => this.key(event, onEditClosed));
    this.list.addEventListener('click', (event) => {
      const target = event.target.closest('button[data-action]');
      const li = event.target.closest('li.msg[data-id]');
      if (!li) return;
      if (!target) {
        // A tap on a message shows its actions on a touch screen (hover does elsewhere).
        if (!event.target.closest('a, button, textarea')) this.select(li);
        return;
      }
      const message = this.room && this.room.messages.get(Number(li.dataset.id));
      if (!message) return;
      if (target.dataset.action === 'edit') this.startEdit(message);
      else onAction(target.dataset.action, message, target);
    });
  }

  /**
   * The keyboard among messages: Up and Down move from message to message (from the list
   * itself, Up starts at the newest), Home and End to the ends, Tab then reaches the focused
   * message's buttons, and Escape goes back to the message box.
   */
  key(event, toComposer) {
    const messages = [...this.list.querySelectorAll('li.msg[data-id]')];
    const here = event.target.closest && event.target.closest('li.msg[data-id]');
    const onMessage = here && event.target === here;
    if (event.key === 'Escape' && here && !event.target.closest('form')) {
      event.preventDefault();
      toComposer();
      return;
    }
    if (!messages.length || (event.target !== this.scroller && !onMessage)) return;
    const at = messages.indexOf(here);
    let next = null;
    if (event.key === 'ArrowUp') next = onMessage ? messages[Math.max(0, at - 1)] : messages.at(-1);
    else if (event.key === 'ArrowDown' && onMessage) next = messages[Math.min(messages.length - 1, at + 1)];
    else if (event.key === 'Home' && onMessage) next = messages[0];
    else if (event.key === 'End' && onMessage) next = messages.at(-1);
    if (!next) return;
    event.preventDefault();
    next.focus();
    next.scrollIntoView({ block: 'nearest' });
  }

  select(li) {
    for (const other of this.list.querySelectorAll('li.msg.selected')) if (other !== li) other.classList.remove('selected');
    li.classList.toggle('selected');
  }

  /** The element of a shown message, or null. */
  element(id) {
    return this.list.querySelector(`li.msg[data-id="${Number(id)}"]`);
  }

  /** Edits a message in place (the composer's Up arrow, or its Edit button). */
  startEdit(message) {
    if (!message || message.deleted) return;
    this.editor.start(message);
    this.render(this.lastPending);
    const li = this.element(message.id);
    if (li) li.scrollIntoView({ block: 'nearest' });
    this.editor.focus();
  }

  /** Scrolls to a shown message and highlights it for a moment; false if it is not shown. */
  reveal(id) {
    const li = this.element(id);
    if (!li) return false;
    this.highlighted = { id: Number(id), until: Date.now() + HIGHLIGHT_MS };
    li.classList.add('linked');
    li.setAttribute('aria-current', 'true');
    li.scrollIntoView({ block: 'center' });
    li.tabIndex = -1;
    li.focus({ preventScroll: true });
    setTimeout(() => {
      if (this.highlighted && this.highlighted.id === Number(id) && Date.now() >= this.highlighted.until) {
        this.highlighted = null;
        const shown = this.element(id);
        if (shown) {
          shown.classList.remove('linked');
          shown.removeAttribute('aria-current');
        }
      }
    }, HIGHLIGHT_MS + 50);
    return true;
  }

  refocus({ id, action, emoji }) {
    const li = this.element(id);
    if (!li) return;
    const selector = action && `[data-action="${action}"]${emoji ? `[data-emoji="${CSS.escape(emoji)}"]` : ''}`;
    focusWithin(li, (selector && li.querySelector(selector)) || li, { preventScroll: true });
  }

  /** The "new" divider, if it is shown. */
  divider() {
    return this.list.querySelector('li.new-divider');
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
    if (room !== this.room) this.editor.stop();
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
    this.lastPending = pending;
    const editorFocused = this.editor.hasFocus();
    // The list is drawn anew: the focus goes back to the message (or its button) it was on.
    const active = document.activeElement;
    const focusedIn = active && this.list.contains(active) ? active.closest('li.msg[data-id]') : null;
    const focused = focusedIn && {
      id: focusedIn.dataset.id,
      action: active.dataset.action || null,
      emoji: active.dataset.emoji || null,
    };
    const fragment = document.createDocumentFragment();
    let previous = null;
    let day = null;
    const firstUnread = room.firstUnread(this.me);
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
      if (firstUnread && message.id === firstUnread.id) {
        const divider = document.createElement('li');
        divider.className = 'new-divider';
        divider.setAttribute('role', 'separator');
        divider.textContent = 'New';
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
    if (editorFocused) this.editor.focus();
    else if (focused) this.refocus(focused);
    this.onRendered(this.list.querySelectorAll('li.msg[data-id]'));
    // A conversation its first message will make is empty for sure; another room is once joined.
    const known = room.joined || Boolean(room.startsWith);
    this.empty.hidden = room.messages.size > 0 || pending.length > 0 || !known;
    this.historyStatus(Boolean(room.historyRequest === 'older'));
  }

  clone() {
    return this.template.content.firstElementChild.cloneNode(true);
  }

  messageElement(message, grouped) {
    if (this.editor.editing(message.id)) {
      const li = this.clone();
      li.dataset.id = message.id;
      li.id = `m${message.id}`;
      li.classList.add('own', 'editing');
      li.querySelector('.msg-head').remove();
      li.querySelector('.msg-text').replaceWith(this.editor.form());
      // An edit changes the text only: the files stay in view under it.
      if (hasFiles(message)) li.append(filesElement(message.files, message.id));
      return li;
    }
    const li = messageElement(this.template, message, {
      me: this.me,
      grouped,
      blocked: Boolean(this.blocked && this.blocked.has(message.user)),
      mayModerate: this.mayModerate,
    });
    if (this.highlighted && this.highlighted.id === message.id && Date.now() < this.highlighted.until) {
      li.classList.add('linked');
      li.setAttribute('aria-current', 'true');
    }
    return li;
  }

  pendingElement(entry) {
    const li = this.clone();
    li.classList.add('own', entry.status === 'failed' ? 'failed' : 'pending');
    li.querySelector('.msg-author').textContent = this.me;
    li.querySelector('.msg-time').remove();
    const status = li.querySelector('.msg-status');
    status.textContent = entry.status === 'failed' ? entry.reason : 'sending…';
    li.querySelector('.msg-text').textContent = entry.text;
    if (entry.files && entry.files.length) li.querySelector('.msg-text').after(pendingFilesElement(entry.files));
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
