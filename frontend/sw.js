// h2chat's service worker (served at /sw.js, scope /). Two jobs:
//
// 1. Offline-first start for h2chat's own files. On install it fetches the page, finds the
//    files the page links (trunk's hashed module, wasm and stylesheet, the manifest and
//    icons) and keeps them in a cache named after the build the page registered it for
//    (`/sw.js?build=NAME`): a new build registers a new worker, which fills its own cache
//    and deletes the old ones. Files whose names carry trunk's hash never change and are
//    answered from the cache; the page and the other files are fetched from the network
//    first (and the cache refreshed), and answered from the cache only when that fails.
//    Navigations to the app's own paths (/, /r/ID, /signin, ...) get the cached page.
//    The API, the message streams, anything but GET and other origins are never
//    intercepted: the browser handles them as if there were no worker.
// 2. Notifications the page raised through it: a click focuses an open h2chat tab and
//    tells it which room to show (`{type: "open", url}`), or opens a new one there.

const BUILD = new URL(self.location.href).searchParams.get('build') || 'unversioned';
const CACHE = 'h2chat-shell-' + BUILD;
// Files every build has though the page does not link them all.
const EXTRA = ['/manifest.webmanifest', '/icon.svg', '/icon-unread.svg', '/icon-192.png'];
// Paths that are never cached: data, not the app.
const LIVE = /^\/(api|msgs|healthz|readyz|metrics)(\/|$)|^\/sw\.js$/;
// trunk's content hash in a file name (16 hex digits), as the backend's is_hashed_asset.
const HASHED = /[-_.][0-9a-f]{16,}[-_.]/;

function shellFiles(html) {
  const files = new Set(['/']);
  for (const match of html.matchAll(/\s(?:href|src)="(\/[^"]*)"/g)) {
    const url = new URL(match[1], self.location.origin);
    if (url.origin === self.location.origin && !LIVE.test(url.pathname)) {
      files.add(url.pathname);
    }
  }
  for (const file of EXTRA) files.add(file);
  return [...files];
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const page = await fetch('/', { cache: 'no-cache' });
    if (!page.ok) throw new Error('the page answered ' + page.status);
    await cache.put('/', page.clone());
    const files = shellFiles(await page.text()).filter((f) => f !== '/');
    await Promise.all(files.map(async (file) => {
      try {
        const response = await fetch(file);
        if (response.ok) await cache.put(file, response);
      } catch (err) {
        console.warn('h2chat service worker: not cached', file, err);
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('h2chat-shell-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function cacheable(response) {
  return response.status === 200 && response.type === 'basic';
}

function isPage(response) {
  return (response.headers.get('content-type') || '').startsWith('text/html');
}

// `page`: only an HTML answer may stand for the app's page (a navigation to an image
// must not replace it).
async function networkFirst(request, key, page) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (cacheable(response) && (!page || isPage(response))) {
      await cache.put(key, response.clone());
    }
    return response;
  } catch (err) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (cacheable(response)) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || LIVE.test(url.pathname)) return;
  if (request.headers.get('accept')?.includes('text/event-stream')) return;
  if (request.headers.has('range')) return;
  if (request.mode === 'navigate') {
    // Every page of the app is the same index.html; the frontend reads the path.
    event.respondWith(networkFirst(request, '/', true));
  } else if (HASHED.test(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else {
    event.respondWith(networkFirst(request, url.pathname, false));
  }
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  // Only the app's own room pages: never another origin (`//host` is one).
  const path = typeof data.url === 'string' && /^\/(r\/\d+)?$/.test(data.url) ? data.url : '/';
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((c) => new URL(c.url).origin === self.location.origin);
    if (open) {
      open.postMessage({ type: 'open', url: path });
      await open.focus();
    } else {
      await self.clients.openWindow(path);
    }
  })());
});
