// The chat page's room on screen: its header, messages, members, typing line and composer, all
// rendered from the session's state for that room. Switching rooms swaps the state it renders;
// the socket and the other rooms' states stay as they are. It reports what the person has
// seen, and carries out the buttons of each message.

import { roomPath, roomPeople, roomTitle } from '../lib/format.js';
import { Attachments } from './attachments.js';
import { Composer } from './composer.js';
import { confirmAction } from './confirm-dialog.js';
import { ConnectionState } from './connection-state.js';
import { EmojiPicker } from './emoji-picker.js';
import { Members } from './members.js';
import { MentionComplete } from './mention-complete.js';
import { MessageList } from './message-list.js';
import { ReadReporter } from './read-reporter.js';
import { RoomMenu } from './room-menu.js';
import { TypingLine } from './typing-line.js';

const GONE = {
  removed: 'You were removed from this room. You can no longer read it or post in it.',
  left: 'You left this room.',
  deleted: 'An admin deleted this room, with everything said in it.',
  missing: 'There is no such room, or it is not yours to see.',
};

const ARCHIVED = 'This room is archived: you can read it, and nothing in it can change.';

/** Pages of older history read at most to reach a message jumped to. */
const JUMP_PAGES = 20;

export class ChatView {
  /** `badge`: the tab's title and icon (views/tab-badge.js), titled after the room shown. */
  constructor(main, session, sidebar, badge) {
    this.main = main;
    this.session = session;
    this.sidebar = sidebar;
    this.badge = badge;
    this.me = session.me;
    this.room = null;
    this.jump = null; // { id | 'unread', pages }: a message to show once it is loaded
    this.members = new Map(); // room key -> promise of its members
    this.profiles = new Map(); // lower-cased username -> { user_id, display_name, avatar_url }
    this.title = main.querySelector('#room-title');
    this.topic = main.querySelector('#room-topic');
    this.settings = main.querySelector('#room-settings');
    this.gone = main.querySelector('#room-gone');
    this.jumpButton = main.querySelector('#jump-unread');
    this.state = new ConnectionState(main.querySelector('#conn-state'));
    this.menu = new RoomMenu(main, session, { onNotice: (text) => this.state.notice(text) });
    this.online = new Members(main.querySelector('#members'), main.querySelector('#members-toggle'), this.me);
    this.typingLine = new TypingLine(main.querySelector('#typing-line'));
    this.reporter = new ReadReporter(main.querySelector('#messages'), {
      report: (id) => this.room && this.session.markRead(this.room, id),
    });
    this.picker = new EmojiPicker(main.querySelector('#emoji-template'), {
      onPick: (id, emoji) => this.session.react(this.room, id, emoji),
    });
    this.list = new MessageList(main, {
      me: this.me,
      onRetry: (clientId) => this.session.retry(this.room, clientId),
      onDismiss: (clientId) => this.session.dismiss(this.room, clientId),
      onNearTop: () => this.loadOlder(),
      onAction: (action, message, button) => this.act(action, message, button),
      onEdit: (id, text) => this.session.edit(this.room, id, text),
      onEditClosed: () => this.composer.input.focus(),
      onScrolled: () => this.showJumpButton(),
      onRendered: (elements) => {
        this.reporter.watch(elements);
        this.showJumpButton();
      },
    });
    this.attachments = new Attachments(main.querySelector('#composer'), main, {
      onChange: () => this.composer.refresh(),
      onNotice: (text) => this.state.notice(text),
    });
    this.composer = new Composer(main.querySelector('#composer'), {
      maxLength: Number(main.dataset.maxLength) || 4000,
      attachments: this.attachments,
      onBusy: () => this.state.notice('Wait until the files have uploaded, or remove them.'),
      onSend: (text, replyTo, files) => {
        this.room.divider = null;
        this.session.say(this.room, text, replyTo, files);
        this.list.scrollToBottom();
      },
      onTooLong: (max) => this.state.notice(`Messages can be at most ${max} characters.`),
      onEditLast: () => {
        const last = this.room && this.room.lastOwn(this.me);
        if (last) this.list.startEdit(last);
        return Boolean(last);
      },
      onTyping: () => this.room && this.session.typing(this.room),
    });
    this.mentions = new MentionComplete(this.composer.input, main.querySelector('#mention-list'), {
      me: this.me,
      names: () => this.memberNames(),
      describe: (name) => this.profiles.get(name.toLowerCase())?.display_name || '',
    });
    this.jumpButton.addEventListener('click', () => this.jumpTo('unread'));

    session.on('state', (state, detail) => this.state.show(state, detail));
    session.on('notice', (text) => this.state.notice(text));
    session.on('room', (room, change, added) => this.roomChanged(room, change, added));
    session.on('sidebar', () => {
      this.sidebar.render(session.sidebar);
      this.menu.show(this.room);
    });
    session.on('outbox', (room) => {
      if (room === this.room) this.list.added(room, this.pending(), true);
    });
  }

