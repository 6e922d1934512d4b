// This browser's Web Push subscription: made with the server's key and handed to the server,
// or ended on both sides. Needs the service worker (/sw.js), which shows what is pushed.

/** Whether this browser can be pushed to at all. */
export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && typeof window.Notification === 'function';
}

/** base64url → bytes, as `applicationServerKey` takes them. */
export function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function registration() {
  await navigator.serviceWorker.register('/sw.js');
  return navigator.serviceWorker.ready;
}

/** This browser's subscription, if it has one. */
export async function currentSubscription() {
  if (!pushSupported()) return null;
  return (await registration()).pushManager.getSubscription();
}

async function send(method, path, body) {
  const answer = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!answer.ok) {
    const problem = await answer.json().catch(() => ({}));
    throw new Error(problem.message || `The server answered ${answer.status}.`);
  }
  return answer.status === 204 ? null : answer.json();
}

/** Subscribes this browser (the permission must be granted) and tells the server. */
export async function subscribe() {
  const { public_key: key } = await send('GET', '/api/v1/push/key');
  const pushManager = (await registration()).pushManager;
  let subscription = await pushManager.getSubscription();
  if (!subscription) {
    subscription = await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
  }
  return send('POST', '/api/v1/push/subscriptions', subscription.toJSON());
}

/** Ends this browser's subscription here and on the server. */
export async function unsubscribe() {
  const subscription = await currentSubscription();
  if (!subscription) return;
  // The same browser's subscription again names the one the server keeps.
  const { id } = await send('POST', '/api/v1/push/subscriptions', subscription.toJSON());
  await send('DELETE', `/api/v1/push/subscriptions/${id}`);
  await subscription.unsubscribe();
}
