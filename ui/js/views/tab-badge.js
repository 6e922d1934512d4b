// The tab's title and icon: `(3) lobby · confab` counts what calls the person back, and a dot
// on the icon says something not muted is unread (lib/attention.js decides both).

import { attention, tabTitle } from '../lib/attention.js';

export class TabBadge {
  /** `current()`: the id of the room on screen, if any. */
  constructor(session, { current = () => null } = {}) {
    this.session = session;
    this.current = current;
    this.base = document.title.replace(/ · confab$/, '');
    this.icon = document.querySelector('link[rel="icon"]');
    this.plainIcon = this.icon && this.icon.getAttribute('href');
    this.dotIcon = this.plainIcon && this.plainIcon.replace(/favicon\.svg$/, 'favicon-unread.svg');
    this.dotShown = false;
    session.on('sidebar', () => this.refresh());
    document.addEventListener('visibilitychange', () => this.refresh());
  }

  /** The page's own title (the room's, on the chat page), before the count. */
  setBase(title) {
    this.base = title;
    this.refresh();
  }

  refresh() {
    const { count, dot } = attention(this.session.sidebar.rooms.values(), {
      currentId: this.current(),
      hidden: document.hidden,
    });
    const title = tabTitle(this.base, count);
    if (document.title !== title) document.title = title;
    if (this.icon && dot !== this.dotShown) {
      this.dotShown = dot;
      this.icon.setAttribute('href', dot ? this.dotIcon : this.plainIcon);
      this.icon.dataset.unread = dot ? 'true' : 'false';
    }
  }
}
