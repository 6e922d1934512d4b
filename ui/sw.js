// The service worker, served at /sw.js so it covers every page. The server puts the line
// `const SHELL = [...]` (this build's asset URLs) before this file, so each build is a new
// worker with its own cache.
//
// - Assets (content-hashed, immutable) come from the cache once fetched; the shell's are
//   fetched at install, so a chat page opens without a network and shows it is reconnecting.
// - Chat pages (`/rooms/…`, `/dm/…`) come from the network, and from the last copy when there
//   is none. Signing out forgets every copy.
// - A push shows a notification (src/push/payload.rs says what it holds); a click on it opens
//   its room, in a confab tab already open if there is one.

/* global SHELL */

const ASSETS = `confab-assets-${SHELL.length ? SHELL[0].split('/')[2] : 'none'}`;
const PAGES = 'confab-pages';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(ASSETS);
    await cache.addAll(SHELL);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('confab-assets-') && name !== ASSETS) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function isChatPage(url) {
  return url.origin === self.location.origin && /^\/(rooms|dm)\/[^/]+$/.test(url.pathname);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === 'POST' && url.pathname === '/logout') {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== 'GET') return;
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith((async () => {
      const cached = await caches.match(request);
      if (cached) return cached;
      const answer = await fetch(request);
      if (answer.ok) (await caches.open(ASSETS)).put(request, answer.clone());
      return answer;
    })());
  } else if (request.mode === 'navigate' && isChatPage(url)) {
    event.respondWith((async () => {
      try {
        const answer = await fetch(request);
        if (answer.ok) (await caches.open(PAGES)).put(request, answer.clone());
        return answer;
      } catch (error) {
        const cached = await caches.match(request, { cacheName: PAGES });
        if (cached) return cached;
        throw error;
      }
    })());
  }
});

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const icon = SHELL.find((path) => path.endsWith('/icons/icon-192.png'));
  event.waitUntil(self.registration.showNotification(data.title || 'confab', {
    body: data.body || 'New message',
    tag: data.tag,
    icon,
    data: { url: data.url || '/' },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || '/', self.location.origin);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const same = windows.find((client) => new URL(client.url).pathname === target.pathname);
    if (same) return same.focus();
    const any = windows.find((client) => 'navigate' in client);
    if (any) {
      await any.focus();
      return any.navigate(target.href);
    }
    return self.clients.openWindow(target.href);
  })());
});
