// The hosted voucher's service worker (scope /v/): after one visit, the page, its script
// and the widget open with no network, so the widget can show its own saved copy of the
// voucher, marked offline. It never answers /v1/ (the API) from a cache: a voucher's
// state comes from the network or from the widget's copy, which says how old it is.
//
// The page fills the cache itself (hosted.js, once the voucher showed): the first visit's
// requests happen before this worker runs.
const CACHE = 'vale-hosted-1';
/** Where the hosted page is kept: every /v/{id} is the same page. */
const PAGE = '/v/';
/**
 * Kept copies are found by their key alone: a response that varies (on Accept-Encoding,
 * say) would otherwise match only a request with the same headers, and a key has none.
 */
const MATCH = { ignoreVary: true };

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/**
 * The network's answer, kept when good (unless `keep` is false); the kept one when the
 * network fails.
 */
async function networkFirst(request, key, keep = true) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (keep && response.ok) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(key, MATCH);
    if (kept) return kept;
    throw error;
  }
}

/** A content-named file never changes: the kept copy, else the network's. */
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, MATCH);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/v1/')) return;
  if (request.mode === 'navigate' && url.pathname.startsWith('/v/')) {
    // The page as sent has this voucher drawn in it: the copy kept for every voucher is
    // the shell hosted.js puts (no voucher in it), never this one.
    event.respondWith(networkFirst(request, PAGE, false));
  } else if (/^\/widget\/vale\.[0-9a-f]{16}\.wasm$/.test(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (['/widget/vale.js', '/hosted.js', '/favicon.svg'].includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});