  pending() {
    return this.session.outbox.forRoom(this.room.key);
  }

  /** Shows a room (`{ id }` or `{ name }`); the socket joins it if it does not follow it yet. */
  open(ref) {
    this.list.blocked = this.session.blocked;
    this.room = this.session.follow(ref);
    this.room.markDivider();
    this.jump = null;
    this.reporter.reset();
    this.picker.close(false);
    this.composer.reply(null);
    this.list.title = this.displayTitle();
    this.list.mayModerate = this.mayModerate();
    this.list.show(this.room, this.pending());
    this.showInfo();
    this.showOnline(this.room);
    const shown = this.room;
    this.roomMembers(shown, true).then(() => {
      if (this.room === shown) this.showOnline(shown);
    });
    this.typingLine.render(this.room);
    this.sidebar.select(this.room.id, this.session.sidebar);
    this.composer.input.focus();
  }

  /** Whether the server says the person may delete others' messages here. */
  mayModerate() {
    return Boolean(this.room.may && this.room.may.moderate);
  }

  displayTitle() {
    const room = this.room;
    if (!room.kind) return room.name || this.title.textContent;
    return roomTitle(room, this.me);
  }

  showInfo() {
    const room = this.room;
    const title = this.displayTitle();
    this.title.textContent = title;
    this.list.title = title;
    this.list.mayModerate = this.mayModerate();
    this.topic.textContent = room.topic || '';
    this.topic.hidden = !room.topic;
    const named = room.kind && room.kind !== 'direct' && room.name;
    this.settings.hidden = !named;
    if (named) this.settings.href = `/rooms/${encodeURIComponent(room.name)}/settings`;
    // An archived room is still read as any other; only its composer is closed.
    const notice = room.gone ? GONE[room.gone] || '' : (room.archived && ARCHIVED) || '';
    this.gone.hidden = !notice;
    this.gone.textContent = notice;
    const writable = !room.gone && !room.archived;
    this.attachments.show(room, writable);
    this.composer.showRoom(title, writable);
    this.menu.show(room);
    this.badge.setBase(title);
  }

  loadOlder() {
    if (this.room && this.session.loadOlder(this.room)) this.list.historyStatus(true);
  }

  /**
   * The room's members with their display names and pictures, asked when the room is opened
   * (`fresh`) or first needed (a direct room's people come with the room); each one's
   * profile is kept for the members panel and the `@` list. An answer that failed (the page
   * may ask before its join is through) is asked again next time.
   */
  roomMembers(room, fresh = false) {
    if (room.kind === 'direct' || !room.name) {
      const people = roomPeople(room);
      for (const person of people) this.profiles.set(person.username.toLowerCase(), person);
      return Promise.resolve(people);
    }
    if (fresh || !this.members.has(room.key)) {
      const forget = () => {
        this.members.delete(room.key);
        return [];
      };
      this.members.set(room.key, fetch(`/api/v1/rooms/${encodeURIComponent(room.name)}/members`, { credentials: 'same-origin' })
        .then((answer) => (answer.ok ? answer.json() : null))
        .then((body) => {
          if (!body) return forget();
          for (const member of body.members) this.profiles.set(member.username.toLowerCase(), member);
          return body.members;
        })
        .catch(forget));
    }
    return this.members.get(room.key);
  }

  /** The usernames `@` offers: the room's members, and who is online. */
  async memberNames() {
    const room = this.room;
    if (!room) return [];
    const members = await this.roomMembers(room);
    const names = new Set([...members.map((member) => member.username), ...room.online]);
    return [...names];
  }

