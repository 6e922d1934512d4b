// The room's menu in the chat header: what notifies the person from this room, the room's
// settings and who is online. On a desktop its controls stand in the header; on a phone one
// button opens them (the style sheet decides which).

import { levelOf } from '../lib/attention.js';
import { permissionButton } from './alerts.js';

/** Where a room's level is set (src/chat/PROTOCOL.md). */
function levelUrl(room) {
  return room.kind === 'direct'
    ? `/api/v1/dm/${room.id}/notifications`
    : `/api/v1/rooms/${encodeURIComponent(room.name)}/notifications`;
}

export class RoomMenu {
  /** `onNotice(text)`: tells the person why something did not work. */
  constructor(main, session, { onNotice }) {
    this.session = session;
    this.onNotice = onNotice;
    this.menu = main.querySelector('.room-menu');
    this.toggle = main.querySelector('#room-menu-toggle');
    this.choice = main.querySelector('#notify-choice');
    this.select = main.querySelector('#notify-level');
    this.room = null;
    this.toggle.addEventListener('click', () => this.open(!this.menu.classList.contains('open')));
    // A choice made closes the menu; so does a click elsewhere or Escape.
    this.menu.addEventListener('click', (event) => {
      if (event.target.closest('a, button') && !event.target.closest('#room-menu-toggle')) this.open(false);
    });
    document.addEventListener('click', (event) => {
      if (!this.menu.contains(event.target)) this.open(false);
    });
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.menu.classList.contains('open')) {
        this.open(false);
        this.toggle.focus();
      }
    });
    this.select.addEventListener('change', () => this.choose(this.select.value));
    permissionButton(main.querySelector('#alerts-enable'), { onNotice });
  }

  open(open) {
    this.menu.classList.toggle('open', open);
    this.toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  /** The room on screen (RoomState): its level as the person's room list has it. */
  show(room) {
    this.room = room;
    const listed = room && room.id != null ? this.session.sidebar.rooms.get(room.id) : null;
    // Only a member has a level; an open room's page becomes one with its join.
    this.choice.hidden = !listed || !listed.notifications || Boolean(room.gone);
    if (listed && document.activeElement !== this.select) this.select.value = levelOf(listed);
  }

  async choose(level) {
    const room = this.room;
    const listed = room && this.session.sidebar.rooms.get(room.id);
    if (!listed) return;
    try {
      const answer = await fetch(levelUrl(listed), {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ level }),
      });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      const body = await answer.json();
      // Every socket of the person hears it too; this tab need not wait for its own.
      if (this.session.sidebar.apply({ event: 'changed', room: body.room })) this.session.emit('sidebar');
    } catch {
      this.onNotice('The notification level could not be saved. Try again.');
      if (this.room === room) this.select.value = levelOf(this.session.sidebar.rooms.get(room.id));
    }
  }
}
