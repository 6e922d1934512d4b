// The chat page's room on screen: its header, messages, members and composer, all rendered
// from the session's state for that room. Switching rooms swaps the state it renders; the
// socket and the other rooms' states stay as they are.

import { roomTitle } from '../lib/format.js';
import { Composer } from './composer.js';
import { ConnectionState } from './connection-state.js';
import { Members } from './members.js';
import { MessageList } from './message-list.js';

const GONE = {
  removed: 'You were removed from this room. You can no longer read it or post in it.',
  left: 'You left this room.',
  missing: 'There is no such room, or it is not yours to see.',
};

export class ChatView {
  constructor(main, session, sidebar) {
    this.main = main;
    this.session = session;
    this.sidebar = sidebar;
    this.me = session.me;
    this.room = null;
    this.unseen = 0;
    this.title = main.querySelector('#room-title');
    this.topic = main.querySelector('#room-topic');
    this.settings = main.querySelector('#room-settings');
    this.gone = main.querySelector('#room-gone');
    this.state = new ConnectionState(main.querySelector('#conn-state'));
    this.members = new Members(main.querySelector('#members'), main.querySelector('#members-toggle'), this.me);
    this.list = new MessageList(main, {
      me: this.me,
      onRetry: (clientId) => this.session.retry(this.room, clientId),
      onDismiss: (clientId) => this.session.dismiss(this.room, clientId),
      onNearTop: () => this.loadOlder(),
    });
    this.composer = new Composer(main.querySelector('#composer'), {
      maxLength: Number(main.dataset.maxLength) || 4000,
      onSend: (text) => {
        this.session.say(this.room, text);
        this.list.scrollToBottom();
      },
      onTooLong: (max) => this.state.notice(`Messages can be at most ${max} characters.`),
    });

    session.on('state', (state, detail) => this.state.show(state, detail));
    session.on('notice', (text) => this.state.notice(text));
    session.on('room', (room, change, added) => this.roomChanged(room, change, added));
    session.on('outbox', (room) => {
      if (room === this.room) this.list.added(room, this.pending(), true);
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) {
        this.unseen = 0;
        this.showTitle();
      }
    });
  }

  pending() {
    return this.session.outbox.forRoom(this.room.key);
  }

  /** Shows a room (`{ id }` or `{ name }`); the socket joins it if it does not follow it yet. */
  open(ref) {
    this.list.blocked = this.session.blocked;
    this.room = this.session.follow(ref);
    this.unseen = 0;
    this.list.title = this.displayTitle();
    this.list.show(this.room, this.pending());
    this.showInfo();
    this.members.render(this.room.online);
    this.sidebar.select(this.room.id);
    this.composer.input.focus();
  }

  displayTitle() {
    const room = this.room;
    if (!room.kind) return room.name || this.title.textContent;
    return roomTitle(room, this.me);
  }

  showTitle() {
    const title = this.displayTitle();
    document.title = `${this.unseen ? `(${this.unseen}) ` : ''}${title} · confab`;
  }

  showInfo() {
    const room = this.room;
    const title = this.displayTitle();
    this.title.textContent = title;
    this.list.title = title;
    this.topic.textContent = room.topic || '';
    this.topic.hidden = !room.topic;
    const named = room.kind && room.kind !== 'direct' && room.name;
    this.settings.hidden = !named;
    if (named) this.settings.href = `/rooms/${encodeURIComponent(room.name)}/settings`;
    this.gone.hidden = !room.gone;
    this.gone.textContent = GONE[room.gone] || '';
    this.composer.showRoom(title, !room.gone);
    this.showTitle();
  }

  loadOlder() {
    if (this.room && this.session.loadOlder(this.room)) this.list.historyStatus(true);
  }

  roomChanged(room, change, added) {
    if (room !== this.room) return;
    switch (change) {
      case 'reset':
        this.list.blocked = this.session.blocked;
        this.list.show(room, this.pending());
        if (this.list.underfilled()) this.loadOlder();
        break;
      case 'added': {
        const mine = (added || []).some((m) => m.user === this.me);
        this.list.added(room, this.pending(), mine);
        if (document.hidden && added && added.length) {
          this.unseen += added.length;
          this.showTitle();
        }
        break;
      }
      case 'changed':
        this.list.changed(room, this.pending());
        break;
      case 'older':
        this.list.older(room, this.pending());
        if (this.list.underfilled()) this.loadOlder();
        break;
      case 'presence':
        this.members.render(room.online);
        this.presenceLine(added);
        break;
      case 'info':
        this.showInfo();
        this.members.render(room.online);
        this.sidebar.select(room.id);
        break;
      case 'gone':
        this.showInfo();
        break;
      default:
        break;
    }
  }

  /** Someone came or went: a line in the list (the session has the online list). */
  presenceLine(frame) {
    if (frame.user.toLowerCase() === this.me.toLowerCase()) return;
    this.list.event(`${frame.user} ${frame.event === 'join' ? 'joined' : 'left'}`);
  }
}
