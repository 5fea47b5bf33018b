// Starts the dashboard's wasm (its `start` mounts the app). A module file, not an inline
// script, so the page's Content-Security-Policy allows no inline script at all.
//
// While the wasm downloads and compiles, the first view's requests already go out: which
// sessions are open, and (on the vouchers view) the newest vouchers. The app takes each
// answer once, in place of its own first request (`api::call`), and asks again itself
// when it was not a success (e.g. a 401 before sign-in).
import init from './vale_dashboard.js';

const [, mode, view] = location.hash.replace(/^#\/?/, '/').split('/');
const grab = (url) => fetch(url, { credentials: 'same-origin' })
  .then(async (r) => ({ status: r.status, text: await r.text() }), () => null);
window.valePrefetch = { '/dashboard/session': grab('/dashboard/session') };
if (!view || view === 'vouchers') {
  const url = `/dashboard/api/${mode === 'live' ? 'live' : 'test'}/v1/vouchers?limit=20`;
  window.valePrefetch[url] = grab(url);
}

init({ module_or_path: new URL('./vale_dashboard_bg.wasm', import.meta.url) });