  /** Who is online in the room, with the names and pictures known so far. */
  showOnline(room) {
    this.online.render(room.online, this.profiles);
  }

  /** A message's own button. */
  act(action, message, button) {
    const room = this.room;
    switch (action) {
      case 'react':
        this.picker.open(message.id, button);
        break;
      case 'toggle-reaction':
        this.session.react(room, message.id, button.dataset.emoji);
        break;
      case 'reply':
        this.composer.reply(message);
        break;
      case 'delete':
        confirmAction('Delete this message? Its text is removed for everyone.', 'Delete').then((yes) => {
          if (yes) this.session.remove(room, message.id);
        });
        break;
      case 'unread':
        this.session.markUnread(room, message.id);
        this.reporter.pause();
        this.state.notice('Marked as unread from here.');
        break;
      case 'link':
        this.copyLink(message);
        break;
      case 'jump':
        this.jumpTo(Number(button.dataset.target));
        break;
      default:
        break;
    }
  }

  /** A message's permalink: `/rooms/NAME/m/ID`, or `/dm/PEOPLE/m/ID` in a direct room. */
  permalink(id) {
    return `${roomPath(this.room, this.me)}/m/${id}`;
  }

  link(message) {
    return `${location.origin}${this.permalink(message.id)}`;
  }

  async copyLink(message) {
    const link = this.link(message);
    try {
      await navigator.clipboard.writeText(link);
      this.state.notice('Link copied.');
    } catch {
      this.state.notice(`Link: ${link}`);
    }
  }

  /**
   * Shows message `target` (an id, or 'unread' for the first unread one), reading older pages
   * until it is loaded. A message too far back opens on its permalink page instead.
   */
  jumpTo(target) {
    const room = this.room;
    if (!room) return;
    const id = target === 'unread' ? room.firstUnread(this.me)?.id : target;
    if (id && this.list.reveal(id)) {
      this.jump = null;
      if (target === 'unread') {
        const divider = this.list.divider();
        if (divider) divider.scrollIntoView({ block: 'start' });
      }
      this.showJumpButton();
      return;
    }
    if (target === 'unread' && !id && room.loadedToDivider()) {
      this.jump = null; // nothing unread
      this.showJumpButton();
      return;
    }
    if (!room.joined) {
      this.jump = { target, pages: 0 };
      return;
    }
    const pages = this.jump && this.jump.target === target ? this.jump.pages : 0;
    const reachable = room.moreOlder && (target === 'unread' || target < room.oldestId());
    if (reachable && pages < JUMP_PAGES) {
      this.jump = { target, pages: pages + 1 };
      this.loadOlder();
      return;
    }
    this.jump = null;
    if (target !== 'unread' && room.kind && room.moreOlder) {
      location.assign(this.permalink(target));
    } else if (target !== 'unread') {
      this.state.notice('That message is not in this room.');
    }
  }

  /** "Jump to first unread" while the divider is above the view (or not loaded yet). */
  showJumpButton() {
    const room = this.room;
    if (!room) return;
    const divider = this.list.divider();
    let above = false;
    if (divider) {
      above = divider.getBoundingClientRect().bottom < this.list.scroller.getBoundingClientRect().top;
    } else if (room.divider) {
      above = room.messages.size > 0 && !room.loadedToDivider();
    }
    this.jumpButton.hidden = !above;
  }

  roomChanged(room, change, added) {
    if (room !== this.room) return;
    switch (change) {
      case 'reset':
        this.list.blocked = this.session.blocked;
        this.list.show(room, this.pending());
        if (this.jump) this.jumpTo(this.jump.target);
        else if (this.list.underfilled()) this.loadOlder();
        break;
      case 'added': {
        const mine = (added || []).some((m) => m.user === this.me);
        this.list.added(room, this.pending(), mine);
        break;
      }
      case 'changed':
      case 'read':
        this.list.changed(room, this.pending());
        break;
      case 'older':
        this.list.older(room, this.pending());
        if (this.jump) this.jumpTo(this.jump.target);
        else if (this.list.underfilled()) this.loadOlder();
        break;
      case 'typing':
        this.typingLine.render(room);
        break;
      case 'presence':
        this.showOnline(room);
        this.presenceLine(added);
        break;
      case 'info':
        this.showInfo();
        this.showOnline(room);
        this.sidebar.select(room.id, this.session.sidebar);
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
