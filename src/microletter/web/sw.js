// @ts-check
// The service worker: keeps the app shell (this version's files) for offline starts, and
// the pictures of recent chats (thumbnails, and small images that have none) so a chat
// opened offline still shows them. The server fills in VERSION and SHELL when it serves
// this file, so a new release is a new worker. API calls, the WebSocket and other media
// never pass through a cache.
const VERSION = "__VERSION__";
const SHELL = __ASSETS__;
// The first letters of the links that codes carry (/u/<name>, /i/<token>, ...: js/links.js);
// the server serves the shell at them, so offline they open the cached shell too.
const LINK_PREFIXES = __LINK_PREFIXES__;
// `self` as what it is here (for the type checker; the same object).
const worker = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
const CACHE = `microletter-shell-${VERSION}`;
// Pictures, across versions: keyed by the media path without its signature (a signed link
// changes every hour; the bytes behind /m/<id> never do). Emptied when the user logs out.
const PICTURES = "microletter-pictures";
const KEEP_PICTURES = 400; // the newest pictures kept; older ones are dropped
const SMALL_IMAGE = 512 * 1024; // an image without a thumbnail is kept only below this
const MEDIA_PATH = /^\/m\/[0-9a-f]{64}(\/thumbnail)?$/;

worker.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("microletter-shell-") && k !== CACHE).map((k) => caches.delete(k))),
      )
      .then(() => worker.clients.claim()),
  );
});

/** Network first for the shell page (so a new version shows at once), cache when offline. */
/** @param {Request} request */
async function shellPage(request) {
  const cache = await caches.open(CACHE);
  try {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 4000);
    const response = await fetch(request, { signal: controller.signal });
    clearTimeout(timer);
    if (response.ok && new URL(request.url).pathname === "/") await cache.put("/", response.clone());
    return response;
  } catch {
    return (await cache.match("/")) || Response.error();
  }
}

/** Versioned files never change: cache first. */
/** @param {Request} request */
async function versioned(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && new URL(request.url).pathname.startsWith(`/v/${VERSION}/`)) {
    await cache.put(request, response.clone());
  }
  return response;
}

/**
 * A picture: from the network when it answers (kept for later if it is one), else the copy
 * kept under its path. A link without a signature (what the page asks for when it could
 * not get one, offline) is only looked up.
 * @param {Request} request
 * @param {URL} url
 */
async function picture(request, url) {
  const cache = await caches.open(PICTURES);
  const key = url.pathname;
  if (!url.searchParams.has("s")) return (await cache.match(key)) || fetch(request);
  try {
    const response = await fetch(request);
    const type = response.headers.get("Content-Type") || "";
    const size = Number(response.headers.get("Content-Length") || SMALL_IMAGE + 1);
    if (response.ok && type.startsWith("image/") && (key.endsWith("/thumbnail") || size <= SMALL_IMAGE)) {
      await cache.put(key, response.clone());
      trim(cache);
    }
    return response;
  } catch (err) {
    const kept = await cache.match(key);
    if (kept) return kept;
    throw err;
  }
}

/** Keep the newest KEEP_PICTURES (a cache lists its keys in the order they were put). */
/** @param {Cache} cache */
async function trim(cache) {
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - KEEP_PICTURES))) await cache.delete(old);
}

worker.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin) return;
  const link = /^\/([a-z])\/[^/]+\/?$/.exec(url.pathname);
  if (request.mode === "navigate" && (url.pathname === "/" || (link && LINK_PREFIXES.includes(link[1])))) {
    event.respondWith(shellPage(request));
  } else if (url.pathname.startsWith("/v/")) {
    event.respondWith(versioned(request));
  } else if (MEDIA_PATH.test(url.pathname) && !request.headers.has("range")) {
    event.respondWith(picture(request, url));
  }
});

// The page says who is gone (logged out): their pictures go with them.
worker.addEventListener("message", (event) => {
  if (event.data?.type === "forget-pictures") event.waitUntil(caches.delete(PICTURES));
});

worker.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = event.notification.data?.url || "/#/chats";
  event.waitUntil(
    (async () => {
      const windows = await worker.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of windows) {
        if ("focus" in client) {
          await client.focus();
          client.postMessage({ type: "open", url: target });
          return;
        }
      }
      await worker.clients.openWindow(target);
    })(),
  );
});
