// Who is online in the room on screen; a panel that opens over the messages on a phone.

import { sameName } from '../lib/format.js';
import { avatarElement } from './avatar.js';
import { showAuthor } from './message-element.js';

export class Members {
  constructor(panel, toggle, me) {
    this.panel = panel;
    this.toggle = toggle;
    this.me = me;
    this.list = panel.querySelector('#member-list');
    this.count = panel.querySelector('#member-count');
    this.short = toggle.querySelector('#member-count-short');
    toggle.addEventListener('click', () => this.open(!panel.classList.contains('open')));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && panel.classList.contains('open')) {
        this.open(false);
        toggle.focus();
      }
    });
  }

  open(open) {
    this.panel.classList.toggle('open', open);
    this.toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  /** `profiles`: lower-cased username -> what the members list says of them, when known. */
  render(online, profiles = new Map()) {
    const names = [...online].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    this.list.replaceChildren(...names.map((name) => {
      const li = document.createElement('li');
      const mine = sameName(name, this.me);
      if (mine) li.className = 'me';
      const profile = profiles.get(name.toLowerCase()) || {};
      const dot = document.createElement('span');
      dot.className = 'presence-dot';
      const label = document.createElement('span');
      showAuthor(label, name, profile.display_name);
      const avatar = avatarElement({
        userId: profile.user_id,
        username: name,
        displayName: profile.display_name,
        avatarUrl: profile.avatar_url,
      });
      li.append(dot, avatar, label);
      if (mine) li.append(' (you)');
      return li;
    }));
    this.count.textContent = `(${names.length})`;
    this.short.textContent = String(names.length);
  }
}
