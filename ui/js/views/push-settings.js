// The settings page's notifications of this device: turned on (the permission, then a push
// subscription the server keeps) or off again. The page lists every subscribed browser; it is
// loaded again after a change, to show the list as the server has it.

import { currentSubscription, pushSupported, subscribe, unsubscribe } from '../lib/push.js';

const TEXT = {
  on: 'This browser is notified, even when no confab page is open.',
  off: 'This browser is not notified while confab is closed.',
  blocked: 'Notifications are blocked for this site in the browser\'s settings.',
  unsupported: 'This browser cannot be notified while confab is closed.',
};

export async function pushSettings(button, status) {
  if (!button) return;
  if (!pushSupported()) {
    status.textContent = TEXT.unsupported;
    return;
  }
  let on = false;
  const show = async () => {
    on = Boolean(await currentSubscription()) && Notification.permission === 'granted';
    const blocked = Notification.permission === 'denied';
    status.textContent = on ? TEXT.on : (blocked ? TEXT.blocked : TEXT.off);
    button.textContent = on ? 'Turn off for this browser' : 'Turn on for this browser';
    button.hidden = blocked && !on;
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      if (on) {
        await unsubscribe();
      } else if (await Notification.requestPermission() === 'granted') {
        await subscribe();
      }
      location.reload();
    } catch (error) {
      status.textContent = `That did not work: ${error.message}`;
      button.disabled = false;
    }
  });
  await show();
}
