// The signed-in pages' live parts: one socket per tab (lib/session.js) keeps the sidebar
// current on every page, and on a chat page shows the room and switches rooms without a
// reload. Pages work without this script, except the live chat itself.

import { Connection } from './lib/connection.js';
import { ChatSession } from './lib/session.js';
import { Alerts } from './views/alerts.js';
import { ChatView } from './views/chat-view.js';
import { pushSettings } from './views/push-settings.js';
import { Sidebar } from './views/sidebar.js';
import { TabBadge } from './views/tab-badge.js';

const me = document.body.dataset.user;
const nav = document.getElementById('sidebar');

if (me && nav) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const checkSignedIn = async () => (await fetch('/api/v1/me', { credentials: 'same-origin' })).status !== 401;
  const session = new ChatSession({
    me,
    connect: (handlers) => new Connection(`${scheme}//${location.host}/ws`, handlers, { checkSignedIn }),
  });
  const main = document.querySelector('main.chat');
  let chat = null;
  const showRoom = (roomId, href) => {
    history.pushState({ roomId }, '', href);
    chat.open({ id: roomId });
  };
  const toggles = [document.getElementById('sidebar-toggle'), document.getElementById('drawer-toggle')];
  const sidebar = new Sidebar(nav, toggles, { me, onOpen: main ? showRoom : null });
  if (!main) session.on('sidebar', () => sidebar.render(session.sidebar));
  const badge = new TabBadge(session, { current: () => (chat && chat.room ? chat.room.id : null) });
  new Alerts(session, {
    icon: document.querySelector('link[rel="icon"]').getAttribute('href'),
    open: (roomId, href) => (main ? showRoom(roomId, href) : location.assign(href)),
  });
  // The settings page's own control of this browser's notifications.
  pushSettings(document.getElementById('device-push'), document.getElementById('device-push-state'));
  // The worker keeps the shell for offline starts and shows pushes (ui/sw.js).
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});

  // A form of the page (Sign out) taking us elsewhere: its own sign-out closes this socket
  // (4001) before the answer arrives, and going to sign-in then would cancel that navigation.
  let leaving = false;
  document.addEventListener('submit', (event) => {
    if (event.target.id !== 'composer' && !event.defaultPrevented) leaving = true;
  });
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) leaving = false;
  });
  session.on('state', (state) => {
    if (state === 'signed-out' && !leaving) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
    }
  });

  if (main) {
    chat = new ChatView(main, session, sidebar, badge);
    const id = Number(main.dataset.roomId);
    // A conversation not made yet (`/dm/NAME` before its first message) is opened by its
    // people; its first message makes it.
    const people = main.dataset.directPeople;
    if (id) chat.open({ id });
    else if (people) chat.open({ people: people.split(',') });
    else chat.open({ name: main.dataset.roomName });
    history.replaceState({ roomId: id || null }, '', location.href);
    // `#m<id>`: the page opens at that message (a permalink's "Open in chat", a reply's link).
    const linked = () => {
      const match = /^#m(\d+)$/.exec(location.hash);
      if (match) chat.jumpTo(Number(match[1]));
    };
    linked();
    window.addEventListener('hashchange', linked);
    window.addEventListener('popstate', (event) => {
      const roomId = event.state && event.state.roomId;
      if (roomId) chat.open({ id: roomId });
      else if (!/^#m\d+$/.test(location.hash)) location.reload();
    });
  }
  // A laptop waking up or a phone regaining signal: try at once instead of waiting.
  window.addEventListener('online', () => session.connection.retryNow());
  window.addEventListener('offline', () => session.connection.networkLost());
  session.start();
}
