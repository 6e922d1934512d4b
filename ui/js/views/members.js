// Who is online in the room on screen; a panel that opens over the messages on a phone.

import { sameName } from '../lib/format.js';

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

  render(online) {
    const names = [...online].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    this.list.replaceChildren(...names.map((name) => {
      const li = document.createElement('li');
      const mine = sameName(name, this.me);
      if (mine) li.className = 'me';
      const dot = document.createElement('span');
      dot.className = 'presence-dot';
      li.append(dot, document.createTextNode(mine ? `${name} (you)` : name));
      return li;
    }));
    this.count.textContent = `(${names.length})`;
    this.short.textContent = String(names.length);
  }
}
