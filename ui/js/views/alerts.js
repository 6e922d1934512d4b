// System notifications (the Notification API) while the tab is hidden, for messages the
// room's level says call the person back; a click brings the tab forward at that room. The
// browser's permission is asked only from a button the person presses, never on load.

import { alertText, wantsAlert } from '../lib/attention.js';
import { roomPath, roomTitle } from '../lib/format.js';
import { pushSupported, subscribe } from '../lib/push.js';

export function alertsSupported() {
  return typeof window.Notification === 'function';
}

/** What this browser does with notifications, in words. */
function permissionText() {
  if (!alertsSupported()) return 'This browser cannot show notifications.';
  switch (Notification.permission) {
    case 'granted': return 'Notifications are on in this browser.';
    case 'denied': return 'Notifications are blocked for this site in the browser\'s settings.';
    default: return 'Notifications are off in this browser.';
  }
}

/**
 * Makes `button` ask for the permission: shown while the browser has not been asked yet.
 * `onNotice(text)` says what became of the question when the answer was not yes.
 */
export function permissionButton(button, { onNotice = () => {} } = {}) {
  if (!button) return;
  const show = () => {
    button.hidden = !alertsSupported() || Notification.permission !== 'default';
  };
  show();
  button.addEventListener('click', async () => {
    const answer = await Notification.requestPermission();
    show();
    if (answer !== 'granted') {
      onNotice(permissionText());
      return;
    }
    // Granted: this browser is pushed to as well while no page is open.
    if (pushSupported()) subscribe().catch((error) => onNotice(`Notifications while confab is closed could not be turned on: ${error.message}`));
  });
}

export class Alerts {
  /** `open(roomId, href)`: shows a room (on the chat page without a reload). */
  constructor(session, { open, icon }) {
    this.session = session;
    this.open = open;
    this.icon = icon;
    session.on('arrived', (roomId, message) => this.arrived(roomId, message));
  }

  arrived(roomId, message) {
    if (!document.hidden || !alertsSupported() || Notification.permission !== 'granted') return;
    const { session } = this;
    const room = session.sidebar.rooms.get(roomId);
    if (!wantsAlert(room, message, session.me, session.blocked)) return;
    const { title, body } = alertText(roomTitle(room, session.me), room, message, session.me,
      { private: session.privateNotifications });
    // One per room: a newer message replaces the one before, and two tabs show one.
    const tag = `confab-room-${roomId}`;
    const href = roomPath(room, session.me);
    try {
      const shown = new Notification(title, { body, tag, icon: this.icon });
      shown.addEventListener('click', () => {
        window.focus();
        shown.close();
        this.open(roomId, href);
      });
    } catch {
      // Phones have no constructor: only a service worker may show notifications there.
      navigator.serviceWorker?.ready
        .then((registration) => registration.showNotification(title, { body, tag, icon: this.icon, data: { url: href } }))
        .catch(() => {});
    }
  }
}
