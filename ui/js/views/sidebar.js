// The sidebar: the person's rooms and direct conversations, kept current by the session, and
// a drawer on a phone. On the chat page a click on a room switches to it without a reload
// (`onOpen`); elsewhere the links simply navigate.

import { otherPeople, roomPath, seenAgo } from '../lib/format.js';
import { UNREAD_CAP } from '../lib/sidebar-state.js';
import { avatarElement } from './avatar.js';

/** "3", or "100+" when the server stopped counting. */
export function countLabel(n) {
  return n >= UNREAD_CAP ? `${UNREAD_CAP}+` : String(n);
}

/** The unread and mention badges of a room; none for the room on screen. */
function badges(link, room) {
  const unread = room.unread || 0;
  const mentions = room.mentions || 0;
  link.classList.toggle('unread', unread > 0);
  if (mentions > 0) {
    const badge = document.createElement('span');
    badge.className = 'badge mention-badge';
    badge.textContent = `@${countLabel(mentions)}`;
    badge.title = `${countLabel(mentions)} mentioning you`;
    badge.setAttribute('aria-hidden', 'true');
    const spoken = document.createElement('span');
    spoken.className = 'visually-hidden';
    spoken.textContent = ` (${countLabel(mentions)} mentioning you)`;
    link.append(badge, spoken);
  }
  if (unread > 0) {
    const badge = document.createElement('span');
    badge.className = 'badge unread-badge';
    badge.textContent = countLabel(unread);
    const spoken = document.createElement('span');
    spoken.className = 'visually-hidden';
    spoken.textContent = ` (${countLabel(unread)} unread)`;
    badge.setAttribute('aria-hidden', 'true');
    link.append(badge, spoken);
  }
}

function item(entry, me, currentId) {
  const { room, title } = entry;
  const li = document.createElement('li');
  const link = document.createElement('a');
  link.href = roomPath(room, me);
  link.dataset.roomId = room.id;
  link.className = `sidebar-room kind-${room.kind}`;
  if (room.id === currentId) link.setAttribute('aria-current', 'page');
  if (room.kind === 'direct') {
    const [first] = otherPeople(room, me);
    if (first) {
      link.append(avatarElement({
        userId: first.user_id,
        username: first.username,
        displayName: first.display_name,
        avatarUrl: first.avatar_url,
      }));
    }
  }
  const label = document.createElement('span');
  label.className = 'room-label';
  label.textContent = title;
  link.append(label);
  if (room.kind === 'private') {
    const lock = document.createElement('span');
    lock.className = 'room-private';
    lock.textContent = 'private';
    link.append(lock);
  }
  if (room.id !== currentId) badges(link, room);
  li.append(link);
  return li;
}

function friendItem(friend) {
  const li = document.createElement('li');
  const link = document.createElement('a');
  link.href = `/u/${encodeURIComponent(friend.username)}`;
  link.className = 'sidebar-friend';
  link.dataset.username = friend.username;
  const dot = document.createElement('span');
  dot.className = `presence-dot ${friend.online ? 'on' : 'off'}`;
  dot.setAttribute('aria-hidden', 'true');
  const avatar = avatarElement({
    userId: friend.user_id,
    username: friend.username,
    displayName: friend.display_name,
    avatarUrl: friend.avatar_url,
  });
  const label = document.createElement('span');
  label.className = 'room-label';
  label.textContent = friend.display_name || friend.username;
  if (friend.display_name) link.title = friend.username;
  const seen = document.createElement('span');
  seen.className = 'friend-seen';
  seen.textContent = friend.online ? 'online' : (friend.last_seen ? seenAgo(friend.last_seen) : '');
  link.append(dot, avatar, label, seen);
  li.append(link);
  return li;
}

export class Sidebar {
  /** `toggles`: the buttons that open the drawer (the site header's, the chat bar's). */
  constructor(nav, toggles, { me, onOpen }) {
    this.nav = nav;
    this.toggles = toggles.filter(Boolean);
    this.opener = null;
    this.me = me;
    this.named = nav.querySelector('#sidebar-rooms');
    this.direct = nav.querySelector('#sidebar-dms');
    this.friends = nav.querySelector('#sidebar-friends');
    this.current = Number(nav.dataset.current) || null;
    for (const toggle of this.toggles) {
      // Without JavaScript a toggle is a link to #sidebar (the style sheet opens the drawer
      // for :target); with it, a button that says whether the drawer is open.
      toggle.setAttribute('role', 'button');
      toggle.setAttribute('aria-expanded', 'false');
      toggle.addEventListener('click', (event) => {
        event.preventDefault();
        this.opener = toggle;
        this.open(!nav.classList.contains('open'));
      });
    }
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && nav.classList.contains('open')) {
        this.open(false);
        this.opener?.focus();
      }
    });
    if (onOpen) {
      nav.addEventListener('click', (event) => {
        const link = event.target.closest('a[data-room-id]');
        if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        this.open(false);
        onOpen(Number(link.dataset.roomId), link.getAttribute('href'));
      });
    }
  }

  open(open) {
    this.nav.classList.toggle('open', open);
    for (const toggle of this.toggles) toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  /** Marks the room on screen (its badges give way to the divider in the room itself). */
  select(roomId, state) {
    this.current = roomId;
    if (state) {
      this.render(state);
      return;
    }
    for (const link of this.nav.querySelectorAll('a[data-room-id]')) {
      if (Number(link.dataset.roomId) === roomId) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  render(state) {
    const { named, direct } = state.groups();
    this.named.replaceChildren(...named.map((entry) => item(entry, this.me, this.current)));
    this.direct.replaceChildren(...direct.map((entry) => item(entry, this.me, this.current)));
    this.nav.querySelector('#sidebar-rooms-empty').hidden = named.length > 0;
    this.nav.querySelector('#sidebar-dms-empty').hidden = direct.length > 0;
    const friends = state.friendList();
    this.friends.replaceChildren(...friends.map(friendItem));
    this.nav.querySelector('#sidebar-friends-empty').hidden = friends.length > 0;
  }
}
