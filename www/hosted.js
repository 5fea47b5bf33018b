// The hosted voucher page, /v/{id}?cs={client_secret}: the same widget, alone on a page a
// shopper can bookmark, reopen after a pop-up closed, or print, and (after one visit)
// open again with no network: sw.js keeps the page and the widget, the widget keeps its
// last answer. The edge usually sends the page with the element in place and the voucher
// already drawn in it (edge/src/hosted/first.rs); the widget takes over from there.
import { wasmUrl } from '/widget/vale.js';

/** The element the edge put in the page (with the voucher drawn in it), else a new one. */
function element() {
  const placed = document.querySelector('#slot > vale-voucher');
  if (placed) return placed;
  const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
  const clientSecret = new URLSearchParams(location.search).get('cs') ?? '';
  const voucher = document.createElement('vale-voucher');
  voucher.setAttribute('voucher', id);
  voucher.setAttribute('client-secret', clientSecret);
  document.getElementById('slot').append(voucher);
  return voucher;
}
const voucher = element();

/**
 * The files this visit used that sw.js serves offline, put in its cache by the page. Each
 * is fetched past the HTTP cache (`reload`): a revalidation could answer `304`, which is
 * no copy to keep (and made `cache.addAll` drop the whole batch), and each is kept on its
 * own, so one failure loses only itself.
 */
async function keepForOffline() {
  const cache = await caches.open('vale-hosted-1');
  const keep = async (url, key = url, headers = {}) => {
    const response = await fetch(url, { cache: 'reload', headers });
    if (response.ok) await cache.put(key, response);
  };
  await Promise.all([
    // One copy of the page serves every voucher offline: the shell, with no voucher in it.
    keep(location.href, '/v/', { 'X-Vale-Shell': '1' }),
    ...['/hosted.js', '/widget/vale.js', '/favicon.svg', wasmUrl().pathname].map((url) => keep(url)),
  ]);
}

if ('serviceWorker' in navigator && 'caches' in window) {
  navigator.serviceWorker.register('/sw.js', { scope: '/v/' }).catch(() => {});
  voucher.addEventListener('vale:ready', () => {
    keepForOffline().catch(() => {});
  }, { once: true });
}
